"""build_longevity_module: the real LongevityMap database, and matching through a derived copy of it."""

from __future__ import annotations

import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import LongevityMapError, annotate, build_longevity_module, read_summary
from genolake_annotation.modules.manifest import sha256_of

from tests.unit.annotation.test_modules_support import (
    actual_annotations,
    bcftools_records,
    derived_longevity_db,
    expected_annotations,
    expected_reasons,
    normalized,
)


@pytest.fixture(scope="module")
def sqlite_path(test_data: Path) -> Path:
    return test_data / "modules" / "longevitymap.sqlite"


def _query(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _source_rows(path: Path) -> list[dict[str, object]]:
    """The database's weight rows in the module's documented order (rsid, id), as module rows."""
    rows = []
    for rsid, allele, state, zygosity, weight, category in _query(
        path,
        """SELECT a.rsid, a.allele, a.state, a.zygosity, a.weight, c.name FROM allele_weights a
           JOIN categories c ON c.id = a.category_id ORDER BY a.rsid, a.id""",
    ):
        row: dict[str, object] = {
            "rsid": rsid,
            "weight": weight,
            "category": category,
            "allele": None,
            "zygosity": None,
        }
        if zygosity == "hom":
            row["genotype"] = f"{allele}/{allele}"
        elif state == "spec":
            row["genotype"] = "/".join(sorted(allele))
        else:
            row.update(genotype=None, allele=allele, zygosity="het")
        rows.append(row)
    return rows


def test_build_from_the_real_database(sqlite_path: Path, tmp_path: Path) -> None:
    module = build_longevity_module(sqlite_path, tmp_path / "lm")
    manifest = module.manifest
    categories = [name for (name,) in _query(sqlite_path, "SELECT name FROM categories ORDER BY id")]
    assert len(categories) == 12 and manifest.categories == categories
    assert manifest.name == "longevitymap" and manifest.layout == "categories"
    assert manifest.key == "rsid" and manifest.genome_build is None
    assert manifest.version == "0+" + sha256_of(sqlite_path)[:12]

    weights = module.weights()
    source = _source_rows(sqlite_path)
    assert weights.height == len(source) == _query(sqlite_path, "SELECT count(*) FROM allele_weights")[0][0]
    for got, want in zip(weights.iter_rows(named=True), source, strict=True):
        assert got["rsid"] == want["rsid"] and got["category"] == want["category"]
        assert got["weight"] == want["weight"]
        assert ("/".join(got["genotype"]) if got["genotype"] else None) == want["genotype"]
        assert got["allele"] == want["allele"] and got["zygosity"] == want["zygosity"]
        assert got["chrom"] is None and got["phenotype"] == "longevity"
        assert got["state"] == (
            "protective" if got["weight"] > 0 else "risk" if got["weight"] < 0 else "neutral"
        )
        assert f"{got['weight']:+g}" in got["conclusion"] and got["category"] in got["conclusion"]
    assert set(weights["category"]) <= set(categories)

    rsids = _query(sqlite_path, "SELECT count(DISTINCT rsid) FROM allele_weights")[0][0]
    assert module.annotations().height == rsids
    studies = module.studies()
    n_studies = _query(
        sqlite_path, "SELECT count(*) FROM variant WHERE identifier IN (SELECT rsid FROM allele_weights)"
    )[0][0]
    assert studies.height == n_studies and studies["pmid"].null_count() == 0
    assert set(studies["association"].drop_nulls()) <= {"significant", "non-significant"}

    again = build_longevity_module(sqlite_path, tmp_path / "lm2")
    assert {f: e.sha256 for f, e in again.manifest.files.items()} == {
        f: e.sha256 for f, e in manifest.files.items()
    }


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_longevity_matching_on_chr22(engine: str, sqlite_path: Path, chr22_vcf: Path, tmp_path: Path) -> None:
    records = bcftools_records(chr22_vcf, "HG00097")
    derived = derived_longevity_db(sqlite_path, tmp_path / "lm.sqlite", records)
    module = build_longevity_module(derived, tmp_path / "lm")
    parquet = normalized(chr22_vcf, "HG00097", tmp_path)
    out = tmp_path / "out"
    annotate(parquet, [module], out, engine=engine)  # type: ignore[arg-type]
    rows = _source_rows(derived)
    expected = expected_annotations("longevitymap", rows, records)
    got = actual_annotations(out / "annotations.parquet")
    assert got == expected
    frame = pl.read_parquet(out / "annotations.parquet")
    # every kind of database row was matched: hom (explicit), spec (explicit het) and alt het (ref-relative)
    kinds = {
        (
            "rel"
            if rows[i]["zygosity"]
            else "hom"
            if rows[i]["genotype"].split("/")[0] == rows[i]["genotype"].split("/")[1]  # type: ignore[union-attr]
            else "spec"
        )
        for i in frame["module_row"]
    }
    assert kinds == {"rel", "hom", "spec"}
    assert Counter({k: v for k, v in read_summary(out)[0].reasons.items() if v}) == expected_reasons(
        rows, records
    )
    assert set(frame["match_key"]) == {"rsid"}
    assert (frame["rsid"].is_in(pl.read_parquet(out / "studies.parquet")["rsid"].implode())).all()


def test_bad_databases(sqlite_path: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    shutil.copy(sqlite_path, broken)
    broken.chmod(0o644)
    con = sqlite3.connect(broken)
    con.execute("DROP TABLE categories")
    con.execute("ALTER TABLE population RENAME COLUMN name TO label")
    con.commit()
    con.close()
    with pytest.raises(LongevityMapError) as info:
        build_longevity_module(broken, tmp_path / "x")
    assert "table 'categories' missing" in str(info.value)
    assert "table 'population' lacks column(s) name" in str(info.value)

    odd = tmp_path / "odd.sqlite"
    shutil.copy(sqlite_path, odd)
    odd.chmod(0o644)
    con = sqlite3.connect(odd)
    (row_id,) = con.execute("SELECT min(id) FROM allele_weights WHERE state = 'spec'").fetchone()
    con.execute("UPDATE allele_weights SET allele = 'ACG' WHERE id = ?", (row_id,))
    con.commit()
    con.close()
    with pytest.raises(LongevityMapError, match=f"allele_weights id {row_id} .*'ACG' is not two bases"):
        build_longevity_module(odd, tmp_path / "y")
    assert not (tmp_path / "y").exists()
    with pytest.raises(FileNotFoundError):
        build_longevity_module(tmp_path / "none.sqlite", tmp_path / "z")
