"""Counts gathered while the records stream by (no second pass over the data).

:class:`RunStats` is applied with ``LazyFrame.map_batches(..., streamable=True)`` between parsing and the
output sinks: it sees every parsed record once (batches may arrive from several threads, hence the
lock) and returns the batch unchanged. The sinks ask for their parquet key-value metadata when they
finish, i.e. after the last batch went through, so the counts are complete by then; ``pipeline`` checks
each file's row count against them anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import polars as pl


class RunStats:
    def __init__(self, sample_indices: Sequence[int], reasons: Sequence[str], track_positions: bool) -> None:
        """``track_positions``: keep the largest position per chromosome (for build detection)."""
        self.track_positions = track_positions
        self.sample_indices = list(sample_indices)
        self.reasons = list(reasons)
        self.records = 0
        self.ref_blocks = 0
        self.max_positions: dict[str, int] = {}
        self.chr_named = 0  # records on a primary chromosome named "chr1" ...
        self.bare_named = 0  # ... and named "1"
        self.dropped: dict[int, dict[str, int]] = {k: dict.fromkeys(reasons, 0) for k in sample_indices}
        self.kept: dict[int, int] = dict.fromkeys(sample_indices, 0)
        self.no_calls: dict[int, int] = dict.fromkeys(sample_indices, 0)
        self._lock = threading.Lock()

    def _sample_counts(self, batch: pl.DataFrame, k: int) -> tuple[int, int, dict[str, int]]:
        """(kept, no-calls among kept, dropped per reason) of one batch for sample ``k``.

        Plain Series operations, cheapest first: a null count is free (stored with the column), and in
        the usual batch every record is kept."""
        reason = batch.get_column(f"reason_{k}")
        genotype = batch.get_column(f"genotype_{k}")
        kept = reason.null_count()
        if kept == batch.height:
            return kept, genotype.null_count(), dict.fromkeys(self.reasons, 0)
        kept_mask = reason.is_null()
        no_calls = int((kept_mask & genotype.is_null()).sum())
        if len(self.reasons) == 1:
            return kept, no_calls, {self.reasons[0]: batch.height - kept}
        dropped = {r: int((reason == r).sum()) for r in self.reasons}
        return kept, no_calls, dropped

    def _maxima(self, batch: pl.DataFrame) -> list[tuple[str, int]]:
        chroms = batch.get_column("chrom")
        first = chroms[0]
        if first is not None and chroms[-1] == first and (chroms == first).all():
            # sorted input: almost every batch holds one chromosome
            return [(first, batch.get_column("start").max())]  # type: ignore[list-item]
        return list(batch.group_by("chrom").agg(pl.col("start").max()).iter_rows())

    def update(self, batch: pl.DataFrame) -> pl.DataFrame:
        if batch.height == 0:
            return batch
        records = batch.height
        ref_blocks = int(batch.get_column("ref_block").sum())
        counts = {k: self._sample_counts(batch, k) for k in self.sample_indices}
        maxima = self._maxima(batch) if self.track_positions else []
        naming = batch.get_column("chr_named")
        chr_named = int(naming.sum())
        bare_named = batch.height - naming.null_count() - chr_named
        with self._lock:
            self.records += records
            self.chr_named += chr_named
            self.bare_named += bare_named
            self.ref_blocks += ref_blocks
            for k, (kept, no_calls, dropped) in counts.items():
                self.kept[k] += kept
                self.no_calls[k] += no_calls
                for r, n in dropped.items():
                    self.dropped[k][r] += n
            for chrom, pos in maxima:
                if pos is not None and pos > self.max_positions.get(chrom, -1):
                    self.max_positions[chrom] = pos
        return batch
