"""The annotate lane object."""

from __future__ import annotations

from dagster import define_asset_job, in_process_executor

from genolake_dagster.lanes.annotate.assets import sample_annotations
from genolake_dagster.lanes.annotate.plan import LANE_NAME, plan_annotate
from genolake_dagster.lanes.base import Lane

annotate_job = define_asset_job(
    name="annotate_job",
    selection=[sample_annotations],
    executor_def=in_process_executor,
    description="Annotate one normalized sample with the installed modules.",
)

LANE = Lane(
    name=LANE_NAME,
    intents=frozenset({"annotate"}),
    jobs=[annotate_job],
    assets=[sample_annotations],
    plan=plan_annotate,
    description="normalized sample -> annotation rows per installed module",
    sensor_interval_seconds=10,
)
