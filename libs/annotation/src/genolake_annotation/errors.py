"""Errors raised by `genolake_annotation`: one family below `AnnotationError`.

- `AnnotationError` (a `genolake_core.errors.GenoLakeError`): catch it to catch them all.
  - `MissingInputError` (also a ``FileNotFoundError``): an input file or folder does not exist.
  - `InvalidInputError` (also a ``ValueError``): an argument or input this library cannot use.
  - `genolake_annotation.normalize.errors.NormalizeError`: VCF normalization (`VcfFormatError`,
    `VcfBuildMismatchError`).
  - `ModuleError`: annotation modules (`ModuleSpecError`, `ModuleSourceError`, `ModuleIntegrityError`,
    `ModuleConflictError`, `LongevityMapError`), each defined beside the code that raises it.
  - `genolake_annotation.reference.table.ReferenceError`: variant-position references
    (`ReferenceSourceError`, `ReferenceConflictError`).
The builtin second bases keep ``except ValueError`` / ``except FileNotFoundError`` callers working.
"""

from __future__ import annotations

from genolake_core.errors import GenoLakeError


class AnnotationError(GenoLakeError):
    """Base class of every error raised by `genolake_annotation`."""


class MissingInputError(AnnotationError, FileNotFoundError):
    """An input file or folder (VCF, normalized parquet, database, annotation folder) does not exist."""


class InvalidInputError(AnnotationError, ValueError):
    """An argument or input this library cannot use (the message says what and why)."""


class ModuleError(AnnotationError):
    """Base class of the annotation-module errors."""
