"""Polars expressions that turn the raw VCF text columns of one record into normalized site columns.

Every function takes and returns ``pl.Expr`` and does no I/O. Values that must be numbers are cast
strictly, so a malformed value makes the query fail (the caller then finds the line; see ``validate``).

Rules:

- ``chrom``: the platform's naming rule, :mod:`genolake_core.chromosomes` (``chr`` prefix dropped in any
  case; ``X``/``x``/``23`` -> ``X``, ``Y``/``y``/``24`` -> ``Y``, ``M``/``MT``/``26`` -> ``MT``), built from
  its ``ALIASES`` table.
- ``ids``: ID split on ``;`` (empty list for ``.``); ``rsid``: the first of them that is ``rs`` + digits,
  else null (so ``MERGED_DEL_2_107112`` gives a null ``rsid`` but stays in ``ids``).
- ``alts``: ALT split on ``,`` (empty list for ``.``), alleles kept exactly as written, including ``*`` and
  symbolic alleles (``<DEL>``, ``<NON_REF>``), so that the indices in ``gt`` still point at them.
- ``filter``: as written (``PASS``, ``RefCall``, ``q10;s50``), null for ``.``; ``qual``: Float64, null
  for ``.``.
- INFO keys are found by regex (``;KEY=value`` in ``";" + INFO``), only the ones needed (``END``, ``DP``,
  ``AF``) and only when the header declares them (as bcftools does); ``AF`` values that are not numbers
  become null elements.
- ``ref_block``: every ALT is ``<NON_REF>`` or ``<*>`` (a gVCF reference block; INFO END, when present,
  is where the block ends).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import polars as pl
from genolake_core.chromosomes import ALIASES as CHROM_ALIASES

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

REF_BLOCK_ALTS = ("<NON_REF>", "<*>")
EMPTY_STRINGS = pl.lit([], dtype=pl.List(pl.String))


def strip_chr(raw: pl.Expr) -> pl.Expr:
    """CHROM without a leading ``chr`` in any case (`genolake_core.chromosomes.strip_chr`; the regex runs
    only on names of 3+ bytes)."""
    return pl.when(raw.str.len_bytes() >= 3).then(raw.str.replace(r"^(?i:chr)", "")).otherwise(raw)


def first_match(cases: Sequence[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    """``when(c1).then(v1).when(c2).then(v2)...otherwise(otherwise)`` for a non-empty list of cases."""
    (condition, value), *rest = cases
    chain: Then | ChainedThen = pl.when(condition).then(value)
    for condition, value in rest:
        chain = chain.when(condition).then(value)
    return chain.otherwise(otherwise)


def equals_any(raw: pl.Expr, values: Iterable[str]) -> pl.Expr:
    """``raw`` is one of a few short literals. Cheaper than ``is_in``, and unlike ``replace`` it keeps
    the streaming engine's memory flat (``replace``/``replace_strict`` added ~200 MB per use, polars 2.1)."""
    conditions = [raw == value for value in values]
    return functools.reduce(operator.or_, conditions)


def chrom(bare: pl.Expr) -> pl.Expr:
    """Normalized chromosome from :func:`strip_chr`'s output."""
    cases = [(equals_any(bare, spellings), pl.lit(name)) for name, spellings in CHROM_ALIASES.items()]
    return first_match(cases, bare)


def missing_to_null(raw: pl.Expr) -> pl.Expr:
    """``.`` (the VCF missing value) -> null."""
    return pl.when(raw == ".").then(pl.lit(None, dtype=pl.String)).otherwise(raw)


def split_or_empty(raw: pl.Expr, separator: str) -> pl.Expr:
    return pl.when(raw == ".").then(EMPTY_STRINGS).otherwise(raw.str.split(separator))


def rsid(raw_id: pl.Expr) -> pl.Expr:
    single = raw_id.str.contains(r"^rs[0-9]+$")  # the common case, cheaper than a capture
    several = raw_id.str.contains(";", literal=True)
    return (
        pl.when(single)
        .then(raw_id)
        .when(several)
        .then(raw_id.str.extract(r"(?:^|;)(rs[0-9]+)(?:;|$)", 1))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def qual(raw: pl.Expr) -> pl.Expr:
    return missing_to_null(raw).cast(pl.Float64, strict=True)


def info_with_separator(raw_info: pl.Expr) -> pl.Expr:
    """``";" + INFO``: every key then follows a ``;``, so a key is found by a plain literal prefix."""
    return pl.concat_str(pl.lit(";"), raw_info)


def info_value(info_sc: pl.Expr, key: str, *, rare: bool = False) -> pl.Expr:
    """The raw text of INFO ``key`` (null when absent or ``.``); ``info_sc`` is :func:`info_with_separator`.

    ``rare``: the key is absent from most records (``END`` outside gVCFs): a literal search, much cheaper
    than the regex, then picks the records to extract from."""
    if rare:
        info_sc = pl.when(info_sc.str.contains(f";{key}=", literal=True)).then(info_sc)
    # The whole match (group 0) is much cheaper for the regex engine than a capture group; the prefix
    # ";KEY=" is ASCII, so slicing it off by characters is exact.
    found = info_sc.str.extract(rf";{re.escape(key)}=[^;]*", 0)
    return missing_to_null(found.str.slice(len(key) + 2))


def info_int(info_sc: pl.Expr, key: str, *, rare: bool = False) -> pl.Expr:
    return info_value(info_sc, key, rare=rare).cast(pl.Int64, strict=True)


def info_float_list(info_sc: pl.Expr, key: str) -> pl.Expr:
    """A Number=A/R float list (``0.1,.,0.3`` -> ``[0.1, null, 0.3]``). Lenient: a value that is not a
    number (``.`` included) becomes a null element instead of failing the run (AF is auxiliary)."""
    return info_value(info_sc, key).str.split(",").cast(pl.List(pl.Float64), strict=False)


def is_ref_block(raw_alt: pl.Expr) -> pl.Expr:
    return raw_alt.is_in(list(REF_BLOCK_ALTS))
