"""The GenoLake code location: lanes, intake and status sensors, resources. Only merges; no logic here."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from genolake_dagster.automation import automation_sensor
from genolake_dagster.deletions.sensor import partition_deletions_sensor
from genolake_dagster.intake.sensors import build_lane_sensor, manifest_triage_sensor
from genolake_dagster.lanes import all_lanes
from genolake_dagster.resources import PlatformResource
from genolake_dagster.status.sensors import run_status_reconciler


def build_definitions() -> Definitions:
    """Every lane folder's assets, jobs and intake sensor, plus the platform-wide sensors."""
    lanes = all_lanes().values()
    return Definitions(
        assets=[asset for lane in lanes for asset in lane.assets],
        jobs=[job for lane in lanes for job in lane.jobs],
        sensors=[
            *(build_lane_sensor(lane) for lane in lanes),
            manifest_triage_sensor,
            run_status_reconciler,
            partition_deletions_sensor,
            automation_sensor,
        ],
        executor=in_process_executor,  # also for runs the automation sensor launches
        resources={"platform": PlatformResource()},
    )


defs = build_definitions()
