"""Turn an analyze manifest into one run per sample of the VCF (PRS step only with scoring files or
installed scores named in options.prs.scores)."""

from __future__ import annotations

from genolake_core.ids import partition_key
from genolake_core.lanes.analyze import CONTRACT, AnalyzeManifest
from genolake_core.manifest import ManifestBase

from genolake_dagster.lanes.annotate.plan import annotate_config
from genolake_dagster.lanes.base import PlanContext, PlannedRun
from genolake_dagster.lanes.normalize.plan import normalize_config, read_vcf_samples
from genolake_dagster.lanes.prs.plan import prs_config, wants_prs
from genolake_dagster.tags import run_tags

LANE_NAME = CONTRACT.name
JOB = "analyze_job"
JOB_WITH_PRS = "analyze_prs_job"


def plan_analyze(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, AnalyzeManifest)
    options = manifest.options
    etag, pairs = read_vcf_samples(manifest, ctx)
    annotate = annotate_config(ctx, manifest.batch_id, options.annotate)
    prs = prs_config(ctx, manifest, options.prs) if wants_prs(manifest, options.prs) else None
    runs = []
    for vcf_sample, sample in pairs:
        ops = {
            "normalized_variants": {
                "config": normalize_config(manifest, etag, vcf_sample, options.normalize)
            },
            "sample_annotations": {"config": annotate},
            "sample_report": {"config": {"batch_id": manifest.batch_id}},
        }
        if prs is not None:
            ops["prs_scores"] = {"config": prs}
        suffix = "" if len(pairs) == 1 else f"/{sample}"
        runs.append(
            PlannedRun(
                run_key=f"{LANE_NAME}:{manifest.batch_id}{suffix}",
                partition_key=partition_key(manifest.owner, sample),
                run_config={"ops": ops},
                tags=run_tags(manifest, LANE_NAME, sample, heavy=True),
                job_name=JOB_WITH_PRS if prs is not None else JOB,
            )
        )
    return runs
