"""The normalize lane end to end: boto3 upload -> sensor -> Dagster run -> parquet in the lake -> docs
-> API."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx
import polars as pl
import pytest
from genolake_core.docstore import DocStore
from genolake_core.layout import normalized_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import (
    DagsterRuns,
    bcftools_records,
    normalize_manifest,
    put_manifest,
    upload_vcf,
    wait_for,
)

pytestmark = pytest.mark.integration


def _final(docs: DocStore, batch_id: str) -> dict | None:
    doc = docs.get_manifest(batch_id)
    return doc if doc and doc.get("status") in {"success", "failed", "rejected"} else None


def test_vcf_becomes_normalized_parquet(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    api: httpx.Client,
    dagster_runs: DagsterRuns,
    user: str,
    auth: dict[str, str],
    antku_vcf: Path,
) -> None:
    ready = api.get("/ready")
    assert ready.status_code == 200 and set(ready.json()["checks"].values()) == {"ok"}, ready.text
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"b-{uuid.uuid4().hex}"
    manifest_key = put_manifest(
        store, settings, user, "antku", normalize_manifest(batch_id, user, vcf_key, digest, sample="antku")
    )

    doc = wait_for(f"batch {batch_id} to finish", lambda: _final(docs, batch_id), timeout=180)
    assert doc["status"] == "success", doc
    assert doc["partitions"] == [f"{user}/antku"]

    # Exactly the records bcftools sees, with the raw GT, in the lake.
    body = store.open(settings.lake_bucket, normalized_key(user, "antku")).read()
    frame = pl.read_parquet(io.BytesIO(body))
    expected = bcftools_records(antku_vcf)
    got = {
        (row["chrom"], row["start"], row["ref"], ",".join(row["alts"]), row["gt"])
        for row in frame.select("chrom", "start", "ref", "alts", "gt").iter_rows(named=True)
    }
    assert frame.height == len(expected)
    assert got == expected

    # Dagster's storage in Postgres has one successful run, and the documents name it.
    runs = dagster_runs.for_batch(batch_id)
    assert [run["status"] for run in runs] == ["SUCCESS"]
    run_id = runs[0]["run_id"]
    assert doc["latest_run_ids"] == [run_id]
    run_doc = wait_for("the run document", lambda: docs.runs.find_one({"_id": run_id, "status": "SUCCESS"}))
    assert run_doc["partition"] == f"{user}/antku"
    assert run_doc["lane"] == "normalize"

    # The manifest left the landing zone for the archive only after its run existed.
    # The document names the archive key first, then the manifest is copied there and deleted (each step
    # repeatable after a crash), so the move is awaited, not assumed done when the key appears.
    archived = wait_for(
        "the manifest to be archived", lambda: (docs.get_manifest(batch_id) or {}).get("archive_key")
    )
    assert archived.startswith(f"archive/accepted/{user}/")
    wait_for(
        "the manifest to leave the landing zone",
        lambda: store.head(settings.landing_bucket, manifest_key) is None,
        timeout=30,
    )
    assert store.head(settings.landing_bucket, archived) is not None

    # The API lists the partition with its asset and the run that made it.
    listed = api.get("/partitions", params={"user": user}, headers=auth).json()
    assert [item["key"] for item in listed] == [f"{user}/antku"]
    asset = listed[0]["assets"]["normalized_variants"]
    assert asset["run_id"] == run_id
    assert asset["records_out"] == frame.height
    status = api.get(f"/manifests/{batch_id}", headers=auth).json()
    assert status["status"] == "success" and status["latest_run_ids"] == [run_id]


def test_same_manifest_twice_launches_one_run(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    user: str,
    antku_vcf: Path,
) -> None:
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"dup-{uuid.uuid4().hex}"
    manifest = normalize_manifest(batch_id, user, vcf_key, digest)
    # Two objects with the same manifest at once, then the same again after the first finished.
    put_manifest(store, settings, user, "first", manifest)
    put_manifest(store, settings, user, "second", manifest)
    wait_for(f"batch {batch_id} to finish", lambda: _final(docs, batch_id), timeout=180)
    put_manifest(store, settings, user, "third", manifest)

    def all_archived() -> bool:
        return not list(store.list(settings.landing_bucket, f"manifests/{user}/"))

    wait_for("every copy to be archived", all_archived, timeout=120)
    doc = docs.get_manifest(batch_id)
    assert doc is not None and doc["status"] == "success"
    assert len(doc.get("duplicate_uploads", [])) == 2, doc.get("duplicate_uploads")
    for key in [*doc["duplicate_uploads"], doc["archive_key"]]:
        assert store.head(settings.landing_bucket, key) is not None, key
    assert len(dagster_runs.for_batch(batch_id)) == 1

    # Different content under an accepted batch id is refused, and the batch stays as it was.
    changed = {**manifest, "tags": {"note": "changed"}}
    put_manifest(store, settings, user, "conflict", changed)
    wait_for("the conflicting manifest to be archived", all_archived, timeout=120)
    conflicts = list(docs.manifests.find({"batch_id": batch_id, "status": "rejected"}))
    assert len(conflicts) == 1
    assert "already accepted with different content" in conflicts[0]["reasons"][0]
    assert docs.get_manifest(batch_id)["status"] == "success"
    assert len(dagster_runs.for_batch(batch_id)) == 1
