"""The polars and DuckDB engines give identical outputs (annotations, studies, summary)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import annotate, build_longevity_module, compile_module
from genolake_annotation.modules.match_common import SORT_KEYS
from polars.testing import assert_frame_equal

from tests.unit.annotation.test_modules_support import (
    bcftools_records,
    derived_longevity_db,
    derived_rows,
    normalized,
    vcf_samples,
    write_spec,
)


@pytest.fixture(scope="module")
def modules(
    tmp_path_factory: pytest.TempPathFactory, test_data: Path, antku_vcf: Path, chr22_vcf: Path
) -> list:
    work = tmp_path_factory.mktemp("engines_modules")
    out = [compile_module(test_data / "modules" / n, work / n) for n in ("mthfr_nad", "cyp_panel")]
    antku = bcftools_records(antku_vcf, "default")
    chr22 = bcftools_records(chr22_vcf, "HG00096")
    # LongevityMap with some weight groups re-pointed at chr22 rsids: exercises the reference-relative rows
    db = derived_longevity_db(test_data / "modules" / "longevitymap.sqlite", work / "lm.sqlite", chr22)
    out.append(build_longevity_module(db, work / "longevitymap"))
    specs = {
        "antku_pos": (derived_rows(antku, every=2, rsid=False, position=True), "GRCh38"),
        "chr22_rs": (derived_rows(chr22, every=15, rsid=True, position=False), "GRCh37"),
        "chr22_both38": (derived_rows(chr22, every=33, rsid=True, position=True), "GRCh38"),  # build mismatch
        "chr22_both37": (derived_rows(chr22, every=21, rsid=True, position=True), "GRCh37"),
    }
    for name, (rows, build) in specs.items():
        out.append(
            compile_module(write_spec(work / f"spec-{name}", name, rows, genome_build=build), work / name)
        )
    return out


def _samples(antku_vcf: Path, chr22_vcf: Path) -> list[tuple[Path, str]]:
    return [(antku_vcf, "default")] + [(chr22_vcf, s) for s in vcf_samples(chr22_vcf)[:3]]


@pytest.mark.parametrize("index", range(4))
def test_engines_identical(
    index: int, modules: list, antku_vcf: Path, chr22_vcf: Path, tmp_path: Path
) -> None:
    vcf, sample = _samples(antku_vcf, chr22_vcf)[index]
    parquet = normalized(vcf, sample, tmp_path)
    outs = {}
    for engine in ("polars", "duckdb"):
        outs[engine] = tmp_path / engine
        annotate(parquet, modules, outs[engine], engine=engine, memory_limit="256MB", threads=1)  # type: ignore[arg-type]
    frames = {e: pl.read_parquet(p / "annotations.parquet") for e, p in outs.items()}
    assert frames["polars"].height > 0
    keys = [*SORT_KEYS, "weight", "conclusion"]
    assert_frame_equal(frames["polars"].sort(keys), frames["duckdb"].sort(keys))
    assert_frame_equal(frames["polars"], frames["duckdb"])  # same order too
    assert_frame_equal(
        pl.read_parquet(outs["polars"] / "studies.parquet"),
        pl.read_parquet(outs["duckdb"] / "studies.parquet"),
    )
    summaries = {e: json.loads((p / "summary.json").read_text()) for e, p in outs.items()}
    assert summaries["polars"] == summaries["duckdb"]
    lineages = {e: json.loads((p / "lineage.json").read_text()) for e, p in outs.items()}
    assert lineages["polars"]["engine"] == "polars" and lineages["duckdb"]["engine"] == "duckdb"
    assert lineages["polars"]["outputs"]["summary.json"] == lineages["duckdb"]["outputs"]["summary.json"]
    matched = {s["module"]: s["matched"] for s in summaries["polars"]["modules"]}
    assert sum(matched.values()) > 0
    if vcf == chr22_vcf:
        assert matched["longevitymap"] > 0
