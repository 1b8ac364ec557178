"""``normalize_vcf`` / ``normalize_single``: VCF -> one normalized parquet file per sample.

How a run goes:

1. Read the header; resolve the requested samples; check the header's build against
   ``settings.expected_build`` (fail before writing anything).
2. One streaming pass over the records: parse (``reader.stage_frame``), tag each record per sample with
   the first drop reason (``_reason``), count (``stats.RunStats``), and feed one parquet sink per sample
   (records without a drop reason). The sinks share the scan, so a multi-sample VCF is read once. If
   polars rejects a value, the file is re-read line by line to name the malformed line and field.
3. If the header gave no build, positions past a chromosome's end decide (``builds``); a mismatch with
   ``expected_build`` raises. How records name the primary chromosomes (``chr1`` or ``1``) is counted
   (``NormalizeResult.chrom_naming``): both are normalized alike, a caller may refuse a mix.
4. Only when every output is written are they all moved into place (``os.replace``); on any error, every
   temporary file is removed and no output is touched.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

import polars as pl
from genolake_core.normalized import NORMALIZED_SCHEMA

from genolake_annotation.errors import InvalidInputError
from genolake_annotation.normalize.builds import BuildSource, build_from_positions
from genolake_annotation.normalize.errors import NormalizeError, VcfBuildMismatchError, VcfFormatError
from genolake_annotation.normalize.fields import first_match
from genolake_annotation.normalize.header import VcfHeader, read_vcf_header
from genolake_annotation.normalize.reader import stage_frame
from genolake_annotation.normalize.result import NormalizeResult
from genolake_annotation.normalize.settings import Build, NormalizeSettings
from genolake_annotation.normalize.stats import RunStats
from genolake_annotation.normalize.validate import find_malformed_record
from genolake_annotation.normalize.writer import AtomicOutputs, parquet_metadata

if TYPE_CHECKING:
    from genolake_annotation.reference.table import VariantReference

OUTPUT_COLUMNS = tuple(NORMALIZED_SCHEMA)  # the contract: genolake_core.normalized
FILLED_COLUMN = "rsid_filled"  # appended only when a variant-position reference filled rsIDs
SCHEMA_VERSION = 1
PARQUET_COMPRESSION: Final = "zstd"
PARQUET_COMPRESSION_LEVEL = 1  # the codec other readers see is unchanged; level 1 is the cheapest to write


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
        values = "|".join(re.escape(v) for v in sorted(settings.filters) if v != ".")
        listed = pl.col("filter").str.contains(f"(?:^|;)(?:{values})(?:;|$)") if values else pl.lit(False)
        kept = pl.when(pl.col("filter").is_null()).then(pl.lit("." in settings.filters)).otherwise(listed)
        checks.append(("filter", ~kept))
    if settings.min_qual is not None:
        checks.append(("min_qual", ~(pl.col("qual") >= settings.min_qual).fill_null(False)))
    if settings.min_dp is not None:
        checks.append(("min_dp", ~(pl.col(f"dp_{k}") >= settings.min_dp).fill_null(False)))
    if not checks:
        return pl.lit(None, dtype=pl.String)
    return first_match(
        [(condition, pl.lit(name)) for name, condition in checks], pl.lit(None, dtype=pl.String)
    )


def _build(header: VcfHeader, stats: RunStats) -> tuple[Build | None, BuildSource | None]:
    if header.detected_build is not None:
        return header.detected_build, header.build_source
    build = build_from_positions(stats.max_positions)
    return build, ("positions" if build else None)


def _check_build(settings: NormalizeSettings, detected: str | None, evidence: str) -> None:
    if settings.expected_build and detected and detected != settings.expected_build:
        raise VcfBuildMismatchError(settings.expected_build, detected, evidence)


def _result(
    vcf: Path,
    header: VcfHeader,
    settings: NormalizeSettings,
    stats: RunStats,
    sample: str,
    k: int,
    out: Path,
    id_reference: dict[str, str] | None = None,
    ids_filled: int | None = None,
) -> NormalizeResult:
    build, source = _build(header, stats)
    if build is None and settings.expected_build is not None:  # nothing contradicts what was declared
        build, source = settings.expected_build, "declared"
    return NormalizeResult(
        sample=sample,
        source=vcf,
        output=out,
        records_in=stats.records,
        records_out=stats.kept[k],
        filtered=dict(stats.dropped[k]),
        ref_blocks=stats.ref_blocks,
        no_calls=stats.no_calls[k],
        build=build,
        build_source=source,
        settings=settings,
        id_reference=id_reference,
        ids_filled=ids_filled,
        chrom_naming={"chr": stats.chr_named, "bare": stats.bare_named},
    )


def _metadata(make_result: functools.partial[NormalizeResult], _context: object) -> dict[str, str]:
    """Called by the parquet sink when it finishes (after the last batch): counts are complete."""
    return parquet_metadata({"schema_version": SCHEMA_VERSION, **make_result().model_dump(mode="json")})


def normalize_vcf(
    vcf: Path,
    outputs: Mapping[str, Path],
    settings: NormalizeSettings = NormalizeSettings(),
    *,
    id_reference: VariantReference | None = None,
) -> dict[str, NormalizeResult]:
    """Normalize samples of one VCF in one pass: ``outputs`` maps a VCF sample name to its parquet path.

    ``id_reference``: fill missing rsIDs from this variant-position reference (its build must be the
    VCF's, when that is known; see genolake_annotation.reference.fill); ``rsid_filled`` marks them."""
    vcf = Path(vcf)
    if not outputs:
        raise InvalidInputError("outputs is empty: map at least one VCF sample name to a parquet path")
    finals = {sample: Path(out) for sample, out in outputs.items()}
    resolved = [p.resolve() for p in finals.values()]
    if len(set(resolved)) != len(resolved):
        raise InvalidInputError(f"two samples share an output path: {sorted(map(str, finals.values()))}")
    header = read_vcf_header(vcf)
    samples = list(finals)
    indices = _sample_indices(header, vcf, samples)
    _check_build(settings, header.detected_build, f"from the header's {header.build_source}")

    stats = RunStats(indices, settings.active_checks(), track_positions=header.detected_build is None)
    frame = stage_frame(vcf, header, indices)
    frame = frame.with_columns(_reason(settings, k).alias(f"reason_{k}") for k in indices)
    reference_info = None
    if id_reference is not None:
        from genolake_annotation.reference.fill import fill_rsids

        vcf_build = header.detected_build or settings.expected_build
        if vcf_build is not None and vcf_build != id_reference.build:
            raise VcfBuildMismatchError(
                id_reference.build, vcf_build, "the ID reference's build vs the VCF's (header or declared)"
            )
        frame = fill_rsids(frame, id_reference)
        reference_info = id_reference.manifest.lineage()
    # stats last: every sink reads this one (shared) plan, so each record is counted once
    frame = frame.map_batches(stats.update, streamable=True, schema=frame.collect_schema())

    with AtomicOutputs() as atomic:
        temps: dict[str, Path] = {}
        sinks = []
        for sample, k in zip(samples, indices):
            temps[sample] = atomic.temp_for(finals[sample])
            make_result = functools.partial(
                _result, vcf, header, settings, stats, sample, k, finals[sample], reference_info
            )
            rename = {f"gt_{k}": "gt", f"genotype_{k}": "genotype", f"dp_{k}": "dp"}
            sinks.append(
                frame.filter(pl.col(f"reason_{k}").is_null())
                .rename(rename)
                .select(OUTPUT_COLUMNS if id_reference is None else (*OUTPUT_COLUMNS, FILLED_COLUMN))
                .sink_parquet(
                    temps[sample],
                    compression=PARQUET_COMPRESSION,
                    compression_level=PARQUET_COMPRESSION_LEVEL,
                    metadata=functools.partial(_metadata, make_result),
                    lazy=True,
                )
            )
        try:
            pl.collect_all(sinks)
        except pl.exceptions.PolarsError as exc:
            located = find_malformed_record(vcf, header, indices)
            raise (located or VcfFormatError(f"cannot parse {vcf.name}: {exc}")) from exc
        except OSError as exc:  # a corrupt/truncated gzip stream, or a write error (disk full ...)
            located = find_malformed_record(vcf, header, indices)
            if located is None:
                raise
            raise located from exc

        build, source = _build(header, stats)
        if source == "positions":
            _check_build(settings, build, "positions beyond the chromosome ends of the other build")
        results = {}
        for sample, k in zip(samples, indices):
            filled = None
            if reference_info is not None:
                filled = pl.scan_parquet(temps[sample]).select(pl.col("rsid_filled").sum()).collect().item()
            result = _result(vcf, header, settings, stats, sample, k, finals[sample], reference_info, filled)
            written = pl.scan_parquet(temps[sample]).select(pl.len()).collect().item()
            if written != result.records_out or stats.records != result.records_out + sum(
                result.filtered.values()
            ):
                raise NormalizeError(
                    f"internal error: {written} records written for {sample} but {result.records_out} "
                    "counted (the polars streaming plan changed?)"
                )
            results[sample] = result
        atomic.commit()
    return results


def normalize_single(
    vcf: Path,
    out: Path,
    sample: str | None = None,
    settings: NormalizeSettings = NormalizeSettings(),
    *,
    id_reference: VariantReference | None = None,
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
    return normalize_vcf(vcf, {sample: Path(out)}, settings, id_reference=id_reference)[sample]
