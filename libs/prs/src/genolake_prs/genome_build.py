"""Genome builds: normalizing their names and detecting a VCF's build from its header.

Rules:
- Aliases map onto three canonical names: ``GRCh37`` (hg19, b37, hs37d5, GRCh37.p13, ...),
  ``GRCh38`` (hg38, GRCh38.p14, ...) and ``NCBI36`` (hg18). ``NR`` ("not reported"), empty and
  unrecognized values mean *unknown* (``None``).
- A VCF's build is read from its ``##reference=`` line when that names a build, else from the
  ``##contig=<ID=..,length=..>`` lengths of the primary chromosomes; contigs that disagree give
  ``None`` (unknown), never a guess.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

GenomeBuild = Literal["GRCh37", "GRCh38", "NCBI36"]

_ALIASES: dict[str, GenomeBuild] = {
    "grch37": "GRCh37",
    "hg19": "GRCh37",
    "b37": "GRCh37",
    "hs37d5": "GRCh37",
    "grch38": "GRCh38",
    "hg38": "GRCh38",
    "b38": "GRCh38",
    "hs38dh": "GRCh38",
    "ncbi36": "NCBI36",
    "hg18": "NCBI36",
}

# Primary-assembly chromosome lengths (GRC releases), used only to recognize a build.
_CONTIG_LENGTHS: dict[GenomeBuild, dict[str, int]] = {
    "GRCh37": {
        "1": 249250621,
        "2": 243199373,
        "3": 198022430,
        "4": 191154276,
        "5": 180915260,
        "6": 171115067,
        "7": 159138663,
        "8": 146364022,
        "9": 141213431,
        "10": 135534747,
        "11": 135006516,
        "12": 133851895,
        "13": 115169878,
        "14": 107349540,
        "15": 102531392,
        "16": 90354753,
        "17": 81195210,
        "18": 78077248,
        "19": 59128983,
        "20": 63025520,
        "21": 48129895,
        "22": 51304566,
        "X": 155270560,
        "Y": 59373566,
    },
    "GRCh38": {
        "1": 248956422,
        "2": 242193529,
        "3": 198295559,
        "4": 190214555,
        "5": 181538259,
        "6": 170805979,
        "7": 159345973,
        "8": 145138636,
        "9": 138394717,
        "10": 133797422,
        "11": 135086622,
        "12": 133275309,
        "13": 114364328,
        "14": 107043718,
        "15": 101991189,
        "16": 90338345,
        "17": 83257441,
        "18": 80373285,
        "19": 58617616,
        "20": 64444167,
        "21": 46709983,
        "22": 50818468,
        "X": 156040895,
        "Y": 57227415,
    },
}

_CONTIG_RE = re.compile(r"^##contig=<(?P<body>.*)>\s*$")


def normalize_build(value: str | None) -> GenomeBuild | None:
    """Canonical build name for ``value`` (``None`` when unknown, ``NR`` or empty)."""
    if value is None:
        return None
    key = value.strip().lower()
    if not key or key in {"nr", "na", "none", "unknown"}:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    # GRCh37.p13, GRCh38_full_analysis_set, hg19.fa, ...
    for alias, build in _ALIASES.items():
        if re.match(rf"^{alias}(?![0-9])", key):
            return build
    return None


def _open_text(path: Path) -> Iterator[str]:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
            yield from handle
    else:
        with path.open("rt", encoding="utf-8", errors="replace") as handle:
            yield from handle


def read_vcf_header(vcf: Path) -> tuple[list[str], list[str]]:
    """The ``##`` meta lines and the sample names of a VCF (plain, gzip or bgzip)."""
    meta: list[str] = []
    for line in _open_text(Path(vcf)):
        if line.startswith("##"):
            meta.append(line.rstrip("\n"))
            continue
        if line.startswith("#CHROM"):
            fields = line.rstrip("\n").split("\t")
            return meta, fields[9:]
        break
    raise ValueError(f"{vcf}: no #CHROM header line; not a VCF")


def detect_vcf_build(vcf: Path) -> GenomeBuild | None:
    """The genome build a VCF header declares or implies, or ``None`` when it can't be told."""
    meta, _ = read_vcf_header(vcf)
    return build_from_vcf_meta(meta)


def build_from_vcf_meta(meta: list[str]) -> GenomeBuild | None:
    """Build from ``##reference=`` (if it names one) or else from contig lengths."""
    for line in meta:
        if line.startswith("##reference="):
            ref = line.split("=", 1)[1]
            for token in re.split(r"[/\\:._\s]+", ref):
                build = normalize_build(token)
                if build is not None:
                    return build
    votes: set[GenomeBuild] = set()
    for line in meta:
        found = _CONTIG_RE.match(line)
        if not found:
            continue
        attrs = dict(part.split("=", 1) for part in found.group("body").split(",") if "=" in part)
        name = attrs.get("ID", "").removeprefix("chr")
        try:
            length = int(attrs.get("length", ""))
        except ValueError:
            continue
        for build, lengths in _CONTIG_LENGTHS.items():
            if lengths.get(name) == length:
                votes.add(build)
        contig_builds = {build for build, lengths in _CONTIG_LENGTHS.items() if name in lengths}
        if contig_builds and not any(lengths.get(name) == length for lengths in _CONTIG_LENGTHS.values()):
            # a primary chromosome with a length of neither build: not a GRC assembly we know
            return None
    return votes.pop() if len(votes) == 1 else None
