"""A corpus of malformed VCFs (made at test time from the real ones, tests/vcf_corpus.py) through the
platform: each is rejected at intake (its header says so) or its run fails, with a message naming the
problem, is archived once, and a failed run is not retried (the data's fault). The sensors never fail a
tick, and a valid upload right after succeeds."""

from __future__ import annotations

import io
import time
import uuid
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from genolake_core.docstore import DocStore
from genolake_core.layout import normalized_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import (
    DagsterRuns,
    bcftools_records,
    failed_ticks,
    normalize_manifest,
    put_manifest,
    upload_vcf,
    wait_for,
)
from tests.vcf_corpus import malformed_vcfs

pytestmark = pytest.mark.integration


def _final(docs: DocStore, batch_id: str) -> dict[str, Any] | None:
    doc = docs.get_manifest(batch_id)
    if (
        doc is None
        or doc.get("status") not in {"success", "failed", "rejected"}
        or not doc.get("archive_key")
    ):
        return None
    return doc


def test_malformed_vcfs_are_refused_naming_the_problem(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    user: str,
    antku_vcf: Path,
    chr22_vcf: Path,
    tmp_path: Path,
) -> None:
    started = time.time()
    corpus = malformed_vcfs(antku_vcf, chr22_vcf, tmp_path / "corpus")
    batches = {}
    for case in corpus:
        key, digest = upload_vcf(store, settings, user, case.path)
        batch_id = f"vcf-{case.name.split('.')[0]}-{uuid.uuid4().hex[:8]}"
        extra = {"sample": case.sample} if case.sample else {"sample": "antku"}
        put_manifest(
            store, settings, user, batch_id, normalize_manifest(batch_id, user, key, digest, **extra)
        )
        batches[case.name] = batch_id

    for case in corpus:
        batch_id = batches[case.name]
        doc = wait_for(f"{case.name} to end", lambda batch_id=batch_id: _final(docs, batch_id), timeout=600)
        assert doc["status"] == case.outcome, (
            case.name,
            doc["status"],
            doc.get("reasons"),
            doc.get("errors"),
        )
        messages = doc.get("reasons", []) + doc.get("errors", [])
        assert case.outcome == "success" or any(
            case.expected.lower() in message.lower() for message in messages
        ), (case.name, messages)
        # archived once: the manifest left the landing zone for exactly one archive object
        assert store.head(settings.landing_bucket, doc["source"]["key"]) is None
        archived = [
            info.key
            for info in store.list(settings.landing_bucket, "archive/")
            if f"/{user}/" in info.key and f"/{batch_id}.json." in info.key
        ]
        assert archived == [doc["archive_key"]], (case.name, archived)
        runs = dagster_runs.for_batch(batch_id)
        if case.outcome == "rejected":
            assert runs == [], case.name
        elif case.outcome == "failed":  # the data's fault: one attempt, not retried
            assert [run["status"] for run in runs] == ["FAILURE"], (case.name, runs)
            assert doc["attempt_count"] == 1 and doc["failures"][0]["retried"] is False, case.name
        else:  # CRLF: read exactly as the LF original (bcftools)
            frame = pl.read_parquet(
                io.BytesIO(store.open(settings.lake_bucket, normalized_key(user, "antku")).read())
            )
            got = {
                (row["chrom"], row["start"], row["ref"], ",".join(row["alts"]), row["gt"])
                for row in frame.iter_rows(named=True)
            }
            assert got == bcftools_records(antku_vcf)

    assert failed_ticks(settings, started) == []
    key, digest = upload_vcf(store, settings, user, antku_vcf, name="after.vcf")
    after = f"vcf-after-{uuid.uuid4().hex[:8]}"
    put_manifest(store, settings, user, after, normalize_manifest(after, user, key, digest, sample="after"))
    doc = wait_for("a valid upload after the corpus", lambda: _final(docs, after), timeout=240)
    assert doc["status"] == "success", doc
