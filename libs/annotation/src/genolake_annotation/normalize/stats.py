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
        self.dropped: dict[int, dict[str, int]] = {k: dict.fromkeys(reasons, 0) for k in sample_indices}
        self.kept: dict[int, int] = dict.fromkeys(sample_indices, 0)
        self.no_calls: dict[int, int] = dict.fromkeys(sample_indices, 0)
        self._lock = threading.Lock()

    def _aggregates(self) -> list[pl.Expr]:
        exprs = [pl.len().alias("records"), pl.col("ref_block").sum().alias("ref_blocks")]
        for k in self.sample_indices:
            reason = pl.col(f"reason_{k}")
            exprs.append(reason.is_null().sum().alias(f"kept_{k}"))
            exprs.append((reason.is_null() & pl.col(f"genotype_{k}").is_null()).sum().alias(f"nocall_{k}"))
            exprs += [(reason == r).sum().alias(f"{r}_{k}") for r in self.reasons]
        return exprs

    def update(self, batch: pl.DataFrame) -> pl.DataFrame:
        if batch.height == 0:
            return batch
        row = batch.select(self._aggregates()).row(0, named=True)
        maxima: list[tuple[str, int]] = []
        if self.track_positions:
            chroms = batch.get_column("chrom")
            if (chroms == chroms[0]).all():  # sorted input: almost every batch holds one chromosome
                maxima = [(chroms[0], batch.get_column("start").max())]  # type: ignore[list-item]
            else:
                maxima = list(batch.group_by("chrom").agg(pl.col("start").max()).iter_rows())  # type: ignore[arg-type]
        with self._lock:
            self.records += row["records"]
            self.ref_blocks += row["ref_blocks"]
            for k in self.sample_indices:
                self.kept[k] += row[f"kept_{k}"]
                self.no_calls[k] += row[f"nocall_{k}"]
                for r in self.reasons:
                    self.dropped[k][r] += row[f"{r}_{k}"]
            for chrom, pos in maxima:
                if pos is not None and pos > self.max_positions.get(chrom, -1):
                    self.max_positions[chrom] = pos
        return batch
