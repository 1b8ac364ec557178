"""Invalid manifests are archived under archive/rejected/, documented with reasons, and launch nothing."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import DagsterRuns, normalize_manifest, put_manifest, upload_vcf, wait_for

pytestmark = pytest.mark.integration


def test_invalid_manifests_are_rejected_with_reasons(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    user: str,
    antku_vcf: Path,
) -> None:
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    other_key, _ = upload_vcf(store, settings, "someone-else", antku_vcf)
    wrong_sha = hashlib.sha256(b"not the file").hexdigest()

    def batch() -> str:
        return f"bad-{uuid.uuid4().hex[:12]}"

    # name -> (manifest body, substring every reason list must contain)
    cases: dict[str, tuple[dict[str, Any] | bytes, str]] = {
        "bad-json": (b'{"batch_id": "x", "intent": ', "not valid JSON"),
        "not-an-object": (b"[1, 2, 3]", "JSON object"),
        "unknown-intent": (
            {**normalize_manifest(batch(), user, vcf_key, digest), "intent": "sequence-my-cat"},
            "unknown intent 'sequence-my-cat'",
        ),
        "missing-file": (
            normalize_manifest(batch(), user, f"uploads/{user}/nope.vcf", None),
            "does not exist",
        ),
        "wrong-sha256": (normalize_manifest(batch(), user, vcf_key, wrong_sha), "sha256 of"),
        "outside-area": (normalize_manifest(batch(), user, other_key, None), "outside the uploader's area"),
        "traversal": (
            normalize_manifest(batch(), user, f"uploads/{user}/../someone-else/antku_small.vcf", None),
            "outside the uploader's area",
        ),
        "missing-build": (
            {
                k: v
                for k, v in normalize_manifest(batch(), user, vcf_key, digest).items()
                if k != "genome_build"
            },
            "genome_build",
        ),
        "wrong-build": (
            {**normalize_manifest(batch(), user, vcf_key, digest), "genome_build": "GRCh37"},
            "the VCF header says GRCh38",
        ),
        "other-users-folder": (
            normalize_manifest(batch(), "someone-else", other_key, None),
            "may not place manifests",
        ),
    }
    keys = {name: put_manifest(store, settings, user, name, body) for name, (body, _) in cases.items()}

    for name, key in keys.items():
        doc = wait_for(
            f"a rejection document for {name}",
            lambda key=key: docs.manifests.find_one({"source.key": key, "status": "rejected"}),
            timeout=90,
        )
        expected = cases[name][1]
        assert any(expected in reason for reason in doc["reasons"]), (name, doc["reasons"])
        archived = wait_for(
            f"{name} archived",
            lambda key=key, doc=doc: (
                store.head(settings.landing_bucket, key) is None
                and store.head(settings.landing_bucket, doc["archive_key"])
            ),
        )
        assert archived.metadata.get("outcome") == "rejected"
        assert doc["archive_key"].startswith(f"archive/rejected/{user}/")
        if doc.get("batch_id"):
            assert dagster_runs.for_batch(doc["batch_id"]) == [], name
