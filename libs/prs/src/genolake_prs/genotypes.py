"""The sample side: the platform's normalized genotype parquet (one sample per file).

Contract: `genolake_core.normalized.NORMALIZED_SCHEMA` (produced by ``genolake_annotation.normalize``;
``chrom`` without ``chr``, ``start`` the 1-based VCF POS, ``gt`` the raw GT such as ``0|1``, ``genotype``
the sorted called alleles, null when fully missing, ``af`` the INFO AF). Only ``chrom``, ``start``,
``ref``, ``alts`` and ``genotype`` are required here; ``gt`` and ``af`` are used when present.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from genolake_core.normalized import NORMALIZED_SCHEMA

from genolake_prs.errors import SampleDataError
from genolake_prs.genome_build import GenomeBuild, normalize_build

#: Required columns and their types.
REQUIRED_COLUMNS: dict[str, pl.DataType] = {
    name: NORMALIZED_SCHEMA[name] for name in ("chrom", "start", "ref", "alts", "genotype")
}
#: Optional columns used when present.
OPTIONAL_COLUMNS: dict[str, pl.DataType] = {name: NORMALIZED_SCHEMA[name] for name in ("gt", "af")}

GenotypeSource = Path | str | pl.LazyFrame | pl.DataFrame

# Parquet key-value metadata: genolake_annotation.normalize stores its run report as JSON under
# "genolake.normalize" (with "sample" and "build"); plain keys are accepted too.
_NORMALIZE_KEY = "genolake.normalize"
_SAMPLE_KEYS = ("sample", "genolake.sample")
_BUILD_KEYS = ("build", "genome_build", "genolake.genome_build")


def scan_genotypes(source: GenotypeSource, **scan_options: Any) -> pl.LazyFrame:
    """A lazy frame over a normalized genotype parquet (or frame), checked against the contract.

    Raises `SampleDataError` when a required column is missing or has the wrong type.
    """
    if isinstance(source, pl.DataFrame):
        frame = source.lazy()
    elif isinstance(source, pl.LazyFrame):
        frame = source
    else:
        path = Path(source) if not str(source).startswith(("s3://", "gs://", "az://")) else source
        if isinstance(path, Path) and not path.exists():
            raise SampleDataError(f"{path}: genotype parquet not found")
        frame = pl.scan_parquet(path, **scan_options)
    schema = frame.collect_schema()
    for name, dtype in REQUIRED_COLUMNS.items():
        if name not in schema:
            raise SampleDataError(f"genotype data lacks required column {name!r} (has {list(schema)})")
        if schema[name] != dtype:
            if name == "start" and schema[name].is_integer():
                continue
            raise SampleDataError(f"genotype column {name!r} is {schema[name]}, expected {dtype}")
    for name, dtype in OPTIONAL_COLUMNS.items():
        if name in schema and schema[name] != dtype and schema[name] != pl.Null():
            raise SampleDataError(f"genotype column {name!r} is {schema[name]}, expected {dtype}")
    return frame


def _parquet_metadata(source: GenotypeSource) -> dict[str, Any]:
    """Key-value metadata of a parquet source, the normalizer's JSON report merged in."""
    if isinstance(source, pl.DataFrame | pl.LazyFrame):
        return {}
    try:
        meta: dict[str, Any] = dict(pl.read_parquet_metadata(source))
    except (OSError, pl.exceptions.PolarsError):
        return {}
    report = meta.get(_NORMALIZE_KEY)
    if isinstance(report, str):
        try:
            parsed = json.loads(report)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            meta = {**parsed, **{k: v for k, v in meta.items() if k != _NORMALIZE_KEY}}
    return meta


def sample_name_of(source: GenotypeSource) -> str | None:
    """The sample name stored in the parquet's key-value metadata, if the normalizer wrote one."""
    meta = _parquet_metadata(source)
    for key in _SAMPLE_KEYS:
        if isinstance(meta.get(key), str) and meta[key]:
            return str(meta[key])
    return None


def genome_build_of(source: GenotypeSource) -> GenomeBuild | None:
    """The genome build recorded in the parquet's metadata (the normalizer's ``build``), if any."""
    meta = _parquet_metadata(source)
    for key in _BUILD_KEYS:
        value = meta.get(key)
        build = normalize_build(value) if isinstance(value, str) else None
        if build is not None:
            return build
    return None
