"""Turn a normalize manifest into runs: read the VCF header, pick samples, name partitions."""

from __future__ import annotations

from typing import Any

from genolake_annotation.normalize import NormalizeError, read_vcf_header
from genolake_core.ids import InvalidIdentifierError, check_sample, partition_key
from genolake_core.lanes.normalize import CONTRACT, NormalizeManifest, QualityFilters
from genolake_core.manifest import ManifestBase, ManifestError

from genolake_dagster.lanes.base import PlanContext, PlannedRun
from genolake_dagster.tags import run_tags

LANE_NAME = CONTRACT.name


def choose_samples(vcf_samples: list[str], requested: str | None) -> list[tuple[str, str]]:
    """(VCF sample, partition sample) pairs; see `ManifestBase.sample` for the rules."""
    if not vcf_samples:
        raise ManifestError(
            ["files: the VCF has no sample columns (sites-only VCFs cannot be normalized per sample)"]
        )
    if requested is not None:
        if len(vcf_samples) == 1:
            return [(vcf_samples[0], requested)]
        if requested in vcf_samples:
            return [(requested, requested)]
        raise ManifestError(
            [f"sample: {requested!r} is not in the VCF; its samples are {', '.join(vcf_samples)}"]
        )
    pairs = []
    for name in vcf_samples:
        try:
            pairs.append((name, check_sample(name)))
        except InvalidIdentifierError as exc:
            raise ManifestError(
                [f"sample: VCF sample {name!r} cannot name a partition ({exc}); set 'sample'"]
            ) from exc
    return pairs


def read_vcf_samples(manifest: ManifestBase, ctx: PlanContext) -> tuple[str, list[tuple[str, str]]]:
    """(ETag of the VCF, (VCF sample, partition sample) pairs); checks the header's build."""
    vcf = manifest.file("vcf")
    info = ctx.store.head(ctx.settings.landing_bucket, vcf.key)
    if info is None:
        raise ManifestError([f"files: {vcf.key} does not exist in the landing zone"])
    body = ctx.store.open(ctx.settings.landing_bucket, vcf.key)
    try:
        header = read_vcf_header(body)
    except NormalizeError as exc:
        raise ManifestError([f"files: {vcf.key} is not a readable VCF: {exc}"]) from exc
    finally:
        body.close()
    if header.has_records is False:
        raise ManifestError([f"files: {vcf.key} has no records after its header (nothing to normalize)"])
    if header.detected_build is not None and header.detected_build != manifest.genome_build:
        raise ManifestError(
            [
                (
                    f"genome_build: manifest says {manifest.genome_build}, "
                    f"the VCF header says {header.detected_build}"
                )
            ]
        )
    return info.etag, choose_samples(header.samples, manifest.sample)


def normalize_config(
    manifest: ManifestBase, etag: str, vcf_sample: str, options: QualityFilters | None = None
) -> dict[str, Any]:
    """Config of the normalized_variants step (also used by the analyze lane)."""
    vcf = manifest.file("vcf")
    filters = options if options is not None else getattr(manifest, "options", QualityFilters())
    return {
        "batch_id": manifest.batch_id,
        "vcf_key": vcf.key,
        "vcf_etag": etag,
        "vcf_sha256": vcf.sha256,
        "vcf_sample": vcf_sample,
        "genome_build": manifest.genome_build,
        "filters": filters.filters,
        "min_dp": filters.min_dp,
        "min_qual": filters.min_qual,
    }


def plan_normalize(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
    assert isinstance(manifest, NormalizeManifest)
    etag, pairs = read_vcf_samples(manifest, ctx)
    runs = []
    for vcf_sample, sample in pairs:
        suffix = "" if len(pairs) == 1 else f"/{sample}"
        runs.append(
            PlannedRun(
                run_key=f"{LANE_NAME}:{manifest.batch_id}{suffix}",
                partition_key=partition_key(manifest.owner, sample),
                run_config={
                    "ops": {"normalized_variants": {"config": normalize_config(manifest, etag, vcf_sample)}}
                },
                tags=run_tags(manifest, LANE_NAME, sample, heavy=True),
            )
        )
    return runs
