"""Turn a report manifest into one run on an annotated partition."""

from __future__ import annotations

from genolake_core.ids import partition_key
from genolake_core.lanes.report import CONTRACT, ReportManifest
from genolake_core.manifest import ManifestBase

from genolake_dagster.lanes.base import PlanContext, PlannedRun, one_run
from genolake_dagster.lanes.checks import require_asset

LANE_NAME = CONTRACT.name


def plan_report(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, ReportManifest)
    key = partition_key(manifest.owner, manifest.sample)
    require_asset(ctx, key, "sample_annotations")
    return [one_run(LANE_NAME, manifest, manifest.sample, {"sample_report": {"batch_id": manifest.batch_id}})]
