"""Turn an annotate manifest into one run on an already normalized partition."""

from __future__ import annotations

from typing import Any

from genolake_core.ids import partition_key
from genolake_core.lanes.annotate import CONTRACT, AnnotateManifest, AnnotateOptions
from genolake_core.manifest import ManifestBase

from genolake_dagster.lanes.base import PlanContext, PlannedRun, one_run
from genolake_dagster.lanes.checks import require_asset, require_modules

LANE_NAME = CONTRACT.name


def annotate_config(ctx: PlanContext, batch_id: str, options: AnnotateOptions) -> dict[str, Any]:
    """Config of the sample_annotations step (also used by the analyze lane); checks the modules exist."""
    require_modules(ctx, options.modules)
    return {"batch_id": batch_id, "modules": options.modules, "engine": options.engine}


def plan_annotate(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, AnnotateManifest)
    key = partition_key(manifest.owner, manifest.sample)
    require_asset(ctx, key, "normalized_variants")
    config = annotate_config(ctx, manifest.batch_id, manifest.options)
    return [one_run(LANE_NAME, manifest, manifest.sample, {"sample_annotations": config})]
