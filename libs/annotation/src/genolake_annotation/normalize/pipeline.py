"""``normalize_vcf`` / ``normalize_single``: VCF -> one normalized parquet file per sample.

How a run goes:

1. Read the header; resolve the requested samples; check the header's build against
   ``settings.expected_build`` (fail before writing anything).
2. One streaming pass over the records (``reader.stage_frame``) writes a scratch parquet file with the
   parsed site columns and, per requested sample, ``gt``/``genotype``/``dp``. If polars rejects a value, the
   file is re-read line by line to name the malformed line and field.
3. If the header gave no build, positions past a chromosome's end decide (``builds``); a mismatch with
   ``expected_build`` raises.
4. Per sample: count the drop reasons on the scratch file, then stream the kept records to a temporary
   parquet file with the counts and settings in its key-value metadata.
5. Only when every output is written are they all moved into place (``os.replace``); on any error, every
   temporary and scratch file is removed and no output is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from genolake_annotation.normalize.builds import build_from_positions
from genolake_annotation.normalize.errors import BuildMismatchError, VcfFormatError
from genolake_annotation.normalize.header import VcfHeader, read_vcf_header
from genolake_annotation.normalize.reader import stage_frame
from genolake_annotation.normalize.result import NormalizeResult
from genolake_annotation.normalize.settings import NormalizeSettings
from genolake_annotation.normalize.validate import find_malformed_record
from genolake_annotation.normalize.writer import AtomicOutputs, parquet_metadata

OUTPUT_COLUMNS = (
    "chrom", "start", "rsid", "ref", "alts", "gt", "genotype", "filter", "qual", "dp", "af", "ids", "end",
)  # fmt: skip
SCHEMA_VERSION = 1


def _sample_indices(header: VcfHeader, vcf: Path, samples: list[str]) -> list[int]:
    unknown = [s for s in samples if s not in header.samples]
    if unknown:
        raise VcfFormatError(
            f"sample(s) {', '.join(map(repr, unknown))} not in {vcf.name}; "
            f"available: {', '.join(header.samples) or '(none: sites-only VCF)'}"
        )
    return [header.samples.index(s) for s in samples]


def _reason(settings: NormalizeSettings, k: int) -> pl.Expr:
    """First failing check of a record for sample ``k`` (null = kept)."""
    checks: list[tuple[str, pl.Expr]] = []
    if settings.drop_ref_blocks:
        checks.append(("ref_block", pl.col("ref_block")))
    if settings.filters is not None:
        wanted = sorted(settings.filters)
        values = pl.col("filter").str.split(";")
        kept = (
            pl.when(pl.col("filter").is_null())
            .then(pl.lit("." in settings.filters))
            .otherwise(pl.col("filter").is_in(wanted) | values.list.eval(pl.element().is_in(wanted)).list.any())
        )
        checks.append(("filter", ~kept))
    if settings.min_qual is not None:
        checks.append(("min_qual", ~(pl.col("qual") >= settings.min_qual).fill_null(False)))
    if settings.min_dp is not None:
        checks.append(("min_dp", ~(pl.col(f"dp_{k}") >= settings.min_dp).fill_null(False)))
    if not checks:
        return pl.lit(None, dtype=pl.String)
    name, condition = checks[0]
    chain = pl.when(condition).then(pl.lit(name))
    for name, condition in checks[1:]:
        chain = chain.when(condition).then(pl.lit(name))
    return chain.otherwise(pl.lit(None, dtype=pl.String))


def _check_build(settings: NormalizeSettings, detected: str | None, evidence: str) -> None:
    if settings.expected_build and detected and detected != settings.expected_build:
        raise BuildMismatchError(settings.expected_build, detected, evidence)


def normalize_vcf(
    vcf: Path,
    outputs: Mapping[str, Path],
    settings: NormalizeSettings = NormalizeSettings(),
) -> dict[str, NormalizeResult]:
    """Normalize samples of one VCF in one pass: ``outputs`` maps a VCF sample name to its parquet path."""
    vcf = Path(vcf)
    if not outputs:
        raise ValueError("outputs is empty: map at least one VCF sample name to a parquet path")
    finals = {sample: Path(out) for sample, out in outputs.items()}
    resolved = [p.resolve() for p in finals.values()]
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"two samples share an output path: {sorted(map(str, finals.values()))}")
    header = read_vcf_header(vcf)
    samples = list(finals)
    indices = _sample_indices(header, vcf, samples)
    build, build_source = header.detected_build, header.build_source
    _check_build(settings, build, f"from the header's {build_source}")

    with AtomicOutputs() as atomic:
        stage = atomic.scratch(next(iter(finals.values())), "stage")
        try:
            stage_frame(vcf, header, indices).sink_parquet(stage, compression="lz4", statistics=False)
        except pl.exceptions.PolarsError as exc:
            located = find_malformed_record(vcf, header, indices)
            raise (located or VcfFormatError(f"cannot parse {vcf.name}: {exc}")) from exc
        except OSError as exc:  # a corrupt/truncated gzip stream, or a write error (disk full ...)
            located = find_malformed_record(vcf, header, indices)
            if located is None:
                raise
            raise located from exc

        scanned = pl.scan_parquet(stage)
        site = scanned.select(
            pl.len().alias("records"),
            pl.col("ref_block").sum().alias("ref_blocks"),
        ).collect()
        records_in, ref_blocks = int(site["records"][0]), int(site["ref_blocks"][0])
        if build is None:
            maxima = scanned.group_by("chrom").agg(pl.col("start").max()).collect()
            build = build_from_positions(dict(zip(maxima["chrom"], maxima["start"])))
            build_source = "positions" if build else None
            _check_build(settings, build, "positions beyond the chromosome ends of the other build")

        results: dict[str, NormalizeResult] = {}
        for sample, k in zip(samples, indices):
            final = finals[sample]
            reason = _reason(settings, k).alias("reason")
            stats = (
                scanned.select(reason, pl.col(f"genotype_{k}").is_null().alias("no_call"))
                .group_by("reason")
                .agg(pl.len().alias("n"), pl.col("no_call").sum().alias("no_calls"))
                .collect()
            )
            counts = {r: int(n) for r, n in zip(stats["reason"], stats["n"])}
            filtered = {check: counts.get(check, 0) for check in settings.active_checks()}
            kept_rows = stats.filter(pl.col("reason").is_null())
            no_calls = int(kept_rows["no_calls"].sum()) if kept_rows.height else 0
            result = NormalizeResult(
                sample=sample,
                source=vcf,
                output=final,
                records_in=records_in,
                records_out=counts.get(None, 0),  # type: ignore[call-overload]
                filtered=filtered,
                ref_blocks=ref_blocks,
                no_calls=no_calls,
                build=build,
                build_source=build_source,
                settings=settings,
            )
            payload = {"schema_version": SCHEMA_VERSION, **result.model_dump(mode="json")}
            rename = {f"gt_{k}": "gt", f"genotype_{k}": "genotype", f"dp_{k}": "dp"}
            (
                scanned.filter(_reason(settings, k).is_null())
                .rename(rename)
                .select(OUTPUT_COLUMNS)
                .sink_parquet(atomic.temp_for(final), metadata=parquet_metadata(payload))
            )
            results[sample] = result
        atomic.commit()
    return results


def normalize_single(
    vcf: Path,
    out: Path,
    sample: str | None = None,
    settings: NormalizeSettings = NormalizeSettings(),
) -> NormalizeResult:
    """Normalize one sample; ``sample=None`` means the VCF's only sample (error if it has several)."""
    vcf = Path(vcf)
    if sample is None:
        samples = read_vcf_header(vcf).samples
        if len(samples) != 1:
            raise VcfFormatError(
                f"{vcf.name} has {len(samples)} samples; choose one with sample=: "
                f"{', '.join(samples) or '(none: sites-only VCF)'}"
            )
        sample = samples[0]
    return normalize_vcf(vcf, {sample: Path(out)}, settings)[sample]
