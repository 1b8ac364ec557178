"""Identifiers: users, samples, batches, partition keys. One place validates them all.

Partition keys are `{user}/{sample}`. Users and samples are restricted to characters that
are safe in object keys, Dagster partition keys, Mongo values and URLs; `..` never passes.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from genolake_core.errors import GenoLakeError

USER_PATTERN = re.compile(
    r"^[a-z0-9][a-z0-9_-]{2,62}$"
)  # 3-63: also a MinIO access key (services/minio/init.sh)
SAMPLE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
BATCH_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{2,127}$")
SCORE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")  # PGS000001, or a custom file's id


class InvalidIdentifierError(GenoLakeError, ValueError):
    """An identifier that does not match its pattern."""


def clipped_repr(value: object, limit: int = 80) -> str:
    """`repr(value)` (non-printable characters escaped), cut to about `limit` characters for messages."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f" ({len(value)} characters)" if isinstance(value, str) else ""
    return f"{text[:limit]}...{size}"


def _check(kind: str, pattern: re.Pattern[str], value: str) -> str:
    if not pattern.fullmatch(value) or ".." in value:
        raise InvalidIdentifierError(
            f"invalid {kind} {clipped_repr(value)}: must match {pattern.pattern} without '..'"
        )
    return value


def check_user(value: str) -> str:
    return _check("user id", USER_PATTERN, value)


def check_sample(value: str) -> str:
    return _check("sample id", SAMPLE_PATTERN, value)


def check_batch(value: str) -> str:
    return _check("batch_id", BATCH_PATTERN, value)


def check_score(value: str) -> str:
    return _check("score id", SCORE_PATTERN, value)


UserId = Annotated[str, AfterValidator(check_user)]
SampleId = Annotated[str, AfterValidator(check_sample)]
BatchId = Annotated[str, AfterValidator(check_batch)]
ScoreId = Annotated[str, AfterValidator(check_score)]


def partition_key(user: str, sample: str) -> str:
    return f"{check_user(user)}/{check_sample(sample)}"


def split_partition_key(key: str) -> tuple[str, str]:
    """`alice/NA12878` -> ("alice", "NA12878"); raises InvalidIdentifierError otherwise."""
    user, sep, sample = key.partition("/")
    if not sep:
        raise InvalidIdentifierError(f"invalid partition key {key!r}: expected '{{user}}/{{sample}}'")
    return check_user(user), check_sample(sample)
