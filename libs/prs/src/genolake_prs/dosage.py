"""Effect-allele dosage from called alleles, and what a variant contributes to a score.

Rules:
- The dosage of the effect allele is the number of times the (strand-resolved) effect allele
  occurs in the sample's ``genotype`` list: 0/1/2 for diploid calls, 0/1 for haploid calls.
- A call is *missing* when ``genotype`` is null or empty or the raw ``gt`` has any ``.`` (partly
  missing calls such as ``0/.`` are missing, as with plink2's ``--vcf-half-call missing``).
  Missing calls contribute 0 and are counted; nothing is imputed (plink2's
  ``no-mean-imputation``).
- Calls with more than two alleles are treated as missing (reason ``ploidy_above_2``).
- Contribution: additive ``dosage * effect_weight``; otherwise the per-dosage weight
  ``dosage_<d>_weight`` (dominant and recessive rows are stored as per-dosage weights).
- An absent locus declared homozygous reference (``absent_is_ref``) has ploidy 2.
"""

from __future__ import annotations

import polars as pl


def prepare_genotypes(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Scalar per-record columns the matcher needs, from a contract-shaped genotype frame.

    Output: ``sample_record, locus`` (passed through), ``sample_ref, alt1, n_alts, sample_alts``
    (ALTs joined by ``,``), ``alts_multi`` (ALT list, multi-allelic records only), ``gt``,
    ``call_missing``, ``ploidy``, ``g0``, ``g1`` (called alleles), ``af0`` (AF of the first ALT),
    ``af_sum`` and ``af_multi`` (AF list, multi-allelic records only). Alleles are upper-cased.
    List columns are reduced here so that joins carry scalars only.
    """
    schema = frame.collect_schema()
    missing = pl.col("genotype").is_null() | (pl.col("genotype").list.len() == 0)
    if "gt" in schema:
        missing = missing | pl.col("gt").str.contains(".", literal=True).fill_null(False)
        gt = pl.col("gt")
    else:
        gt = pl.lit(None, dtype=pl.String)
    has_af = "af" in schema and schema["af"] != pl.Null()
    af = pl.col("af").cast(pl.List(pl.Float64)) if has_af else pl.lit(None, dtype=pl.List(pl.Float64))
    multi = pl.col("alts").list.len() > 1
    return frame.select(
        pl.col("sample_record"),
        pl.col("locus"),
        pl.col("ref").str.to_uppercase().alias("sample_ref"),
        pl.col("alts").list.first().str.to_uppercase().alias("alt1"),
        pl.col("alts").list.len().cast(pl.UInt32).alias("n_alts"),
        pl.col("alts").list.join(",").str.to_uppercase().alias("sample_alts"),
        pl.when(multi)
        .then(pl.col("alts").list.eval(pl.element().str.to_uppercase()))
        .otherwise(None)
        .alias("alts_multi"),
        gt.alias("gt"),
        missing.alias("call_missing"),
        pl.col("genotype").list.len().cast(pl.UInt8).alias("ploidy"),
        pl.col("genotype").list.get(0, null_on_oob=True).str.to_uppercase().alias("g0"),
        pl.col("genotype").list.get(1, null_on_oob=True).str.to_uppercase().alias("g1"),
        af.list.get(0, null_on_oob=True).alias("af0"),
        af.list.sum().alias("af_sum"),
        pl.when(multi).then(af).otherwise(None).alias("af_multi"),
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
