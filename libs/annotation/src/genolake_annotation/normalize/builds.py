"""Genome build detection: GRCh37 vs GRCh38.

Rules, strongest evidence first:

1. Contig lengths in the header (``##contig=<ID=chr1,length=...>``). Only chromosomes 1-22, X and Y count
   (MT is 16569 in both builds; hg19's chrM is 16571). Each contig votes for the build whose length it
   matches; if all votes agree that is the build, if they disagree the build is undetectable (``None``).
2. Otherwise the ``##reference=`` / ``##assembly=`` lines (``GRCh38``, ``hg38``, ``hs38``, ``b38``,
   ``GCA_000001405.15`` ... vs ``GRCh37``, ``hg19``, ``hs37d5``, ``b37``, ``human_g1k_v37``, ``NCBI37`` ...).
   When contig lengths decide, these strings are ignored (headers copied between pipelines often carry a
   stale ``##reference``).
3. Otherwise (no usable header evidence) the data: a position beyond the end of a chromosome in one build
   rules that build out (e.g. chr22:50,999,964 exists only in GRCh37, whose chr22 is 51,304,566 long while
   GRCh38's is 50,818,468). Positions can only rule a build out, never confirm one.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from genolake_core.chromosomes import normalize_chrom

from genolake_annotation.normalize.settings import Build

BUILDS: tuple[Build, ...] = get_args(Build)

CHROM_LENGTHS: dict[Build, dict[str, int]] = {
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
        "6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
        "11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
        "16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
        "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
    "GRCh38": {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
        "6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
        "11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
        "16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
        "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
}  # fmt: skip

_NAME_PATTERNS: dict[Build, re.Pattern[str]] = {
    "GRCh38": re.compile(
        r"GRCh38|hg38|hs38|\bb38\b|GCA_000001405\.(?:1[5-9]|2\d)|GCF_000001405\.(?:2[6-9]|[34]\d)|NCBI38",
        re.IGNORECASE,
    ),
    "GRCh37": re.compile(
        r"GRCh37|hg19|hs37|\bb37\b|human_g1k_v37|GCA_000001405\.(?:[1-9]|1[0-4])\b|GCF_000001405\.(?:1[3-9]|2[0-5])\b"
        r"|NCBI37",
        re.IGNORECASE,
    ),
}

BuildSource = Literal["contigs", "reference", "positions", "declared"]  # declared: expected_build


def build_from_contigs(contigs: dict[str, int | None]) -> Build | None:
    votes: set[Build] = set()
    for name, length in contigs.items():
        if length is None:
            continue
        chrom = normalize_chrom(name)
        for build in BUILDS:
            if CHROM_LENGTHS[build].get(chrom) == length:
                votes.add(build)
    return votes.pop() if len(votes) == 1 else None


def build_from_names(*texts: str | None) -> Build | None:
    found: set[Build] = set()
    for text in texts:
        if not text:
            continue
        for build, pattern in _NAME_PATTERNS.items():
            if pattern.search(text):
                found.add(build)
    return found.pop() if len(found) == 1 else None


def builds_ruled_out_by_positions(max_positions: dict[str, int]) -> set[Build]:
    """Builds in which some (normalized) chromosome has a position past its end."""
    out: set[Build] = set()
    for chrom, pos in max_positions.items():
        for build in BUILDS:
            length = CHROM_LENGTHS[build].get(chrom)
            if length is not None and pos > length:
                out.add(build)
    return out


def build_from_positions(max_positions: dict[str, int]) -> Build | None:
    ruled_out = builds_ruled_out_by_positions(max_positions)
    remaining = [b for b in BUILDS if b not in ruled_out]
    return remaining[0] if len(remaining) == 1 else None
