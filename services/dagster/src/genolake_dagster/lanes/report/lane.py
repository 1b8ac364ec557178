"""The report lane object."""

from __future__ import annotations

from genolake_core.lanes.report import CONTRACT

from genolake_dagster.lanes.base import Lane, asset_job
from genolake_dagster.lanes.report.assets import sample_report
from genolake_dagster.lanes.report.plan import plan_report

report_job = asset_job(
    "report_job",
    [sample_report],
    "Render one annotated sample's HTML report (with PRS results when present).",
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[report_job],
    assets=[sample_report],
    plan=plan_report,
    sensor_interval_seconds=10,
)
