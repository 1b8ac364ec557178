"""Reading a scoring file's data rows into a table: numbers parsed while reading (the fast path), or every
field as text for the strict checks to name the first bad value (only when the fast path finds one)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from genolake_prs._scoring.checks import check_layout, has_problem, locate_layout_error, strict_check
from genolake_prs._scoring.columns import FLOAT_COLUMNS, INT_COLUMNS


def read_table(
    path: Path, body: bytes, columns: list[str], header_line: int, *, has_effect_weight: bool, pos_col: str
) -> pl.DataFrame:
    """The data rows, typed (weights and frequencies Float64, positions Int64, the rest String, empty
    fields null). Raises `ScoringFileError` naming the first bad line and column."""
    n_rows = check_layout(path, columns, header_line, body)
    if not n_rows:
        return pl.DataFrame({c: pl.Series([], dtype=_dtype(c)) for c in columns})
    typed = _read_typed(body, columns)
    if (
        typed is None
        or typed.height != n_rows
        or has_problem(typed, has_effect_weight=has_effect_weight, pos_col=pos_col)
    ):
        strings = _read_strings(path, body, columns, header_line)
        strict_check(path, strings, header_line, has_effect_weight=has_effect_weight, pos_col=pos_col)
        typed = _typed_from_strings(strings)
    return typed


def _dtype(column: str) -> type[pl.DataType]:
    return pl.Float64 if column in FLOAT_COLUMNS else pl.Int64 if column in INT_COLUMNS else pl.String


def _read_csv(body: bytes, columns: list[str], *, typed: dict[str, pl.DataType] | None) -> pl.DataFrame:
    """The tab-separated rows with the given column names: ``typed`` columns parsed (empty fields null),
    or, with ``typed=None``, every field as a string ("" stays "", null: the line lacked the field)."""
    return pl.read_csv(
        io.BytesIO(body),
        separator="\t",
        has_header=False,
        new_columns=columns,
        schema_overrides=typed,
        infer_schema=False,
        quote_char=None,
        comment_prefix=None,
        empty_string_is_null=typed is not None,
        raise_if_empty=False,
    )


def _read_strings(path: Path, body: bytes, columns: list[str], header_line: int) -> pl.DataFrame:
    """Strict path: every field as a string; a layout problem polars meets is located and named."""
    try:
        frame = _read_csv(body, columns, typed=None)
    except pl.exceptions.PolarsError:
        locate_layout_error(path, len(columns), header_line, body)
        raise
    if frame.null_count().sum_horizontal().item():
        locate_layout_error(path, len(columns), header_line, body)
    return frame


def _typed_from_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Strip fields, empty -> null, numeric columns cast (only called once values are valid)."""
    return frame.select(
        pl.col(name).str.strip_chars().replace("", None).cast(_dtype(name)).alias(name)
        for name in frame.columns
    )


def _read_typed(body: bytes, columns: list[str]) -> pl.DataFrame | None:
    """Fast path: numbers parsed while reading; None when polars rejects a value."""
    overrides: dict[str, pl.DataType] = {c: _dtype(c)() for c in columns if _dtype(c) is not pl.String}
    try:
        frame = _read_csv(body, columns, typed=overrides)
    except pl.exceptions.PolarsError:
        return None
    if b" " not in body:  # nothing to strip: empty fields are already null
        return frame
    strings = [c for c in columns if c not in overrides]
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in strings)
