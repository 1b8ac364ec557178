"""`genolake prs` end to end (VCF or normalized parquet in, parquet out)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from genolake_cli.main import app
from genolake_prs import read_scoring_file, score_sample
from typer.testing import CliRunner

from tests.unit.prs.prs_testlib import CHR22_SAMPLES

runner = CliRunner()


def custom_score(chr22_parquets: dict[str, Path], path: Path) -> Path:
    sites = pl.read_parquet(chr22_parquets["HG00096"]).filter(pl.col("alts").list.len() == 1).head(400)
    lines = [
        "#pgs_id=CLI1",
        "#genome_build=GRCh37",
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight",
    ]
    for i, (chrom, pos, ref, alts) in enumerate(sites.select("chrom", "start", "ref", "alts").iter_rows()):
        lines.append(f"{chrom}\t{pos}\t{alts[0]}\t{ref}\t{(i % 7 - 3) / 10}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_vcf_all_samples(
    chr22_vcf: Path, chr22_parquets: dict[str, Path], test_data: Path, tmp_path: Path
) -> None:
    scoring = custom_score(chr22_parquets, tmp_path / "cli1.txt")
    pgs = test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz"
    out, log = tmp_path / "out" / "scores.parquet", tmp_path / "out" / "log.parquet"
    result = runner.invoke(
        app,
        [
            "prs",
            "--vcf",
            str(chr22_vcf),
            "--scoring",
            f"{scoring},{pgs}",
            "--out",
            str(out),
            "--match-log",
            str(log),
        ],
    )
    assert result.exit_code == 0, result.output
    scores = pl.read_parquet(out)
    assert set(zip(scores["sample"], scores["pgs_id"], strict=True)) == {
        (s, p) for s in CHR22_SAMPLES for p in ("CLI1", "PGS000001")
    }
    # same numbers as the library on the same normalized data
    lib = pl.concat(
        [
            score_sample(chr22_parquets[s], [read_scoring_file(scoring)], sample_build="GRCh37").scores
            for s in CHR22_SAMPLES
        ]
    )
    cli = scores.filter(pl.col("pgs_id") == "CLI1").sort("sample")
    assert cli["score_sum"].to_list() == pytest.approx(
        lib.sort("sample")["score_sum"].to_list(), rel=1e-12, abs=1e-12
    )
    low = scores.filter(pl.col("pgs_id") == "PGS000001")
    assert set(low["percentile"].to_list()) == {None} and set(low["low_overlap"].to_list()) == {True}
    assert "no percentile: low overlap" in result.output
    assert set(pl.read_parquet(log)["sample"].to_list()) == set(CHR22_SAMPLES)


def test_cli_normalized_one_sample(chr22_parquets: dict[str, Path], tmp_path: Path) -> None:
    scoring = custom_score(chr22_parquets, tmp_path / "cli1.txt")
    out = tmp_path / "one.parquet"
    result = runner.invoke(
        app,
        [
            "prs",
            "--normalized",
            str(chr22_parquets["HG00100"]),
            "--scoring",
            str(scoring),
            "--out",
            str(out),
            "--build",
            "GRCh37",
            "--keep-ambiguous",
        ],
    )
    assert result.exit_code == 0, result.output
    row = pl.read_parquet(out).row(0, named=True)
    assert row["sample"] == "HG00100" and row["variants_matched"] == row["variants_total"]


def test_cli_errors(
    chr22_vcf: Path, chr22_parquets: dict[str, Path], test_data: Path, tmp_path: Path
) -> None:
    grch38 = test_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz"
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["prs", "--vcf", str(chr22_vcf), "--scoring", str(grch38), "--out", str(out)])
    assert result.exit_code == 1 and "genome build mismatch" in result.output
    assert not out.exists()
    both = runner.invoke(
        app,
        [
            "prs",
            "--vcf",
            str(chr22_vcf),
            "--normalized",
            str(chr22_parquets["HG00096"]),
            "--scoring",
            str(grch38),
            "--out",
            str(out),
        ],
    )
    assert both.exit_code == 2 and "exactly one" in both.output
    bad = tmp_path / "bad.txt"
    bad.write_text("chr_name\tchr_position\teffect_allele\teffect_weight\n22\t1\tA\tx\n")
    result = runner.invoke(
        app, ["prs", "--normalized", str(chr22_parquets["HG00096"]), "--scoring", str(bad), "--out", str(out)]
    )
    assert result.exit_code == 1 and "line 2, column 'effect_weight'" in result.output
    result = runner.invoke(
        app,
        [
            "prs",
            "--normalized",
            str(chr22_parquets["HG00096"]),
            "--scoring",
            str(bad),
            "--out",
            str(out),
            "--duplicates",
            "maybe",
        ],
    )
    assert result.exit_code == 2 and "--duplicates" in result.output
