"""The annotate lane object."""

from __future__ import annotations

from genolake_core.lanes.annotate import CONTRACT

from genolake_dagster.lanes.annotate.assets import sample_annotations
from genolake_dagster.lanes.annotate.plan import plan_annotate
from genolake_dagster.lanes.base import Lane, asset_job

annotate_job = asset_job(
    "annotate_job", [sample_annotations], "Annotate one normalized sample with the installed modules."
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[annotate_job],
    assets=[sample_annotations],
    plan=plan_annotate,
    sensor_interval_seconds=10,
)
