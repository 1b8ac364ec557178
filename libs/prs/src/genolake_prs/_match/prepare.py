"""The sample-independent half of matching, done once for many samples: the scoring files' rows stacked on
an integer locus key, their distinct variants keyed by a hash; and the sample's records at those loci."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from genolake_prs.dosage import prepare_genotypes
from genolake_prs.scoring_file import ScoringFile


def chrom_codes(scoring_files: Sequence[ScoringFile]) -> dict[str, int]:
    """A code per chromosome name used by the scoring files (for the integer locus key)."""
    names: set[str] = set()
    for sf in scoring_files:
        names.update(c for c in sf.variants["chrom"].unique().to_list() if c is not None)
    return {name: code for code, name in enumerate(sorted(names))}


def locus_key(chrom: pl.Expr, pos: pl.Expr, codes: dict[str, int]) -> pl.Expr:
    """``code(chrom) << 32 | pos`` (null when the chromosome is not in ``codes`` or pos is null)."""
    if not codes:
        return pl.lit(None, dtype=pl.Int64)
    code = chrom.replace_strict(codes, default=None, return_dtype=pl.Int64)
    return code * (1 << 32) + pos.cast(pl.Int64)


def stack_scores(scoring_files: Sequence[ScoringFile], codes: dict[str, int]) -> tuple[pl.LazyFrame, bool]:
    """All scoring files' rows (lazy) with ``score_idx``, ``locus`` and ``locus_repeated`` (another
    row of the same file has this locus); also whether any file repeats a locus."""
    any_repeated = any(sf.repeats_positions for sf in scoring_files)
    frames: list[pl.LazyFrame] = []
    for index, sf in enumerate(scoring_files):
        frame = sf.variants.lazy().with_columns(
            pl.lit(index, dtype=pl.UInt32).alias("score_idx"),
            locus_key(pl.col("chrom"), pl.col("pos"), codes).alias("locus"),
        )
        repeated = (
            (pl.col("locus").is_duplicated() & pl.col("locus").is_not_null())
            if sf.repeats_positions
            else pl.lit(False)
        )
        frames.append(frame.with_columns(repeated.alias("locus_repeated")))
    return pl.concat(frames, how="vertical"), any_repeated


def prepare_sample(genotypes: pl.LazyFrame, loci: pl.Series, codes: dict[str, int]) -> pl.DataFrame:
    """The sample's records at the scores' loci, reduced to scalar columns (eager, small)."""
    schema = genotypes.collect_schema()
    wanted = [c for c in ("chrom", "start", "ref", "alts", "gt", "genotype", "af") if c in schema]
    frame = (
        genotypes.select(wanted)
        .with_row_index("sample_record")
        .with_columns(locus_key(pl.col("chrom"), pl.col("start"), codes).alias("locus"))
        .filter(pl.col("locus").is_in(loci.implode()))
    )
    prepared = prepare_genotypes(frame).collect()
    return prepared.with_columns(pl.col("locus").is_duplicated().alias("multi_record"))


VKEY: Final[list[str]] = ["_vk1"]


def variant_key(frame: pl.LazyFrame, *, exact: bool) -> pl.LazyFrame:
    """Key of (locus, effect allele, other allele), so that rows of all scores sharing a variant are
    matched once: a 64-bit hash ``_vk1``, checked by a second independent hash ``_vk2`` (a row whose
    ``_vk2`` differs from its variant's is a collision; the caller then reruns with ``exact``, which
    keys on the values themselves)."""
    fields = pl.struct("locus", "effect_allele", "match_other_allele")
    if exact:
        return frame.with_columns(
            pl.struct("locus", "effect_allele", "match_other_allele")
            .rank("dense")
            .cast(pl.UInt64)
            .alias("_vk1"),
            pl.lit(0, dtype=pl.UInt64).alias("_vk2"),
        )
    return frame.with_columns(
        fields.hash(seed=0x5EED).alias("_vk1"), fields.hash(seed=0xC0FFEE).alias("_vk2")
    )


@dataclass(frozen=True)
class PreparedScores:
    """Scoring files stacked and keyed once, reusable for every sample (`prepare_scores`)."""

    scoring_files: tuple[ScoringFile, ...]
    codes: dict[str, int]
    rows: pl.DataFrame
    variants: pl.DataFrame
    any_repeated: bool
    exact_keys: bool

    @property
    def score_ids(self) -> list[str]:
        """The scores' ids, in order."""
        return [sf.score_id for sf in self.scoring_files]


def prepare_scores(scoring_files: Sequence[ScoringFile], *, exact_keys: bool = False) -> PreparedScores:
    """Stack the rows of ``scoring_files`` (integer locus, variant key) and find their distinct
    variants: the sample-independent half of `classify`, done once for many samples."""
    files = tuple(scoring_files)
    codes = chrom_codes(files)
    stacked, any_repeated = stack_scores(files, codes)
    rows = variant_key(stacked, exact=exact_keys).collect()
    variants = rows.select(*VKEY, "_vk2", "locus", "effect_allele", "match_other_allele", "allele_valid")[
        rows.get_column("_vk1").arg_unique()
    ]
    return PreparedScores(files, codes, rows, variants, any_repeated, exact_keys)
