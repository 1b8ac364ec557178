"""`genolake normalize` (the Typer command) on the real test VCF."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from genolake_cli.main import app
from typer.testing import CliRunner

from tests.unit.annotation.normalize_testlib import bcftools_count


def test_cli_normalize_with_filters(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    args = ["normalize", "--vcf", str(antku_vcf), "--out", str(out), "--filter", "PASS,.", "--min-dp", "10"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    expected = bcftools_count(antku_vcf, "-f", "PASS,.", "-i", "FMT/DP>=10")
    assert report["records_out"] == expected == pl.read_parquet(out).height
    assert set(report["settings"]["filters"]) == {"PASS", "."}


def test_cli_errors_exit_nonzero_and_write_nothing(antku_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    runner = CliRunner()
    mismatch = runner.invoke(
        app, ["normalize", "--vcf", str(antku_vcf), "--out", str(out), "--expected-build", "GRCh37"]
    )
    assert mismatch.exit_code == 1 and "GRCh38" in mismatch.stderr
    unknown = runner.invoke(
        app, ["normalize", "--vcf", str(antku_vcf), "--out", str(out), "--sample", "nobody"]
    )
    assert unknown.exit_code == 1 and "nobody" in unknown.stderr and "default" in unknown.stderr
    bad = runner.invoke(
        app, ["normalize", "--vcf", str(antku_vcf), "--out", str(out), "--expected-build", "hg19"]
    )
    assert bad.exit_code == 2
    assert list(tmp_path.iterdir()) == []
