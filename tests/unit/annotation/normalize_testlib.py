"""Test helpers for genolake_annotation.normalize: expectations from `bcftools query`, computed at test time.

The helpers apply the documented output rules to bcftools' view of the VCF (independently of the
library's polars code), so tests compare the library with htslib's parsing rather than with typed values.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from genolake_core.chromosomes import normalize_chrom

QUERY_FIXED = r"%CHROM\t%POS\t%ID\t%REF\t%ALT\t%FILTER\t%QUAL\t[%GT]"
COMPARED = ("chrom", "start", "rsid", "ref", "alts", "gt", "genotype", "filter", "qual", "dp")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} not installed")
    return path


def run(args: list[str]) -> str:
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return done.stdout


def expected_chrom(raw: str) -> str:
    """The documented naming rule (genolake_core.chromosomes), applied to bcftools' CHROM."""
    return normalize_chrom(raw)


def expected_genotype(gt: str, ref: str, alts: list[str]) -> list[str] | None:
    alleles = [ref, *alts]
    called = [alleles[int(i)] for i in re.split(r"[/|]", gt) if i not in (".", "")]
    return sorted(called) or None


def _missing(value: str) -> str | None:
    return None if value == "." else value


def bcftools_rows(vcf: Path, sample: str) -> list[tuple[object, ...]]:
    """The rows the normalized parquet of `sample` should have (no filtering), in file order."""
    bcftools = need("bcftools")
    header = run([bcftools, "view", "-h", str(vcf)])
    # bcftools refuses tags the header does not declare: ask only for declared DPs.
    fmt = QUERY_FIXED
    fmt += r"\t[%DP]" if "##FORMAT=<ID=DP," in header else r"\t."
    fmt += r"\t%INFO/DP" if "##INFO=<ID=DP," in header else r"\t."
    out = run([bcftools, "query", "-s", sample, "-f", fmt + r"\n", str(vcf)])
    rows = []
    for line in out.splitlines():
        chrom, pos, ident, ref, alt, filt, qual, gt, dp, info_dp = line.split("\t")
        alts = [] if alt == "." else alt.split(",")
        rs = [i for i in ident.split(";") if re.fullmatch(r"rs[0-9]+", i)]
        depth = _missing(dp) or _missing(info_dp)
        rows.append(
            (
                expected_chrom(chrom),
                int(pos),
                rs[0] if rs else None,
                ref,
                alts,
                gt,
                expected_genotype(gt, ref, alts),
                _missing(filt),
                None if qual == "." else float(qual),
                None if depth is None else int(depth),
            )
        )
    return rows


def parquet_rows(path: Path) -> list[tuple[object, ...]]:
    return list(pl.read_parquet(path).select(COMPARED).iter_rows())


def bcftools_count(vcf: Path, *args: str) -> int:
    """Number of records `bcftools view -H ARGS` prints."""
    bcftools = need("bcftools")
    return len(run([bcftools, "view", "-H", *args, str(vcf)]).splitlines())
