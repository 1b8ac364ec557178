"""The root of GenoLake's errors.

Every error a GenoLake library raises because an input or a stored state cannot be used derives from
`GenoLakeError`, one family per library below it: `genolake_annotation.errors.AnnotationError`,
`genolake_prs.errors.PrsError`; core's own (`ManifestError`, `InvalidIdentifierError`) derive from it
directly. The `genolake` CLI turns these into `error: ...` and an exit code; any
other exception is a programming error and keeps its traceback.
"""

from __future__ import annotations


class GenoLakeError(Exception):
    """Base of every error a GenoLake library raises about its input or state (not programming errors)."""
