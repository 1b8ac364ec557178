"""Fixtures for the PRS tests: normalized chr22 genotypes, VCF sites, and a plink2 runner.

Everything is computed at test time from the shipped data (tests/data, examples); no expected
number is typed in.
"""

from __future__ import annotations

import gzip
import random
import subprocess
from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from tests.unit.prs.prs_testlib import CHR22_SAMPLES, PlinkRunner, need_tool, normalize_all


@pytest.fixture(scope="session")
def chr22_parquets(chr22_vcf: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One normalized parquet per sample of the chr22 VCF."""
    return normalize_all(chr22_vcf, tmp_path_factory.mktemp("chr22_norm"), CHR22_SAMPLES)


@pytest.fixture(scope="session")
def chr22_sites(chr22_vcf: Path) -> pl.DataFrame:
    """CHROM, POS, ID, REF, ALT of every chr22 record (bcftools query)."""
    bcftools = need_tool("bcftools")
    out = subprocess.run(
        [bcftools, "query", "-f", "%CHROM\t%POS\t%ID\t%REF\t%ALT\n", str(chr22_vcf)],
        check=True,
        capture_output=True,
    ).stdout
    rows = [line.split("\t") for line in out.decode().splitlines()]
    return pl.DataFrame(
        rows,
        schema={"chrom": pl.String, "pos": pl.String, "id": pl.String, "ref": pl.String, "alt": pl.String},
        orient="row",
    ).with_columns(pl.col("pos").cast(pl.Int64))


@pytest.fixture(scope="session")
def chr22_missing_vcf(chr22_vcf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chr22 VCF with about 4% of genotypes set missing (``.|.``) and 1% half-missing
    (``0|.``), seeded; plain text so plink2 and the normalizer read the same file."""
    rng = random.Random(22)
    out = tmp_path_factory.mktemp("chr22_missing") / "chr22_missing.vcf"
    with gzip.open(chr22_vcf, "rt") as src, out.open("w") as dst:
        for line in src:
            if line.startswith("#"):
                dst.write(line)
                continue
            fields = line.rstrip("\n").split("\t")
            for i in range(9, len(fields)):
                draw = rng.random()
                parts = fields[i].split(":")
                if draw < 0.04:
                    parts[0] = ".|."
                elif draw < 0.05:
                    parts[0] = parts[0][0] + "|."
                fields[i] = ":".join(parts)
            dst.write("\t".join(fields) + "\n")
    return out


@pytest.fixture(scope="session")
def chr22_missing_parquets(
    chr22_missing_vcf: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    return normalize_all(chr22_missing_vcf, tmp_path_factory.mktemp("chr22_missing_norm"), CHR22_SAMPLES)


@pytest.fixture(scope="session")
def plink2_score(tmp_path_factory: pytest.TempPathFactory) -> PlinkRunner:
    """Run ``plink2 --score`` (IDs set to CHROM:POS:REF:ALT, missing genotypes count 0) and return
    {IID: W_SUM (the score sum) as printed}. ``rows`` are (ID, A1, weight) triples."""
    plink2 = need_tool("plink2")
    workdir = tmp_path_factory.mktemp("plink2")
    counter = iter(range(1_000_000))

    def run(vcf: Path, rows: Sequence[tuple[str, str, float]], *modifiers: str) -> dict[str, str]:
        n = next(counter)
        score_file = workdir / f"score{n}.tsv"
        score_file.write_text(
            "ID\tA1\tW\n" + "".join(f"{vid}\t{a1}\t{weight!r}\n" for vid, a1, weight in rows)
        )
        prefix = workdir / f"run{n}"
        proc = subprocess.run(
            [
                plink2,
                "--vcf",
                str(vcf),
                "--vcf-half-call",
                "missing",  # our rule: a call with any '.' is missing
                "--set-all-var-ids",
                "@:#:$r:$a",
                "--new-id-max-allele-len",
                "10000",
                "--score",
                str(score_file),
                "1",
                "2",
                "3",
                "header-read",
                "no-mean-imputation",
                "cols=+scoresums",
                *modifiers,
                "--threads",
                "1",
                "--out",
                str(prefix),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"plink2 failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        table = pl.read_csv(prefix.with_suffix(".sscore"), separator="\t", infer_schema=False)
        # header-read names the score column after the weight column: W -> W_SUM
        return dict(zip(table["#IID"].to_list(), table["W_SUM"].to_list(), strict=True))

    return run
