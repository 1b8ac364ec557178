"""One chromosome naming rule for every library: the VCF normalizer, PGS scoring files and module specs.

Before the rule had one home, the normalizer kept `23` while scoring files turned it into `X`, so a
VCF naming X as 23 matched no X variant of a PGS score (issue #14).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import load_spec
from genolake_annotation.normalize import normalize_single
from genolake_core.chromosomes import PRIMARY, normalize_chrom
from genolake_prs import PrsSettings, score_sample
from genolake_prs.scoring_file import parse_scoring_text

# The spellings VCFs, PGS files and plink use for one chromosome, and the name the platform keeps.
SPELLINGS = {
    "chrX": "X",
    "X": "X",
    "x": "X",
    "23": "X",
    "chr23": "X",
    "chrY": "Y",
    "Y": "Y",
    "24": "Y",
    "chrM": "MT",
    "chrMT": "MT",
    "MT": "MT",
    "M": "MT",
    "26": "MT",
    "chr1": "1",
    "CHR1": "1",
    "Chr7": "7",
    "22": "22",
    "chrUn_gl000220": "Un_gl000220",
}
PRIMARY_NAMES = PRIMARY
PRIMARY_SPELLINGS = {spelling: name for spelling, name in SPELLINGS.items() if not name.startswith("Un")}


def test_the_rule() -> None:
    assert {spelling: normalize_chrom(spelling) for spelling in SPELLINGS} == SPELLINGS
    assert set(PRIMARY_SPELLINGS.values()) <= PRIMARY_NAMES


def _vcf(path: Path, chroms: list[str]) -> Path:
    lines = [
        "##fileformat=VCFv4.2",
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
    ]
    lines += [f"{chrom}\t{1000 + i}\t.\tA\tG\t.\tPASS\t.\tGT\t0/1" for i, chrom in enumerate(chroms)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_normalizer_names_chromosomes_by_the_rule(tmp_path: Path) -> None:
    vcf = _vcf(tmp_path / "spellings.vcf", list(SPELLINGS))
    normalize_single(vcf, tmp_path / "out.parquet")
    assert pl.read_parquet(tmp_path / "out.parquet")["chrom"].to_list() == list(SPELLINGS.values())


def test_scoring_files_name_chromosomes_by_the_rule(tmp_path: Path) -> None:
    rows = "".join(f"{chrom}\t{1000 + i}\tG\tA\t0.5\n" for i, chrom in enumerate(SPELLINGS))
    text = "#pgs_id=PGS_TEST\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n" + rows
    scoring = parse_scoring_text(text.encode(), path=tmp_path / "score.txt")
    assert scoring.variants["chrom"].to_list() == list(SPELLINGS.values())


def test_module_specs_name_chromosomes_by_the_rule(tmp_path: Path) -> None:
    (tmp_path / "module_spec.yaml").write_text(
        textwrap.dedent(
            """\
            schema_version: "1.0"
            module:
              name: chrom_names
            genome_build: GRCh38
            """
        )
    )
    header = "rsid,chrom,start,ref,alts,genotype,weight,state,conclusion,gene,phenotype,category\n"
    spellings = list(PRIMARY_SPELLINGS)
    rows = "".join(f"rs{100 + i},{c},{1000 + i},A,G,A/G,1,risk,c,G,p,cat\n" for i, c in enumerate(spellings))
    (tmp_path / "variants.csv").write_text(header + rows)
    spec = load_spec(tmp_path)
    assert [row.chrom for row in spec.variants] == list(PRIMARY_SPELLINGS.values())


@pytest.mark.parametrize("vcf_chrom", ["23", "chr23", "chrX", "X"])
def test_a_vcf_naming_x_as_23_matches_the_x_variants_of_a_score(tmp_path: Path, vcf_chrom: str) -> None:
    vcf = _vcf(tmp_path / "x.vcf", [vcf_chrom])
    normalize_single(vcf, tmp_path / "x.parquet")
    text = (
        "#pgs_id=PGS_X\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
        "X\t1000\tG\tA\t0.5\n"
    )
    scoring = parse_scoring_text(text.encode(), path=tmp_path / "x.txt")
    result = score_sample(tmp_path / "x.parquet", [scoring], settings=PrsSettings(min_overlap=0))
    row = result.scores.row(0, named=True)
    assert row["variants_matched"] == row["variants_total"]
    assert row["score_sum"] == scoring.variants["effect_weight"].sum()  # one G copy of a 0/1 call
