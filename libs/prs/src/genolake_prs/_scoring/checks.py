"""Checks of a scoring file's values: a cheap whole-body layout check and one pass over the typed table;
when either finds a problem, the strict checks name the first bad line and column (`ScoringFileError`)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from genolake_prs._scoring.columns import DOSAGE_COLUMNS, FLAG_COLUMNS
from genolake_prs.errors import ScoringFileError


def locate_layout_error(path: Path, n_columns: int, header_line: int, body: bytes) -> None:
    """Slow path, run only when the layout is wrong: raise for the first bad data line."""
    for index, line in enumerate(body.rstrip(b"\n").split(b"\n")):
        line_no = header_line + 1 + index
        if not line.strip():
            raise ScoringFileError(path, "blank line inside the data", line=line_no)
        n_fields = line.count(b"\t") + 1
        if n_fields != n_columns:
            raise ScoringFileError(
                path, f"expected {n_columns} tab-separated fields, found {n_fields}", line=line_no
            )


def check_layout(path: Path, columns: list[str], header_line: int, body: bytes) -> int:
    """Cheap whole-body layout checks; return the number of data rows.

    The total number of tabs must be (columns - 1) per line and there must be no blank line;
    a line with too few fields balanced by one with too many is caught when polars reads them.
    """
    if b"\r" in body:
        raise ScoringFileError(path, "carriage returns (CRLF line ends) are not supported; use LF")
    end = len(body)
    while end and body[end - 1] == 0x0A:  # trailing newlines, without copying the body
        end -= 1
    if not end:
        return 0
    n_rows = body.count(b"\n", 0, end) + 1
    if body.count(b"\t") != (len(columns) - 1) * n_rows or body.find(b"\n\n", 0, end) != -1:
        locate_layout_error(path, len(columns), header_line, body)
    return n_rows


def _first_bad(
    path: Path,
    frame: pl.DataFrame,
    bad: pl.Expr | pl.Series,
    column: str,
    header_line: int,
    problem: str,
) -> None:
    """Raise `ScoringFileError` for the first row where ``bad`` holds."""
    rows = frame.select(bad.fill_null(False).arg_true()).to_series()
    if rows.len() == 0:
        return
    row = int(rows[0])
    value = frame[column][row]
    raise ScoringFileError(
        path,
        f"{value!r} {problem}" if value is not None else problem,
        line=header_line + 1 + row,
        column=column,
    )


def _parse_float(
    path: Path, frame: pl.DataFrame, column: str, header_line: int, *, required: bool
) -> pl.Series:
    raw = frame[column].str.strip_chars()
    values = raw.cast(pl.Float64, strict=False)
    if required:
        _first_bad(
            path, frame, raw.is_null() | (raw == ""), column, header_line, "is empty; a number is required"
        )
    _first_bad(
        path,
        frame,
        (raw.is_not_null() & (raw != "") & values.is_null()).alias("x"),
        column,
        header_line,
        "is not a number",
    )
    _first_bad(path, frame, values.is_nan() | values.is_infinite(), column, header_line, "is not finite")
    return values


def _parse_int(path: Path, frame: pl.DataFrame, column: str, header_line: int) -> pl.Series:
    raw = frame[column].str.strip_chars()
    values = raw.cast(pl.Int64, strict=False)
    _first_bad(
        path,
        frame,
        raw.is_not_null() & (raw != "") & values.is_null(),
        column,
        header_line,
        "is not an integer position",
    )
    _first_bad(path, frame, values < 1, column, header_line, "is not a 1-based position")
    return values


def _parse_flag(path: Path, frame: pl.DataFrame, column: str, header_line: int) -> pl.Series:
    raw = frame[column].str.strip_chars().str.to_uppercase()
    ok = raw.is_null() | raw.is_in(["TRUE", "FALSE", ""])
    _first_bad(path, frame, ~ok, column, header_line, "is not TRUE or FALSE")
    return raw == "TRUE"


def has_problem(frame: pl.DataFrame, *, has_effect_weight: bool, pos_col: str) -> bool:
    """One pass over a typed frame: does any value break a rule (then the strict path names it)?"""
    checks = [pl.col("effect_allele").is_null().any(), (pl.col(pos_col) < 1).any()]
    weights = ["effect_weight"] if has_effect_weight else list(DOSAGE_COLUMNS)
    for name in weights:
        checks.append((pl.col(name).is_null() | ~pl.col(name).is_finite()).any())
    if "allelefrequency_effect" in frame.columns:
        af = pl.col("allelefrequency_effect")
        checks.append((af.is_nan() | (af < 0) | (af > 1)).any())
    for name in FLAG_COLUMNS:
        if name in frame.columns:
            checks.append(
                (~pl.col(name).str.to_uppercase().is_in(["TRUE", "FALSE"]) & pl.col(name).is_not_null()).any()
            )
    if "is_dominant" in frame.columns and "is_recessive" in frame.columns:
        checks.append(
            (
                (pl.col("is_dominant").str.to_uppercase() == "TRUE")
                & (pl.col("is_recessive").str.to_uppercase() == "TRUE")
            )
            .fill_null(False)
            .any()
        )
    return bool(frame.select(pl.any_horizontal(*checks)).item())


def strict_check(
    path: Path, frame: pl.DataFrame, header_line: int, *, has_effect_weight: bool, pos_col: str
) -> None:
    """Raise `ScoringFileError` for the first bad value, naming line and column (slow path)."""
    effect = frame["effect_allele"].str.strip_chars()
    _first_bad(path, frame, effect.is_null() | (effect == ""), "effect_allele", header_line, "is empty")
    flags = {c: _parse_flag(path, frame, c, header_line) for c in FLAG_COLUMNS if c in frame.columns}
    if "is_dominant" in flags and "is_recessive" in flags:
        _first_bad(
            path,
            frame.with_columns(is_dominant=flags["is_dominant"], is_recessive=flags["is_recessive"]),
            pl.col("is_dominant") & pl.col("is_recessive"),
            "is_recessive",
            header_line,
            "a variant cannot be both dominant and recessive",
        )
    for name in ["effect_weight"] if has_effect_weight else list(DOSAGE_COLUMNS):
        _parse_float(path, frame, name, header_line, required=True)
    if "allelefrequency_effect" in frame.columns:
        af = _parse_float(path, frame, "allelefrequency_effect", header_line, required=False)
        _first_bad(
            path,
            frame,
            (af < 0) | (af > 1),
            "allelefrequency_effect",
            header_line,
            "is not a frequency in [0, 1]",
        )
    _parse_int(path, frame, pos_col, header_line)
