"""Which failures are the infrastructure's (transient: retry) and which are the input's (final).

Transient: a storage service that cannot be reached or answers 5xx (MinIO down, restarting, or out of
disk space; the Mongo-wire server down; Postgres restarting) and an unreachable code server. Everything
else (a malformed VCF, a missing object, a document that cannot be stored) is final and must name its
cause. The exception and its causes (`raise ... from`, and the implicit context) are all examined, so
a wrapped storage error (boto3's S3UploadFailedError, Dagster's wrappers) still counts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import botocore.exceptions
import psycopg2
import pymongo.errors
import sqlalchemy.exc
import urllib3.exceptions
from dagster import RetryRequested
from dagster._core.errors import DagsterUserCodeUnreachableError

# S3 error codes that mean "try again" even when the status is not 5xx.
_TRANSIENT_S3_CODES = frozenset(
    {"RequestTimeout", "SlowDown", "ServiceUnavailable", "InternalError", "XMinioServerNotInitialized"}
)
_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    botocore.exceptions.ConnectionError,  # EndpointConnectionError, ConnectTimeoutError, ...
    botocore.exceptions.HTTPClientError,  # ReadTimeoutError, ConnectionClosedError, ResponseStreamingError
    urllib3.exceptions.HTTPError,
    pymongo.errors.ConnectionFailure,  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    pymongo.errors.WaitQueueTimeoutError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    DagsterUserCodeUnreachableError,
    ConnectionError,  # ConnectionRefusedError, ConnectionResetError, BrokenPipeError
    TimeoutError,
)


def _transient_one(exc: BaseException) -> bool:
    if isinstance(exc, _TRANSIENT_TYPES):
        return True
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return status >= 500 or error.get("Code") in _TRANSIENT_S3_CODES
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        return bool(exc.connection_invalidated)
    return False


def is_transient(exc: BaseException) -> bool:
    """True if `exc`, or any exception that caused it, is a transient infrastructure failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 20:
        if _transient_one(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


STEP_RETRIES = 4  # waits 5, 10, 20, 40 s: a storage service restarting, a short disk-full episode
FIRST_WAIT_SECONDS = 5.0

P = ParamSpec("P")
R = TypeVar("R")


def retry_transient(fn: Callable[P, R]) -> Callable[P, R]:
    """Asset body decorator: a transient failure asks Dagster to retry the step (same run, after a
    wait that doubles each time, at most `STEP_RETRIES` times); any other failure fails the step at
    once, with its own error (a malformed VCF is not tried again). Every asset writes whole objects
    under deterministic keys, so repeating a step is safe."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except RetryRequested:
            raise
        except Exception as exc:
            if not is_transient(exc):
                raise
            context = args[0] if args else kwargs["context"]
            attempt = int(getattr(context, "retry_number", 0))
            wait = FIRST_WAIT_SECONDS * 2**attempt
            context.log.warning(  # type: ignore[attr-defined]
                f"transient failure on attempt {attempt + 1} of {STEP_RETRIES + 1} "
                f"({type(exc).__name__}: {exc}); retrying in {wait:.0f}s"
            )
            raise RetryRequested(max_retries=STEP_RETRIES, seconds_to_wait=wait) from exc

    return wrapper
