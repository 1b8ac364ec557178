"""`score_vcf`, the facade `genolake prs` and the prs_scores asset both call: a VCF is normalized and
scored like its normalized parquets are by `score_sample` (computed here from the same data)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from genolake_prs import PrsError, read_scoring_file, score_sample, score_vcf

from tests.unit.prs.prs_testlib import CHR22_SAMPLES


def test_a_vcf_scores_like_its_normalized_samples(
    chr22_vcf: Path, chr22_parquets: dict[str, Path], test_data: Path
) -> None:
    pgs = test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz"
    whole = score_vcf(vcf=chr22_vcf, scoring=[pgs], build="GRCh37")
    by_sample = pl.concat(
        [
            score_sample(parquet, [read_scoring_file(pgs)], sample=name, sample_build="GRCh37").scores
            for name, parquet in chr22_parquets.items()
        ]
    )
    assert whole.scores.sort("sample").equals(by_sample.sort("sample"))
    assert whole.match_log is not None and set(whole.match_log["sample"]) == set(CHR22_SAMPLES)

    one = score_vcf(vcf=chr22_vcf, scoring=[str(pgs)], sample="HG00099", build="GRCh37", keep_match_log=False)
    assert one.match_log is None
    assert one.scores.equals(by_sample.filter(pl.col("sample") == "HG00099"))

    parquet = score_vcf(normalized=chr22_parquets["HG00099"], scoring=[pgs], sample="renamed", build="GRCh37")
    assert parquet.scores.drop("sample").equals(one.scores.drop("sample"))
    assert parquet.scores["sample"].to_list() == ["renamed"]


def test_score_vcf_refuses_what_it_cannot_score(chr22_vcf: Path, test_data: Path, tmp_path: Path) -> None:
    pgs = test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz"
    with pytest.raises(PrsError, match="exactly one"):
        score_vcf(scoring=[pgs])
    with pytest.raises(PrsError, match="exactly one"):
        score_vcf(vcf=chr22_vcf, normalized=chr22_vcf, scoring=[pgs])
    with pytest.raises(PrsError, match="no scoring files"):
        score_vcf(vcf=chr22_vcf, scoring=[])
    with pytest.raises(PrsError, match="PGS000001: fetching a PGS Catalog score needs the genome build"):
        score_vcf(vcf=chr22_vcf, scoring=["PGS000001"])
    sites_only = tmp_path / "sites.vcf"
    sites_only.write_text(
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t10\t.\tA\tG\t.\t.\t.\n"
    )
    with pytest.raises(PrsError, match="no samples"):
        score_vcf(vcf=sites_only, scoring=[pgs])
