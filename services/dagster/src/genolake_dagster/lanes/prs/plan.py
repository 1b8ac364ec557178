"""Turn a prs manifest into one run on the partition `{user}/{sample}`."""

from __future__ import annotations

from typing import Any

from genolake_core.ids import partition_key
from genolake_core.lanes.prs import CONTRACT, PrsManifest, PrsOptions
from genolake_core.manifest import ManifestBase

from genolake_dagster.lanes.base import PlanContext, PlannedRun, one_run
from genolake_dagster.lanes.checks import installed_score_objects, require_asset, scoring_objects

LANE_NAME = CONTRACT.name


def wants_prs(manifest: ManifestBase, options: PrsOptions) -> bool:
    return bool(options.scores) or any(item.role == "scoring" for item in manifest.files)


def prs_config(ctx: PlanContext, manifest: ManifestBase, options: PrsOptions) -> dict[str, Any]:
    """Config of the prs_scores step (also used by the analyze lane): uploaded scoring files, then the
    installed scores named in the options, each pinned by its ETag."""
    keys = [item.key for item in manifest.files if item.role == "scoring"]
    return {
        "batch_id": manifest.batch_id,
        "scoring": scoring_objects(ctx, keys)
        + installed_score_objects(ctx, options.scores, manifest.genome_build),
        "genome_build": manifest.genome_build,
        **options.model_dump(exclude={"scores"}),
    }


def plan_prs(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, PrsManifest)
    key = partition_key(manifest.owner, manifest.sample)
    require_asset(ctx, key, "normalized_variants")
    return [
        one_run(
            LANE_NAME, manifest, manifest.sample, {"prs_scores": prs_config(ctx, manifest, manifest.options)}
        )
    ]
