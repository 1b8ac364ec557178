"""Classifying every row of every scoring file against one sample: each row takes its variant's label,
then the row-level rules (effect type, duplicates, weights, expected contribution)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from genolake_prs._match.codes import EXCLUDED, MATCHED, MISSING_CALL, UNMATCHED, reason_code
from genolake_prs._match.log import CLASSIFIED_COLUMNS
from genolake_prs._match.prepare import VKEY, PreparedScores, locus_key, prepare_sample, prepare_scores
from genolake_prs._match.variants import classify_variants
from genolake_prs.dosage import genotype_moments, weight_at
from genolake_prs.errors import PrsError
from genolake_prs.scoring_file import ScoringFile
from genolake_prs.settings import PrsSettings


def _duplicates(frame: pl.LazyFrame, settings: PrsSettings) -> pl.LazyFrame:
    """Rows of one score reaching the same sample record (or absent locus) are duplicates; only
    rows whose locus repeats within their file can be, so only those are windowed."""
    usable = pl.col("status_code") <= MISSING_CALL
    key = ["score_idx", "locus", "sample_record"]
    candidates = frame.filter(pl.col("locus_repeated")).with_columns(
        (usable & (usable.cast(pl.UInt32).sum().over(key) > 1)).alias("duplicate"),
        pl.col("row_nr").filter(usable).min().over(key).alias("_first_row"),
    )
    if settings.duplicates == "keep_first":
        drop = pl.col("duplicate") & (pl.col("row_nr") != pl.col("_first_row"))
    elif settings.duplicates == "sum":
        drop = pl.lit(False)
    else:  # exclude; error (raised by the caller after aggregation)
        drop = pl.col("duplicate")
    candidates = candidates.with_columns(
        pl.when(drop)
        .then(pl.lit(EXCLUDED, dtype=pl.UInt8))
        .otherwise(pl.col("status_code"))
        .alias("status_code"),
        pl.when(drop).then(reason_code("duplicate")).otherwise(pl.col("reason_code")).alias("reason_code"),
    ).drop("_first_row")
    rest = frame.filter(~pl.col("locus_repeated")).with_columns(pl.lit(False).alias("duplicate"))
    return pl.concat([rest, candidates], how="vertical")


def classify(
    scores: Sequence[ScoringFile] | PreparedScores,
    genotypes: pl.LazyFrame,
    settings: PrsSettings,
    *,
    reference_alleles: pl.LazyFrame | pl.DataFrame | None = None,
    sample_af_usable: bool = True,
    exact_keys: bool = False,
) -> pl.LazyFrame:
    """Classify every row of every scoring file against one sample (lazy; `CLASSIFIED_COLUMNS`).

    Distinct variants (locus, effect allele, other allele) are matched once, eagerly; the score
    rows (all files stacked) then take their variant's outcome and add the row-level rules
    (effect type, duplicates, weights).

    ``scores``: scoring files, or `prepare_scores` of them (reused across samples).
    ``genotypes``: a contract-shaped genotype frame (see `genolake_prs.genotypes`).
    ``reference_alleles``: ``chrom, pos, ref`` for ``absent_is_ref``.
    ``sample_af_usable``: whether the sample's INFO AF may serve as effect-allele frequency.
    ``exact_keys``: key variants by their values instead of a hash (slower; see `_variant_key`).
    """
    if settings.absent_is_ref and reference_alleles is None:
        raise PrsError(
            "absent_is_ref=True needs the reference allele at absent loci: pass reference_alleles "
            "(chrom, pos, ref), e.g. from genolake_prs.reference_alleles_from_fasta"
        )
    prepared = scores if isinstance(scores, PreparedScores) else prepare_scores(scores, exact_keys=exact_keys)
    if exact_keys and not prepared.exact_keys:
        prepared = prepare_scores(prepared.scoring_files, exact_keys=True)
    codes, rows, variants, any_repeated = (
        prepared.codes,
        prepared.rows,
        prepared.variants,
        prepared.any_repeated,
    )
    loci = variants.get_column("locus").drop_nulls().unique()
    sample = prepare_sample(genotypes, loci, codes)
    reference = None
    if settings.absent_is_ref:
        assert reference_alleles is not None
        reference = (
            reference_alleles.lazy()
            .select(
                locus_key(pl.col("chrom").cast(pl.String), pl.col("pos"), codes).alias("locus"),
                pl.col("ref").str.to_uppercase().alias("reference_ref"),
            )
            .drop_nulls("locus")
            .unique(subset=["locus"], keep="first")
            .collect()
        )
    outcome = classify_variants(
        variants, sample, settings, reference=reference, sample_af_usable=sample_af_usable
    )

    frame = (
        rows.lazy()
        .join(outcome.lazy(), on=VKEY, how="left")
        .with_columns((pl.col("_vk2") != pl.col("_vk2_variant")).fill_null(False).alias("key_collision"))
    )
    code = pl.col("match_code")
    complex_row = pl.when(pl.col("effect_type") == "complex").then(reason_code("unsupported_effect_type"))
    frame = frame.with_columns(
        pl.when(pl.col("_unmatched").is_not_null())
        .then(pl.lit(UNMATCHED, dtype=pl.UInt8))
        .when((pl.col("effect_type") == "complex") | pl.col("_excluded").is_not_null())
        .then(pl.lit(EXCLUDED, dtype=pl.UInt8))
        .when(pl.col("_missing").is_not_null())
        .then(pl.lit(MISSING_CALL, dtype=pl.UInt8))
        .otherwise(pl.lit(MATCHED, dtype=pl.UInt8))
        .alias("status_code"),
        pl.coalesce(
            pl.col("_unmatched"),
            complex_row.otherwise(None),
            pl.col("_excluded"),
            pl.col("_missing"),
            code.cast(pl.UInt8),
        ).alias("reason_code"),
    )
    if any_repeated:
        frame = _duplicates(frame, settings)
    else:
        frame = frame.with_columns(pl.lit(False).alias("duplicate"))

    matched = pl.col("status_code") == MATCHED
    frame = frame.with_columns(
        pl.when(matched).then(pl.col("_dosage")).otherwise(None).alias("dosage"),
    ).with_columns(
        pl.when(matched)
        .then(weight_at(pl.col("dosage")).fill_null(0.0))
        .otherwise(0.0)
        .alias("contribution"),
    )
    score_p = pl.col("allelefrequency_effect")
    sample_p = pl.col("_p_sample")
    frame = frame.with_columns(
        pl.coalesce(score_p, sample_p).alias("p_effect"),
        pl.when(score_p.is_not_null())
        .then(pl.lit(0, dtype=pl.UInt8))
        .when(sample_p.is_not_null())
        .then(pl.lit(1, dtype=pl.UInt8))
        .otherwise(None)
        .alias("p_source_code"),
    )
    mean, variance = genotype_moments(pl.col("p_effect"), pl.col("ploidy"))
    has_p = matched & pl.col("p_effect").is_not_null()
    frame = frame.with_columns(
        pl.when(has_p).then(mean).otherwise(None).alias("expected_contribution"),
        pl.when(has_p).then(variance).otherwise(None).alias("contribution_variance"),
    )
    return frame.select(CLASSIFIED_COLUMNS)
