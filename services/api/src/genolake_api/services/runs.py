"""Runs: the status document of one Dagster run, read on the async client."""

from __future__ import annotations

from typing import Any

from genolake_core.accounts import Principal

from genolake_api.auth import require_access
from genolake_api.errors import NotFoundError
from genolake_api.schemas import RunOut
from genolake_api.state import AppState

# what a run's status shows in lists (RunOut); not status_rank, run_key, tags.
RUN_FIELDS = {
    name: 1
    for name in (
        "status",
        "batch_id",
        "lane",
        "partition",
        "job",
        "parent_run_id",
        "root_run_id",
        "created_at",
        "start_time",
        "end_time",
        "error",
        "dagster_url",
    )
}
# GET /runs/{id} adds what the run materialized, with the lineage.
RUN_DETAIL_FIELDS = {**RUN_FIELDS, "assets": 1}


async def get_run(state: AppState, principal: Principal, run_id: str) -> RunOut:
    doc: dict[str, Any] | None = await state.mongo["runs"].find_one({"_id": run_id}, RUN_DETAIL_FIELDS)
    if doc is None:
        raise NotFoundError(f"run {run_id!r} not found")
    partition = doc.get("partition") or ""
    require_access(principal, partition.split("/", 1)[0] or None)
    return RunOut.from_doc(doc)
