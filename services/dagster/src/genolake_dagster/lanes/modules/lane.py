"""The modules lane object."""

from __future__ import annotations

from genolake_core.lanes.modules import CONTRACT

from genolake_dagster.lanes.base import Lane, asset_job
from genolake_dagster.lanes.modules.assets import annotation_modules
from genolake_dagster.lanes.modules.plan import plan_register_module

register_module_job = asset_job(
    "register_module_job",
    [annotation_modules],
    "Compile an uploaded module spec and publish it as a new module version.",
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[register_module_job],
    assets=[annotation_modules],
    plan=plan_register_module,
    sensor_interval_seconds=15,
)
