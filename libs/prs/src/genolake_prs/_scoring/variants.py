"""The parsed variants (`VARIANT_SCHEMA`) from a validated, typed table: positions, alleles, weights."""

from __future__ import annotations

import polars as pl
from genolake_core.chromosomes import normalize_chrom

from genolake_prs._scoring.columns import DOSAGE_COLUMNS, VARIANT_SCHEMA


def _chrom_name(name: str | None) -> str | None:
    """The platform's chromosome name (`genolake_core.chromosomes`) of a scoring file's ``chr_name``;
    empty -> None."""
    return (normalize_chrom(name.strip()) or None) if name is not None else None


def _chrom_expr(frame: pl.DataFrame, column: str) -> pl.Expr:
    """Chromosome names normalized through their few distinct values (fast on large files)."""
    names = frame.get_column(column).unique().to_list()
    mapping = {name: _chrom_name(name) for name in names if name is not None}
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def build_variants(frame: pl.DataFrame, *, header_line: int, chrom_col: str, pos_col: str) -> pl.DataFrame:
    """`VARIANT_SCHEMA` rows from a validated, typed frame (one select)."""
    columns = frame.columns
    null_str = pl.lit(None, dtype=pl.String)
    null_f64 = pl.lit(None, dtype=pl.Float64)

    def flag(name: str) -> pl.Expr:
        return (
            (pl.col(name).str.to_uppercase() == "TRUE").fill_null(False) if name in columns else pl.lit(False)
        )

    effect = pl.col("effect_allele").str.to_uppercase()
    other = pl.col("other_allele").str.to_uppercase() if "other_allele" in columns else null_str
    inferred = (
        pl.col("hm_inferOtherAllele").str.to_uppercase() if "hm_inferOtherAllele" in columns else null_str
    )
    dominant, recessive = flag("is_dominant"), flag("is_recessive")
    complex_row = flag("is_haplotype") | flag("is_diplotype") | flag("is_interaction")
    if "effect_weight" in columns:
        weight = pl.col("effect_weight")
        modified = dominant | recessive
        effect_weight = pl.when(modified).then(null_f64).otherwise(weight)
        d0 = pl.when(modified).then(pl.lit(0.0)).otherwise(null_f64)
        d1 = pl.when(dominant).then(weight).when(recessive).then(pl.lit(0.0)).otherwise(null_f64)
        d2 = pl.when(modified).then(weight).otherwise(null_f64)
        effect_type = (
            pl.when(complex_row)
            .then(pl.lit("complex"))
            .when(dominant)
            .then(pl.lit("dominant"))
            .when(recessive)
            .then(pl.lit("recessive"))
            .otherwise(pl.lit("additive"))
        )
        abs_weight = weight.abs()
    else:
        effect_weight = null_f64
        d0, d1, d2 = (pl.col(c) for c in DOSAGE_COLUMNS)
        effect_type = pl.when(complex_row).then(pl.lit("complex")).otherwise(pl.lit("dosage_weights"))
        abs_weight = pl.max_horizontal(d0.abs(), d1.abs(), d2.abs())
    if "hm_rsID" in columns and "rsID" in columns:
        rsid = pl.coalesce(pl.col("hm_rsID"), pl.col("rsID"))
    elif "hm_rsID" in columns or "rsID" in columns:
        rsid = pl.col("hm_rsID" if "hm_rsID" in columns else "rsID")
    else:
        rsid = null_str
    af = pl.col("allelefrequency_effect") if "allelefrequency_effect" in columns else null_f64
    frame = frame.with_columns(
        effect.alias("_effect"), other.alias("_other"), inferred.alias("_inferred")
    ).with_columns(
        (~pl.col("_other").str.contains("[^ACGT]") & (pl.col("_other") != "")).alias("_other_ok"),
        (
            pl.col("_other").is_null()
            & ~pl.col("_inferred").str.contains("[^ACGT]")
            & (pl.col("_inferred") != "")
        ).alias("_inferred_ok"),
    )
    effect, other, inferred = pl.col("_effect"), pl.col("_other"), pl.col("_inferred")
    other_ok, inferred_ok = pl.col("_other_ok").fill_null(False), pl.col("_inferred_ok").fill_null(False)
    row_nr = pl.int_range(0, pl.len(), dtype=pl.UInt32)
    return frame.select(
        row_nr.alias("row_nr"),
        (row_nr + header_line + 1).alias("line"),
        rsid.alias("rsid"),
        _chrom_expr(frame, chrom_col).alias("chrom"),
        pl.col(pos_col).alias("pos"),
        effect.alias("effect_allele"),
        other.alias("other_allele"),
        pl.when(other_ok)
        .then(other)
        .when(inferred_ok)
        .then(inferred)
        .otherwise(null_str)
        .alias("match_other_allele"),
        pl.when(other_ok)
        .then(pl.lit("reported"))
        .when(inferred_ok)
        .then(pl.lit("inferred"))
        .otherwise(pl.lit("none"))
        .alias("other_allele_source"),
        (~effect.str.contains("[^ACGT]") & (effect != "")).fill_null(False).alias("allele_valid"),
        effect_type.alias("effect_type"),
        effect_weight.alias("effect_weight"),
        d0.alias("dosage_0_weight"),
        d1.alias("dosage_1_weight"),
        d2.alias("dosage_2_weight"),
        abs_weight.alias("abs_weight"),
        af.alias("allelefrequency_effect"),
    ).cast(VARIANT_SCHEMA)  # type: ignore[arg-type]
