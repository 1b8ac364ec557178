"""A failed run is retried from Dagster (re-execution, as the UI does) and the documents follow;
documents that missed an update are repaired by the reconciler."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from genolake_cli.stack import NativeStack
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import DagsterRuns, normalize_manifest, put_manifest, upload_vcf, wait_for

pytestmark = pytest.mark.integration

REEXECUTE = """
mutation Reexecute($parentRunId: String!) {
  launchPipelineReexecution(reexecutionParams: {parentRunId: $parentRunId, strategy: ALL_STEPS}) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""


def test_failed_run_is_reexecuted_from_dagster(
    stack: NativeStack,
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    user: str,
    antku_vcf: Path,
) -> None:
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"retry-{uuid.uuid4().hex[:12]}"
    put_manifest(store, settings, user, "retry", normalize_manifest(batch_id, user, vcf_key, digest))
    # The input disappears between acceptance and the run (the run process needs seconds to start).
    wait_for(
        "the batch to be accepted",
        lambda: (docs.get_manifest(batch_id) or {}).get("status") == "queued",
        timeout=60,
        interval=0.05,
    )
    store.delete(settings.landing_bucket, vcf_key)

    failed = wait_for(
        "the manifest to fail",
        lambda: (docs.get_manifest(batch_id) or {}).get("status") == "failed" and docs.get_manifest(batch_id),
        timeout=180,
    )
    assert any(vcf_key in error and "does not exist" in error for error in failed["errors"]), failed["errors"]
    [first] = dagster_runs.for_batch(batch_id)
    assert first["status"] == "FAILURE"

    # The input is back (same bytes, same ETag); re-execute the failed run through Dagster's GraphQL API.
    upload_vcf(store, settings, user, antku_vcf)
    response = httpx.post(
        f"http://127.0.0.1:{stack.ports.webserver}/graphql",
        json={"query": REEXECUTE, "variables": {"parentRunId": first["run_id"]}},
        timeout=60,
    )
    result = response.json()["data"]["launchPipelineReexecution"]
    assert result["__typename"] == "LaunchRunSuccess", result
    retry_id = result["run"]["runId"]

    done = wait_for(
        "the retried batch to succeed",
        lambda: (
            (docs.get_manifest(batch_id) or {}).get("status") == "success" and docs.get_manifest(batch_id)
        ),
        timeout=180,
    )
    assert done["latest_run_ids"] == [retry_id]
    assert set(done["run_ids"]) == {first["run_id"], retry_id}
    assert done["errors"] == []
    retry_doc = docs.runs.find_one({"_id": retry_id})
    assert retry_doc["root_run_id"] == first["run_id"] and retry_doc["parent_run_id"] == first["run_id"]
    assert [run["status"] for run in dagster_runs.for_batch(batch_id)] == ["FAILURE", "SUCCESS"]


def test_reconciler_repairs_documents_that_missed_updates(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    user: str,
    antku_vcf: Path,
) -> None:
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"lost-{uuid.uuid4().hex[:12]}"
    put_manifest(store, settings, user, "lost", normalize_manifest(batch_id, user, vcf_key, digest))
    wait_for("success", lambda: (docs.get_manifest(batch_id) or {}).get("status") == "success", timeout=180)
    [run] = dagster_runs.for_batch(batch_id)

    # As if every status event had been missed (e.g. Mongo was down): the run document is gone and
    # the manifest still says queued, untouched for a while.
    docs.runs.delete_one({"_id": run["run_id"]})
    docs.manifests.update_one(
        {"_id": batch_id},
        {"$set": {"status": "queued", "updated_at": datetime.now(UTC) - timedelta(minutes=5)}},
    )
    started = time.monotonic()
    wait_for(
        "the reconciler to repair the batch",
        lambda: (docs.get_manifest(batch_id) or {}).get("status") == "success",
        timeout=120,
    )
    assert docs.runs.find_one({"_id": run["run_id"]})["status"] == "SUCCESS"
    assert time.monotonic() - started < 120
