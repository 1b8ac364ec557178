"""Genotype, chromosome and INFO parsing across the fast (simple call) and generic paths, against bcftools.

The fast path recognises the common haploid/diploid calls over alleles 0 and 1; everything else
(index 2 and up, multi-digit indices, ploidy above 2) takes the generic path. Both must give what the
documented rule gives on bcftools' view of the same records, and malformed calls must fail with the line.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.normalize import VcfFormatError, normalize_single
from genolake_annotation.normalize.genotype import SIMPLE_CALLS

from tests.unit.annotation.normalize_testlib import bcftools_rows, parquet_rows

HEADER = [
    "##fileformat=VCFv4.2",
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
    '##INFO=<ID=XAF,Number=A,Type=Float,Description="Not AF">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1",
]
# (REF, ALT) pairs: REF before ALT, REF after ALT (byte order), indels, symbolic and '*' alleles.
BIALLELIC = [("A", "G"), ("G", "A"), ("AT", "A"), ("C", "CTTG"), ("T", "*"), ("A", "<DEL>"), ("G", "<INS>")]
MULTI_CALLS = ["0/1", "1|0", "1/1", "0/2", "2|1", "2/2", "2", "./2", "1/2/3", "3|3|3|0", "0/0", "./.", "."]
TEN_ALTS = ",".join("ACGT"[i % 4] * (i + 1) for i in range(10))  # A,CC,GGG,... (11 alleles)
CHROMS = ["1", "chr2", "x", "chrX", "Y", "chry", "m", "MT", "chrMt", "CHRM", "chrUn_KI270302v1", "22"]


def _records() -> list[str]:
    records = []
    pos = 0
    for ref, alt in BIALLELIC:
        for call in [*SIMPLE_CALLS, "0/1/1", "1|1|0|0"]:
            pos += 10
            records.append(
                f"{CHROMS[pos // 10 % len(CHROMS)]}\t{pos}\t.\t{ref}\t{alt}\t30\tPASS\t.\tGT\t{call}"
            )
    for call in [*MULTI_CALLS, "0/1"]:
        pos += 10
        records.append(f"chr1\t{pos}\trs{pos}\tC\tT,A,<NON_REF>\t.\t.\tAF=0.1,.,0.3\tGT:DP\t{call}:{pos}")
    for call in ["10/0", "0|10", "10", "9/10", "1/10"]:
        pos += 10
        records.append(f"1\t{pos}\t.\tT\t{TEN_ALTS}\t5\tq10\tXAF=0.5\tGT:DP\t{call}:7")
    for call in ["0", "0/0", "./.", ".", "0|.", "0/0/0"]:  # ALT '.': only REF can be called
        pos += 10
        records.append(f"1\t{pos}\t.\tA\t.\t.\t.\tEND={pos + 5};AF=.\tGT\t{call}")
    return records


@pytest.fixture(scope="module")
def calls_vcf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gt") / "calls.vcf"
    path.write_text("\n".join([*HEADER, *_records()]) + "\n")
    return path


def test_every_call_matches_bcftools(calls_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    result = normalize_single(calls_vcf, out)
    expected = bcftools_rows(calls_vcf, "S1")
    assert parquet_rows(out) == expected
    assert result.records_out == len(_records())
    assert result.no_calls == sum(1 for row in expected if row[6] is None)


def test_info_af_and_end(calls_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    normalize_single(calls_vcf, out)
    frame = pl.read_parquet(out, columns=["start", "ref", "alts", "af", "end"])
    multi = frame.filter(pl.col("alts").list.len() == 3)
    assert multi.get_column("af").to_list() == [[0.1, None, 0.3]] * multi.height
    ten = frame.filter(pl.col("alts").list.len() == 10)
    assert ten.get_column("af").to_list() == [None] * ten.height  # XAF is not AF
    no_alt = frame.filter(pl.col("alts").list.len() == 0)
    assert no_alt.get_column("af").to_list() == [None] * no_alt.height  # AF=. is missing
    assert (no_alt.get_column("end") == no_alt.get_column("start") + 5).all()
    rest = frame.filter(pl.col("alts").list.len() > 0)
    expected_end = rest.get_column("start") + rest.get_column("ref").str.len_chars() - 1
    assert (rest.get_column("end") == expected_end).all()


@pytest.mark.parametrize(
    ("alt", "call"),
    [
        ("G", "2"),  # haploid index past the alleles
        ("G", "-1/0"),  # negative index
        ("G", "0/"),  # empty index
        ("G", "0/1a"),
        ("G", "1|0|2"),  # triploid past the alleles
        ("C,T", "0/3"),
        ("C,T", "3"),
        (".", "1"),  # no ALT
        (".", "./1"),
        (".", "0/1/0"),
    ],
)
def test_bad_calls_name_the_line(tmp_path: Path, alt: str, call: str) -> None:
    good = [f"1\t{pos}\t.\tA\tG\t30\tPASS\t.\tGT\t0/1" for pos in range(10, 60, 10)]
    vcf = tmp_path / "bad.vcf"
    vcf.write_text("\n".join([*HEADER, *good, f"1\t70\t.\tA\t{alt}\t30\tPASS\t.\tGT\t{call}", *good]) + "\n")
    with pytest.raises(VcfFormatError) as info:
        normalize_single(vcf, tmp_path / "o.parquet")
    assert (info.value.line, info.value.field) == (len(HEADER) + len(good) + 1, "FORMAT/GT")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.vcf"]
