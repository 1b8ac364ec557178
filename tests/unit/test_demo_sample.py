"""The demo's own data shows everything the report can show, offline and with no services.

`make demo` installs the variant-position reference `DEMO_REFERENCE`, every shipped module (compiled
against it) and the scores `DEMO_SCORES`, and analyzes `DEMO_VCF` (all read from the Makefile, so this
test follows the demo). Here the same files go through `genolake prs` and `genolake analyze` (the
libraries the lanes run), with a fresh module cache and the Hub pointed at a closed port. Expected:
matched loci in every shipped module, a non-zero LongevityMap total, and every score matching
variants, as many as plink2 --score finds in the same VCF with the same scoring file (read here with
the csv module, not our parser), with the same score sum.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from tests.unit.prs.prs_testlib import agrees_with_printed, flip, is_palindrome, need_tool


@dataclass(frozen=True)
class Demo:
    vcf: Path
    scoring: dict[str, Path]  # score id -> shipped scoring file
    out: Path
    payload: dict  # type: ignore[type-arg]
    prs: pl.DataFrame


def makefile_value(makefile: Path, name: str) -> str:
    match = re.search(rf"^{name}\s*=\s*(.+)$", makefile.read_text(), re.MULTILINE)
    assert match, f"{makefile} defines no {name}"
    return match.group(1).strip()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def demo(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from genolake_cli.main import app
    from typer.testing import CliRunner

    makefile = repo_root / "Makefile"
    vcf = repo_root / makefile_value(makefile, "DEMO_VCF")
    scoring = {
        s: repo_root / "examples" / "pgs" / f"{s}.txt.gz"
        for s in makefile_value(makefile, "DEMO_SCORES").split()
    }
    assert scoring, "the demo names no score"
    out = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_ENDPOINT", closed_port_url())
        mp.setenv("XDG_CACHE_HOME", str(out / "cache"))
        runner = CliRunner()
        prs = runner.invoke(
            app,
            [
                "prs",
                "--vcf",
                str(vcf),
                "--scoring",
                ",".join(map(str, scoring.values())),
                "--out",
                str(out / "prs.parquet"),
            ],
        )
        assert prs.exit_code == 0, prs.output
        analyzed = runner.invoke(
            app,
            [
                "analyze",
                "--vcf",
                str(vcf),
                "--user",
                "demo",
                "--out",
                str(out / "d"),
                "--reference",
                str(repo_root / makefile_value(makefile, "DEMO_REFERENCE")),
                "--reference-build",
                makefile_value(makefile, "DEMO_REFERENCE_BUILD"),
                "--prs",
                str(out / "prs.parquet"),
            ],
        )
        assert analyzed.exit_code == 0, analyzed.output
    yield Demo(vcf, scoring, out, json.loads(analyzed.stdout), pl.read_parquet(out / "prs.parquet"))


def test_every_shipped_module_matches_loci_of_the_demo_sample(demo: Demo) -> None:
    from genolake_annotation.modules.registry import default_registry

    bcftools = need_tool("bcftools")
    vcf_ids = set(
        subprocess.run(
            [bcftools, "query", "-f", "%ID\n", str(demo.vcf)], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    summary = {m["module"]: m for m in demo.payload["modules"]}
    assert set(summary) == set(default_registry().enabled())
    assert {name: m["matched"] > 0 for name, m in summary.items()} == dict.fromkeys(summary, True)

    annotations = pl.read_parquet(demo.out / "d" / "annotations" / "annotations.parquet")
    for name, m in summary.items():
        rows = annotations.filter(pl.col("module") == name)
        assert rows["module_row"].n_unique() == m["annotation_rows"]
        # every matched locus is a record of the VCF (by its rsID, as bcftools reads it)
        assert set(rows["rsid"].to_list()) <= vcf_ids, name

    html = (demo.out / "d" / "report.html").read_text()
    for name in summary:
        assert f'data-module="{name}"' in html


def test_longevity_total_is_not_zero_and_sums_the_matched_weights(demo: Demo) -> None:
    longevity = next(m for m in demo.payload["modules"] if m["module"] == "longevitymap")
    weights = (
        pl.read_parquet(demo.out / "d" / "annotations" / "annotations.parquet")
        .filter(pl.col("module") == "longevitymap")["weight"]
        .to_list()
    )
    assert longevity["weight_total"] != 0
    assert math.isclose(longevity["weight_total"], math.fsum(weights), abs_tol=1e-9)


def scoring_rows(path: Path) -> list[tuple[str, str, str, str, float]]:
    """(chrom, pos, effect, other, weight) of a PGS Catalog scoring file, read with csv: harmonized
    positions when the header says so (#HmPOS_build), else chr_name/chr_position."""
    with gzip.open(path, "rt") as handle:
        lines = handle.read().splitlines()
    harmonized = any(line.startswith("#HmPOS_build=") for line in lines)
    chrom_col, pos_col = ("hm_chr", "hm_pos") if harmonized else ("chr_name", "chr_position")
    body = [line for line in lines if not line.startswith("#")]
    return [
        (r[chrom_col], r[pos_col], r["effect_allele"], r["other_allele"], float(r["effect_weight"]))
        for r in csv.DictReader(body, delimiter="\t")
        if r[pos_col]
    ]


def plink2_score(vcf: Path, path: Path, workdir: Path) -> tuple[str, int]:
    """plink2 --score on the VCF (IDs CHROM:POS:REF:ALT) with every row of the scoring file offered
    in both allele orders and on both strands; palindromic SNPs left out (strand can't be told, our
    default too). Returns (the score sum as printed, the number of variants plink2 used)."""
    plink2 = need_tool("plink2")
    offered: dict[str, tuple[str, float]] = {}
    for chrom, pos, effect, other, weight in scoring_rows(path):
        if is_palindrome(effect, other):
            continue
        strands = [(effect, other)]
        if set(effect + other) <= set("ACGT"):
            strands.append((flip(effect), flip(other)))
        for ea, oa in strands:
            for ref, alt in ((oa, ea), (ea, oa)):
                offered[f"{chrom}:{pos}:{ref}:{alt}"] = (ea, weight)
    score_file = workdir / f"{path.name}.plink.tsv"
    score_file.write_text("ID\tA1\tW\n" + "".join(f"{i}\t{a}\t{w!r}\n" for i, (a, w) in offered.items()))
    prefix = workdir / path.name.split(".")[0]
    proc = subprocess.run(
        [
            plink2,
            "--vcf", str(vcf),
            "--vcf-half-call", "missing",
            "--set-all-var-ids", "@:#:$r:$a",
            "--new-id-max-allele-len", "10000",
            "--score", str(score_file), "1", "2", "3", "header-read", "no-mean-imputation",
            "cols=+scoresums", "list-variants",
            "--threads", "1",
            "--out", str(prefix),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert proc.returncode == 0, f"plink2 failed:\n{proc.stdout}\n{proc.stderr}"
    table = pl.read_csv(Path(f"{prefix}.sscore"), separator="\t", infer_schema=False)
    used = Path(f"{prefix}.sscore.vars").read_text().split()
    assert len(used) == len(set(used))
    return table["W_SUM"].item(), len(used)


def test_every_demo_score_matches_variants_like_plink2(demo: Demo, tmp_path: Path) -> None:
    rows = {r["pgs_id"]: r for r in demo.prs.iter_rows(named=True)}
    assert set(rows) == set(demo.scoring)
    for score_id, path in demo.scoring.items():
        printed, used = plink2_score(demo.vcf, path, tmp_path)
        row = rows[score_id]
        assert row["variants_matched"] > 0, score_id
        assert row["variants_matched"] == used, (score_id, row["variants_matched"], used)
        assert agrees_with_printed(row["score_sum"], printed), (score_id, row["score_sum"], printed)
    html = (demo.out / "d" / "report.html").read_text()
    for score_id in demo.scoring:
        assert score_id in html
