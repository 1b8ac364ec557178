"""One manifest object can never block another, whatever its bytes.

Each input below once made the intake sensors raise inside their tick (issue #13): the tick failed
on every retry while the object stayed in the landing zone, so manifests listed after it were never
read and every lane stopped. Now each is rejected with a reason that names the problem and archived
once, the sensors' ticks do not fail, and valid manifests around them still succeed.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import (
    failed_ticks,
    normalize_manifest,
    put_manifest,
    upload_vcf,
    wait_for,
)

pytestmark = pytest.mark.integration


def _final(docs: DocStore, batch_id: str) -> dict[str, Any] | None:
    doc = docs.get_manifest(batch_id)
    return doc if doc and doc.get("status") in {"success", "failed", "rejected"} else None


def _rejection(docs: DocStore, store: ObjectStore, settings: Settings, key: str) -> dict[str, Any] | None:
    """The rejection document of manifest object `key`, once the object has moved to its archive."""
    doc = docs.manifests.find_one({"source.key": key, "status": "rejected"})
    if doc is None or store.head(settings.landing_bucket, key) is not None:
        return None
    return doc


def test_malformed_manifests_never_block_intake(
    settings: Settings, store: ObjectStore, docs: DocStore, user: str, antku_vcf: Path
) -> None:
    started = time.time()
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)

    def valid(batch_id: str) -> dict[str, Any]:
        return normalize_manifest(batch_id, user, vcf_key, digest, sample="antku")

    nested = (
        b'{"manifest_version": 1, "intent": "normalize", "tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    )
    # name -> (bytes, a word every reason list must contain)
    cases: dict[str, tuple[bytes, str]] = {
        "b-nested": (nested, "nested"),
        "c-nul-batch": (json.dumps(valid("ab\u0000cd")).encode(), "batch_id"),
        "d-surrogate-batch": (json.dumps(valid("ab\ud800cd")).encode(), "batch_id"),
        "e-nul-intent": (
            json.dumps({**valid(f"i-{uuid.uuid4().hex}"), "intent": "norm\u0000alize"}).encode(),
            "intent",
        ),
        "f-surrogate-intent": (
            json.dumps({**valid(f"i-{uuid.uuid4().hex}"), "intent": "norm\udc00alize"}).encode(),
            "intent",
        ),
        "g-long-batch": (json.dumps(valid("x" * 10_000)).encode(), "batch_id"),
        "h-utf16": (json.dumps(valid(f"u-{uuid.uuid4().hex}")).encode("utf-16"), "UTF-8"),
        "i-nul-key": (
            json.dumps(
                normalize_manifest(f"k-{uuid.uuid4().hex}", user, f"uploads/{user}/a\u0000b.vcf", None)
            ).encode(),
            "files",
        ),
    }
    first, last = f"first-{uuid.uuid4().hex}", f"last-{uuid.uuid4().hex}"
    keys = {"a-first": put_manifest(store, settings, user, "a-first", valid(first))}
    for name, (body, _) in cases.items():
        keys[name] = put_manifest(store, settings, user, name, body)
    keys["z-last"] = put_manifest(store, settings, user, "z-last", valid(last))

    for name, (_, word) in cases.items():
        doc = wait_for(
            f"{name} rejected and archived",
            lambda name=name: _rejection(docs, store, settings, keys[name]),
            timeout=120,
        )
        assert any(word in reason for reason in doc["reasons"]), (name, doc["reasons"])
        archived = store.head(settings.landing_bucket, doc["archive_key"])
        assert archived is not None, name
        assert archived.metadata["outcome"] == "rejected"
        assert docs.get_manifest(archived.metadata["doc-id"])["source"]["key"] == keys[name], name
        matching = docs.manifests.count_documents({"source.key": keys[name]})
        assert matching == 1, (name, matching)

    for batch_id in (first, last):
        doc = wait_for(f"{batch_id} to finish", lambda batch_id=batch_id: _final(docs, batch_id), timeout=240)
        assert doc["status"] == "success", doc
    assert failed_ticks(settings, started) == []


def test_rejected_uploads_of_one_batch_id_keep_their_own_reasons(
    settings: Settings, store: ObjectStore, docs: DocStore, user: str, antku_vcf: Path
) -> None:
    """Two rejected uploads with the same batch id: each archive's doc-id points at its own reasons."""
    vcf_key, _ = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"twice-{uuid.uuid4().hex[:12]}"
    wrong = "0" * 64
    one = put_manifest(
        store, settings, user, "one", normalize_manifest(batch_id, user, f"uploads/{user}/missing.vcf", None)
    )
    two = put_manifest(store, settings, user, "two", normalize_manifest(batch_id, user, vcf_key, wrong))
    expected = {one: "does not exist", two: "sha256 of"}
    for key, word in expected.items():
        doc = wait_for(f"{key} rejected", lambda key=key: _rejection(docs, store, settings, key), timeout=120)
        archived = store.head(settings.landing_bucket, doc["archive_key"])
        assert archived is not None
        own = docs.get_manifest(archived.metadata["doc-id"])
        assert own["source"]["key"] == key
        assert any(word in reason for reason in own["reasons"]), own["reasons"]
        assert own["batch_id"] == batch_id
