"""Chromosome names: the one naming rule of the platform (normalized parquet, PGS scoring files, module
specs, build detection).

A leading ``chr`` is dropped in any case (``chr1``, ``CHR1``, ``Chr1`` -> ``1``); the sex chromosomes and
the mitochondrion get one name each whatever the spelling, plink's numbers included: ``X``/``x``/``23`` ->
``X``, ``Y``/``y``/``24`` -> ``Y``, ``M``/``MT`` (any case)/``26`` -> ``MT``. Every other name is kept as
written after the prefix (``chrUn_gl000220`` -> ``Un_gl000220``). So ``chr23`` and ``X`` name the same
chromosome in a VCF, a scoring file and a module.

`ALIASES` is the table the polars expression of the normalizer is built from (it cannot call Python per
row); `normalize_chrom` applies the same table to one name.
"""

from __future__ import annotations

from typing import Final

#: The canonical names of the primary assembly (what module specs may name).
PRIMARY: Final = frozenset({*(str(i) for i in range(1, 23)), "X", "Y", "MT"})

#: canonical name -> every spelling (after the ``chr`` prefix is dropped) that means it.
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "X": ("X", "x", "23"),
    "Y": ("Y", "y", "24"),
    "MT": ("MT", "Mt", "mT", "mt", "M", "m", "26"),
}
_CANONICAL: Final = {spelling: name for name, spellings in ALIASES.items() for spelling in spellings}


def strip_chr(name: str) -> str:
    """``name`` without a leading ``chr`` in any case."""
    return name[3:] if name[:3].lower() == "chr" else name


def normalize_chrom(name: str) -> str:
    """The platform's name of chromosome ``name`` (see the module docstring)."""
    bare = strip_chr(name)
    return _CANONICAL.get(bare, bare)
