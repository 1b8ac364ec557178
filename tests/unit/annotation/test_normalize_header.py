"""read_vcf_header: header only, any compression, streams, build detection, bad input."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from genolake_annotation.normalize import VcfFormatError, read_vcf_header

from tests.unit.annotation.normalize_testlib import need, run


class NonSeekable(io.RawIOBase):
    """A forward-only stream, like an S3 streaming body."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def seek(self, *_: object) -> int:  # pragma: no cover - must not be called
        raise io.UnsupportedOperation("seek")

    def tell(self) -> int:  # pragma: no cover - must not be called
        raise io.UnsupportedOperation("tell")

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._inner.readinto(buffer)
        self.bytes_read += n
        return n


def bcftools_header(vcf: Path) -> list[str]:
    return run([need("bcftools"), "view", "-h", str(vcf)]).splitlines()


def test_antku_header_matches_bcftools(antku_vcf: Path) -> None:
    lines = bcftools_header(antku_vcf)
    header = read_vcf_header(antku_vcf)
    assert header.samples == lines[-1].split("\t")[9:]
    assert header.file_format == lines[0].split("=", 1)[1]
    contigs = dict(re.findall(r"^##contig=<ID=([^,>]+),length=(\d+)", "\n".join(lines), re.MULTILINE))
    assert header.contigs == {name: int(length) for name, length in contigs.items()}
    assert set(header.info_ids) == set(re.findall(r"^##INFO=<ID=([^,]+)", "\n".join(lines), re.MULTILINE))
    assert set(header.format_ids) == set(re.findall(r"^##FORMAT=<ID=([^,]+)", "\n".join(lines), re.MULTILINE))
    assert header.compression == "none"
    raw_lines = antku_vcf.read_text().splitlines()
    assert raw_lines[header.header_lines - 1].startswith("#CHROM")


def test_build_detection_from_contig_lengths(antku_vcf: Path) -> None:
    header = read_vcf_header(antku_vcf)
    # antku's chr1 contig is 248956422 long: the GRCh38 length.
    assert header.contigs["1"] == 248956422
    assert (header.detected_build, header.build_source) == ("GRCh38", "contigs")


def test_chr22_header_has_no_build_evidence(chr22_vcf: Path) -> None:
    """The 1000G file has no ##contig/##reference lines: its header cannot tell the build (the
    normalization then uses positions, see test_normalize_core)."""
    header = read_vcf_header(chr22_vcf)
    text = "\n".join(bcftools_header(chr22_vcf))
    assert "##contig" not in text and "##reference" not in text
    assert header.detected_build is None
    assert header.compression == "bgzip"
    assert header.samples == bcftools_header(chr22_vcf)[-1].split("\t")[9:]
    assert "AF" in header.info_ids


@pytest.mark.parametrize(
    ("lines", "build"),
    [
        (["##contig=<ID=chr1,length=249250621>", "##contig=<ID=chr22,length=51304566>"], "GRCh37"),
        (["##contig=<ID=chr1,length=248956422>"], "GRCh38"),
        (["##reference=file:///ref/hs37d5.fa"], "GRCh37"),
        (["##reference=GRCh38_full_analysis_set.fa"], "GRCh38"),
        (["##assembly=hg19"], "GRCh37"),
        # contig lengths win over a stale ##reference line
        (["##reference=GRCh38", "##contig=<ID=1,length=249250621>"], "GRCh37"),
        # conflicting contigs: undetectable
        (["##contig=<ID=1,length=249250621>", "##contig=<ID=2,length=242193529>"], None),
        (["##contig=<ID=1>"], None),
    ],
)
def test_build_detection_rules(tmp_path: Path, lines: list[str], build: str | None) -> None:
    vcf = tmp_path / "b.vcf"
    vcf.write_text(
        "\n".join(["##fileformat=VCFv4.2", *lines, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]) + "\n"
    )
    assert read_vcf_header(vcf).detected_build == build


@pytest.mark.parametrize("kind", ["plain", "gzip", "bgzip"])
def test_header_from_any_compression_and_nonseekable_stream(
    antku_vcf: Path, compressed: Callable[[Path, str], Path], kind: str
) -> None:
    path = compressed(antku_vcf, kind)
    expected = read_vcf_header(antku_vcf)
    from_path = read_vcf_header(path)
    stream = NonSeekable(path.read_bytes())
    from_stream = read_vcf_header(stream)  # type: ignore[arg-type]
    assert from_path.compression == from_stream.compression == kind.replace("plain", "none")
    strip = {"compression"}
    assert from_path.model_dump(exclude=strip) == expected.model_dump(exclude=strip)
    assert from_stream.model_dump(exclude=strip) == expected.model_dump(exclude=strip)


def test_header_reading_stops_at_chrom(chr22_vcf: Path) -> None:
    """Reading a 10k-record file's header must not read the records."""
    plain = read_vcf_header(chr22_vcf)
    import gzip

    data = gzip.decompress(chr22_vcf.read_bytes())
    stream = NonSeekable(data)
    read_vcf_header(stream)  # type: ignore[arg-type]
    header_bytes = sum(len(line) + 1 for line in data.split(b"\n")[: plain.header_lines])
    assert stream.bytes_read < header_bytes + 256 * 1024 < len(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty input"),
        (b"chrom,pos,ref\n1,2,A\n", "##fileformat"),
        (b"##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Integer>\n", "#CHROM"),
        (b"##fileformat=VCFv4.2\n1\t10\t.\tA\tG\t.\t.\t.\n", "line 2"),
        (b"##fileformat=VCFv4.2\n#CHROM POS ID REF ALT QUAL FILTER INFO\n", "#CHROM"),
        (b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\n", "no sample"),
        (b"##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\ta\n", "duplicate"),
        (b"BZh91AY&SY", "bzip2"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a VCF"),
    ],
)
def test_bad_headers(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.vcf"
    path.write_bytes(content)
    with pytest.raises(VcfFormatError, match=re.escape(message)):
        read_vcf_header(path)
    with pytest.raises(ValueError, match=re.escape(message)):
        read_vcf_header(io.BytesIO(content))
