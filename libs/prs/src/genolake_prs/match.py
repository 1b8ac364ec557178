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

Implementation: the distinct variants (locus, effect allele, other allele) of all scoring files
are matched once, on an integer locus key (chromosome code << 32 | position), against the sample
records at those loci; every score row then takes its variant's outcome through a 128-bit key
(two independent 64-bit hashes of the variant; a collision is astronomically unlikely) and adds
the row-level rules. Statuses and reasons are small integer codes until the log is decoded
(`decode_match_log`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import polars as pl

from genolake_prs.dosage import effect_dosage, genotype_moments, prepare_genotypes, weight_at
from genolake_prs.errors import PrsError
from genolake_prs.scoring_file import ScoringFile
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
#: Every reason; a matched row's reason is its match type.
REASONS: Final[tuple[str, ...]] = (
    *MATCH_TYPES,
    "missing_genotype",
    "ploidy_above_2",
    "unsupported_effect_type",
    "multiallelic",
    "ambiguous_palindrome",
    "strand_flip_skipped",
    "duplicate",
    "no_position",
    "invalid_allele",
    "absent_locus",
    "absent_reference_unknown",
    "absent_not_snv_or_mismatch",
    "allele_mismatch",
)
P_SOURCES: Final[tuple[str, ...]] = ("scoring_file", "sample")

MATCHED, MISSING_CALL, EXCLUDED, UNMATCHED = range(4)
_REASON_CODE: Final[dict[str, int]] = {name: code for code, name in enumerate(REASONS)}
_FLIP_CODES: Final[list[int]] = [2, 3, 6, 7, 9]
_BASES: Final[list[str]] = ["A", "C", "G", "T"]
_COMPLEMENT: Final[list[str]] = ["T", "G", "C", "A"]

#: Columns of the decoded per-variant match log.
MATCH_LOG_COLUMNS: Final[tuple[str, ...]] = (
    "pgs_id",
    "sample",
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
    "abs_weight",
    "sample_ref",
    "sample_alts",
    "gt",
    "match_type",
    "matched_allele",
    "status",
    "reason",
    "duplicate",
    "dosage",
    "contribution",
    "ploidy",
    "p_effect",
    "p_source",
    "expected_contribution",
    "contribution_variance",
)
#: Columns of `classify` (codes instead of names).
CLASSIFIED_COLUMNS: Final[tuple[str, ...]] = (
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
    "abs_weight",
    "sample_ref",
    "sample_alts",
    "gt",
    "match_code",
    "matched_allele",
    "status_code",
    "reason_code",
    "duplicate",
    "dosage",
    "contribution",
    "ploidy",
    "p_effect",
    "p_source_code",
    "expected_contribution",
    "contribution_variance",
    "key_collision",
)


def _reason(name: str) -> pl.Expr:
    return pl.lit(_REASON_CODE[name], dtype=pl.UInt8)


def _first_reason(rules: Sequence[tuple[pl.Expr, str]]) -> pl.Expr:
    """The reason code of the first rule whose condition holds (null if none, or no rules)."""
    result: Any = pl
    for condition, name in rules:
        result = result.when(condition).then(_reason(name))
    if result is pl:
        return pl.lit(None, dtype=pl.UInt8)
    return cast(pl.Expr, result.otherwise(None))


def complement(allele: pl.Expr) -> pl.Expr:
    """Base-wise complement (A<->T, C<->G), pgsc_calc's strand flip."""
    return allele.str.replace_many(_BASES, _COMPLEMENT)


def chrom_codes(scoring_files: Sequence[ScoringFile]) -> dict[str, int]:
    """A code per chromosome name used by the scoring files (for the integer locus key)."""
    names: set[str] = set()
    for sf in scoring_files:
        names.update(c for c in sf.variants["chrom"].unique().to_list() if c is not None)
    return {name: code for code, name in enumerate(sorted(names))}


def locus_key(chrom: pl.Expr, pos: pl.Expr, codes: dict[str, int]) -> pl.Expr:
    """``code(chrom) << 32 | pos`` (null when the chromosome is not in ``codes`` or pos is null)."""
    if not codes:
        return pl.lit(None, dtype=pl.Int64)
    code = chrom.replace_strict(codes, default=None, return_dtype=pl.Int64)
    return code * (1 << 32) + pos.cast(pl.Int64)


def stack_scores(scoring_files: Sequence[ScoringFile], codes: dict[str, int]) -> tuple[pl.LazyFrame, bool]:
    """All scoring files' rows (lazy) with ``score_idx``, ``locus`` and ``locus_repeated`` (another
    row of the same file has this locus); also whether any file repeats a locus."""
    any_repeated = any(sf.repeats_positions for sf in scoring_files)
    frames: list[pl.LazyFrame] = []
    for index, sf in enumerate(scoring_files):
        frame = sf.variants.lazy().with_columns(
            pl.lit(index, dtype=pl.UInt32).alias("score_idx"),
            locus_key(pl.col("chrom"), pl.col("pos"), codes).alias("locus"),
        )
        repeated = (
            (pl.col("locus").is_duplicated() & pl.col("locus").is_not_null())
            if sf.repeats_positions
            else pl.lit(False)
        )
        frames.append(frame.with_columns(repeated.alias("locus_repeated")))
    return pl.concat(frames, how="vertical"), any_repeated


def _prepare_sample(genotypes: pl.LazyFrame, loci: pl.Series, codes: dict[str, int]) -> pl.DataFrame:
    """The sample's records at the scores' loci, reduced to scalar columns (eager, small)."""
    schema = genotypes.collect_schema()
    wanted = [c for c in ("chrom", "start", "ref", "alts", "gt", "genotype", "af") if c in schema]
    frame = (
        genotypes.select(wanted)
        .with_row_index("sample_record")
        .with_columns(locus_key(pl.col("chrom"), pl.col("start"), codes).alias("locus"))
        .filter(pl.col("locus").is_in(loci.implode()))
    )
    prepared = prepare_genotypes(frame).collect()
    return prepared.with_columns(pl.col("locus").is_duplicated().alias("multi_record"))


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
        pl.when(drop).then(_reason("duplicate")).otherwise(pl.col("reason_code")).alias("reason_code"),
    ).drop("_first_row")
    rest = frame.filter(~pl.col("locus_repeated")).with_columns(pl.lit(False).alias("duplicate"))
    return pl.concat([rest, candidates], how="vertical")


_VKEY: Final[list[str]] = ["_vk1"]


def _variant_key(frame: pl.LazyFrame, *, exact: bool) -> pl.LazyFrame:
    """Key of (locus, effect allele, other allele), so that rows of all scores sharing a variant are
    matched once: a 64-bit hash ``_vk1``, checked by a second independent hash ``_vk2`` (a row whose
    ``_vk2`` differs from its variant's is a collision; the caller then reruns with ``exact``, which
    keys on the values themselves)."""
    fields = pl.struct("locus", "effect_allele", "match_other_allele")
    if exact:
        return frame.with_columns(
            pl.struct("locus", "effect_allele", "match_other_allele")
            .rank("dense")
            .cast(pl.UInt64)
            .alias("_vk1"),
            pl.lit(0, dtype=pl.UInt64).alias("_vk2"),
        )
    return frame.with_columns(
        fields.hash(seed=0x5EED).alias("_vk1"), fields.hash(seed=0xC0FFEE).alias("_vk2")
    )


def _classify_variants(
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
        frame = _best_record(frame, _VKEY)

    code = pl.col("match_code")
    present = pl.col("sample_record").is_not_null()
    flipped = code.is_in(_FLIP_CODES).fill_null(False)
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
    unmatched = _first_reason(unmatched_rules)

    excluded_rules: list[tuple[pl.Expr, str]] = []
    if not settings.keep_multiallelic and any_multiallelic:
        excluded_rules.append((present & (pl.col("n_alts") > 1), "multiallelic"))
    if not settings.keep_ambiguous:
        excluded_rules.append((ambiguous, "ambiguous_palindrome"))
    if settings.skip_flip:
        excluded_rules.append((flipped, "strand_flip_skipped"))
    excluded = _first_reason(excluded_rules)

    over_ploidy = ~absent_ref & (pl.col("ploidy").fill_null(0) > 2)
    call_missing = ~absent_ref & pl.col("call_missing").fill_null(True)
    missing = _first_reason([(over_ploidy, "ploidy_above_2"), (call_missing, "missing_genotype")])

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
        *_VKEY,
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


@dataclass(frozen=True)
class PreparedScores:
    """Scoring files stacked and keyed once, reusable for every sample (`prepare_scores`)."""

    scoring_files: tuple[ScoringFile, ...]
    codes: dict[str, int]
    rows: pl.DataFrame
    variants: pl.DataFrame
    any_repeated: bool
    exact_keys: bool

    @property
    def score_ids(self) -> list[str]:
        """The scores' ids, in order."""
        return [sf.score_id for sf in self.scoring_files]


def prepare_scores(scoring_files: Sequence[ScoringFile], *, exact_keys: bool = False) -> PreparedScores:
    """Stack the rows of ``scoring_files`` (integer locus, variant key) and find their distinct
    variants: the sample-independent half of `classify`, done once for many samples."""
    files = tuple(scoring_files)
    codes = chrom_codes(files)
    stacked, any_repeated = stack_scores(files, codes)
    rows = _variant_key(stacked, exact=exact_keys).collect()
    variants = rows.select(*_VKEY, "_vk2", "locus", "effect_allele", "match_other_allele", "allele_valid")[
        rows.get_column("_vk1").arg_unique()
    ]
    return PreparedScores(files, codes, rows, variants, any_repeated, exact_keys)


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
    sample = _prepare_sample(genotypes, loci, codes)
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
    outcome = _classify_variants(
        variants, sample, settings, reference=reference, sample_af_usable=sample_af_usable
    )

    frame = (
        rows.lazy()
        .join(outcome.lazy(), on=_VKEY, how="left")
        .with_columns((pl.col("_vk2") != pl.col("_vk2_variant")).fill_null(False).alias("key_collision"))
    )
    code = pl.col("match_code")
    complex_row = pl.when(pl.col("effect_type") == "complex").then(_reason("unsupported_effect_type"))
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


def decode_match_log(classified: pl.DataFrame, score_ids: Sequence[str], sample: str) -> pl.DataFrame:
    """The per-variant match log (`MATCH_LOG_COLUMNS`) from `classify` output: codes become names,
    ``pgs_id`` and ``sample`` are added, rows are in file order per score."""
    ids = pl.DataFrame(
        {"score_idx": list(range(len(score_ids))), "pgs_id": list(score_ids)},
        schema={"score_idx": pl.UInt32, "pgs_id": pl.String},
    )

    def names(column: str, values: Sequence[str]) -> pl.Expr:
        mapping = {code: name for code, name in enumerate(values)}
        return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)

    return (
        classified.join(ids, on="score_idx", how="left")
        .sort("score_idx", "row_nr")
        .with_columns(
            pl.lit(sample, dtype=pl.String).alias("sample"),
            names("match_code", MATCH_TYPES).alias("match_type"),
            names("status_code", STATUSES).alias("status"),
            names("reason_code", REASONS).alias("reason"),
            names("p_source_code", P_SOURCES).alias("p_source"),
        )
        .select(MATCH_LOG_COLUMNS)
    )


def match_variants(
    scoring_files: Sequence[ScoringFile],
    genotypes: pl.LazyFrame,
    settings: PrsSettings | None = None,
    *,
    sample: str = "sample",
    reference_alleles: pl.LazyFrame | pl.DataFrame | None = None,
    sample_af_usable: bool = True,
) -> pl.DataFrame:
    """The decoded per-variant match log of one sample against ``scoring_files``."""
    chosen = settings or PrsSettings()
    for exact_keys in (False, True):
        classified = classify(
            scoring_files,
            genotypes,
            chosen,
            reference_alleles=reference_alleles,
            sample_af_usable=sample_af_usable,
            exact_keys=exact_keys,
        ).collect()
        if not bool(classified["key_collision"].any()):
            break
    return decode_match_log(classified, [sf.score_id for sf in scoring_files], sample)
