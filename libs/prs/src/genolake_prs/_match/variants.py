"""Labelling the distinct score variants against the sample's records (eager): the best match type of each,
the variant-level reasons it is unmatched, excluded or a missing call, its dosage and frequency."""

from __future__ import annotations

import polars as pl

from genolake_prs._match.codes import FLIP_CODES, complement, first_reason
from genolake_prs._match.prepare import VKEY
from genolake_prs.dosage import effect_dosage
from genolake_prs.settings import PrsSettings


def _is_alt(allele: pl.Expr, any_multiallelic: bool) -> pl.Expr:
    first = pl.col("alt1") == allele
    if not any_multiallelic:
        return first.fill_null(False)
    return (
        pl.when(pl.col("n_alts") > 1)
        .then(pl.col("alts_multi").list.contains(allele))
        .otherwise(first)
        .fill_null(False)
    )


def _match_code(absent_is_ref: bool, any_multiallelic: bool) -> pl.Expr:
    """Index into `MATCH_TYPES` of the best match of a (score row, sample record) pair, or null."""
    ea, oa = pl.col("effect_allele"), pl.col("match_other_allele")
    eaf, oaf = pl.col("_eaf"), pl.col("_oaf")
    ref = pl.col("sample_ref")
    has_oa = oa.is_not_null()
    present = pl.col("sample_record").is_not_null()

    def is_alt(x: pl.Expr) -> pl.Expr:
        return _is_alt(x, any_multiallelic)

    with_oa = present & has_oa
    without_oa = present & ~has_oa
    code = (
        pl.when(with_oa & (ref == oa) & is_alt(ea))
        .then(0)
        .when(with_oa & (ref == ea) & is_alt(oa))
        .then(1)
        .when(with_oa & (ref == oaf) & is_alt(eaf))
        .then(2)
        .when(with_oa & (ref == eaf) & is_alt(oaf))
        .then(3)
        .when(without_oa & (ref == ea))
        .then(4)
        .when(without_oa & is_alt(ea))
        .then(5)
        .when(without_oa & (ref == eaf))
        .then(6)
        .when(without_oa & is_alt(eaf))
        .then(7)
    )
    if absent_is_ref:
        rr = pl.col("reference_ref")
        snv = (ea.str.len_bytes() == 1) & (oa.is_null() | (oa.str.len_bytes() == 1))
        # one reference base can't tell REF/REF of an indel
        absent = ~present & rr.is_not_null() & snv
        code = (
            code.when(absent & has_oa & ((rr == ea) | (rr == oa)))
            .then(8)
            .when(absent & has_oa & ((rr == eaf) | (rr == oaf)))
            .then(9)
            # no other allele: REF/REF holds the effect allele twice (EA == REF) or never (EA and
            # its complement both differ from REF); complement(EA) == REF is strand-ambiguous
            .when(absent & ~has_oa)
            .then(8)
        )
    return code.otherwise(None).cast(pl.Int8)


def _best_record(candidates: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """One row per ``key``: loci with several records keep the best match type, then the first."""
    multi = pl.col("multi_record").fill_null(False)
    best = (
        candidates.filter(multi)
        .sort([*key, "match_code", "sample_record"], nulls_last=True)
        .unique(subset=key, keep="first", maintain_order=True)
    )
    return pl.concat([candidates.filter(~multi), best], how="vertical")


def _sample_frequency(any_multiallelic: bool) -> pl.Expr:
    """The sample's INFO AF of the matched allele (REF: 1 - sum of ALT AFs)."""
    allele = pl.col("matched_allele")
    p = (
        pl.when(pl.col("af0").is_null())
        .then(None)
        .when(pl.col("sample_ref") == allele)
        .then((1.0 - pl.col("af_sum")).clip(0.0, 1.0))
        .when(pl.col("alt1") == allele)
        .then(pl.col("af0"))
    )
    if any_multiallelic:
        for index in range(1, 8):
            p = p.when(pl.col("alts_multi").list.get(index, null_on_oob=True) == allele).then(
                pl.col("af_multi").list.get(index, null_on_oob=True)
            )
    return p.otherwise(None).cast(pl.Float64)


def classify_variants(
    variants: pl.DataFrame,
    sample: pl.DataFrame,
    settings: PrsSettings,
    *,
    reference: pl.DataFrame | None,
    sample_af_usable: bool,
) -> pl.DataFrame:
    """Allele matching of the distinct score variants against the sample records (eager).

    Per variant: ``match_code``, ``matched_allele``, ``sample_record``, the variant-level reason
    codes ``_unmatched`` / ``_excluded`` / ``_missing`` (row-level rules come later), ``dosage``
    (of a usable call), ``ploidy``, ``p_sample`` and the sample columns the log shows.
    """
    any_multiallelic = bool((sample["n_alts"] > 1).any())
    frame = variants.join(sample, on="locus", how="left")
    if reference is not None:
        frame = frame.join(reference, on="locus", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("reference_ref"))
    frame = frame.with_columns(
        complement(pl.col("effect_allele")).alias("_eaf"),
        complement(pl.col("match_other_allele")).alias("_oaf"),
    ).with_columns(_match_code(settings.absent_is_ref, any_multiallelic).alias("match_code"))
    if bool(sample["multi_record"].any()):
        frame = _best_record(frame, VKEY)

    code = pl.col("match_code")
    present = pl.col("sample_record").is_not_null()
    flipped = code.is_in(FLIP_CODES).fill_null(False)
    absent_ref = code.is_in([8, 9]).fill_null(False)
    oa = pl.col("match_other_allele")
    ambiguous = (
        pl.when(oa.is_not_null())
        .then(pl.col("_eaf") == oa)
        .when(present)
        .then(_is_alt(complement(pl.col("sample_ref")), any_multiallelic))
        .otherwise(pl.col("_eaf") == pl.col("reference_ref"))
        .fill_null(False)
    )

    unmatched_rules = [
        (pl.col("locus").is_null(), "no_position"),
        (~pl.col("allele_valid"), "invalid_allele"),
    ]
    if settings.absent_is_ref:
        unmatched_rules += [
            (~present & pl.col("reference_ref").is_null(), "absent_reference_unknown"),
            (~present & code.is_null(), "absent_not_snv_or_mismatch"),
        ]
    else:
        unmatched_rules.append((~present, "absent_locus"))
    unmatched_rules.append((code.is_null(), "allele_mismatch"))
    unmatched = first_reason(unmatched_rules)

    excluded_rules: list[tuple[pl.Expr, str]] = []
    if not settings.keep_multiallelic and any_multiallelic:
        excluded_rules.append((present & (pl.col("n_alts") > 1), "multiallelic"))
    if not settings.keep_ambiguous:
        excluded_rules.append((ambiguous, "ambiguous_palindrome"))
    if settings.skip_flip:
        excluded_rules.append((flipped, "strand_flip_skipped"))
    excluded = first_reason(excluded_rules)

    over_ploidy = ~absent_ref & (pl.col("ploidy").fill_null(0) > 2)
    call_missing = ~absent_ref & pl.col("call_missing").fill_null(True)
    missing = first_reason([(over_ploidy, "ploidy_above_2"), (call_missing, "missing_genotype")])

    frame = frame.with_columns(
        unmatched.alias("_unmatched"),
        excluded.alias("_excluded"),
        missing.alias("_missing"),
        pl.when(code.is_not_null())
        .then(pl.when(flipped).then(pl.col("_eaf")).otherwise(pl.col("effect_allele")))
        .otherwise(None)
        .alias("matched_allele"),
    )
    dosage = (
        pl.when(absent_ref)
        .then(pl.when(pl.col("matched_allele") == pl.col("reference_ref")).then(2).otherwise(0))
        .otherwise(effect_dosage(pl.col("matched_allele")))
        .cast(pl.UInt8)
    )
    usable = pl.col("_unmatched").is_null() & pl.col("_missing").is_null()
    sample_p = _sample_frequency(any_multiallelic) if sample_af_usable else pl.lit(None, dtype=pl.Float64)
    return frame.select(
        *VKEY,
        pl.col("_vk2").alias("_vk2_variant"),
        "match_code",
        "matched_allele",
        "sample_record",
        "sample_ref",
        "sample_alts",
        "gt",
        "_unmatched",
        "_excluded",
        "_missing",
        pl.when(usable).then(dosage).otherwise(None).alias("_dosage"),
        pl.when(absent_ref).then(pl.lit(2, dtype=pl.UInt8)).otherwise(pl.col("ploidy")).alias("ploidy"),
        pl.when(usable).then(sample_p).otherwise(None).alias("_p_sample"),
    )
