"""The run-status reconciler: the one sensor feeding the Mongo run and manifest documents.

It walks Dagster's runs by update time from a cursor that only advances when every write succeeded
(a Mongo outage stalls it, then it catches up), and re-syncs batches whose documents have not
changed for a while. Dagster's per-status run-status sensors were dropped: four more sensors ticking
every few seconds cost Postgres dozens of connections a second (Dagster's storage does not pool)
for no information the reconciler does not already read.
"""

import json
from datetime import UTC, datetime, timedelta

from dagster import (
    DefaultSensorStatus,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)
from genolake_core.docstore import ManifestStatus

from genolake_dagster.resources import PlatformResource
from genolake_dagster.status.sync import sync_run
from genolake_dagster.tags import BATCH_TAG

RECONCILE_INTERVAL_SECONDS = 5
RECONCILE_BATCH = 100
STALE_AFTER = timedelta(seconds=60)
CURSOR_VERSION = 1


def _load_cursor(raw: str | None) -> datetime:
    if raw:
        try:
            data = json.loads(raw)
            if data.get("v") == CURSOR_VERSION:
                return datetime.fromisoformat(data["updated_after"])
        except (ValueError, KeyError, TypeError):
            pass
    return datetime(1970, 1, 1, tzinfo=UTC)


@sensor(
    name="run_status_reconciler",
    minimum_interval_seconds=RECONCILE_INTERVAL_SECONDS,
    default_status=DefaultSensorStatus.RUNNING,
    description="Re-syncs every run updated since its cursor, and batches whose documents went stale.",
)
def run_status_reconciler(context: SensorEvaluationContext, platform: PlatformResource) -> SkipReason:
    updated_after = _load_cursor(context.cursor)
    records = context.instance.get_run_records(
        filters=RunsFilter(updated_after=updated_after),
        order_by="update_timestamp",
        ascending=True,
        limit=RECONCILE_BATCH,
    )
    ui_url = platform.settings().dagster_ui_url
    synced = 0
    with platform.docs() as docs:
        for record in records:
            synced += sync_run(context.instance, record.dagster_run.run_id, docs, ui_url)
        stale_before = datetime.now(UTC) - STALE_AFTER
        stale = docs.manifests.find(
            {
                "status": {"$in": [ManifestStatus.QUEUED.value, ManifestStatus.RUNNING.value]},
                "updated_at": {"$lt": stale_before},
            },
            {"_id": 1},
        ).limit(20)
        for doc in stale:
            batch_runs = context.instance.get_run_records(RunsFilter(tags={BATCH_TAG: doc["_id"]}))
            for record in batch_runs:
                synced += sync_run(context.instance, record.dagster_run.run_id, docs, ui_url)
            docs.upsert_manifest(doc["_id"], {})  # touched: looked at now
    if records:
        last = records[-1].update_timestamp
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        context.update_cursor(json.dumps({"v": CURSOR_VERSION, "updated_after": last.isoformat()}))
    return SkipReason(f"reconciled {synced} run(s)")
