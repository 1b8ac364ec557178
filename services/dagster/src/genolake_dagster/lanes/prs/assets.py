"""Assets of the prs lane."""

import tempfile
from pathlib import Path

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from genolake_core.ids import split_partition_key
from genolake_core.lanes.prs import PRS_SCORES
from genolake_core.layout import normalized_key, prs_match_log_key, prs_scores_key
from genolake_core.objectstore import sha256_file
from genolake_prs import PrsError, PrsSettings, score_vcf

from genolake_dagster.lanes.normalize.assets import normalized_variants
from genolake_dagster.partitions import samples_partitions
from genolake_dagster.resources import PlatformResource
from genolake_dagster.transient import retry_transient
from genolake_dagster.version import object_metadata

CODE_VERSION = PRS_SCORES.code_version  # declared by the lane's contract


class ScoringObject(Config):
    """An uploaded (landing zone) or installed (lake `reference/scores/`) scoring file, pinned by ETag."""

    key: str
    etag: str
    bucket: str | None = None  # None: the landing zone (run configs planned before installed scores)


class PrsConfig(Config):
    batch_id: str
    scoring: list[ScoringObject]
    genome_build: str
    min_overlap: float = 0.75
    keep_ambiguous: bool = False
    keep_multiallelic: bool = False
    skip_flip: bool = False


@asset(
    partitions_def=samples_partitions,
    group_name="prs",
    deps=[normalized_variants],
    kinds={"parquet", "s3"},
    code_version=CODE_VERSION,
    description="Polygenic risk scores of one sample (one row per score) and the per-variant match log.",
)
@retry_transient
def prs_scores(
    context: AssetExecutionContext, config: PrsConfig, platform: PlatformResource
) -> MaterializeResult:
    user, sample = split_partition_key(context.partition_key)
    settings = platform.settings()
    store = platform.store()
    prs_settings = PrsSettings(
        min_overlap=config.min_overlap,
        keep_ambiguous=config.keep_ambiguous,
        keep_multiallelic=config.keep_multiallelic,
        skip_flip=config.skip_flip,
    )
    with tempfile.TemporaryDirectory(prefix="genolake-prs-") as tmp:
        folder = Path(tmp)
        genotypes = folder / "variants.parquet"
        store.download(settings.lake_bucket, normalized_key(user, sample), genotypes)
        paths, used = [], []
        for index, item in enumerate(config.scoring):
            path = folder / f"{index}-{Path(item.key).name}"
            info = store.download(item.bucket or settings.landing_bucket, item.key, path)
            if info.etag != item.etag:
                raise Failure(
                    f"{item.key} changed after batch {config.batch_id} was accepted; submit a new manifest"
                )
            used.append({"key": item.key, "sha256": info.metadata.get("sha256") or sha256_file(path)})
            paths.append(path)
        try:
            result = score_vcf(  # what `genolake prs --normalized` runs
                normalized=genotypes,
                scoring=paths,
                sample=sample,
                build=config.genome_build,
                settings=prs_settings,
            )
        except PrsError as exc:
            raise Failure(f"PRS failed: {exc}") from exc
        scores_path, log_path = folder / "scores.parquet", folder / "match_log.parquet"
        result.scores.write_parquet(scores_path)
        meta = object_metadata(context.run.run_id, config.batch_id, CODE_VERSION)
        digest = store.put_file(
            scores_path, settings.lake_bucket, prs_scores_key(user, sample), metadata=meta
        )
        if result.match_log is not None:
            result.match_log.write_parquet(log_path)
            store.put_file(log_path, settings.lake_bucket, prs_match_log_key(user, sample), metadata=meta)
    summary = result.scores.select(
        "pgs_id", "score_sum", "match_rate", "percentile", "percentile_reason"
    ).to_dicts()
    return MaterializeResult(
        metadata={
            "lake_key": prs_scores_key(user, sample),
            "sha256": digest,
            "scores": len(summary),
            "summary": MetadataValue.json(summary),
            "scoring_files": MetadataValue.json(used),
            "batch_id": config.batch_id,
            "code_version": CODE_VERSION,
        }
    )
