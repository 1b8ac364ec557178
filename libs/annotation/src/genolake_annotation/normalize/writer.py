"""Atomic outputs: every file is written under a temporary name in its final directory and moved into
place with ``os.replace`` only once everything succeeded; on failure the temporary files are removed."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from types import TracebackType
from typing import Self

import polars as pl

METADATA_KEY = "genolake.normalize"


def temp_path(final: Path, tag: str) -> Path:
    return final.parent / f".{final.name}.{tag}-{uuid.uuid4().hex[:12]}.tmp"


class AtomicOutputs:
    """Context manager handing out temporary paths; ``commit`` moves them into place.

    Leaving the block without ``commit`` (an exception) removes every temporary file.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def __enter__(self) -> Self:
        return self

    def temp_for(self, final: Path) -> Path:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path(final, "part")
        self._pending.append((tmp, final))
        return tmp

    def commit(self) -> None:
        for tmp, final in self._pending:
            os.replace(tmp, final)
        self._pending.clear()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()


def parquet_metadata(payload: dict[str, object]) -> dict[str, str]:
    return {METADATA_KEY: json.dumps(payload, sort_keys=True, default=str)}


def read_normalize_metadata(path: Path) -> dict[str, object] | None:
    """The JSON this library stored in a normalized parquet file (None if absent)."""
    raw = pl.read_parquet_metadata(path).get(METADATA_KEY)
    return json.loads(raw) if raw else None
