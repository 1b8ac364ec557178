"""The GenoLake code location: lanes, intake and status sensors, resources. Only merges; no logic here."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from genolake_dagster.automation import automation_sensor
from genolake_dagster.deletions.sensor import partition_deletions_sensor
from genolake_dagster.intake.sensors import build_lane_sensor, manifest_triage_sensor
from genolake_dagster.lanes import ALL_LANES
from genolake_dagster.resources import PlatformResource
from genolake_dagster.status.sensors import run_status_reconciler

defs = Definitions(
    assets=[asset for lane in ALL_LANES.values() for asset in lane.assets],
    jobs=[job for lane in ALL_LANES.values() for job in lane.jobs],
    sensors=[
        *(build_lane_sensor(lane) for lane in ALL_LANES.values()),
        manifest_triage_sensor,
        run_status_reconciler,
        partition_deletions_sensor,
        automation_sensor,
    ],
    executor=in_process_executor,  # also for runs the automation sensor launches
    resources={"platform": PlatformResource()},
)
