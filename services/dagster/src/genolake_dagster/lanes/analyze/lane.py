"""The analyze lane object: two jobs over the other lanes' assets (with and without the PRS step)."""

from __future__ import annotations

from genolake_core.lanes.analyze import CONTRACT

from genolake_dagster.lanes.analyze.plan import JOB, JOB_WITH_PRS, plan_analyze
from genolake_dagster.lanes.annotate.assets import sample_annotations
from genolake_dagster.lanes.base import Lane, asset_job
from genolake_dagster.lanes.normalize.assets import normalized_variants
from genolake_dagster.lanes.prs.assets import prs_scores
from genolake_dagster.lanes.report.assets import sample_report

analyze_job = asset_job(
    JOB,
    [normalized_variants, sample_annotations, sample_report],
    "Normalize, annotate and report one sample of an uploaded VCF.",
)
analyze_prs_job = asset_job(
    JOB_WITH_PRS,
    [normalized_variants, sample_annotations, prs_scores, sample_report],
    "Normalize, annotate, score (PRS) and report one sample of an uploaded VCF.",
)

LANE = Lane(
    contract=CONTRACT,
    jobs=[analyze_job, analyze_prs_job],
    assets=[],  # every asset belongs to another lane
    plan=plan_analyze,
)
