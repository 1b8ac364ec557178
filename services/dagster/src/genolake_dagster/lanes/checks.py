"""Checks planners share: what a partition must already have, which modules and scores are installed."""

from __future__ import annotations

from genolake_core.layout import score_key
from genolake_core.manifest import ManifestError

from genolake_dagster.lanes.base import PlanContext

# asset -> the manifest that produces it (for the rejection reason)
PRODUCED_BY = {
    "normalized_variants": "a normalize or analyze manifest",
    "sample_annotations": "an annotate or analyze manifest",
}


def require_asset(ctx: PlanContext, key: str, asset: str) -> None:
    """Reject unless partition `key` has a materialization of `asset` on record."""
    partition = ctx.docs.partitions.find_one({"_id": key}, {"assets": 1})
    if not partition or asset not in partition.get("assets", {}):
        label = asset.replace("_", " ")
        raise ManifestError([f"sample: partition {key} has no {label}; submit {PRODUCED_BY[asset]} first"])


def require_modules(ctx: PlanContext, names: list[str] | None) -> None:
    """Reject unless the named modules (default: any enabled module) are installed."""
    installed = ctx.docs.installed_modules(enabled_only=names is None)
    if names is None and not installed:
        raise ManifestError(
            ["options: no annotation modules are installed (genolake modules install, or register one)"]
        )
    missing = [name for name in names or [] if name not in installed]
    if missing:
        known = ", ".join(sorted(installed)) or "none"
        raise ManifestError([f"options.modules: not installed: {', '.join(missing)} (installed: {known})"])


def scoring_objects(ctx: PlanContext, keys: list[str]) -> list[dict[str, str]]:
    """bucket + key + ETag of each uploaded scoring file (the run refuses a file that changed since)."""
    objects = []
    for key in keys:
        info = ctx.store.head(ctx.settings.landing_bucket, key)
        if info is None:
            raise ManifestError([f"files: {key} does not exist in the landing zone"])
        objects.append({"bucket": ctx.settings.landing_bucket, "key": key, "etag": info.etag})
    return objects


def installed_score_objects(ctx: PlanContext, score_ids: list[str], build: str) -> list[dict[str, str]]:
    """bucket + key + ETag of each installed score on `build` (genolake_prs.lake); all missing ones named."""
    objects, missing = [], []
    for score_id in score_ids:
        key = score_key(score_id, build)
        info = ctx.store.head(ctx.settings.lake_bucket, key)
        if info is None:
            missing.append(score_id)
        else:
            objects.append({"bucket": ctx.settings.lake_bucket, "key": key, "etag": info.etag})
    if missing:
        raise ManifestError(
            [
                (
                    f"options.scores: not installed on {build}: {', '.join(missing)} "
                    f"(genolake scores install --pgs {','.join(missing)} --build {build}; "
                    "GET /scores lists what is)"
                )
            ]
        )
    return objects
