"""Reference alleles at given loci, for ``absent_is_ref`` (absent locus = REF/REF).

`reference_alleles_from_fasta` reads single bases from an uncompressed FASTA with a samtools
``.fai`` index (stdlib only: one seek per locus). Contig names are tried as given, then with a
``chr`` prefix, and ``MT`` also as ``chrM``/``M``. Loci on contigs the FASTA lacks, or beyond a
contig's end, are left out (they stay ``absent_reference_unknown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from genolake_prs.errors import PrsError


@dataclass(frozen=True)
class _FaiEntry:
    length: int
    offset: int
    line_bases: int
    line_bytes: int


def _read_fai(fai: Path) -> dict[str, _FaiEntry]:
    entries: dict[str, _FaiEntry] = {}
    for number, line in enumerate(fai.read_text().splitlines(), start=1):
        fields = line.split("\t")
        if len(fields) < 5:
            raise PrsError(f"{fai}: line {number}: expected 5 tab-separated fields (samtools faidx)")
        name, length, offset, line_bases, line_bytes = fields[:5]
        entries[name] = _FaiEntry(int(length), int(offset), int(line_bases), int(line_bytes))
    return entries


def _contig_for(chrom: str, entries: dict[str, _FaiEntry]) -> str | None:
    candidates = [chrom, f"chr{chrom}"]
    if chrom == "MT":
        candidates += ["chrM", "M"]
    return next((c for c in candidates if c in entries), None)


def reference_alleles_from_fasta(fasta: Path | str, loci: pl.DataFrame) -> pl.DataFrame:
    """``chrom, pos, ref`` (one base, upper case) for ``loci`` (``chrom``, 1-based ``pos``)."""
    fasta = Path(fasta)
    fai = fasta.with_name(fasta.name + ".fai")
    if not fai.is_file():
        raise PrsError(f"{fasta}: no .fai index beside it (run `samtools faidx {fasta.name}`)")
    if _is_gzip(fasta):
        raise PrsError(f"{fasta}: compressed FASTA is not supported here; use an uncompressed FASTA")
    entries = _read_fai(fai)
    unique = (
        loci.select(pl.col("chrom").cast(pl.String), pl.col("pos").cast(pl.Int64))
        .unique()
        .sort("chrom", "pos")
    )
    chroms: list[str] = []
    positions: list[int] = []
    bases: list[str] = []
    with fasta.open("rb") as handle:
        for chrom, pos in unique.iter_rows():
            if chrom is None or pos is None:
                continue
            contig = _contig_for(chrom, entries)
            if contig is None:
                continue
            entry = entries[contig]
            if not 1 <= pos <= entry.length:
                continue
            zero = pos - 1
            handle.seek(
                entry.offset + (zero // entry.line_bases) * entry.line_bytes + zero % entry.line_bases
            )
            chroms.append(chrom)
            positions.append(pos)
            bases.append(handle.read(1).decode("ascii").upper())
    return pl.DataFrame(
        {"chrom": chroms, "pos": positions, "ref": bases},
        schema={"chrom": pl.String, "pos": pl.Int64, "ref": pl.String},
    )


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"
