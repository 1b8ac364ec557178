"""Turn a prs manifest into one run on the partition `{user}/{sample}`."""

from __future__ import annotations

from genolake_core.docstore import DocStore
from genolake_core.ids import partition_key
from genolake_core.manifest import ManifestBase, ManifestError, PrsManifest
from genolake_dagster.lanes.base import PlanContext, PlannedRun
from genolake_dagster.tags import BATCH_TAG, LANE_TAG, SAMPLE_TAG, USER_TAG

LANE_NAME = "prs"


def plan_prs(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, PrsManifest)
    key = partition_key(manifest.owner, manifest.sample)
    docs = DocStore.from_settings(ctx.settings)
    try:
        partition = docs.partitions.find_one({"_id": key}, {"assets": 1})
    finally:
        docs.close()
    if not partition or "normalized_variants" not in partition.get("assets", {}):
        raise ManifestError([f"sample: partition {key} has no normalized variants; submit a normalize manifest first"])
    scoring = []
    for item in manifest.files:
        info = ctx.store.head(ctx.settings.landing_bucket, item.key)
        if info is None:
            raise ManifestError([f"files: {item.key} does not exist in the landing zone"])
        scoring.append({"key": item.key, "etag": info.etag})
    config = {
        "batch_id": manifest.batch_id,
        "scoring": scoring,
        "genome_build": manifest.genome_build,
        **manifest.options.model_dump(),
    }
    return [
        PlannedRun(
            run_key=f"{LANE_NAME}:{manifest.batch_id}",
            partition_key=key,
            run_config={"ops": {"prs_scores": {"config": config}}},
            tags={BATCH_TAG: manifest.batch_id, LANE_TAG: LANE_NAME, USER_TAG: manifest.owner, SAMPLE_TAG: manifest.sample},
        )
    ]
