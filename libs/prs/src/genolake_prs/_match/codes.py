"""Match types, statuses and reasons, and their small integer codes (names only in the decoded log)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, cast

import polars as pl

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
REASON_CODE: Final[dict[str, int]] = {name: code for code, name in enumerate(REASONS)}
FLIP_CODES: Final[list[int]] = [2, 3, 6, 7, 9]
_BASES: Final[list[str]] = ["A", "C", "G", "T"]
_COMPLEMENT: Final[list[str]] = ["T", "G", "C", "A"]


def reason_code(name: str) -> pl.Expr:
    return pl.lit(REASON_CODE[name], dtype=pl.UInt8)


def first_reason(rules: Sequence[tuple[pl.Expr, str]]) -> pl.Expr:
    """The reason code of the first rule whose condition holds (null if none, or no rules)."""
    result: Any = pl
    for condition, name in rules:
        result = result.when(condition).then(reason_code(name))
    if result is pl:
        return pl.lit(None, dtype=pl.UInt8)
    return cast(pl.Expr, result.otherwise(None))


def complement(allele: pl.Expr) -> pl.Expr:
    """Base-wise complement (A<->T, C<->G), pgsc_calc's strand flip."""
    return allele.str.replace_many(_BASES, _COMPLEMENT)
