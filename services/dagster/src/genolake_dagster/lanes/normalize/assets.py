"""Assets of the normalize lane."""

import tempfile
from pathlib import Path

from dagster import AssetExecutionContext, AssetSpec, Config, Failure, MaterializeResult, MetadataValue, asset
from genolake_annotation.normalize import NormalizeSettings, normalize_single
from genolake_annotation.reference.lake import fetch_installed_reference
from genolake_core.ids import split_partition_key
from genolake_core.lanes.normalize import NORMALIZED_VARIANTS
from genolake_core.layout import normalized_key
from genolake_core.objectstore import sha256_file

from genolake_dagster.partitions import samples_partitions
from genolake_dagster.resources import PlatformResource
from genolake_dagster.transient import retry_transient
from genolake_dagster.version import object_metadata

CODE_VERSION = NORMALIZED_VARIANTS.code_version  # declared by the lane's contract

landing_vcf = AssetSpec(
    "landing_vcf",
    group_name="landing",
    description="VCFs users upload to the landing zone (uploads/{user}/...); external to the pipelines.",
    kinds={"s3"},
)


class NormalizeConfig(Config):
    """What the intake sensor asks of one normalize run (kept in the run, so re-execution repeats it)."""

    batch_id: str
    vcf_key: str
    vcf_etag: str
    vcf_sha256: str | None = None
    vcf_sample: str
    genome_build: str
    filters: list[str] | None = None
    min_dp: int | None = None
    min_qual: float | None = None


@asset(
    partitions_def=samples_partitions,
    group_name="normalize",
    deps=[landing_vcf],
    kinds={"parquet", "s3"},
    code_version=CODE_VERSION,
    description="One sample's variants, normalized (chrom without chr, 1-based start, rsid, alts, genotype).",
)
@retry_transient
def normalized_variants(
    context: AssetExecutionContext, config: NormalizeConfig, platform: PlatformResource
) -> MaterializeResult:
    user, sample = split_partition_key(context.partition_key)
    settings = platform.settings()
    store = platform.store()
    normalize_settings = NormalizeSettings(
        filters=frozenset(config.filters) if config.filters is not None else None,
        min_dp=config.min_dp,
        min_qual=config.min_qual,
        expected_build=config.genome_build,  # type: ignore[arg-type]
    )
    with tempfile.TemporaryDirectory(prefix="genolake-normalize-") as tmp:
        local_vcf = Path(tmp) / "input.vcf"
        info = store.download(settings.landing_bucket, config.vcf_key, local_vcf)
        if info.etag != config.vcf_etag:
            raise Failure(
                f"s3://{settings.landing_bucket}/{config.vcf_key} changed after batch {config.batch_id} "
                "was accepted "
                f"(ETag {info.etag}, expected {config.vcf_etag}); submit a new manifest"
            )
        if config.vcf_sha256 is not None and (digest := sha256_file(local_vcf)) != config.vcf_sha256:
            raise Failure(f"sha256 of {config.vcf_key} is {digest}, manifest says {config.vcf_sha256}")
        output = Path(tmp) / "variants.parquet"
        id_reference = None
        if settings.normalize_fill_ids:
            with platform.docs() as docs:
                id_reference = fetch_installed_reference(
                    store, docs, settings.lake_bucket, config.genome_build, Path(tmp) / "reference"
                )
            if id_reference is None:
                context.log.warning(
                    f"GENOLAKE_NORMALIZE_FILL_IDS is on but no variant-position reference is installed for "
                    f"{config.genome_build}: rsIDs are not filled (genolake reference install)"
                )
        result = normalize_single(
            local_vcf,
            output,
            sample=config.vcf_sample,
            settings=normalize_settings,
            id_reference=id_reference,
        )
        naming = result.chrom_naming
        if naming.get("chr") and naming.get("bare"):
            raise Failure(
                f"{config.vcf_key} names chromosomes both with and without 'chr' ({naming['chr']} records "
                f"like 'chr1', {naming['bare']} like '1'): a merge of files from different pipelines? "
                "Submit a VCF with one naming"
            )
        key = normalized_key(user, sample)
        digest = store.put_file(
            output,
            settings.lake_bucket,
            key,
            metadata=object_metadata(context.run.run_id, config.batch_id, CODE_VERSION),
        )
        size = output.stat().st_size
    context.log.info(
        f"normalized {result.records_out}/{result.records_in} records of {config.vcf_sample} into {key}"
    )
    return MaterializeResult(
        metadata={
            "lake_key": key,
            "uri": MetadataValue.path(f"s3://{settings.lake_bucket}/{key}"),
            "sha256": digest,
            "bytes": size,
            "records_in": result.records_in,
            "records_out": result.records_out,
            "filtered": MetadataValue.json(result.filtered),
            "build": result.build or "unknown",
            "vcf_sample": config.vcf_sample,
            "batch_id": config.batch_id,
            "settings": MetadataValue.json(normalize_settings.model_dump(mode="json")),
            "id_reference": MetadataValue.json(result.id_reference or {}),
            "ids_filled": result.ids_filled or 0,
            "code_version": CODE_VERSION,
        }
    )
