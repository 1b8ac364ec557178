"""Polars expressions that turn the raw VCF text columns of one record into normalized site columns.

Every function takes and returns ``pl.Expr`` and does no I/O. Values that must be numbers are cast
strictly, so a malformed value makes the query fail (the caller then finds the line; see ``validate``).

Rules:

- ``chrom``: see :func:`genolake_annotation.normalize.builds.normalize_chrom_name` (``chr`` prefix dropped
  in any case, ``X``/``Y`` upper-cased, ``M``/``MT``/``chrM`` -> ``MT``).
- ``ids``: ID split on ``;`` (empty list for ``.``); ``rsid``: the first of them that is ``rs`` + digits,
  else null (so ``MERGED_DEL_2_107112`` gives a null ``rsid`` but stays in ``ids``).
- ``alts``: ALT split on ``,`` (empty list for ``.``), alleles kept exactly as written, including ``*`` and
  symbolic alleles (``<DEL>``, ``<NON_REF>``), so that the indices in ``gt`` still point at them.
- ``filter``: as written (``PASS``, ``RefCall``, ``q10;s50``), null for ``.``; ``qual``: Float64, null for ``.``.
- INFO keys are found by regex (``;KEY=value`` in ``";" + INFO``), only the ones needed (``END``, ``DP``,
  ``AF``) and only when the header declares them (as bcftools does); ``AF`` values that are not numbers
  become null elements.
- ``ref_block``: every ALT is ``<NON_REF>`` or ``<*>`` (a gVCF reference block; INFO END, when present,
  is where the block ends).
"""

from __future__ import annotations

import polars as pl

REF_BLOCK_ALTS = ("<NON_REF>", "<*>")
EMPTY_STRINGS = pl.lit([], dtype=pl.List(pl.String))


def strip_chr(raw: pl.Expr) -> pl.Expr:
    """CHROM without a leading ``chr`` in any case."""
    return raw.str.replace(r"^(?i:chr)", "")


def chrom(bare: pl.Expr) -> pl.Expr:
    """Normalized chromosome from :func:`strip_chr`'s output (materialise that first: it is used thrice)."""
    upper = bare.str.to_uppercase()
    return (
        pl.when(upper.is_in(["M", "MT"]))
        .then(pl.lit("MT"))
        .when(upper.is_in(["X", "Y"]))
        .then(upper)
        .otherwise(bare)
    )


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


def info_value(info_sc: pl.Expr, key: str) -> pl.Expr:
    """The raw text of INFO ``key`` (null when absent or ``.``); ``info_sc`` is :func:`info_with_separator`."""
    return missing_to_null(info_sc.str.extract(rf";{key}=([^;]*)", 1))


def info_int(info_sc: pl.Expr, key: str) -> pl.Expr:
    return info_value(info_sc, key).cast(pl.Int64, strict=True)


def info_float_list(info_sc: pl.Expr, key: str) -> pl.Expr:
    """A Number=A/R float list (``0.1,.,0.3`` -> ``[0.1, null, 0.3]``). Lenient: a value that is not a
    number (``.`` included) becomes a null element instead of failing the run (AF is auxiliary)."""
    return info_value(info_sc, key).str.split(",").cast(pl.List(pl.Float64), strict=False)


def is_ref_block(raw_alt: pl.Expr) -> pl.Expr:
    return raw_alt.is_in(list(REF_BLOCK_ALTS))
