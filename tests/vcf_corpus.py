"""Malformed VCFs, made at test time from real ones (never committed): each case is a broken copy of
the real `antku_small.vcf` (or the 1000 Genomes chr22 excerpt), where intake or the run must stop it
(`rejected`: the header already says, `failed`: the records do) and the words its error must contain.

CRLF line ends are the exception: normalization reads them exactly as LF (the normalize library's
documented rule, checked against bcftools), so that copy must succeed with the original's records."""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path

from genolake_annotation.normalize.builds import CHROM_LENGTHS


@dataclass(frozen=True)
class BadVcf:
    name: str
    path: Path
    expected: str  # words the rejection reason or run error must contain (case-insensitive)
    outcome: str  # rejected | failed | success
    sample: str | None = None  # the VCF sample the manifest selects (None: the only one)


def _split(vcf: Path) -> tuple[list[str], str, list[str]]:
    lines = vcf.read_text().splitlines(keepends=True)
    meta = [line for line in lines if line.startswith("##")]
    header = next(line for line in lines if line.startswith("#CHROM"))
    records = [line for line in lines if not line.startswith("#")]
    return meta, header, records


def _with_field(record: str, index: int, value: str) -> str:
    fields = record.rstrip("\n").split("\t")
    fields[index] = value
    return "\t".join(fields) + "\n"


def malformed_vcfs(antku: Path, chr22: Path, folder: Path) -> list[BadVcf]:
    folder.mkdir(parents=True, exist_ok=True)
    meta, header, records = _split(antku)
    good = "".join(meta) + header + "".join(records)

    def vcf(head: list[str], chrom_line: str, rows: list[str]) -> bytes:
        return ("".join(head) + chrom_line + "".join(rows)).encode()

    rng = random.Random(13)
    whole = gzip.compress(good.encode())
    short = [*records[:10], "\t".join(records[10].split("\t")[:6]) + "\n", *records[11:]]
    bad_pos = [*records[:20], _with_field(records[20], 1, "12x45"), *records[21:]]
    sample = header.rstrip("\n").split("\t")[-1]
    twin_header = header.rstrip("\n") + f"\t{sample}\n"
    twins = [record.rstrip("\n") + "\t" + record.rstrip("\n").split("\t")[-1] + "\n" for record in records]
    huge = [*records[:5], _with_field(records[5], 2, "rs" + "1" * 1_048_576), *records[6:]]
    mixed = [("chr" + record if index % 2 else record) for index, record in enumerate(records)]
    grch37 = CHROM_LENGTHS["GRCh37"]
    other_build = [
        f"##contig=<ID={name},length={grch37[name]}>\n" if (name := _contig_id(line)) in grch37 else line
        for line in meta
    ]
    cases: list[tuple[str, bytes, str, str]] = [  # name, bytes, words of the error, outcome
        ("truncated.vcf.gz", whole[: len(whole) // 2], "truncated file", "failed"),
        ("random.vcf", bytes(rng.randrange(256) for _ in range(4096)), "not a VCF", "rejected"),
        ("empty.vcf", b"", "empty input", "rejected"),
        ("header-only.vcf", vcf(meta, header, []), "no records", "rejected"),
        ("no-chrom-line.vcf", vcf(meta, "", records), "#CHROM line", "rejected"),
        ("wrong-columns.vcf", vcf(meta, header, short), "found 6", "failed"),
        ("bad-pos.vcf", vcf(meta, header, bad_pos), "POS must be an integer", "failed"),
        ("duplicate-samples.vcf", vcf(meta, twin_header, twins), "duplicate sample names", "rejected"),
        ("crlf.vcf", good.replace("\n", "\r\n").encode(), "", "success"),
        ("one-mb-line.vcf", vcf(meta, header, huge), "1 MiB", "failed"),
        ("mixed-chr.vcf", vcf(meta, header, mixed), "with and without 'chr'", "failed"),
        ("grch37-contigs.vcf", vcf(other_build, header, records), "header says GRCh37", "rejected"),
        ("grch37-positions.vcf.gz", chr22.read_bytes(), "the VCF is GRCh37", "failed"),
    ]
    result = []
    for name, data, expected, outcome in cases:
        path = folder / name
        path.write_bytes(data)
        result.append(BadVcf(name, path, expected, outcome, "HG00096" if "positions" in name else None))
    return result


def _contig_id(line: str) -> str | None:
    if not line.startswith("##contig=<ID="):
        return None
    return line[len("##contig=<ID=") :].split(",", 1)[0].rstrip(">\n")
