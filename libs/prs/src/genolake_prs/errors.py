"""Exceptions raised by `genolake_prs`.

Every error derives from `PrsError` (a `genolake_core.errors.GenoLakeError`), so a caller can catch the
whole family at once.
"""

from __future__ import annotations

from pathlib import Path

from genolake_core.errors import GenoLakeError


class PrsError(GenoLakeError):
    """Base class of every polygenic-score error."""


class ScoringFileError(PrsError):
    """A scoring file is malformed.

    The message names the file, the 1-based line number and the column when they are known,
    e.g. ``PGS000001.txt.gz: line 23, column 'effect_weight': 'abc' is not a number``.
    """

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.reason = message
        where = [str(self.path)]
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


class BuildMismatchError(PrsError):
    """A scoring file's genome build differs from the sample's (or a required build is unknown)."""


class LowOverlapError(PrsError):
    """Too few scoring-file variants matched the sample (raised only when configured to)."""


class SampleDataError(PrsError):
    """The normalized genotype parquet does not follow the platform's contract."""


class CatalogError(PrsError):
    """The PGS Catalog could not be reached or answered something unusable."""


class ReferenceDistributionError(PrsError):
    """A reference distribution (scores of a reference panel) is unusable."""
