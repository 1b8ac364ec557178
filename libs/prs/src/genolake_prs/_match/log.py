"""The per-variant match log: `classify`'s columns (codes) and the log's (names), and decoding one into
the other."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from genolake_prs._match.codes import MATCH_TYPES, P_SOURCES, REASONS, STATUSES

# The columns `classify` and the match log share, in order: (classify's name, the log's name). Codes in
# `classify`'s output (`*_code`) are names in the log.
_SHARED: Final[tuple[tuple[str, str], ...]] = (
    *((name, name) for name in ("row_nr", "line", "rsid", "chrom", "pos", "effect_allele", "other_allele")),
    *((name, name) for name in ("other_allele_source", "effect_type", "effect_weight", "abs_weight")),
    *((name, name) for name in ("sample_ref", "sample_alts", "gt")),
    ("match_code", "match_type"),
    ("matched_allele", "matched_allele"),
    ("status_code", "status"),
    ("reason_code", "reason"),
    *((name, name) for name in ("duplicate", "dosage", "contribution", "ploidy", "p_effect")),
    ("p_source_code", "p_source"),
    ("expected_contribution", "expected_contribution"),
    ("contribution_variance", "contribution_variance"),
)
#: Columns of the decoded per-variant match log.
MATCH_LOG_COLUMNS: Final[tuple[str, ...]] = ("pgs_id", "sample", *(log for _, log in _SHARED))
#: Columns of `classify` (codes instead of names).
CLASSIFIED_COLUMNS: Final[tuple[str, ...]] = ("score_idx", *(code for code, _ in _SHARED), "key_collision")


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
