"""The report lane object."""

from __future__ import annotations

from dagster import define_asset_job, in_process_executor
from genolake_core.lanes.report import CONTRACT

from genolake_dagster.lanes.base import Lane
from genolake_dagster.lanes.report.assets import sample_report
from genolake_dagster.lanes.report.plan import plan_report

report_job = define_asset_job(
    name="report_job",
    selection=[sample_report],
    executor_def=in_process_executor,
    description="Render one annotated sample's HTML report (with PRS results when present).",
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[report_job],
    assets=[sample_report],
    plan=plan_report,
    sensor_interval_seconds=10,
)
