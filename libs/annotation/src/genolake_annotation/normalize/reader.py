"""Lazy scan of VCF records and the parsed ("stage") columns.

The records are read by ``pl.scan_csv`` as tab-separated text: no quoting (``quote_char=None``), every
column a string. The header is skipped by its line count (``skip_lines``; the header parser already
checked that every line before ``#CHROM`` is a ``##`` line), not with ``comment_prefix="#"``: looking
for comments on every line cost ~0.1 s of CPU per million records, and a ``#`` line among the records
is not valid VCF (it fails the query like any other malformed line, and ``validate`` names it).
Polars streams plain, gzip and bgzip input itself
(checked with polars 2.1: an 8M-record bgzip VCF scans in ~220 MB), so no external tool is needed.
Zero-record files are fine (``raise_if_empty=False``).

Structural problems are turned into a failing strict cast of POS, so the streaming query stops at the
first bad record instead of writing garbage; the caller then locates the line (``validate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from genolake_annotation.normalize import fields, genotype
from genolake_annotation.normalize.fields import missing_to_null
from genolake_annotation.normalize.header import VcfHeader

FIXED = ("_chrom", "_pos", "_id", "_ref", "_alt", "_qual", "_filter", "_info", "_format")
_MALFORMED = "<malformed record>"
MAX_RECORD_BYTES = 1 << 20  # as for header lines: a longer line is a missing line break or binary data
# Chromosomes whose naming (with or without "chr") must be the same in every record.
PRIMARY_CHROMS = [*(str(n) for n in range(1, 23)), "X", "Y", "MT"]


def sample_column(index: int) -> str:
    return f"_s{index}"


def scan_records(path: Path, header: VcfHeader) -> pl.LazyFrame:
    """All records as raw strings: ``_chrom`` ... ``_format``, then ``_s0``, ``_s1`` ... per sample."""
    names = list(FIXED[:8])
    if header.samples:
        names += ["_format", *(sample_column(i) for i in range(len(header.samples)))]
    return pl.scan_csv(
        path,
        has_header=False,
        separator="\t",
        skip_lines=header.header_lines,
        quote_char=None,
        schema={name: pl.String for name in names},
        infer_schema=False,
        empty_string_is_null=True,
        raise_if_empty=False,
    )


def stage_frame(path: Path, header: VcfHeader, sample_indices: Sequence[int]) -> pl.LazyFrame:
    """Parsed columns: site columns (``chrom`` ... ``ref_block``), then ``gt_k``/``genotype_k``/``dp_k``
    for each requested sample ``k`` (an index into ``header.samples``).

    Built as a chain of ``with_columns`` steps: polars does not reuse a sub-expression that appears
    several times in one expression, so shared intermediates (``_ok``, ``_info_dp``, the split sample
    fields ...) are materialised once as scratch columns.
    """
    c = pl.col
    last = sample_column(len(header.samples) - 1) if header.samples else "_info"
    required = [c(name).is_not_null() for name in FIXED[:8]] + [c(last).is_not_null()]
    required.append(~c("_chrom").str.starts_with("#"))  # a header/comment line among the records
    if header.samples:
        required.append(c("_format").is_not_null())
    names = [
        *FIXED[:8],
        *([] if not header.samples else ["_format", *map(sample_column, range(len(header.samples)))]),
    ]
    # string lengths are Arrow offsets: this costs next to nothing per record
    required.append(pl.sum_horizontal(c(name).str.len_bytes() for name in names) < MAX_RECORD_BYTES)
    frame = scan_records(path, header).with_columns(
        pl.all_horizontal(required).alias("_ok"),
        fields.info_with_separator(c("_info")).alias("_info_sc"),
        fields.strip_chr(c("_chrom")).alias("_chrom_bare"),
        (
            genotype.format_key_index(c("_format"), "DP") if header.samples else pl.lit(None, dtype=pl.Int64)
        ).alias("_dp_index"),
    )
    null_int = pl.lit(None, dtype=pl.Int64)
    declared = header.info
    end = fields.info_int(c("_info_sc"), "END", rare=True) if "END" in declared else null_int
    frame = frame.with_columns(
        (fields.info_int(c("_info_sc"), "DP") if "DP" in declared else null_int).alias("_info_dp"),
        end.alias("_info_end"),
    )
    frame = frame.with_columns(fields.split_or_empty(c("_alt"), ",").alias("alts"))
    sample_columns: list[str] = []
    for k in sample_indices:
        raw = c(sample_column(k))
        if k == len(header.samples) - 1:
            raw = raw.str.strip_chars_end("\r")  # CRLF files
        depth = missing_to_null(genotype.format_value(raw, c("_dp_index"))).cast(pl.Int64, strict=True)
        frame = frame.with_columns(
            genotype.gt(c("_format"), raw).alias(f"gt_{k}"),
            pl.coalesce(depth, c("_info_dp")).alias(f"dp_{k}"),
        )
        frame = genotype.with_genotype(frame, f"gt_{k}", "_ref", "alts", f"genotype_{k}", f"_g{k}")
        sample_columns += [f"gt_{k}", f"genotype_{k}", f"dp_{k}"]
    site: list[pl.Expr] = [
        fields.chrom(c("_chrom_bare")).alias("chrom"),
        pl.when(c("_ok"))
        .then(c("_pos"))
        .otherwise(pl.lit(_MALFORMED))
        .cast(pl.Int64, strict=True)
        .alias("start"),
        fields.rsid(c("_id")).alias("rsid"),
        c("_ref").alias("ref"),
        c("alts"),
        fields.missing_to_null(c("_filter")).alias("filter"),
        fields.qual(c("_qual")).alias("qual"),
        (
            fields.info_float_list(c("_info_sc"), "AF")
            if "AF" in header.info
            else pl.lit(None, dtype=pl.List(pl.Float64))
        ).alias("af"),
        fields.split_or_empty(c("_id"), ";").alias("ids"),
        pl.coalesce(
            c("_info_end"),
            c("_pos").cast(pl.Int64, strict=False) + c("_ref").str.len_chars().cast(pl.Int64) - 1,
        ).alias("end"),
        fields.is_ref_block(c("_alt")).alias("ref_block"),
        # naming of a primary chromosome: true "chr1", false "1", null another contig (HLA-..., GL...)
        pl.when(fields.chrom(c("_chrom_bare")).is_in(PRIMARY_CHROMS))
        .then(c("_chrom").str.len_bytes() != c("_chrom_bare").str.len_bytes())
        .alias("chr_named"),
    ]
    return frame.select(*site, *sample_columns)
