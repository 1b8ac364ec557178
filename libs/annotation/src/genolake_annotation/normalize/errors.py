"""Errors raised by VCF normalization.

Every error is a :class:`NormalizeError` (an :class:`~genolake_annotation.errors.AnnotationError`).
Malformed input raises :class:`VcfFormatError`, which is also a ``ValueError`` so callers that validate
user input can catch either. A genome build that contradicts ``NormalizeSettings.expected_build`` raises
:class:`VcfBuildMismatchError`.
"""

from __future__ import annotations

from genolake_annotation.errors import AnnotationError


class NormalizeError(AnnotationError):
    """Base class of every error raised by ``genolake_annotation.normalize``."""


class VcfFormatError(NormalizeError, ValueError):
    """The input is not a VCF this library can read, or a record in it is malformed.

    ``line`` is the 1-based line number in the (decompressed) file and ``field`` the VCF column or
    key (``POS``, ``INFO/DP``, ``FORMAT/GT`` ...) when known; both are also part of the message.
    """

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        parts = []
        if line is not None:
            parts.append(f"line {line}")
        if field is not None:
            parts.append(f"field {field}")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class VcfBuildMismatchError(NormalizeError):
    """The VCF's genome build (from its header or its positions) is not the expected one."""

    def __init__(self, expected: str, detected: str, evidence: str) -> None:
        self.expected = expected
        self.detected = detected
        self.evidence = evidence
        super().__init__(f"expected genome build {expected}, but the VCF is {detected} ({evidence})")
