"""The prs lane through MinIO and Dagster: a normalized partition scored against an uploaded scoring
file; the expected sum is computed here from bcftools' genotypes, independently of genolake_prs."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import polars as pl
import pytest
from genolake_core.docstore import DocStore
from genolake_core.layout import prs_scores_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import (
    DagsterRuns,
    custom_scoring_file,
    normalize_manifest,
    put_manifest,
    upload_vcf,
    wait_for,
)

pytestmark = pytest.mark.integration


def test_prs_lane_scores_a_normalized_partition(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    user: str,
    antku_vcf: Path,
    tmp_path: Path,
) -> None:
    # A PRS manifest before the partition exists is rejected with a reason.
    scoring = tmp_path / "custom_antku.txt"
    expected = custom_scoring_file(antku_vcf, scoring)
    scoring_key, _ = upload_vcf(store, settings, user, scoring, name="scores/custom_antku.txt")
    early = f"prs-early-{uuid.uuid4().hex[:8]}"
    prs = {
        "batch_id": early,
        "uploader": user,
        "intent": "prs",
        "sample": "antku",
        "genome_build": "GRCh38",
        "files": [{"key": scoring_key, "role": "scoring"}],
    }
    put_manifest(store, settings, user, "prs-early", prs)
    rejected = wait_for(
        "the early PRS manifest to be rejected",
        lambda: (docs.get_manifest(early) or {}).get("status") == "rejected" and docs.get_manifest(early),
    )
    assert "has no normalized variants" in rejected["reasons"][0]

    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    normalize_batch = f"n-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        "normalize",
        normalize_manifest(normalize_batch, user, vcf_key, digest, sample="antku"),
    )
    wait_for(
        "normalization",
        lambda: (docs.get_manifest(normalize_batch) or {}).get("status") == "success",
        timeout=180,
    )

    batch_id = f"prs-{uuid.uuid4().hex[:8]}"
    put_manifest(store, settings, user, "prs", {**prs, "batch_id": batch_id})
    doc = wait_for(
        "the PRS batch",
        lambda: (
            (docs.get_manifest(batch_id) or {}).get("status") in {"success", "failed"}
            and docs.get_manifest(batch_id)
        ),
        timeout=180,
    )
    assert doc["status"] == "success", doc.get("errors")
    assert [run["status"] for run in dagster_runs.for_batch(batch_id)] == ["SUCCESS"]

    scores = pl.read_parquet(
        io.BytesIO(store.open(settings.lake_bucket, prs_scores_key(user, "antku")).read())
    )
    [row] = scores.to_dicts()
    assert row["pgs_id"] == "CUSTOM_ANTKU" and row["sample"] == "antku"
    assert row["score_sum"] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert row["match_rate"] == 1.0
    assert row["variants_total"] == sum(1 for line in scoring.read_text().splitlines() if line[:1].isdigit())
    partition = docs.partitions.find_one({"_id": f"{user}/antku"})
    assert partition["assets"]["prs_scores"]["run_id"] == doc["latest_run_ids"][0]
