"""Mirror one Dagster run into the `runs`, `manifests` and `partitions` documents (idempotent).

Mirrored: runs with a batch tag (requested by intake) and runs of the automation sensor (no batch).

Dagster's run storage is the truth; documents are derived from it and may be rewritten at any
time. A run document never moves back to an earlier status (see DocStore.upsert_run). A batch's
manifest status is derived from the latest attempt of each of its runs (re-executions, manual or
automatic, share a root run id): any failed -> failed, all succeeded -> success, any started ->
running, else queued. A failed attempt that Dagster will retry (tag `dagster/will_retry`) counts as
running: the batch is not final until its retry ends. The manifest counts its attempts
(`attempt_count`) and lists every failed one with why it failed (`failures`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dagster import DagsterEventType, DagsterInstance
from dagster._core.storage.tags import (
    PARENT_RUN_ID_TAG,
    PARTITION_NAME_TAG,
    ROOT_RUN_ID_TAG,
    RUN_FAILURE_REASON_TAG,
    RUN_KEY_TAG,
    WILL_RETRY_TAG,
)
from genolake_core.docstore import ACCEPTED_STATUSES, DocStore, ManifestStatus, utcnow

from genolake_dagster.tags import AUTOMATION_LANE, BATCH_TAG, LANE_TAG

MAX_ERROR_CHARS = 4000
# Dagster's message when something other than the run worker failed the run (the dequeuer, a user);
# the cause is then in the engine event logged just before.
OUTSIDE_FAILURE = "marked as failed from outside the execution context"


def _ts(value: float | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(value, tz=UTC)


def _error_text(error: Any) -> str:
    parts = [error.message.strip()]
    cause = error.cause
    while cause is not None and len(parts) < 4:
        parts.append(cause.message.strip())
        cause = cause.cause
    return "\n".join(parts)


def _engine_cause(instance: DagsterInstance, run_id: str) -> str | None:
    """The engine event logged last before the run failed (the dequeuer's error, the code server
    seeing its run process killed), as 'message: error'."""
    cause = None
    kinds = {DagsterEventType.ENGINE_EVENT, DagsterEventType.RUN_FAILURE}
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.RUN_FAILURE:
            break
        error = getattr(event.event_specific_data, "error", None)
        message = (event.message or "").strip()
        cause = f"{message}: {_error_text(error)}" if error is not None else message or cause
    return cause


def failure_summary(instance: DagsterInstance, run_id: str) -> str | None:
    """Why the run failed: the first step failure's message (with its cause), else the run failure's;
    a failure from outside the run (dequeue, monitoring) names the cause Dagster logged beside it."""
    for event_type in (DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE):
        for entry in instance.all_logs(run_id, of_type=event_type):
            event = entry.dagster_event
            data = event.event_specific_data if event else None
            error = getattr(data, "error", None)
            if error is not None:
                return _error_text(error)[:MAX_ERROR_CHARS]
            if event is not None and event.message:
                message = event.message.strip()
                if OUTSIDE_FAILURE in message:
                    cause = _engine_cause(instance, run_id)
                    if cause:
                        message = f"{message}\nCause: {cause}"
                return message[:MAX_ERROR_CHARS]
    return None


def _plain(value: Any) -> Any:
    inner = getattr(value, "value", value)
    if isinstance(inner, (str, int, float, bool)) or inner is None:
        return inner
    if isinstance(inner, (dict, list)):
        return inner
    return str(inner)


def record_materializations(instance: DagsterInstance, run_id: str, docs: DocStore) -> int:
    """Each materialization goes to the run document (`assets`, with its lineage) and, when
    partitioned, to the partition document (`assets.{asset}`)."""
    count = 0
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.asset_materialization
        if materialization is None:
            continue
        asset = materialization.asset_key.to_user_string()
        info = {name: _plain(value) for name, value in materialization.metadata.items()}
        info["run_id"] = run_id
        docs.record_run_asset(run_id, asset, {**info, "partition": materialization.partition})
        if materialization.partition is not None:
            docs.record_asset(materialization.partition, asset, info)
        count += 1
    return count


def _effective_status(run: dict[str, Any]) -> str:
    """A failed attempt that Dagster will retry is still in progress."""
    if run["status"] == "FAILURE" and run.get("will_retry"):
        return "STARTED"
    return str(run["status"])


def derive_manifest_status(runs: list[dict[str, Any]], planned: int) -> ManifestStatus:
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:  # sorted by created_at: later attempts replace earlier ones
        latest[run.get("root_run_id") or run["_id"]] = run
    statuses = [_effective_status(run) for run in latest.values()]
    if any(status in {"FAILURE", "CANCELED"} for status in statuses):
        return ManifestStatus.FAILED
    if statuses and all(status == "SUCCESS" for status in statuses) and len(statuses) >= planned:
        return ManifestStatus.SUCCESS
    if any(status in {"STARTING", "STARTED", "SUCCESS"} for status in statuses):
        return ManifestStatus.RUNNING
    return ManifestStatus.QUEUED


def refresh_manifest(docs: DocStore, batch_id: str) -> ManifestStatus | None:
    doc = docs.get_manifest(batch_id)
    if doc is None or doc.get("status") not in ACCEPTED_STATUSES:
        return None
    runs = docs.runs_for_batch(batch_id)
    status = derive_manifest_status(runs, planned=len(doc.get("run_keys", [])))
    latest = {}
    for run in runs:
        latest[run.get("root_run_id") or run["_id"]] = run["_id"]
    fields: dict[str, Any] = {
        "status": status.value,
        "run_ids": [run["_id"] for run in runs],
        "latest_run_ids": sorted(latest.values()),
    }
    if status in {ManifestStatus.SUCCESS, ManifestStatus.FAILED}:
        fields["finished_at"] = max((run.get("end_time") or utcnow()) for run in runs)
    errors = [run["error"] for run in runs if run["_id"] in latest.values() and run.get("error")]
    fields["errors"] = errors
    fields["attempt_count"] = len(runs)
    fields["failures"] = attempt_failures(runs)
    docs.upsert_manifest(batch_id, fields)
    return status


def attempt_failures(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every failed attempt (runs sorted by creation): its run, root, attempt number within its root,
    Dagster's failure reason, the error, and whether Dagster retries it."""
    attempt: dict[str, int] = {}
    failures = []
    for run in runs:
        root = run.get("root_run_id") or run["_id"]
        attempt[root] = attempt.get(root, 0) + 1
        if run["status"] != "FAILURE":
            continue
        failures.append(
            {
                "run_id": run["_id"],
                "root_run_id": root,
                "attempt": attempt[root],
                "reason": run.get("failure_reason"),
                "error": run.get("error"),
                "retried": bool(run.get("will_retry")),
            }
        )
    return failures


def sync_run(instance: DagsterInstance, run_id: str, docs: DocStore, ui_url: str) -> bool:
    """Mirror run `run_id`; False if it is not a GenoLake run (no batch tag)."""
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return False
    run = record.dagster_run
    batch_id = run.tags.get(BATCH_TAG)
    if batch_id is None and run.tags.get(LANE_TAG) != AUTOMATION_LANE:
        return False
    status = run.status.value
    fields: dict[str, Any] = {
        "batch_id": batch_id,
        "lane": run.tags.get(LANE_TAG),
        "partition": run.tags.get(PARTITION_NAME_TAG),
        "job": run.job_name,
        "run_key": run.tags.get(RUN_KEY_TAG),
        "parent_run_id": run.tags.get(PARENT_RUN_ID_TAG),
        "root_run_id": run.tags.get(ROOT_RUN_ID_TAG) or run.run_id,
        "created_at": _ts(record.create_timestamp),
        "start_time": _ts(record.start_time),
        "end_time": _ts(record.end_time),
        "dagster_url": f"{ui_url.rstrip('/')}/runs/{run.run_id}",
        "error": failure_summary(instance, run_id) if status == "FAILURE" else None,
        "failure_reason": run.tags.get(RUN_FAILURE_REASON_TAG) if status == "FAILURE" else None,
        "will_retry": run.tags.get(WILL_RETRY_TAG) == "true",
    }
    docs.upsert_run(run.run_id, status, fields)
    if status == "SUCCESS":
        record_materializations(instance, run_id, docs)
    if batch_id is not None:
        refresh_manifest(docs, batch_id)
    return True
