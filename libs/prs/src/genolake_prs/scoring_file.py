"""PGS Catalog scoring files (format 2.0) and custom files in the same format.

A scoring file is a tab-separated table after a ``#key=value`` header. Rules applied here:

- Header: ``#key=value`` lines become `ScoringFileHeader` (unknown keys kept as extras);
  ``##`` section titles and ``###`` banners are skipped.
- Positions: a harmonized file (header ``HmPOS_build``, columns ``hm_chr``/``hm_pos``) is placed by
  its harmonized positions (an empty ``hm_pos`` means harmonization failed: the row has no position
  and is reported unmatched, never dropped); otherwise by ``chr_name``/``chr_position``.
  Chromosomes follow the platform's naming rule (`genolake_core.chromosomes`, as the normalized parquet):
  ``chr`` prefixes are removed, ``23``/``24`` become ``X``/``Y``, ``M``/``MT`` (and plink's ``26``) ``MT``.
- Alleles are upper-cased. ``other_allele`` is used when present; when it is missing, a single
  ``hm_inferOtherAllele`` is used instead (recorded as ``other_allele_source = "inferred"``); a
  multi-valued one (``A/G``) or none means the variant is matched on the effect allele alone
  (``"none"``). Alleles that are not ``[ACGT]+`` cannot be matched (``allele_valid = false``).
- Weights: ``effect_weight`` (additive: ``dosage * weight``), optionally modified by ``is_dominant``
  (``min(dosage, 1) * weight``) or ``is_recessive`` (``weight`` only for two copies); or per-dosage
  weights ``dosage_0_weight``/``dosage_1_weight``/``dosage_2_weight`` (all three required).
  Rows flagged ``is_haplotype``/``is_diplotype``/``is_interaction`` are kept but marked
  ``effect_type = "complex"`` and excluded when scoring.
- Malformed input raises `ScoringFileError` naming the file, the 1-based line and the column:
  missing required columns, rows with the wrong number of fields, blank lines, an empty effect
  allele, non-numeric or non-finite weights, non-integer positions, frequencies outside [0, 1],
  flags other than TRUE/FALSE.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl
from genolake_core.chromosomes import normalize_chrom
from pydantic import BaseModel, ConfigDict, field_validator

from genolake_prs.errors import ScoringFileError
from genolake_prs.genome_build import GenomeBuild, normalize_build

logger = logging.getLogger(__name__)

#: Schema of `ScoringFile.variants` (one row per scoring-file data row, in file order).
VARIANT_SCHEMA: dict[str, pl.DataType] = {
    "row_nr": pl.UInt32(),
    "line": pl.UInt32(),
    "rsid": pl.String(),
    "chrom": pl.String(),
    "pos": pl.Int64(),
    "effect_allele": pl.String(),
    "other_allele": pl.String(),
    "match_other_allele": pl.String(),
    "other_allele_source": pl.String(),
    "allele_valid": pl.Boolean(),
    "effect_type": pl.String(),
    "effect_weight": pl.Float64(),
    "dosage_0_weight": pl.Float64(),
    "dosage_1_weight": pl.Float64(),
    "dosage_2_weight": pl.Float64(),
    "abs_weight": pl.Float64(),
    "allelefrequency_effect": pl.Float64(),
}

_FLAG_COLUMNS = ("is_dominant", "is_recessive", "is_haplotype", "is_diplotype", "is_interaction")
_DOSAGE_COLUMNS = ("dosage_0_weight", "dosage_1_weight", "dosage_2_weight")
_PARQUET_HEADER_KEY = "genolake_prs.header"
_PARQUET_ID_KEY = "genolake_prs.score_id"
_PARQUET_VERSION_KEY = "genolake_prs.schema_version"
_PARQUET_VERSION = "1"


class ScoringFileHeader(BaseModel):
    """The ``#key=value`` header of a scoring file. Unknown keys are kept as extra fields."""

    model_config = ConfigDict(extra="allow")

    format_version: str | None = None
    pgs_id: str | None = None
    pgs_name: str | None = None
    trait_reported: str | None = None
    trait_mapped: str | None = None
    trait_efo: str | None = None
    genome_build: str | None = None
    variants_number: int | None = None
    weight_type: str | None = None
    pgp_id: str | None = None
    citation: str | None = None
    license: str | None = None
    HmPOS_build: str | None = None
    HmPOS_date: str | None = None

    @field_validator("variants_number", mode="before")
    @classmethod
    def _int_or_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().replace(",", "")
            return int(text) if text.isdigit() else None
        return value

    @property
    def harmonized(self) -> bool:
        """True for a PGS Catalog harmonized (HmPOS) file."""
        return self.HmPOS_build is not None

    @property
    def build(self) -> GenomeBuild | None:
        """The build of the positions used: ``HmPOS_build`` if harmonized, else ``genome_build``."""
        return normalize_build(self.HmPOS_build if self.harmonized else self.genome_build)

    def as_dict(self) -> dict[str, Any]:
        """All header keys, including unknown ones, without unset values."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


@dataclass(frozen=True)
class ScoringFile:
    """A parsed scoring file: its id, header and variants (`VARIANT_SCHEMA`)."""

    score_id: str
    header: ScoringFileHeader
    variants: pl.DataFrame
    source: Path | None = field(default=None, compare=False)

    @property
    def build(self) -> GenomeBuild | None:
        """Genome build of the positions (see `ScoringFileHeader.build`)."""
        return self.header.build

    @cached_property
    def repeats_positions(self) -> bool:
        """Whether two rows share a chromosome and position (possible duplicates)."""
        pos = self.variants.get_column("pos")
        repeated = pos.is_duplicated() & pos.is_not_null()  # cheap integer test first
        if not repeated.any():
            return False
        candidates = self.variants.select("chrom", "pos").filter(repeated)
        return candidates.height != candidates.unique().height

    def __len__(self) -> int:
        return self.variants.height


def score_id_from_path(path: Path) -> str:
    """``PGS000001_hmPOS_GRCh37.txt.gz`` -> ``PGS000001_hmPOS_GRCh37`` (a custom file's id)."""
    name = path.name
    for suffix in (".gz", ".bgz", ".txt", ".tsv", ".csv"):
        name = name.removesuffix(suffix)
    return name


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ScoringFileError(path, f"corrupt gzip data ({exc})") from exc
    return raw


def _split_header(path: Path, data: bytes) -> tuple[dict[str, str], list[str], int, bytes]:
    """Metadata, column names, 1-based line number of the column-name row, and the data bytes."""
    metadata: dict[str, str] = {}
    offset = 0
    line_no = 0
    while offset < len(data):
        end = data.find(b"\n", offset)
        end = len(data) if end == -1 else end
        line_no += 1
        line = data[offset:end].decode("utf-8", errors="replace").rstrip("\r")
        offset = end + 1
        if line.startswith("#"):
            body = line.lstrip("#")
            if line.startswith("##") or "=" not in body:
                continue  # section title / banner
            key, _, value = body.partition("=")
            metadata[key.strip()] = value.strip()
            continue
        if not line.strip():
            continue
        columns = line.split("\t")
        seen: set[str] = set()
        for name in columns:
            if not name:
                raise ScoringFileError(path, "empty column name in the column-name row", line=line_no)
            if name in seen:
                raise ScoringFileError(path, "duplicated column name", line=line_no, column=name)
            seen.add(name)
        return metadata, columns, line_no, data[offset:]
    raise ScoringFileError(path, "no column-name row after the header", line=line_no or None)


def _locate_layout_error(path: Path, n_columns: int, header_line: int, body: bytes) -> None:
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


def _check_layout(path: Path, columns: list[str], header_line: int, body: bytes) -> int:
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
        _locate_layout_error(path, len(columns), header_line, body)
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


_FLOAT_COLUMNS = ("effect_weight", *_DOSAGE_COLUMNS, "allelefrequency_effect")
_INT_COLUMNS = ("chr_position", "hm_pos")


def _chrom_name(name: str | None) -> str | None:
    """The platform's chromosome name (`genolake_core.chromosomes`) of a scoring file's ``chr_name``;
    empty -> None."""
    return (normalize_chrom(name.strip()) or None) if name is not None else None


def _chrom_expr(frame: pl.DataFrame, column: str) -> pl.Expr:
    """Chromosome names normalized through their few distinct values (fast on large files)."""
    names = frame.get_column(column).unique().to_list()
    mapping = {name: _chrom_name(name) for name in names if name is not None}
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def _read_strings(path: Path, body: bytes, columns: list[str], header_line: int) -> pl.DataFrame:
    """Every field as a string ("" stays ""); a null means the line lacked the field."""
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            separator="\t",
            has_header=False,
            new_columns=columns,
            infer_schema=False,
            quote_char=None,
            comment_prefix=None,
            empty_string_is_null=False,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        _locate_layout_error(path, len(columns), header_line, body)
        raise
    if frame.null_count().sum_horizontal().item():
        _locate_layout_error(path, len(columns), header_line, body)
    return frame


def _typed_from_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Strip fields, empty -> null, numeric columns cast (only called once values are valid)."""
    exprs = []
    for name in frame.columns:
        text = pl.col(name).str.strip_chars().replace("", None)
        if name in _FLOAT_COLUMNS:
            exprs.append(text.cast(pl.Float64).alias(name))
        elif name in _INT_COLUMNS:
            exprs.append(text.cast(pl.Int64).alias(name))
        else:
            exprs.append(text.alias(name))
    return frame.select(exprs)


def _read_typed(body: bytes, columns: list[str]) -> pl.DataFrame | None:
    """Fast path: numbers parsed while reading; None when polars rejects a value."""
    overrides: dict[str, pl.DataType] = {c: pl.Float64() for c in _FLOAT_COLUMNS if c in columns}
    overrides.update({c: pl.Int64() for c in _INT_COLUMNS if c in columns})
    try:
        frame = pl.read_csv(
            io.BytesIO(body),
            separator="\t",
            has_header=False,
            new_columns=columns,
            schema_overrides=overrides,
            infer_schema=False,
            quote_char=None,
            comment_prefix=None,
            empty_string_is_null=True,
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if b" " not in body:  # nothing to strip: empty fields are already null
        return frame
    strings = [c for c in columns if c not in overrides]
    return frame.with_columns(pl.col(c).str.strip_chars().replace("", None) for c in strings)


def _has_problem(frame: pl.DataFrame, *, has_effect_weight: bool, pos_col: str) -> bool:
    """One pass over a typed frame: does any value break a rule (then the strict path names it)?"""
    checks = [pl.col("effect_allele").is_null().any(), (pl.col(pos_col) < 1).any()]
    weights = ["effect_weight"] if has_effect_weight else list(_DOSAGE_COLUMNS)
    for name in weights:
        checks.append((pl.col(name).is_null() | ~pl.col(name).is_finite()).any())
    if "allelefrequency_effect" in frame.columns:
        af = pl.col("allelefrequency_effect")
        checks.append((af.is_nan() | (af < 0) | (af > 1)).any())
    for name in _FLAG_COLUMNS:
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


def _strict_check(
    path: Path, frame: pl.DataFrame, header_line: int, *, has_effect_weight: bool, pos_col: str
) -> None:
    """Raise `ScoringFileError` for the first bad value, naming line and column (slow path)."""
    effect = frame["effect_allele"].str.strip_chars()
    _first_bad(path, frame, effect.is_null() | (effect == ""), "effect_allele", header_line, "is empty")
    flags = {c: _parse_flag(path, frame, c, header_line) for c in _FLAG_COLUMNS if c in frame.columns}
    if "is_dominant" in flags and "is_recessive" in flags:
        _first_bad(
            path,
            frame.with_columns(is_dominant=flags["is_dominant"], is_recessive=flags["is_recessive"]),
            pl.col("is_dominant") & pl.col("is_recessive"),
            "is_recessive",
            header_line,
            "a variant cannot be both dominant and recessive",
        )
    for name in ["effect_weight"] if has_effect_weight else list(_DOSAGE_COLUMNS):
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


def _build_variants(frame: pl.DataFrame, *, header_line: int, chrom_col: str, pos_col: str) -> pl.DataFrame:
    """`VARIANT_SCHEMA` rows from a validated, typed frame (one select)."""
    columns = frame.columns
    null_str = pl.lit(None, dtype=pl.String)
    null_f64 = pl.lit(None, dtype=pl.Float64)

    def flag(name: str) -> pl.Expr:
        return (
            (pl.col(name).str.to_uppercase() == "TRUE").fill_null(False) if name in columns else pl.lit(False)
        )

    effect = pl.col("effect_allele").str.to_uppercase()
    other = pl.col("other_allele").str.to_uppercase() if "other_allele" in columns else null_str
    inferred = (
        pl.col("hm_inferOtherAllele").str.to_uppercase() if "hm_inferOtherAllele" in columns else null_str
    )
    dominant, recessive = flag("is_dominant"), flag("is_recessive")
    complex_row = flag("is_haplotype") | flag("is_diplotype") | flag("is_interaction")
    if "effect_weight" in columns:
        weight = pl.col("effect_weight")
        modified = dominant | recessive
        effect_weight = pl.when(modified).then(null_f64).otherwise(weight)
        d0 = pl.when(modified).then(pl.lit(0.0)).otherwise(null_f64)
        d1 = pl.when(dominant).then(weight).when(recessive).then(pl.lit(0.0)).otherwise(null_f64)
        d2 = pl.when(modified).then(weight).otherwise(null_f64)
        effect_type = (
            pl.when(complex_row)
            .then(pl.lit("complex"))
            .when(dominant)
            .then(pl.lit("dominant"))
            .when(recessive)
            .then(pl.lit("recessive"))
            .otherwise(pl.lit("additive"))
        )
        abs_weight = weight.abs()
    else:
        effect_weight = null_f64
        d0, d1, d2 = (pl.col(c) for c in _DOSAGE_COLUMNS)
        effect_type = pl.when(complex_row).then(pl.lit("complex")).otherwise(pl.lit("dosage_weights"))
        abs_weight = pl.max_horizontal(d0.abs(), d1.abs(), d2.abs())
    if "hm_rsID" in columns and "rsID" in columns:
        rsid = pl.coalesce(pl.col("hm_rsID"), pl.col("rsID"))
    elif "hm_rsID" in columns or "rsID" in columns:
        rsid = pl.col("hm_rsID" if "hm_rsID" in columns else "rsID")
    else:
        rsid = null_str
    af = pl.col("allelefrequency_effect") if "allelefrequency_effect" in columns else null_f64
    frame = frame.with_columns(
        effect.alias("_effect"), other.alias("_other"), inferred.alias("_inferred")
    ).with_columns(
        (~pl.col("_other").str.contains("[^ACGT]") & (pl.col("_other") != "")).alias("_other_ok"),
        (
            pl.col("_other").is_null()
            & ~pl.col("_inferred").str.contains("[^ACGT]")
            & (pl.col("_inferred") != "")
        ).alias("_inferred_ok"),
    )
    effect, other, inferred = pl.col("_effect"), pl.col("_other"), pl.col("_inferred")
    other_ok, inferred_ok = pl.col("_other_ok").fill_null(False), pl.col("_inferred_ok").fill_null(False)
    row_nr = pl.int_range(0, pl.len(), dtype=pl.UInt32)
    return frame.select(
        row_nr.alias("row_nr"),
        (row_nr + header_line + 1).alias("line"),
        rsid.alias("rsid"),
        _chrom_expr(frame, chrom_col).alias("chrom"),
        pl.col(pos_col).alias("pos"),
        effect.alias("effect_allele"),
        other.alias("other_allele"),
        pl.when(other_ok)
        .then(other)
        .when(inferred_ok)
        .then(inferred)
        .otherwise(null_str)
        .alias("match_other_allele"),
        pl.when(other_ok)
        .then(pl.lit("reported"))
        .when(inferred_ok)
        .then(pl.lit("inferred"))
        .otherwise(pl.lit("none"))
        .alias("other_allele_source"),
        (~effect.str.contains("[^ACGT]") & (effect != "")).fill_null(False).alias("allele_valid"),
        effect_type.alias("effect_type"),
        effect_weight.alias("effect_weight"),
        d0.alias("dosage_0_weight"),
        d1.alias("dosage_1_weight"),
        d2.alias("dosage_2_weight"),
        abs_weight.alias("abs_weight"),
        af.alias("allelefrequency_effect"),
    ).cast(VARIANT_SCHEMA)  # type: ignore[arg-type]


def parse_scoring_text(data: bytes, *, path: Path, score_id: str | None = None) -> ScoringFile:
    """Parse a scoring file's decompressed bytes (``path`` is used in errors and for the id).

    Fast path: numbers are parsed while reading and all rules checked in one pass; only when
    something is wrong is the file re-read as text to name the first bad line and column.
    """
    metadata, columns, header_line, body = _split_header(path, data)
    header = ScoringFileHeader.model_validate(metadata)
    n_rows = _check_layout(path, columns, header_line, body)

    def missing(column: str, why: str) -> ScoringFileError:
        return ScoringFileError(path, f"required column is missing ({why})", line=header_line, column=column)

    if "effect_allele" not in columns:
        raise missing("effect_allele", "the allele the weight refers to")
    has_effect_weight = "effect_weight" in columns
    dosage_present = [c for c in _DOSAGE_COLUMNS if c in columns]
    if not has_effect_weight and not dosage_present:
        raise missing("effect_weight", "or dosage_0_weight, dosage_1_weight, dosage_2_weight")
    if not has_effect_weight and len(dosage_present) != len(_DOSAGE_COLUMNS):
        absent = next(c for c in _DOSAGE_COLUMNS if c not in columns)
        raise missing(absent, "per-dosage weights need all three dosage_N_weight columns")
    if header.harmonized:
        chrom_col, pos_col = "hm_chr", "hm_pos"
    else:
        chrom_col, pos_col = "chr_name", "chr_position"
    for needed in (chrom_col, pos_col):
        if needed not in columns:
            raise missing(
                needed,
                "positions are required to match by position; use the harmonized (HmPOS) file"
                if not header.harmonized
                else "a harmonized file needs hm_chr and hm_pos",
            )

    if n_rows:
        typed = _read_typed(body, columns)
        if (
            typed is None
            or typed.height != n_rows
            or _has_problem(typed, has_effect_weight=has_effect_weight, pos_col=pos_col)
        ):
            strings = _read_strings(path, body, columns, header_line)
            _strict_check(path, strings, header_line, has_effect_weight=has_effect_weight, pos_col=pos_col)
            typed = _typed_from_strings(strings)
    else:
        typed = pl.DataFrame(
            {
                c: pl.Series(
                    [],
                    dtype=pl.Float64 if c in _FLOAT_COLUMNS else pl.Int64 if c in _INT_COLUMNS else pl.String,
                )
                for c in columns
            }
        )
    variants = _build_variants(typed, header_line=header_line, chrom_col=chrom_col, pos_col=pos_col)

    sid = score_id or header.pgs_id or score_id_from_path(path)
    if header.variants_number is not None and header.variants_number != variants.height:
        logger.warning(
            "%s: header says variants_number=%d but the file has %d rows",
            path,
            header.variants_number,
            variants.height,
        )
    n_invalid = variants.height - int(variants["allele_valid"].sum())
    if n_invalid:
        logger.warning(
            "%s: %d rows have effect alleles that are not [ACGT]+ (not matchable)", path, n_invalid
        )
    return ScoringFile(score_id=sid, header=header, variants=variants, source=path)


def read_scoring_file(path: Path | str, *, score_id: str | None = None) -> ScoringFile:
    """Read a PGS Catalog (format 2.0) or custom scoring file, plain or gzip.

    ``score_id`` overrides the id, which is otherwise the header's ``pgs_id`` or, for a custom file
    without one, the file name without extensions. Raises `ScoringFileError` on malformed input.
    """
    path = Path(path)
    if not path.is_file():
        raise ScoringFileError(path, "no such file")
    return parse_scoring_text(_read_bytes(path), path=path, score_id=score_id)


def read_scoring_files(paths: Sequence[Path | str], *, max_workers: int | None = None) -> list[ScoringFile]:
    """`read_scoring_file` for many files, in a thread pool (polars releases the GIL)."""
    workers = max_workers or min(len(paths), os.cpu_count() or 1) or 1
    if workers <= 1:
        return [read_scoring_file(p) for p in paths]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(read_scoring_file, paths))


def write_scoring_parquet(scoring: ScoringFile, out: Path | str, **write_options: Any) -> None:
    """Write a parsed scoring file as parquet, the header in the file's key-value metadata.

    ``out`` may be any path polars writes to (local or ``s3://`` with ``storage_options``).
    """
    metadata = {
        _PARQUET_HEADER_KEY: json.dumps(scoring.header.as_dict()),
        _PARQUET_ID_KEY: scoring.score_id,
        _PARQUET_VERSION_KEY: _PARQUET_VERSION,
    }
    scoring.variants.write_parquet(out, metadata=metadata, **write_options)


def read_scoring_parquet(path: Path | str, **read_options: Any) -> ScoringFile:
    """Read a scoring file written by `write_scoring_parquet`."""
    meta = pl.read_parquet_metadata(path, **read_options)
    if meta.get(_PARQUET_VERSION_KEY) != _PARQUET_VERSION or _PARQUET_HEADER_KEY not in meta:
        raise ScoringFileError(Path(str(path)), "not a genolake_prs scoring parquet (metadata missing)")
    header = ScoringFileHeader.model_validate(json.loads(meta[_PARQUET_HEADER_KEY]))
    variants = pl.read_parquet(path, **read_options)
    missing = set(VARIANT_SCHEMA) - set(variants.columns)
    if missing:
        raise ScoringFileError(Path(str(path)), f"scoring parquet lacks columns {sorted(missing)}")
    return ScoringFile(
        score_id=meta[_PARQUET_ID_KEY],
        header=header,
        variants=variants.select(list(VARIANT_SCHEMA)).cast(VARIANT_SCHEMA),  # type: ignore[arg-type]
        source=Path(str(path)),
    )
