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
  flags other than TRUE/FALSE; and a file with fewer rows than its header's ``#variants_number``
  (truncated: both counts named). More rows than declared is only logged.
"""

from __future__ import annotations

import gzip
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

from genolake_prs._scoring.columns import DOSAGE_COLUMNS, VARIANT_SCHEMA
from genolake_prs._scoring.header import ScoringFileHeader, split_header
from genolake_prs._scoring.read import read_table
from genolake_prs._scoring.variants import build_variants
from genolake_prs.errors import ScoringFileError
from genolake_prs.genome_build import GenomeBuild

__all__ = [
    "VARIANT_SCHEMA",
    "ScoringFile",
    "ScoringFileHeader",
    "parse_scoring_text",
    "read_scoring_file",
    "read_scoring_files",
    "read_scoring_parquet",
    "score_id_from_path",
    "write_scoring_parquet",
]

logger = logging.getLogger(__name__)

_PARQUET_HEADER_KEY = "genolake_prs.header"
_PARQUET_ID_KEY = "genolake_prs.score_id"
_PARQUET_VERSION_KEY = "genolake_prs.schema_version"
_PARQUET_VERSION = "1"


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


def parse_scoring_text(data: bytes, *, path: Path, score_id: str | None = None) -> ScoringFile:
    """Parse a scoring file's decompressed bytes (``path`` is used in errors and for the id).

    Fast path: numbers are parsed while reading and all rules checked in one pass; only when
    something is wrong is the file re-read as text to name the first bad line and column.
    """
    metadata, columns, header_line, body = split_header(path, data)
    header = ScoringFileHeader.model_validate(metadata)

    def missing(column: str, why: str) -> ScoringFileError:
        return ScoringFileError(path, f"required column is missing ({why})", line=header_line, column=column)

    if "effect_allele" not in columns:
        raise missing("effect_allele", "the allele the weight refers to")
    has_effect_weight = "effect_weight" in columns
    dosage_present = [c for c in DOSAGE_COLUMNS if c in columns]
    if not has_effect_weight and not dosage_present:
        raise missing("effect_weight", "or dosage_0_weight, dosage_1_weight, dosage_2_weight")
    if not has_effect_weight and len(dosage_present) != len(DOSAGE_COLUMNS):
        absent = next(c for c in DOSAGE_COLUMNS if c not in columns)
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

    typed = read_table(path, body, columns, header_line, has_effect_weight=has_effect_weight, pos_col=pos_col)
    variants = build_variants(typed, header_line=header_line, chrom_col=chrom_col, pos_col=pos_col)

    sid = score_id or header.pgs_id or score_id_from_path(path)
    if header.variants_number is not None and header.variants_number > variants.height:
        raise ScoringFileError(
            path,
            f"truncated: the header says variants_number={header.variants_number} but the file has "
            f"{variants.height} variant rows (an interrupted download or copy?)",
        )
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
