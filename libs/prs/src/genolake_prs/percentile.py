"""Percentiles of a score, or the reason there is none.

Rules, in order:

1. No percentile when the score's match rate or call rate (called / variants in the score) is
   below ``min_overlap``: the number would describe a different, smaller score.
2. Against a reference distribution (`ReferenceDistribution`: scores of a reference panel for the
   same PGS id, computed the same way) when it has at least ``min_reference_size`` scores:
   ``100 * (n_below + n_equal / 2) / n`` (mid-rank), method ``reference_distribution``.
3. Otherwise the theoretical distribution from allele frequencies (Hardy-Weinberg, variants
   independent): each called variant with an effect-allele frequency ``p`` adds mean
   ``2pw`` and variance ``2p(1-p)w^2`` (per-dosage weights: the exact mean and variance over the
   three genotypes); the percentile is the normal CDF of ``(s - mean) / sd`` where ``s`` sums the
   same variants' contributions. Needs frequencies for ``min_af_coverage`` of the called variants.
   Method ``theoretical_af``. Frequencies come from the scoring file's ``allelefrequency_effect``,
   else from the sample's INFO AF (not when that looks like the sample's own genotype frequency,
   i.e. every value is 0, 0.5 or 1).
4. Otherwise ``None`` with a reason. A percentile is never invented.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from pathlib import Path
from statistics import NormalDist
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict

from genolake_prs.errors import ReferenceDistributionError
from genolake_prs.settings import PrsSettings


class PercentileResult(BaseModel):
    """A percentile (0-100) and how it was obtained, or ``percentile=None`` and why."""

    model_config = ConfigDict(frozen=True)

    percentile: float | None
    method: str | None
    reason: str | None


class ReferenceDistribution:
    """Scores of a reference panel: a frame with ``pgs_id`` and ``score_sum`` (one row per
    panel sample and score; ``sample`` optional). The output of `score_sample` over the panel's
    samples is a valid reference distribution."""

    def __init__(self, frame: pl.DataFrame) -> None:
        missing = {"pgs_id", "score_sum"} - set(frame.columns)
        if missing:
            raise ReferenceDistributionError(f"reference distribution lacks columns {sorted(missing)}")
        frame = frame.select(pl.col("pgs_id").cast(pl.String), pl.col("score_sum").cast(pl.Float64))
        if frame["score_sum"].is_null().any() or not frame["score_sum"].is_finite().all():
            raise ReferenceDistributionError("reference distribution has null or non-finite scores")
        self._scores: dict[str, list[float]] = {
            str(key[0]): sorted(group["score_sum"].to_list()) for key, group in frame.group_by("pgs_id")
        }

    @classmethod
    def from_parquet(cls, path: Path | str, **read_options: Any) -> ReferenceDistribution:
        """Load a reference distribution parquet (``pgs_id``, ``score_sum``); an unreadable file raises
        `ReferenceDistributionError` naming it."""
        try:
            frame = pl.read_parquet(path, **read_options)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise ReferenceDistributionError(f"{path}: not a readable parquet ({exc})") from exc
        return cls(frame)

    def size(self, pgs_id: str) -> int:
        """Number of reference scores for ``pgs_id``."""
        return len(self._scores.get(pgs_id, ()))

    def percentile(self, pgs_id: str, value: float) -> float | None:
        """Mid-rank percentile of ``value`` among the reference scores (None if there are none)."""
        scores = self._scores.get(pgs_id)
        if not scores:
            return None
        return empirical_percentile(scores, value)


def empirical_percentile(sorted_scores: list[float], value: float) -> float:
    """``100 * (n_below + n_equal / 2) / n`` over ascending ``sorted_scores``."""
    below = bisect_left(sorted_scores, value)
    equal = bisect_right(sorted_scores, value) - below
    return 100.0 * (below + equal / 2.0) / len(sorted_scores)


def normal_percentile(value: float, mean: float, variance: float) -> float:
    """``100 * Phi((value - mean) / sd)``."""
    return 100.0 * NormalDist(mu=mean, sigma=math.sqrt(variance)).cdf(value)


def assign_percentile(
    *,
    pgs_id: str,
    score_sum: float,
    variants_total: int,
    variants_matched: int,
    variants_called: int,
    af_variants: int,
    af_mean: float,
    af_variance: float,
    af_score_sum: float,
    settings: PrsSettings,
    reference: ReferenceDistribution | None,
) -> PercentileResult:
    """Apply the module's rules to one (sample, score) result."""
    if variants_total == 0:
        return PercentileResult(percentile=None, method=None, reason="the score has no variants")
    match_rate = variants_matched / variants_total
    if match_rate < settings.min_overlap:
        return PercentileResult(
            percentile=None,
            method=None,
            reason=(
                f"low overlap: {variants_matched}/{variants_total} variants matched "
                f"(match rate {match_rate:.3f} < min_overlap {settings.min_overlap})"
            ),
        )
    call_rate = variants_called / variants_total
    if call_rate < settings.min_overlap:
        return PercentileResult(
            percentile=None,
            method=None,
            reason=(
                f"too many missing calls: {variants_called}/{variants_total} variants called "
                f"(call rate {call_rate:.3f} < min_overlap {settings.min_overlap})"
            ),
        )
    notes: list[str] = []
    if reference is not None:
        n_ref = reference.size(pgs_id)
        if n_ref >= settings.min_reference_size:
            value = reference.percentile(pgs_id, score_sum)
            return PercentileResult(percentile=value, method="reference_distribution", reason=None)
        notes.append(
            f"reference distribution has {n_ref} scores for {pgs_id} (< {settings.min_reference_size})"
        )
    else:
        notes.append("no reference distribution")
    coverage = af_variants / variants_called if variants_called else 0.0
    if af_variants == 0 or coverage < settings.min_af_coverage:
        notes.append(
            f"allele frequencies for {af_variants}/{variants_called} called variants "
            f"(< min_af_coverage {settings.min_af_coverage})"
        )
        return PercentileResult(percentile=None, method=None, reason="; ".join(notes))
    if not af_variance > 0.0:
        notes.append("theoretical variance is zero (all effect-allele frequencies are 0 or 1)")
        return PercentileResult(percentile=None, method=None, reason="; ".join(notes))
    value = normal_percentile(af_score_sum, af_mean, af_variance)
    return PercentileResult(percentile=value, method="theoretical_af", reason=None)
