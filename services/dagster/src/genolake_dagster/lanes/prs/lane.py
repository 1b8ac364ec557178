"""The prs lane object."""

from __future__ import annotations

from genolake_core.lanes.prs import CONTRACT

from genolake_dagster.lanes.base import Lane, asset_job
from genolake_dagster.lanes.prs.assets import prs_scores
from genolake_dagster.lanes.prs.plan import plan_prs

prs_job = asset_job("prs_job", [prs_scores], "Score one normalized sample against the batch's scoring files.")

LANE = Lane(
    contract=CONTRACT,
    jobs=[prs_job],
    assets=[prs_scores],
    plan=plan_prs,
    sensor_interval_seconds=10,
)
