"""The normalize lane object."""

from __future__ import annotations

from dagster import define_asset_job, in_process_executor
from genolake_core.lanes.normalize import CONTRACT

from genolake_dagster.lanes.base import Lane
from genolake_dagster.lanes.normalize.assets import landing_vcf, normalized_variants
from genolake_dagster.lanes.normalize.plan import plan_normalize

normalize_job = define_asset_job(
    name="normalize_job",
    selection=[normalized_variants],
    executor_def=in_process_executor,  # one step: a second process per run would only add start-up time
    description="Normalize one sample of an uploaded VCF.",
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[normalize_job],
    assets=[landing_vcf, normalized_variants],
    plan=plan_normalize,
)
