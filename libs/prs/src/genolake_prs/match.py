"""Matching scoring-file variants to a sample's records by position and alleles.

Order of preference (pgsc_calc's), first that holds wins, per score row:

==================  =========================================================
``refalt``          effect allele is an ALT and the other allele is REF
``altref``          effect allele is REF and the other allele an ALT
``refalt_flip``     the same on the opposite strand (complemented alleles)
``altref_flip``
``no_oa_ref``       no usable other allele: effect allele is REF
``no_oa_alt``       ... effect allele is an ALT
``no_oa_ref_flip``  ... complemented effect allele is REF
``no_oa_alt_flip``  ... complemented effect allele is an ALT
``absent_ref``      ``absent_is_ref``: the locus is absent, taken as REF/REF (REF from a
``absent_ref_flip`` reference-allele table), REF is one of the score's alleles (or their complement)
==================  =========================================================

The other allele is the reported ``other_allele`` or, when missing, a single
``hm_inferOtherAllele`` (see `genolake_prs.scoring_file`). When a locus has several sample records
(e.g. a SNP and an indel at one POS), the best match type wins, then the first record.

Each score row ends with a ``status`` and a ``reason``:

- ``matched`` (reason = match type): contributes ``contribution``;
- ``missing_call`` (``missing_genotype`` / ``ploidy_above_2``): matched, contributes 0, counted;
- ``excluded``: matched but not used: ``unsupported_effect_type`` (haplotype/interaction rows),
  ``multiallelic``, ``ambiguous_palindrome`` (A/T, C/G; for effect-allele-only matches, a
  complementary REF/ALT pair), ``strand_flip_skipped``, ``duplicate``;
- ``unmatched``: ``no_position``, ``invalid_allele`` (not [ACGT]+), ``absent_locus``,
  ``absent_reference_unknown`` (absent_is_ref without a reference allele there),
  ``absent_not_snv_or_mismatch`` (absent_is_ref applies to SNVs whose alleles include REF),
  ``allele_mismatch`` (the locus exists with other alleles).
"""

from __future__ import annotations

import logging
from typing import Final

import polars as pl

from genolake_prs.dosage import effect_dosage, genotype_moments, prepare_genotypes, weight_at
from genolake_prs.errors import PrsError
from genolake_prs.settings import PrsSettings

logger = logging.getLogger(__name__)

MATCH_TYPES: Final[tuple[str, ...]] = (
    "refalt",
    "altref",
    "refalt_flip",
    "altref_flip",
    "no_oa_ref",
    "no_oa_alt",
    "no_oa_ref_flip",
    "no_oa_alt_flip",
    "absent_ref",
    "absent_ref_flip",
)
STATUSES: Final[tuple[str, ...]] = ("matched", "missing_call", "excluded", "unmatched")

_BASES: Final[list[str]] = ["A", "C", "G", "T"]
_COMPLEMENT: Final[list[str]] = ["T", "G", "C", "A"]

#: Columns of the per-variant match log (`match_variants` output, before `sample` is added).
MATCH_LOG_COLUMNS: Final[tuple[str, ...]] = (
    "score_idx",
    "row_nr",
    "line",
    "rsid",
    "chrom",
    "pos",
    "effect_allele",
    "other_allele",
    "other_allele_source",
    "effect_type",
    "effect_weight",
    "sample_ref",
    "sample_alts",
    "gt",
    "match_type",
    "matched_allele",
    "status",
    "reason",
    "dosage",
    "contribution",
    "abs_weight",
    "p_effect",
    "p_source",
    "expected_contribution",
    "contribution_variance",
    "ploidy",
    "duplicate",
)


def complement(allele: pl.Expr) -> pl.Expr:
    """Base-wise complement (A<->T, C<->G), pgsc_calc's strand flip."""
    return allele.str.replace_many(_BASES, _COMPLEMENT)


def _is_alt(allele: pl.Expr) -> pl.Expr:
    return (
        pl.when(pl.col("n_alts") == 1)
        .then(pl.col("alt1") == allele)
        .otherwise(pl.col("sample_alts").list.contains(allele))
        .fill_null(False)
    )


def _match_code(absent_is_ref: bool) -> pl.Expr:
    """Index into `MATCH_TYPES` of the best match for a (score row, sample record) pair, or null."""
    ea, oa = pl.col("effect_allele"), pl.col("match_other_allele")
    eaf, oaf = complement(ea), complement(oa)
    ref = pl.col("sample_ref")
    has_oa = oa.is_not_null()
    present = pl.col("sample_record").is_not_null()
    code = (
        pl.when(present & has_oa & _is_alt(ea) & (ref == oa))
        .then(0)
        .when(present & has_oa & (ref == ea) & _is_alt(oa))
        .then(1)
        .when(present & has_oa & _is_alt(eaf) & (ref == oaf))
        .then(2)
        .when(present & has_oa & (ref == eaf) & _is_alt(oaf))
        .then(3)
        .when(present & ~has_oa & (ref == ea))
        .then(4)
        .when(present & ~has_oa & _is_alt(ea))
        .then(5)
        .when(present & ~has_oa & (ref == eaf))
        .then(6)
        .when(present & ~has_oa & _is_alt(eaf))
        .then(7)
    )
    if absent_is_ref:
        rr = pl.col("reference_ref")
        absent = ~present & rr.is_not_null()
        snv = (ea.str.len_bytes() == 1) & (oa.is_null() | (oa.str.len_bytes() == 1))
        absent = absent & snv  # REF/REF of an absent indel can't be told from one reference base
        code = (
            code.when(absent & has_oa & ((rr == ea) | (rr == oa)))
            .then(8)
            .when(absent & has_oa & ((rr == eaf) | (rr == oaf)))
            .then(9)
            # no other allele: REF/REF holds the effect allele twice (EA == REF) or never (EA and
            # its complement both differ from REF); EA's complement == REF is strand-ambiguous
            .when(absent & ~has_oa)
            .then(8)
        )
    return code.otherwise(None).cast(pl.Int8)


def _best_record(candidates: pl.LazyFrame) -> pl.LazyFrame:
    """One row per score row: loci with several records keep the best match type, then the first."""
    single = candidates.filter(pl.col("records_at_locus").fill_null(1) <= 1)
    multi = (
        candidates.filter(pl.col("records_at_locus") > 1)
        .sort(["score_idx", "row_nr", "match_code", "sample_record"], nulls_last=True)
        .unique(subset=["score_idx", "row_nr"], keep="first", maintain_order=True)
    )
    return pl.concat([single, multi], how="vertical")


def match_variants(
    scores: pl.LazyFrame,
    genotypes: pl.LazyFrame,
    settings: PrsSettings,
    *,
    reference_alleles: pl.LazyFrame | None = None,
    sample_af_usable: bool = True,
) -> pl.LazyFrame:
    """Classify every score row against one sample: the per-variant match log (lazy).

    ``scores``: the variants of one or more scoring files (`VARIANT_SCHEMA` plus ``score_idx``).
    ``genotypes``: a contract-shaped genotype frame (see `genolake_prs.genotypes`).
    ``reference_alleles``: ``chrom, pos, ref`` for ``absent_is_ref``.
    Output columns: `MATCH_LOG_COLUMNS`.
    """
    if settings.absent_is_ref and reference_alleles is None:
        raise PrsError(
            "absent_is_ref=True needs the reference allele at absent loci: pass reference_alleles "
            "(chrom, pos, ref), e.g. from genolake_prs.reference.reference_alleles_from_fasta"
        )
    loci = scores.select("chrom", "pos").filter(pl.col("pos").is_not_null()).unique()
    sample = (
        genotypes.with_columns(pl.col("start").cast(pl.Int64))
        .with_row_index("sample_record")
        .join(loci, left_on=["chrom", "start"], right_on=["chrom", "pos"], how="semi")
    )
    prepared = prepare_genotypes(sample).with_columns(
        pl.len().over(["chrom", "pos"]).cast(pl.UInt32).alias("records_at_locus")
    )

    candidates = scores.join(prepared, on=["chrom", "pos"], how="left")
    if settings.absent_is_ref:
        assert reference_alleles is not None
        ref_table = reference_alleles.select(
            pl.col("chrom").cast(pl.String),
            pl.col("pos").cast(pl.Int64),
            pl.col("ref").str.to_uppercase().alias("reference_ref"),
        ).unique(subset=["chrom", "pos"], keep="first")
        candidates = candidates.join(ref_table, on=["chrom", "pos"], how="left")
    else:
        candidates = candidates.with_columns(pl.lit(None, dtype=pl.String).alias("reference_ref"))

    candidates = candidates.with_columns(_match_code(settings.absent_is_ref).alias("match_code"))
    best = _best_record(candidates)

    code = pl.col("match_code")
    ea, oa = pl.col("effect_allele"), pl.col("match_other_allele")
    flipped = code.is_in([2, 3, 6, 7, 9])
    matched_allele = pl.when(flipped).then(complement(ea)).otherwise(ea)
    present = pl.col("sample_record").is_not_null()
    is_absent_ref = code.is_in([8, 9])
    ambiguous = (
        pl.when(oa.is_not_null())
        .then(complement(ea) == oa)
        .when(present)
        .then(_is_alt(complement(pl.col("sample_ref"))))
        .otherwise(complement(ea) == pl.col("reference_ref"))
        .fill_null(False)
    )
    multiallelic = present & (pl.col("n_alts") > 1)

    unmatched_reason = (
        pl.when(pl.col("pos").is_null() | pl.col("chrom").is_null())
        .then(pl.lit("no_position"))
        .when(~pl.col("allele_valid"))
        .then(pl.lit("invalid_allele"))
        .when(~present & pl.lit(settings.absent_is_ref) & pl.col("reference_ref").is_null())
        .then(pl.lit("absent_reference_unknown"))
        .when(~present & pl.lit(settings.absent_is_ref) & code.is_null())
        .then(pl.lit("absent_not_snv_or_mismatch"))
        .when(~present & ~pl.lit(settings.absent_is_ref))
        .then(pl.lit("absent_locus"))
        .when(code.is_null())
        .then(pl.lit("allele_mismatch"))
    )
    excluded_reason = (
        pl.when(pl.col("effect_type") == "complex")
        .then(pl.lit("unsupported_effect_type"))
        .when(multiallelic & pl.lit(not settings.keep_multiallelic))
        .then(pl.lit("multiallelic"))
        .when(ambiguous & pl.lit(not settings.keep_ambiguous))
        .then(pl.lit("ambiguous_palindrome"))
        .when(flipped & pl.lit(settings.skip_flip))
        .then(pl.lit("strand_flip_skipped"))
    )
    call_missing = ~is_absent_ref & pl.col("call_missing").fill_null(True)
    over_ploidy = ~is_absent_ref & (pl.col("ploidy").fill_null(0) > 2)

    classified = best.with_columns(
        pl.when(code.is_not_null() & pl.col("allele_valid"))
        .then(pl.lit(list(MATCH_TYPES), dtype=pl.List(pl.String)).list.get(code.cast(pl.Int64)))
        .otherwise(None)
        .alias("match_type"),
        pl.when(code.is_not_null()).then(matched_allele).otherwise(None).alias("matched_allele"),
        unmatched_reason.alias("_unmatched"),
        excluded_reason.alias("_excluded"),
        call_missing.alias("_call_missing"),
        over_ploidy.alias("_over_ploidy"),
        is_absent_ref.fill_null(False).alias("_absent_ref"),
    ).with_columns(
        pl.when(pl.col("_unmatched").is_not_null())
        .then(pl.lit("unmatched"))
        .when(pl.col("_excluded").is_not_null())
        .then(pl.lit("excluded"))
        .when(pl.col("_call_missing") | pl.col("_over_ploidy"))
        .then(pl.lit("missing_call"))
        .otherwise(pl.lit("matched"))
        .alias("status"),
        pl.coalesce(
            pl.col("_unmatched"),
            pl.col("_excluded"),
            pl.when(pl.col("_over_ploidy")).then(pl.lit("ploidy_above_2")),
            pl.when(pl.col("_call_missing")).then(pl.lit("missing_genotype")),
            pl.col("match_type"),
        ).alias("reason"),
    )
    classified = _apply_duplicate_policy(classified, settings)

    dosage = (
        pl.when(pl.col("_absent_ref"))
        .then(pl.when(pl.col("matched_allele") == pl.col("reference_ref")).then(2).otherwise(0))
        .otherwise(effect_dosage(pl.col("matched_allele")))
        .cast(pl.UInt8)
    )
    scored = classified.with_columns(
        pl.when(pl.col("status") == "matched").then(dosage).otherwise(None).alias("dosage"),
        pl.when(pl.col("_absent_ref")).then(pl.lit(2, dtype=pl.UInt8)).otherwise(pl.col("ploidy")).alias(
            "ploidy"
        ),
    ).with_columns(
        pl.when(pl.col("status") == "matched")
        .then(weight_at(pl.col("dosage")).fill_null(0.0))
        .otherwise(0.0)
        .alias("contribution"),
        _effect_frequency(sample_af_usable).alias("_p"),
    )
    mean, variance = genotype_moments(pl.col("_p").struct.field("p"), pl.col("ploidy"))
    return scored.with_columns(
        pl.col("_p").struct.field("p").alias("p_effect"),
        mean.alias("expected_contribution"),
        variance.alias("contribution_variance"),
        pl.col("_p").struct.field("source").alias("p_source"),
        pl.col("sample_alts").list.join(",").alias("sample_alts"),
        pl.col("_duplicate").alias("duplicate"),
    ).select(MATCH_LOG_COLUMNS)


def _effect_frequency(sample_af_usable: bool) -> pl.Expr:
    """Frequency of the effect allele: the scoring file's ``allelefrequency_effect`` first, else the
    sample's INFO AF (the matched ALT's AF, or 1 - sum(AF) when the effect allele is REF)."""
    allele = pl.col("matched_allele")
    af = pl.col("sample_af")
    from_alt = pl.when(pl.col("alt1") == allele).then(af.list.get(0, null_on_oob=True))
    for index in range(1, 4):
        from_alt = from_alt.when(pl.col("sample_alts").list.get(index, null_on_oob=True) == allele).then(
            af.list.get(index, null_on_oob=True)
        )
    sample_p = (
        pl.when(pl.col("sample_ref") == allele)
        .then((1.0 - af.list.sum()).clip(0.0, 1.0))
        .otherwise(from_alt.otherwise(None))
    )
    if not sample_af_usable:
        sample_p = pl.lit(None, dtype=pl.Float64)
    score_p = pl.col("allelefrequency_effect")
    return pl.struct(
        pl.coalesce(score_p, sample_p).alias("p"),
        pl.when(score_p.is_not_null())
        .then(pl.lit("scoring_file"))
        .when(sample_p.is_not_null())
        .then(pl.lit("sample"))
        .otherwise(None)
        .alias("source"),
    )


def _apply_duplicate_policy(frame: pl.LazyFrame, settings: PrsSettings) -> pl.LazyFrame:
    """Rows of one score that reach the same sample record (or absent locus) are duplicates."""
    usable = pl.col("status").is_in(["matched", "missing_call"])
    key = ["score_idx", "chrom", "pos", "sample_record"]
    n_usable = usable.cast(pl.UInt32).sum().over(key)
    first_row = pl.col("row_nr").filter(usable).min().over(key)
    duplicate = usable & (n_usable > 1)
    frame = frame.with_columns(duplicate.alias("_duplicate"), first_row.alias("_first_row"))
    if settings.duplicates == "sum":
        return frame
    if settings.duplicates == "keep_first":
        drop = pl.col("_duplicate") & (pl.col("row_nr") != pl.col("_first_row"))
    else:  # exclude / error (error is raised by the caller after collecting)
        drop = pl.col("_duplicate")
    return frame.with_columns(
        pl.when(drop).then(pl.lit("excluded")).otherwise(pl.col("status")).alias("status"),
        pl.when(drop).then(pl.lit("duplicate")).otherwise(pl.col("reason")).alias("reason"),
    )
