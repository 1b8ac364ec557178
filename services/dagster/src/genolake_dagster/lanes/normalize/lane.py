"""The normalize lane object."""

from __future__ import annotations

from genolake_core.lanes.normalize import CONTRACT

from genolake_dagster.lanes.base import Lane, asset_job
from genolake_dagster.lanes.normalize.assets import landing_vcf, normalized_variants
from genolake_dagster.lanes.normalize.plan import plan_normalize

normalize_job = asset_job("normalize_job", [normalized_variants], "Normalize one sample of an uploaded VCF.")

LANE = Lane(
    contract=CONTRACT,
    jobs=[normalize_job],
    assets=[landing_vcf, normalized_variants],
    plan=plan_normalize,
)
