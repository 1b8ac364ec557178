"""Lazy scan of VCF records and the parsed ("stage") columns.

The records are read by ``pl.scan_csv`` as tab-separated text: no quoting (``quote_char=None``), every
column a string, header lines skipped as comments. Polars streams plain, gzip and bgzip input itself
(checked with polars 2.1: an 8M-record bgzip VCF scans in ~220 MB), so no external tool is needed.

Structural problems are turned into a failing strict cast of POS, so the streaming query stops at the
first bad record instead of writing garbage; the caller then locates the line (``validate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from genolake_annotation.normalize import fields, genotype
from genolake_annotation.normalize.header import VcfHeader

FIXED = ("_chrom", "_pos", "_id", "_ref", "_alt", "_qual", "_filter", "_info", "_format")
_MALFORMED = "<malformed record>"


def sample_column(index: int) -> str:
    return f"_s{index}"


def scan_records(path: Path, header: VcfHeader) -> pl.LazyFrame:
    """All records as raw strings: ``_chrom`` ... ``_format``, then ``_s0``, ``_s1`` ... per sample."""
    names = list(FIXED[:8]) + (["_format"] + [sample_column(i) for i in range(len(header.samples))]
                               if header.samples else [])
    return pl.scan_csv(
        path,
        has_header=False,
        separator="\t",
        comment_prefix="#",
        quote_char=None,
        schema={name: pl.String for name in names},
        infer_schema=False,
        empty_string_is_null=True,
        raise_if_empty=False,
    )


def stage_columns(header: VcfHeader, sample_indices: Sequence[int]) -> list[pl.Expr]:
    """Parsed columns: site columns (``chrom`` ... ``ref_block``) and ``gt_k``/``genotype_k``/``dp_k``
    for each requested sample ``k`` (an index into ``header.samples``)."""
    c = pl.col
    last = sample_column(len(header.samples) - 1) if header.samples else "_info"
    required = [c(name).is_not_null() for name in FIXED[:8]] + [c(last).is_not_null()]
    if header.samples:
        required.append(c("_format").is_not_null())
    well_formed = pl.all_horizontal(required)
    alts = fields.split_or_empty(c("_alt"), ",")
    info_dp = fields.info_int(c("_info"), "DP")
    columns: list[pl.Expr] = [
        fields.chrom(c("_chrom")).alias("chrom"),
        pl.when(well_formed).then(c("_pos")).otherwise(pl.lit(_MALFORMED))
        .cast(pl.Int64, strict=True).alias("start"),
        fields.rsid(c("_id")).alias("rsid"),
        c("_ref").alias("ref"),
        alts.alias("alts"),
        fields.missing_to_null(c("_filter")).alias("filter"),
        fields.qual(c("_qual")).alias("qual"),
        (
            fields.info_float_list(c("_info"), "AF")
            if "AF" in header.info
            else pl.lit(None, dtype=pl.List(pl.Float64))
        ).alias("af"),
        fields.split_or_empty(c("_id"), ";").alias("ids"),
        pl.coalesce(
            fields.info_int(c("_info"), "END"), c("_pos").cast(pl.Int64, strict=False)
            + c("_ref").str.len_chars().cast(pl.Int64) - 1
        ).alias("end"),
        fields.is_ref_block(c("_alt")).alias("ref_block"),
    ]
    for k in sample_indices:
        raw = c(sample_column(k))
        if k == len(header.samples) - 1:
            raw = raw.str.strip_chars_end("\r")  # CRLF files
        parts = genotype.sample_parts(raw)
        gt = genotype.gt(c("_format"), parts)
        columns += [
            gt.alias(f"gt_{k}"),
            genotype.genotype(gt, c("_ref"), alts).alias(f"genotype_{k}"),
            pl.coalesce(genotype.format_int(c("_format"), parts, "DP"), info_dp).alias(f"dp_{k}"),
        ]
    return columns


def stage_frame(path: Path, header: VcfHeader, sample_indices: Sequence[int]) -> pl.LazyFrame:
    return scan_records(path, header).select(stage_columns(header, sample_indices))
