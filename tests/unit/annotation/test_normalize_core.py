"""normalize_single / normalize_vcf on the real test VCFs, checked against bcftools at test time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.normalize import (
    OUTPUT_COLUMNS,
    NormalizeSettings,
    VcfBuildMismatchError,
    VcfFormatError,
    normalize_single,
    normalize_vcf,
    read_normalize_metadata,
    read_vcf_header,
)
from genolake_core.normalized import NORMALIZED_SCHEMA

from tests.unit.annotation.normalize_testlib import bcftools_count, bcftools_rows, parquet_rows

SCHEMA = NORMALIZED_SCHEMA


def test_antku_matches_bcftools(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "antku.parquet"
    result = normalize_single(antku_vcf, out)
    expected = bcftools_rows(antku_vcf, "default")
    assert parquet_rows(out) == expected
    assert result.records_in == result.records_out == len(expected)
    assert result.sample == "default" and result.output == out
    assert result.build == "GRCh38"
    assert result.no_calls == sum(1 for row in expected if row[6] is None)
    assert list(tmp_path.iterdir()) == [out]


def test_output_schema(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    normalize_single(antku_vcf, out)
    schema = pl.read_parquet_schema(out)
    assert list(schema)[: len(SCHEMA)] == list(SCHEMA)
    assert {name: schema[name] for name in SCHEMA} == SCHEMA
    assert tuple(schema) == OUTPUT_COLUMNS


def test_antku_af_is_null_without_header_declaration(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    normalize_single(antku_vcf, out)
    assert "AF" not in read_vcf_header(antku_vcf).info_ids
    assert pl.read_parquet(out)["af"].null_count() == bcftools_count(antku_vcf)


def test_filter_pass(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "pass.parquet"
    result = normalize_single(antku_vcf, out, settings=NormalizeSettings(filters=frozenset({"PASS"})))
    total, passing = bcftools_count(antku_vcf), bcftools_count(antku_vcf, "-f", "PASS")
    assert result.records_out == passing == pl.read_parquet(out).height
    assert result.filtered == {"ref_block": 0, "filter": total - passing}
    assert set(pl.read_parquet(out)["filter"]) == {"PASS"}
    assert parquet_rows(out) == [row for row in bcftools_rows(antku_vcf, "default") if row[7] == "PASS"]


def test_filter_several_values_and_missing(antku_vcf: Path, tmp_path: Path) -> None:
    result = normalize_single(
        antku_vcf, tmp_path / "o.parquet", settings=NormalizeSettings(filters=frozenset({"PASS", "RefCall"}))
    )
    assert result.records_out == bcftools_count(antku_vcf, "-f", "PASS,RefCall")
    result = normalize_single(
        antku_vcf, tmp_path / "o.parquet", settings=NormalizeSettings(filters=frozenset({"."}))
    )
    assert result.records_out == bcftools_count(antku_vcf, "-f", ".")


@pytest.mark.parametrize("min_dp", [10, 30])
def test_min_dp(antku_vcf: Path, tmp_path: Path, min_dp: int) -> None:
    out = tmp_path / "dp.parquet"
    result = normalize_single(antku_vcf, out, settings=NormalizeSettings(min_dp=min_dp))
    expected = bcftools_count(antku_vcf, "-i", f"FMT/DP>={min_dp}")
    assert result.records_out == expected
    assert result.filtered["min_dp"] == result.records_in - expected
    assert pl.read_parquet(out)["dp"].min() >= min_dp  # type: ignore[operator]


def test_min_qual_and_filter_counted_once(antku_vcf: Path, tmp_path: Path) -> None:
    settings = NormalizeSettings(filters=frozenset({"PASS"}), min_qual=20, min_dp=10)
    result = normalize_single(antku_vcf, tmp_path / "o.parquet", settings=settings)
    kept = bcftools_count(antku_vcf, "-f", "PASS", "-i", "QUAL>=20 && FMT/DP>=10")
    assert result.records_out == kept
    assert result.records_in == result.records_out + sum(result.filtered.values())
    assert result.filtered["filter"] == result.records_in - bcftools_count(antku_vcf, "-f", "PASS")
    after_filter = bcftools_count(antku_vcf, "-f", "PASS")
    assert result.filtered["min_qual"] == after_filter - bcftools_count(
        antku_vcf, "-f", "PASS", "-i", "QUAL>=20"
    )


def test_metadata_records_settings_and_counts(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    settings = NormalizeSettings(filters=frozenset({"PASS"}), min_dp=5)
    result = normalize_single(antku_vcf, out, settings=settings)
    meta = read_normalize_metadata(out)
    assert meta is not None
    assert meta["records_in"] == result.records_in and meta["records_out"] == result.records_out
    assert meta["filtered"] == result.filtered
    assert NormalizeSettings.model_validate(meta["settings"]) == settings
    assert meta["build"] == "GRCh38" and meta["sample"] == "default"


def test_chr22_all_samples_one_call(chr22_vcf: Path, tmp_path: Path) -> None:
    samples = read_vcf_header(chr22_vcf).samples
    outputs = {s: tmp_path / "out" / f"{s}.parquet" for s in samples}
    results = normalize_vcf(chr22_vcf, outputs)
    assert set(results) == set(samples)
    for sample in samples:
        expected = bcftools_rows(chr22_vcf, sample)
        assert parquet_rows(outputs[sample]) == expected, sample
        assert results[sample].records_out == len(expected)
        assert results[sample].no_calls == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in outputs.values())


def test_chr22_af_and_rsids(chr22_vcf: Path, tmp_path: Path) -> None:
    from tests.unit.annotation.normalize_testlib import need, run

    out = tmp_path / "o.parquet"
    normalize_single(chr22_vcf, out, sample="HG00097")
    df = pl.read_parquet(out)
    raw = run([need("bcftools"), "query", "-f", r"%ID\t%INFO/AF\n", str(chr22_vcf)]).splitlines()
    ids = [line.split("\t")[0] for line in raw]
    afs = [line.split("\t")[1] for line in raw]
    assert df["ids"].to_list() == [[] if i == "." else i.split(";") for i in ids]
    assert df["af"].to_list() == [None if a == "." else [float(x) for x in a.split(",")] for a in afs]
    # IDs that are not rsIDs (MERGED_DEL_...) stay in ids but give a null rsid
    non_rs = Counter(i.startswith("rs") for i in ids if i != ".")
    assert df["rsid"].null_count() == ids.count(".") + non_rs[False]


def test_chr22_build_from_positions(chr22_vcf: Path, tmp_path: Path) -> None:
    """No build in the header; chr22 positions beyond GRCh38's chr22 end (50,818,468) mean GRCh37."""
    out = tmp_path / "o.parquet"
    result = normalize_single(chr22_vcf, out, sample="HG00096")
    assert pl.read_parquet(out)["start"].max() > 50_818_468  # type: ignore[operator]
    assert (result.build, result.build_source) == ("GRCh37", "positions")
    ok = normalize_single(
        chr22_vcf, out, sample="HG00096", settings=NormalizeSettings(expected_build="GRCh37")
    )
    assert ok.build == "GRCh37"


def test_build_mismatch_from_positions_leaves_nothing(chr22_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    with pytest.raises(VcfBuildMismatchError, match="GRCh38.*GRCh37"):
        normalize_single(
            chr22_vcf, out, sample="HG00096", settings=NormalizeSettings(expected_build="GRCh38")
        )
    assert list(tmp_path.iterdir()) == []


def test_build_mismatch_from_header(antku_vcf: Path, tmp_path: Path) -> None:
    with pytest.raises(VcfBuildMismatchError) as info:
        normalize_single(
            antku_vcf, tmp_path / "o.parquet", settings=NormalizeSettings(expected_build="GRCh37")
        )
    assert "GRCh37" in str(info.value) and "GRCh38" in str(info.value)
    assert (info.value.expected, info.value.detected) == ("GRCh37", "GRCh38")
    assert list(tmp_path.iterdir()) == []


def test_unknown_sample(chr22_vcf: Path, tmp_path: Path) -> None:
    samples = read_vcf_header(chr22_vcf).samples
    with pytest.raises(VcfFormatError) as info:
        normalize_vcf(chr22_vcf, {"NA12878": tmp_path / "x.parquet", samples[0]: tmp_path / "y.parquet"})
    assert "NA12878" in str(info.value) and all(s in str(info.value) for s in samples)
    assert list(tmp_path.iterdir()) == []


def test_single_requires_sample_when_several(chr22_vcf: Path, tmp_path: Path) -> None:
    samples = read_vcf_header(chr22_vcf).samples
    with pytest.raises(ValueError) as info:
        normalize_single(chr22_vcf, tmp_path / "x.parquet")
    assert all(s in str(info.value) for s in samples)


@pytest.mark.parametrize("kind", ["plain", "gzip", "bgzip"])
def test_compressions_give_identical_output(
    antku_vcf: Path, chr22_vcf: Path, tmp_path: Path, compressed: Callable[[Path, str], Path], kind: str
) -> None:
    for vcf, sample in ((antku_vcf, "default"), (chr22_vcf, "HG00100")):
        path = compressed(vcf, kind)
        out = tmp_path / f"{kind}.parquet"
        normalize_single(path, out, sample=sample)
        assert parquet_rows(out) == bcftools_rows(vcf, sample)


def test_existing_output_replaced_only_on_success(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    out.write_bytes(b"previous")
    with pytest.raises(VcfBuildMismatchError):
        normalize_single(antku_vcf, out, settings=NormalizeSettings(expected_build="GRCh37"))
    assert out.read_bytes() == b"previous"
    normalize_single(antku_vcf, out)
    assert pl.read_parquet(out).height == bcftools_count(antku_vcf)
    assert list(tmp_path.iterdir()) == [out]
