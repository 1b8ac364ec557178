"""Effect-allele dosage from called alleles, and what a variant contributes to a score.

Rules:
- The dosage of the effect allele is the number of times the (strand-resolved) effect allele
  occurs in the sample's ``genotype`` list: 0/1/2 for diploid calls, 0/1 for haploid calls.
- A call is *missing* when ``genotype`` is null or empty or the raw ``gt`` has any ``.`` (partly
  missing calls such as ``0/.`` are missing, as in plink2). Missing calls contribute 0 and are
  counted; nothing is imputed.
- Calls with more than two alleles are treated as missing (reason ``ploidy_above_2``).
- Contribution: additive ``dosage * effect_weight``; otherwise the per-dosage weight
  ``dosage_<d>_weight`` (dominant and recessive rows are stored as per-dosage weights).
- An absent locus declared homozygous reference (``absent_is_ref``) has ploidy 2.
"""

from __future__ import annotations

import polars as pl

MAX_PLOIDY = 2


def prepare_genotypes(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The per-record columns the matcher needs, from a contract-shaped genotype frame.

    Output: ``[sample_record,] chrom, pos, sample_ref, sample_alts, n_alts, alt1, gt, call_missing,
    ploidy, g0, g1, sample_af``. ``sample_record`` (the record's row number) is passed through when present.
    """
    schema = frame.collect_schema()
    missing = pl.col("genotype").is_null() | (pl.col("genotype").list.len() == 0)
    if "gt" in schema:
        missing = missing | pl.col("gt").str.contains(".", literal=True).fill_null(False)
        gt = pl.col("gt")
    else:
        gt = pl.lit(None, dtype=pl.String).alias("gt")
    af = pl.col("af") if "af" in schema else pl.lit(None, dtype=pl.List(pl.Float64)).alias("af")
    upper = pl.element().str.to_uppercase()
    record = [pl.col("sample_record").cast(pl.UInt64)] if "sample_record" in schema else []
    return frame.select(
        *record,
        pl.col("chrom"),
        pl.col("start").cast(pl.Int64).alias("pos"),
        pl.col("ref").str.to_uppercase().alias("sample_ref"),
        pl.col("alts").list.eval(upper).alias("sample_alts"),
        pl.col("alts").list.len().cast(pl.UInt32).alias("n_alts"),
        pl.col("alts").list.first().str.to_uppercase().alias("alt1"),
        gt.alias("gt"),
        missing.alias("call_missing"),
        pl.col("genotype").list.len().cast(pl.UInt8).alias("ploidy"),
        pl.col("genotype").list.get(0, null_on_oob=True).str.to_uppercase().alias("g0"),
        pl.col("genotype").list.get(1, null_on_oob=True).str.to_uppercase().alias("g1"),
        af.cast(pl.List(pl.Float64)).alias("sample_af"),
    )


def effect_dosage(allele: pl.Expr) -> pl.Expr:
    """Copies of ``allele`` among the called alleles ``g0``/``g1`` (UInt8)."""
    return (pl.col("g0") == allele).fill_null(False).cast(pl.UInt8) + (pl.col("g1") == allele).fill_null(
        False
    ).cast(pl.UInt8)


def weight_at(dosage: pl.Expr | int) -> pl.Expr:
    """The weight a row gives to ``dosage`` copies of its effect allele."""
    d = pl.lit(dosage) if isinstance(dosage, int) else dosage
    per_dosage = (
        pl.when(d == 0)
        .then(pl.col("dosage_0_weight"))
        .when(d == 1)
        .then(pl.col("dosage_1_weight"))
        .when(d == 2)
        .then(pl.col("dosage_2_weight"))
        .otherwise(None)
    )
    return (
        pl.when(pl.col("effect_type") == "additive")
        .then(d.cast(pl.Float64) * pl.col("effect_weight"))
        .otherwise(per_dosage)
    )


def genotype_moments(p: pl.Expr, ploidy: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Mean and variance of a variant's contribution when the effect allele has frequency ``p``.

    Hardy-Weinberg: P(0, 1, 2 copies) = ((1-p)^2, 2p(1-p), p^2) for diploid calls, (1-p, p, 0) for
    haploid ones. For additive weights this is mean 2pw, variance 2p(1-p)w^2.
    """
    haploid = ploidy == 1
    p0 = pl.when(haploid).then(1 - p).otherwise((1 - p) * (1 - p))
    p1 = pl.when(haploid).then(p).otherwise(2 * p * (1 - p))
    p2 = pl.when(haploid).then(pl.lit(0.0)).otherwise(p * p)
    w0, w1, w2 = (weight_at(k).fill_null(0.0) for k in (0, 1, 2))
    mean = p0 * w0 + p1 * w1 + p2 * w2
    second = p0 * w0 * w0 + p1 * w1 * w1 + p2 * w2 * w2
    return mean, (second - mean * mean).clip(lower_bound=0.0)
