"""Dagster retries what is transient and only that: a run whose worker process dies is detected by run
monitoring (LocalRunLauncher's health check), failed, and re-executed automatically under the same root
run; the manifest counts the attempts and says why the first failed."""

from __future__ import annotations

import os
import re
import signal
import uuid
from pathlib import Path

import httpx
import psycopg2
import pytest
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import DagsterRuns, normalize_manifest, put_manifest, upload_vcf, wait_for

pytestmark = pytest.mark.integration

WORKER_STARTED = re.compile(r"Started process for run \(pid: (\d+)\)")


def worker_pid(settings: Settings, run_id: str) -> int | None:
    """The pid of the run's worker process, once it logged its start."""
    conn = psycopg2.connect(settings.postgres_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT event FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ENGINE_EVENT'",
                (run_id,),
            )
            for (event,) in cur.fetchall():
                match = WORKER_STARTED.search(event)
                if match:
                    return int(match.group(1))
    finally:
        conn.close()
    return None


def test_a_lost_run_worker_is_failed_and_retried(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    api: httpx.Client,
    user: str,
    auth: dict[str, str],
    antku_vcf: Path,
) -> None:
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"lost-worker-{uuid.uuid4().hex[:10]}"
    put_manifest(store, settings, user, "lost-worker", normalize_manifest(batch_id, user, vcf_key, digest))

    first = wait_for("the batch's run", lambda: dagster_runs.for_batch(batch_id), timeout=120, interval=0.2)[
        0
    ]
    pid = wait_for("the run worker to start", lambda: worker_pid(settings, first["run_id"]), interval=0.1)
    os.kill(pid, signal.SIGKILL)  # the run worker of our own test stack dies mid-run

    doc = wait_for(
        "the retried batch to succeed",
        lambda: (
            (docs.get_manifest(batch_id) or {}).get("status") in {"success", "failed"}
            and docs.get_manifest(batch_id)
        ),
        timeout=240,
    )
    runs = dagster_runs.for_batch(batch_id)
    assert [run["status"] for run in runs] == ["FAILURE", "SUCCESS"], runs
    assert doc["status"] == "success", doc
    retry = docs.runs.find_one({"_id": runs[1]["run_id"]})
    assert retry["root_run_id"] == first["run_id"] and retry["parent_run_id"] == first["run_id"]
    assert doc["attempt_count"] == 2 and doc["errors"] == []
    [failure] = doc["failures"]
    assert failure["run_id"] == first["run_id"] and failure["attempt"] == 1 and failure["retried"] is True
    assert "from outside the execution context" in failure["error"], failure
    assert f"Cause: [DagsterApiServer] Run execution process for {first['run_id']}" in failure["error"]
    assert "terminated by signal 9" in failure["error"], failure

    # The API shows both attempts under one root run, and why the first failed.
    shown = api.get(f"/manifests/{batch_id}", headers=auth).json()
    assert [(a["root_run_id"], [r["run_id"] for r in a["runs"]]) for a in shown["attempts"]] == [
        (first["run_id"], [run["run_id"] for run in runs])
    ]
    assert shown["attempt_count"] == 2 and shown["failures"][0]["retried"] is True
