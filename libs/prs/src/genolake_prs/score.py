"""Scoring samples: many scores in one pass over a sample's genotypes.

All scores' rows are stacked; their distinct variants are matched against the sample's records
once (`genolake_prs.match.classify`), each row takes its variant's outcome, and one group-by sums
every score. The output has one row per (sample, score) with the columns of `SCORE_SCHEMA`:

- ``score_sum``: sum of contributions of matched, called variants (plink2's ``SCORE1_SUM`` with
  ``no-mean-imputation`` and ``--vcf-half-call missing``);
- ``variants_total`` (rows in the scoring file), ``variants_matched`` (matched to a sample record,
  called or not), ``variants_called``, ``variants_missing_call``, ``variants_excluded``,
  ``variants_unmatched``, ``variants_absent`` (locus not in the sample), ``variants_duplicated``,
  and ``matched_<type>`` per match type;
- ``match_rate`` = matched / total, ``call_rate`` = called / total, ``weight_coverage`` =
  Σ|w| matched / Σ|w| total, ``called_weight_coverage`` = Σ|w| called / Σ|w| total;
- ``low_overlap`` (match rate < ``min_overlap``), ``percentile``, ``percentile_method``,
  ``percentile_reason`` (see `genolake_prs.percentile`).

Genome builds: a scoring file whose build (``HmPOS_build`` for harmonized files, else
``genome_build``) differs from the sample's is refused (`BuildMismatchError`); unknown builds are
refused only with ``require_build``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from genolake_prs.errors import BuildMismatchError, LowOverlapError, PrsError
from genolake_prs.genome_build import GenomeBuild, normalize_build
from genolake_prs.genotypes import GenotypeSource, genome_build_of, sample_name_of, scan_genotypes
from genolake_prs.match import (
    EXCLUDED,
    MATCH_TYPES,
    MATCHED,
    MISSING_CALL,
    REASONS,
    UNMATCHED,
    PreparedScores,
    classify,
    decode_match_log,
    prepare_scores,
)
from genolake_prs.percentile import ReferenceDistribution, assign_percentile
from genolake_prs.scoring_file import ScoringFile
from genolake_prs.settings import PrsSettings

logger = logging.getLogger(__name__)

SCORE_SCHEMA: dict[str, pl.DataType] = {
    "pgs_id": pl.String(),
    "sample": pl.String(),
    "score_build": pl.String(),
    "sample_build": pl.String(),
    "score_sum": pl.Float64(),
    "variants_total": pl.Int64(),
    "variants_matched": pl.Int64(),
    "variants_called": pl.Int64(),
    "variants_missing_call": pl.Int64(),
    "variants_excluded": pl.Int64(),
    "variants_unmatched": pl.Int64(),
    "variants_absent": pl.Int64(),
    "variants_duplicated": pl.Int64(),
    **{f"matched_{t}": pl.Int64() for t in MATCH_TYPES},
    "match_rate": pl.Float64(),
    "call_rate": pl.Float64(),
    "weight_coverage": pl.Float64(),
    "called_weight_coverage": pl.Float64(),
    "low_overlap": pl.Boolean(),
    "af_variants": pl.Int64(),
    "percentile": pl.Float64(),
    "percentile_method": pl.String(),
    "percentile_reason": pl.String(),
}


class ScoreSummary(BaseModel):
    """One (sample, score) result; the fields are the columns of `SCORE_SCHEMA`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    pgs_id: str
    sample: str
    score_build: str | None
    sample_build: str | None
    score_sum: float
    variants_total: int
    variants_matched: int
    variants_called: int
    variants_missing_call: int
    variants_excluded: int
    variants_unmatched: int
    variants_absent: int
    variants_duplicated: int
    match_rate: float | None
    call_rate: float | None
    weight_coverage: float | None
    called_weight_coverage: float | None
    low_overlap: bool
    af_variants: int
    percentile: float | None
    percentile_method: str | None
    percentile_reason: str | None


@dataclass(frozen=True)
class PrsResult:
    """Scores (`SCORE_SCHEMA`, one row per sample and score) and, if kept, the per-variant match log
    (`genolake_prs.match.MATCH_LOG_COLUMNS`)."""

    scores: pl.DataFrame
    match_log: pl.DataFrame | None = None

    def summaries(self) -> list[ScoreSummary]:
        """The score rows as models."""
        return [ScoreSummary.model_validate(row) for row in self.scores.iter_rows(named=True)]

    def write(self, out: Path | str, *, match_log_out: Path | str | None = None, **options: Any) -> None:
        """Write the scores (and the match log, if a path is given) as parquet."""
        self.scores.write_parquet(out, **options)
        if match_log_out is not None:
            if self.match_log is None:
                raise PrsError("no match log was kept (score with keep_match_log=True)")
            self.match_log.write_parquet(match_log_out, **options)


def check_builds(
    scoring_files: Sequence[ScoringFile], sample_build: GenomeBuild | None, settings: PrsSettings
) -> None:
    """Refuse scoring files whose build differs from the sample's (see module docstring)."""
    problems: list[str] = []
    for sf in scoring_files:
        if sf.build is not None and sample_build is not None and sf.build != sample_build:
            which = "HmPOS_build" if sf.header.harmonized else "genome_build"
            problems.append(
                f"{sf.score_id}: scoring file positions are {sf.build} ({which}) but the sample is "
                f"{sample_build}; use the {sample_build} harmonized file (e.g. "
                f"{sf.header.pgs_id or sf.score_id}_hmPOS_{sample_build}.txt.gz)"
            )
        elif settings.require_build and (sf.build is None or sample_build is None):
            problems.append(
                f"{sf.score_id}: genome build unknown (scoring file: {sf.build}, sample: {sample_build}) "
                "and require_build is set"
            )
        elif sf.build is None or sample_build is None:
            logger.warning(
                "%s: build not checked (scoring file: %s, sample: %s)", sf.score_id, sf.build, sample_build
            )
    if problems:
        raise BuildMismatchError("genome build mismatch:\n  " + "\n  ".join(problems))


def _check_unique_ids(scoring_files: Sequence[ScoringFile]) -> None:
    ids = [sf.score_id for sf in scoring_files]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise PrsError(f"score ids must be unique in one run; repeated: {duplicated}")


def _sample_af_informative(genotypes: pl.LazyFrame, probe_rows: int = 20_000) -> bool:
    """False when the sample's AF values (first ``probe_rows`` records) are all 0, 0.5 or 1: the
    INFO AF of a one-sample VCF is that sample's own genotype, not a population frequency."""
    if "af" not in genotypes.collect_schema():
        return False
    values = genotypes.select(pl.col("af")).head(probe_rows).explode("af").drop_nulls().collect().to_series()
    if values.len() == 0:
        return False
    return bool((~values.is_in([0.0, 0.5, 1.0])).any())


def _aggregate(classified: pl.LazyFrame) -> pl.LazyFrame:
    status, reason = pl.col("status_code"), pl.col("reason_code")
    matched_like = status <= MISSING_CALL
    called = status == MATCHED
    has_p = pl.col("expected_contribution").is_not_null()
    absent = reason.is_in([REASONS.index("absent_locus"), REASONS.index("absent_reference_unknown")])
    return classified.group_by("score_idx").agg(
        pl.col("contribution").sum().alias("score_sum"),
        pl.len().cast(pl.Int64).alias("variants_total"),
        matched_like.sum().cast(pl.Int64).alias("variants_matched"),
        called.sum().cast(pl.Int64).alias("variants_called"),
        (status == MISSING_CALL).sum().cast(pl.Int64).alias("variants_missing_call"),
        (status == EXCLUDED).sum().cast(pl.Int64).alias("variants_excluded"),
        (status == UNMATCHED).sum().cast(pl.Int64).alias("variants_unmatched"),
        absent.sum().cast(pl.Int64).alias("variants_absent"),
        pl.col("duplicate").fill_null(False).sum().cast(pl.Int64).alias("variants_duplicated"),
        *[
            (matched_like & (pl.col("match_code") == code)).sum().cast(pl.Int64).alias(f"matched_{name}")
            for code, name in enumerate(MATCH_TYPES)
        ],
        pl.col("abs_weight").sum().alias("weight_total"),
        pl.col("abs_weight").filter(matched_like).sum().alias("weight_matched"),
        pl.col("abs_weight").filter(called).sum().alias("weight_called"),
        has_p.sum().cast(pl.Int64).alias("af_variants"),
        pl.col("expected_contribution").sum().alias("af_mean"),
        pl.col("contribution_variance").sum().alias("af_variance"),
        pl.col("contribution").filter(has_p).sum().alias("af_score_sum"),
        pl.col("key_collision").sum().alias("key_collisions"),
    )


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def score_sample(
    genotypes: GenotypeSource,
    scores: Sequence[ScoringFile] | PreparedScores,
    *,
    sample: str | None = None,
    sample_build: str | None = None,
    settings: PrsSettings | None = None,
    reference: ReferenceDistribution | None = None,
    reference_alleles: pl.LazyFrame | pl.DataFrame | None = None,
    keep_match_log: bool = True,
) -> PrsResult:
    """Score one sample's normalized genotypes against every scoring file in one pass.

    ``genotypes``: a normalized genotype parquet path (or frame) of one sample.
    ``scores``: the scoring files, or `prepare_scores` of them (to reuse across samples).
    ``sample``: the sample name (default: the parquet's ``sample`` metadata, else the file stem).
    ``sample_build``: the sample's genome build (default: the parquet's ``genome_build`` metadata).
    ``reference``: a reference distribution for percentiles.
    ``reference_alleles``: ``chrom, pos, ref`` of absent loci, required with ``absent_is_ref``.
    ``keep_match_log``: also return the per-variant match log.

    Raises `BuildMismatchError`, `LowOverlapError` (only with ``on_low_overlap="error"``),
    `PrsError` (duplicates with ``duplicates="error"``, repeated score ids).
    """
    settings = settings or PrsSettings()
    scoring_files = scores.scoring_files if isinstance(scores, PreparedScores) else tuple(scores)
    if not scoring_files:
        raise PrsError("no scoring files given")
    frame = scan_genotypes(genotypes)
    name = sample or sample_name_of(genotypes)
    if name is None:
        name = (
            Path(str(genotypes)).name.removesuffix(".parquet")
            if isinstance(genotypes, Path | str)
            else "sample"
        )
    build = normalize_build(sample_build) if sample_build is not None else genome_build_of(genotypes)
    if sample_build is not None and build is None:
        raise BuildMismatchError(f"unrecognized sample genome build {sample_build!r}")
    check_builds(scoring_files, build, settings)

    _check_unique_ids(scoring_files)
    af_usable = settings.use_sample_af and _sample_af_informative(frame)
    classified_df: pl.DataFrame | None = None
    prepared = scores if isinstance(scores, PreparedScores) else prepare_scores(scoring_files)
    for exact_keys in (False, True):
        classified = classify(
            prepared,
            frame,
            settings,
            reference_alleles=reference_alleles,
            sample_af_usable=af_usable,
            exact_keys=exact_keys,
        )
        if keep_match_log:
            classified_df = classified.collect()
            totals = _aggregate(classified_df.lazy()).collect()
        else:
            totals = _aggregate(classified).collect()
        if not totals["key_collisions"].sum():
            break
        logger.warning("variant key hash collision; matching again with exact keys")
    by_idx = {row["score_idx"]: row for row in totals.iter_rows(named=True)}

    rows: list[dict[str, Any]] = []
    for index, sf in enumerate(scoring_files):
        t = by_idx.get(index)
        if t is None:  # a scoring file without rows
            t = {key: 0 for key in totals.columns}
        if t["variants_duplicated"]:
            logger.warning(
                "%s: %d rows are duplicates (same sample record); policy %s",
                sf.score_id,
                t["variants_duplicated"],
                settings.duplicates,
            )
            if settings.duplicates == "error":
                raise PrsError(
                    f"{sf.score_id}: {t['variants_duplicated']} scoring-file rows match a sample record "
                    "already matched by another row (duplicates='error')"
                )
        match_rate = _ratio(t["variants_matched"], t["variants_total"])
        low_overlap = match_rate is None or match_rate < settings.min_overlap
        if low_overlap:
            message = (
                f"{sf.score_id} on {name}: {t['variants_matched']}/{t['variants_total']} variants matched "
                f"(min_overlap {settings.min_overlap})"
            )
            if settings.on_low_overlap == "error":
                raise LowOverlapError(message)
            logger.warning("low overlap: %s", message)
        pct = assign_percentile(
            pgs_id=sf.score_id,
            score_sum=t["score_sum"] or 0.0,
            variants_total=t["variants_total"],
            variants_matched=t["variants_matched"],
            variants_called=t["variants_called"],
            af_variants=t["af_variants"],
            af_mean=t["af_mean"] or 0.0,
            af_variance=t["af_variance"] or 0.0,
            af_score_sum=t["af_score_sum"] or 0.0,
            settings=settings,
            reference=reference,
        )
        rows.append(
            {
                "pgs_id": sf.score_id,
                "sample": name,
                "score_build": sf.build,
                "sample_build": build,
                "score_sum": float(t["score_sum"] or 0.0),
                **{
                    key: int(t[key] or 0)
                    for key in SCORE_SCHEMA
                    if key.startswith(("variants_", "matched_")) or key == "af_variants"
                },
                "match_rate": match_rate,
                "call_rate": _ratio(t["variants_called"], t["variants_total"]),
                "weight_coverage": _ratio(t["weight_matched"] or 0.0, t["weight_total"] or 0.0),
                "called_weight_coverage": _ratio(t["weight_called"] or 0.0, t["weight_total"] or 0.0),
                "low_overlap": low_overlap,
                "percentile": pct.percentile,
                "percentile_method": pct.method,
                "percentile_reason": pct.reason,
            }
        )
        logger.info(
            "%s on %s: sum %.6g, %d/%d matched, %d called, percentile %s",
            sf.score_id,
            name,
            t["score_sum"] or 0.0,
            t["variants_matched"],
            t["variants_total"],
            t["variants_called"],
            pct.percentile if pct.percentile is not None else pct.reason,
        )
    scores_df = pl.DataFrame(rows, schema=SCORE_SCHEMA)
    match_log = None
    if classified_df is not None:
        match_log = decode_match_log(classified_df, [sf.score_id for sf in scoring_files], name)
    return PrsResult(scores=scores_df, match_log=match_log)


def score_samples(
    genotypes: Mapping[str, GenotypeSource],
    scores: Sequence[ScoringFile] | PreparedScores,
    **options: Any,
) -> PrsResult:
    """`score_sample` for each ``{sample name: genotype parquet}`` (the scores prepared once);
    results concatenated."""
    prepared = scores if isinstance(scores, PreparedScores) else prepare_scores(scores)
    results = [score_sample(source, prepared, sample=name, **options) for name, source in genotypes.items()]
    logs = [r.match_log for r in results if r.match_log is not None]
    return PrsResult(
        scores=pl.concat([r.scores for r in results], how="vertical"),
        match_log=pl.concat(logs, how="vertical") if logs else None,
    )
