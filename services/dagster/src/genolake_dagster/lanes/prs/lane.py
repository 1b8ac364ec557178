"""The prs lane object."""

from __future__ import annotations

from dagster import define_asset_job, in_process_executor
from genolake_core.lanes.prs import CONTRACT

from genolake_dagster.lanes.base import Lane
from genolake_dagster.lanes.prs.assets import prs_scores
from genolake_dagster.lanes.prs.plan import plan_prs

prs_job = define_asset_job(
    name="prs_job",
    selection=[prs_scores],
    executor_def=in_process_executor,
    description="Score one normalized sample against the batch's scoring files.",
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[prs_job],
    assets=[prs_scores],
    plan=plan_prs,
    sensor_interval_seconds=10,
)
