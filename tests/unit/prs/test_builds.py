"""Genome builds: names, detection from VCF headers, and refusing mismatches."""

from __future__ import annotations

from pathlib import Path

import pytest
from genolake_prs import (
    BuildMismatchError,
    PrsSettings,
    detect_vcf_build,
    normalize_build,
    read_scoring_file,
    score_sample,
)
from genolake_prs.genome_build import read_vcf_header


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("GRCh37", "GRCh37"),
        ("hg19", "GRCh37"),
        ("GRCh37.p13", "GRCh37"),
        ("hs37d5", "GRCh37"),
        ("GRCh38", "GRCh38"),
        ("hg38", "GRCh38"),
        ("GRCh38.p14", "GRCh38"),
        ("NCBI36", "NCBI36"),
        ("hg18", "NCBI36"),
        ("NR", None),
        ("", None),
        (None, None),
        ("CHM13", None),
    ],
)
def test_normalize_build(name: str | None, build: str | None) -> None:
    assert normalize_build(name) == build


def test_detect_vcf_build(antku_vcf: Path, chr22_vcf: Path, tmp_path: Path) -> None:
    assert detect_vcf_build(antku_vcf) == "GRCh38"  # contig lengths
    assert detect_vcf_build(chr22_vcf) is None  # no contig lines, no ##reference
    _meta, samples = read_vcf_header(chr22_vcf)
    assert samples == ["HG00096", "HG00097", "HG00099", "HG00100", "HG00101"]
    hg19 = tmp_path / "hg19.vcf"
    hg19.write_text(
        "##fileformat=VCFv4.2\n##reference=file:///refs/hg19.fa\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    )
    assert detect_vcf_build(hg19) == "GRCh37"


def test_build_mismatch_refused(test_data: Path, chr22_parquets: dict[str, Path]) -> None:
    grch38 = read_scoring_file(test_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz")
    grch37 = read_scoring_file(test_data / "pgs" / "PGS000002_hmPOS_GRCh37.txt.gz")
    sample = chr22_parquets["HG00096"]
    with pytest.raises(BuildMismatchError) as info:
        score_sample(sample, [grch37, grch38], sample_build="GRCh37")
    message = str(info.value)
    assert "PGS000001" in message and "GRCh38" in message and "GRCh37" in message
    assert "PGS000002" not in message
    # the sample's build also comes from the normalizer's metadata (GRCh37, from positions)
    with pytest.raises(BuildMismatchError, match="PGS000001"):
        score_sample(sample, [grch38])
    # aliases are the same build
    assert score_sample(sample, [grch37], sample_build="hg19").scores["sample_build"].item() == "GRCh37"
    with pytest.raises(BuildMismatchError, match="unrecognized"):
        score_sample(sample, [grch37], sample_build="GRCh99")


def test_unknown_build_only_refused_when_required(chr22_parquets: dict[str, Path], tmp_path: Path) -> None:
    custom = tmp_path / "custom.txt"
    custom.write_text(
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n22\t50300078\tG\tA\t1\n"
    )
    sf = read_scoring_file(custom)
    assert sf.build is None
    row = score_sample(chr22_parquets["HG00096"], [sf]).scores.row(0, named=True)
    assert row["score_build"] is None and row["sample_build"] == "GRCh37"
    with pytest.raises(BuildMismatchError, match="require_build"):
        score_sample(chr22_parquets["HG00096"], [sf], settings=PrsSettings(require_build=True))
