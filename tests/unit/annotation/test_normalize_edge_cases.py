"""Hand-built VCFs (written at test time) for the rules and the errors."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.normalize import (
    NormalizeSettings,
    VcfFormatError,
    normalize_single,
    normalize_vcf,
    read_vcf_header,
)

from tests.unit.annotation.normalize_testlib import bcftools_rows, expected_chrom, parquet_rows

HEADER = [
    "##fileformat=VCFv4.2",
    '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Quality">',
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=MIN_DP,Number=1,Type=Integer,Description="Min depth">',
    '##FILTER=<ID=q10,Description="Low quality">',
    '##FILTER=<ID=LowQual,Description="Low quality">',
    '##ALT=<ID=NON_REF,Description="Any other allele">',
    '##ALT=<ID=DEL,Description="Deletion">',
    "##contig=<ID=chr1,length=248956422>",
    "##contig=<ID=CHR2,length=242193529>",
    "##contig=<ID=Chr3,length=198295559>",
    "##contig=<ID=chrX,length=156040895>",
    "##contig=<ID=chrM,length=16569>",
    "##contig=<ID=chrUn_KI270302v1,length=2274>",
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
]

RECORDS = [
    # multi-id: first rs id; FORMAT DP in third place; S2 partial call
    "chr1\t100\tesv9;rs11;rs12\tA\tG\t50\tPASS\tDP=30;AF=0.5\tGT:GQ:DP\t0/1:40:12\t./1:20:3",
    # multi-allelic; MIN_DP must not be mistaken for DP; S2 without FORMAT DP -> INFO DP
    "CHR2\t200\trs2\tA\tC,T\t10\tq10\tAF=0.1,.;DP=44\tGT:MIN_DP:DP\t1/2:1:8\t1|1:2",
    # gVCF reference block
    "Chr3\t300\t.\tC\t<NON_REF>\t.\t.\tEND=400\tGT:DP\t0/0:15\t0/0:16",
    # haploid X; S2 completely missing ('.'); DP only in INFO
    "chrX\t400\t.\tG\tT\t.\t.\tDP=7\tGT\t1\t.",
    # spanning deletion '*'; no-call
    "chrM\t500\t.\tT\t*,C\t30\tPASS\t.\tGT:DP\t1/2:9\t./.:9",
    # symbolic allele; phased hom-ref
    "chrUn_KI270302v1\t600\t.\tA\t<DEL>\t99\tPASS\tSVLEN=-10;END=609\tGT\t0/1\t0|0",
    # gVCF variant record with <NON_REF> next to a real allele: kept
    "chr1\t700\t.\tA\tG,<NON_REF>\t20.5\tLowQual;q10\t.\tGT:DP\t0/1:5\t0/2:.",
    # ALT '.': monomorphic site; FORMAT without GT
    "chr1\t800\trs8\tA\t.\t.\tPASS\t.\tDP\t4\t6",
    # triploid calls (generic path)
    "chr1\t900\t.\tA\tC,T\t40\tPASS\t.\tGT\t2/1/0\t1|1|.",
]


def write_vcf(path: Path, records: list[str], header: list[str] = HEADER, newline: str = "\n") -> Path:
    path.write_text(newline.join([*header, *records]) + newline)
    return path


@pytest.fixture
def edge_vcf(tmp_path: Path) -> Path:
    return write_vcf(tmp_path / "edge.vcf", RECORDS)


@pytest.mark.parametrize("sample", ["S1", "S2"])
def test_edge_cases_match_bcftools(edge_vcf: Path, tmp_path: Path, sample: str) -> None:
    out = tmp_path / f"{sample}.parquet"
    result = normalize_single(edge_vcf, out, sample=sample, settings=NormalizeSettings(drop_ref_blocks=False))
    expected = bcftools_rows(edge_vcf, sample)
    # bcftools prints '.' as the GT of a record whose FORMAT has no GT; the library writes null there
    no_gt = {int(r.split("\t")[1]) for r in RECORDS if not r.split("\t")[8].startswith("GT")}
    expected = [(*row[:5], None, *row[6:]) if row[1] in no_gt else row for row in expected]
    assert parquet_rows(out) == expected
    assert result.ref_blocks == 1 and result.records_out == len(RECORDS)


def test_edge_case_rules(edge_vcf: Path, tmp_path: Path) -> None:
    outputs = {"S1": tmp_path / "s1.parquet", "S2": tmp_path / "s2.parquet"}
    results = normalize_vcf(edge_vcf, outputs)
    s1 = {row["start"]: row for row in pl.read_parquet(outputs["S1"]).iter_rows(named=True)}
    s2 = {row["start"]: row for row in pl.read_parquet(outputs["S2"]).iter_rows(named=True)}
    raw_chroms = {line.split("\t")[0] for line in RECORDS if not line.startswith("Chr3")}
    assert {row["chrom"] for row in s1.values()} == {expected_chrom(c) for c in raw_chroms}
    assert {"1", "2", "X", "MT", "Un_KI270302v1"} == {row["chrom"] for row in s1.values()}
    # the reference block is dropped and counted
    assert 300 not in s1 and results["S1"].filtered == {"ref_block": 1}
    assert results["S1"].records_in == len(RECORDS) == results["S1"].records_out + 1
    # ids / rsid
    assert (s1[100]["rsid"], s1[100]["ids"]) == ("rs11", ["esv9", "rs11", "rs12"])
    assert (s1[500]["rsid"], s1[500]["ids"]) == (None, [])
    # alts as written, '.' -> []
    assert s1[200]["alts"] == ["C", "T"] and s1[800]["alts"] == []
    assert s1[700]["alts"] == ["G", "<NON_REF>"]
    # genotypes
    assert s1[100]["genotype"] == ["A", "G"] and s2[100]["genotype"] == ["G"]
    assert s1[200]["genotype"] == ["C", "T"] and s2[200]["genotype"] == ["C", "C"]
    assert (s1[400]["gt"], s1[400]["genotype"]) == ("1", ["T"])
    assert (s2[400]["gt"], s2[400]["genotype"]) == (".", None)
    assert s1[500]["genotype"] == ["*", "C"] and s2[500]["genotype"] is None
    assert s1[600]["genotype"] == ["<DEL>", "A"] and s2[600]["genotype"] == ["A", "A"]
    assert s2[700]["genotype"] == ["<NON_REF>", "A"]
    assert (s1[800]["gt"], s1[800]["genotype"]) == (None, None)
    assert s1[900]["genotype"] == ["A", "C", "T"] and s2[900]["genotype"] == ["C", "C"]
    assert results["S2"].no_calls == sum(1 for row in s2.values() if row["genotype"] is None) == 3
    # depth: FORMAT DP wherever it sits, else INFO DP; MIN_DP ignored
    assert (s1[100]["dp"], s2[100]["dp"]) == (12, 3)
    assert (s1[200]["dp"], s2[200]["dp"]) == (8, 44)
    assert (s1[400]["dp"], s2[400]["dp"]) == (7, 7)
    assert (s1[700]["dp"], s2[700]["dp"]) == (5, None)
    assert (s1[800]["dp"], s2[800]["dp"]) == (4, 6)
    # filter, qual, af, end
    assert s1[700]["filter"] == "LowQual;q10" and s1[700]["qual"] == 20.5 and s1[400]["qual"] is None
    assert s1[400]["filter"] is None
    assert s1[100]["af"] == [0.5] and s1[200]["af"] == [0.1, None] and s1[800]["af"] is None
    assert s1[600]["end"] == 609 and s1[100]["end"] == 100


def test_filters_on_multi_value_and_missing_filter(edge_vcf: Path, tmp_path: Path) -> None:
    def kept(filters: set[str]) -> set[int]:
        out = tmp_path / "f.parquet"
        normalize_single(edge_vcf, out, sample="S1", settings=NormalizeSettings(filters=frozenset(filters)))
        return set(pl.read_parquet(out)["start"])

    fields = [r.split("\t") for r in RECORDS]
    filters = {int(f[1]): f[6].split(";") for f in fields if f[4] != "<NON_REF>"}  # ref block dropped
    for wanted in ({"PASS"}, {"q10"}, {"."}, {"PASS", "."}, {"LowQual"}):
        assert kept(wanted) == {pos for pos, values in filters.items() if set(values) & wanted}, wanted


def test_keep_ref_blocks(edge_vcf: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    result = normalize_single(edge_vcf, out, sample="S1", settings=NormalizeSettings(drop_ref_blocks=False))
    row = pl.read_parquet(out).filter(pl.col("start") == 300).row(0, named=True)
    assert (row["alts"], row["end"], row["genotype"]) == (["<NON_REF>"], 400, ["C", "C"])
    assert result.filtered == {} and result.ref_blocks == 1


def test_deepvariant_style_ref_block(tmp_path: Path) -> None:
    """DeepVariant gVCFs use <*> for reference blocks."""
    vcf = write_vcf(
        tmp_path / "dv.vcf",
        [
            "chr1\t10\t.\tA\t<*>\t0\t.\tEND=20\tGT:DP\t0/0:30\t0/0:31",
            "chr1\t21\t.\tA\tG,<*>\t5\tPASS\t.\tGT\t0/1\t1/1",
        ],
    )
    result = normalize_single(vcf, tmp_path / "o.parquet", sample="S1")
    assert result.filtered == {"ref_block": 1} and result.records_out == 1


def test_crlf_line_endings(tmp_path: Path) -> None:
    unix = normalize_single(write_vcf(tmp_path / "u.vcf", RECORDS), tmp_path / "u.parquet", sample="S2")
    dos = normalize_single(
        write_vcf(tmp_path / "d.vcf", RECORDS, newline="\r\n"), tmp_path / "d.parquet", sample="S2"
    )
    assert parquet_rows(dos.output) == parquet_rows(unix.output)
    assert read_vcf_header(tmp_path / "d.vcf").samples == ["S1", "S2"]


def test_empty_vcf(tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path / "empty.vcf", [])
    out = tmp_path / "o.parquet"
    result = normalize_single(vcf, out, sample="S1")
    assert (result.records_in, result.records_out) == (0, 0)
    assert pl.read_parquet(out).height == 0


# --- malformed records: the error names the line and the field; nothing is left behind ----------------

BAD_RECORDS = [
    ("chr1\t1x0\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\t0/0", "POS"),
    ("chr1\t100\t.\tA\tG\tfifty\tPASS\t.\tGT\t0/1\t0/0", "QUAL"),
    ("chr1\t100\t.\tA\tG\t50\tPASS\tDP=many\tGT\t0/1\t0/0", "INFO/DP"),
    ("chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/3\t0/0", "FORMAT/GT"),
    ("chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/x\t0/0", "FORMAT/GT"),
    ("chr1\t100\t.\tA\tC,T\t50\tPASS\t.\tGT\t1/3\t0/0", "FORMAT/GT"),  # multi-allelic, out of range
    ("chr1\t100\t.\tA\tC,T\t50\tPASS\t.\tGT\t0/1/3\t0/0", "FORMAT/GT"),  # triploid, out of range
    ("chr1\t100\t.\tA\t.\t50\tPASS\t.\tGT\t0/1\t0/0", "FORMAT/GT"),  # no ALT but GT 1
    ("chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT:DP\t0/1:ten\t0/0:1", "FORMAT/DP"),
    ("chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1", "columns"),  # one column short
    ("chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\t0/0\t1/1", "columns"),  # one column too many
    ("chr1\t100\t.\tA\tG\t50\tPASS", "columns"),  # truncated mid-record
    ("chr1 100 . A G 50 PASS . GT 0/1 0/0", "columns"),  # spaces instead of tabs
    ("#chr1\t100\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\t0/0", "columns"),  # a '#' line among the records
    ('##INFO=<ID=X,Number=1,Type=Integer,Description="late">', "columns"),  # a meta line after #CHROM
]


@pytest.mark.parametrize(("bad", "field"), BAD_RECORDS)
def test_malformed_record_names_line_and_field(tmp_path: Path, bad: str, field: str) -> None:
    records = [*RECORDS[:3], bad, *RECORDS[3:]]
    vcf = write_vcf(tmp_path / "bad.vcf", records)
    bad_line = vcf.read_text().splitlines().index(bad) + 1
    out_dir = tmp_path / "out"
    with pytest.raises(VcfFormatError) as info:
        normalize_vcf(vcf, {"S1": out_dir / "s1.parquet", "S2": out_dir / "s2.parquet"})
    assert (info.value.line, info.value.field) == (bad_line, field)
    assert f"line {bad_line}" in str(info.value) and field in str(info.value)
    assert list(out_dir.iterdir()) == []  # no output, no temporary or scratch file


def test_truncated_last_line_without_newline(tmp_path: Path) -> None:
    vcf = tmp_path / "cut.vcf"
    text = "\n".join([*HEADER, *RECORDS]) + "\n"
    vcf.write_text(text[: text.rindex("\t")])  # file cut in the middle of the last record
    with pytest.raises(VcfFormatError) as info:
        normalize_single(vcf, tmp_path / "o.parquet", sample="S1")
    assert (info.value.line, info.value.field) == (len(HEADER) + len(RECORDS), "columns")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.vcf"]


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join([*HEADER, *RECORDS * 2000]) + "\n").encode())
    vcf = tmp_path / "cut.vcf.gz"
    vcf.write_bytes(data[: len(data) // 2])
    with pytest.raises(VcfFormatError, match=re.compile("truncated|decompress|line", re.IGNORECASE)):
        normalize_single(vcf, tmp_path / "o.parquet", sample="S1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.vcf.gz"]


def test_only_requested_samples_are_checked(tmp_path: Path) -> None:
    """A bad GT in S2 does not stop normalizing S1 (S2's column is never parsed)."""
    vcf = write_vcf(tmp_path / "v.vcf", [*RECORDS, "chr1\t900\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\t0/7"])
    result = normalize_single(vcf, tmp_path / "o.parquet", sample="S1")
    assert result.records_in == len(RECORDS) + 1
    with pytest.raises(VcfFormatError, match="S2"):
        normalize_single(vcf, tmp_path / "o.parquet", sample="S2")


def test_duplicate_output_paths(edge_vcf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="share an output"):
        normalize_vcf(edge_vcf, {"S1": tmp_path / "o.parquet", "S2": tmp_path / "o.parquet"})


def test_sites_only_vcf_has_no_sample(tmp_path: Path) -> None:
    header = [line for line in HEADER if not line.startswith("#CHROM")]
    header.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    vcf = write_vcf(tmp_path / "sites.vcf", ["\t".join(r.split("\t")[:8]) for r in RECORDS], header=header)
    assert read_vcf_header(vcf).samples == []
    with pytest.raises(VcfFormatError, match="sites-only"):
        normalize_single(vcf, tmp_path / "o.parquet")
    with pytest.raises(VcfFormatError, match="'S1'.*sites-only"):
        normalize_vcf(vcf, {"S1": tmp_path / "o.parquet"})


def test_outputs_in_several_directories(edge_vcf: Path, tmp_path: Path) -> None:
    outputs = {"S1": tmp_path / "a" / "s1.parquet", "S2": tmp_path / "b" / "c" / "s2.parquet"}
    results = normalize_vcf(edge_vcf, outputs)
    for sample, out in outputs.items():
        assert sorted(out.parent.iterdir()) == [out]
        assert pl.read_parquet(out).height == results[sample].records_out


def test_the_header_says_whether_records_follow(tmp_path: Path) -> None:
    assert read_vcf_header(write_vcf(tmp_path / "h.vcf", [])).has_records is False
    assert read_vcf_header(write_vcf(tmp_path / "b.vcf", ["", ""])).has_records is False  # blank lines only
    assert read_vcf_header(write_vcf(tmp_path / "r.vcf", RECORDS)).has_records is True
    gz = tmp_path / "r.vcf.gz"
    gz.write_bytes(gzip.compress((tmp_path / "r.vcf").read_bytes()))
    assert read_vcf_header(gz).has_records is True


def test_a_record_line_of_one_mib_is_refused(tmp_path: Path) -> None:
    huge = RECORDS[0].replace("esv9;rs11;rs12", "rs" + "1" * (1 << 20), 1)
    vcf = write_vcf(tmp_path / "huge.vcf", [RECORDS[3], huge])
    with pytest.raises(VcfFormatError) as info:
        normalize_single(vcf, tmp_path / "o.parquet", sample="S1")
    assert info.value.line == len(HEADER) + 2 and "1 MiB" in str(info.value)
    assert not (tmp_path / "o.parquet").exists()


def test_chromosome_naming_is_counted(edge_vcf: Path, tmp_path: Path) -> None:
    result = normalize_single(edge_vcf, tmp_path / "o.parquet", sample="S1")
    primary = {*(str(n) for n in range(1, 23)), "X", "Y", "MT"}
    chroms = [line.split("\t")[0] for line in RECORDS]
    prefixed = sum(1 for c in chroms if expected_chrom(c) in primary and c.lower().startswith("chr"))
    bare = sum(1 for c in chroms if expected_chrom(c) in primary and not c.lower().startswith("chr"))
    assert result.chrom_naming == {"chr": prefixed, "bare": bare}
    assert prefixed > 0 and bare == 0
