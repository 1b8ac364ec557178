"""Which failures are the infrastructure's (transient: retry) and which are the input's (final).

Transient: a storage service that cannot be reached or answers 5xx (MinIO down, restarting, or out of
disk space; the Mongo-wire server down; Postgres restarting) and an unreachable code server. Everything
else (a malformed VCF, a missing object, a document that cannot be stored) is final and must name its
cause. The exception and its causes (`raise ... from`, and the implicit context) are all examined, so
a wrapped storage error (boto3's S3UploadFailedError, Dagster's wrappers) still counts.

Two places act on it: `retry_transient` (an asset body's own failures: the step retries in the same
run) and `transient_step_failure` (a hook on every job: a step that failed for a transient reason
outside the body, e.g. Dagster reading its Postgres storage while Postgres restarts, or whose step
retries ran out, lets Dagster's run retries re-execute the run; a step that failed on its data does
not).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import botocore.exceptions
import psycopg2
import pymongo.errors
import sqlalchemy.exc
import urllib3.exceptions
from dagster import HookContext, RetryRequested, failure_hook
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


# Dagster's run retries skip a run that failed in a step unless this run tag says "true" (the jobs'
# RETRY_TAGS say "false"); the hook below sets it per failure. DATA_FAILURE_TAG names the run in which a
# step failed on its data, so a later transient failure in that run does not turn retries back on (a
# retry copies its parent's tags: the run id tells whose failure it was).
RETRY_ON_STEP_FAILURE_TAG = "dagster/retry_on_asset_or_op_failure"
DATA_FAILURE_TAG = "genolake/data_failure_run"
TAG_WRITE_SECONDS = 90.0  # Postgres may be restarting when the hook runs


def _storage(call: Callable[[], R]) -> R:
    """`call()`, tried again for `TAG_WRITE_SECONDS` while Dagster's storage is unreachable."""
    deadline = time.monotonic() + TAG_WRITE_SECONDS
    while True:
        try:
            return call()
        except Exception as error:
            if not is_transient(error) or time.monotonic() > deadline:
                raise
            time.sleep(2)


@failure_hook(name="transient_step_failure")
def transient_step_failure(context: HookContext) -> None:
    """After a failed step: a transient cause lets Dagster's run retries re-execute the run from the
    failure; any other cause (the data's) makes sure they do not."""
    exc = context.op_exception
    run_id = context.run_id
    if exc is not None and is_transient(exc):
        run = _storage(lambda: context.instance.get_run_by_id(run_id))
        if run is not None and run.tags.get(DATA_FAILURE_TAG) == run_id:
            return  # a step of this run already failed on its data: no retry
        tags = {RETRY_ON_STEP_FAILURE_TAG: "true"}
        context.log.warning(
            f"step {context.step_key} failed for a transient reason ({type(exc).__name__}): "
            "Dagster's run retries will re-execute the run from this step"
        )
    else:
        tags = {RETRY_ON_STEP_FAILURE_TAG: "false", DATA_FAILURE_TAG: run_id}
    _storage(lambda: context.instance.add_run_tags(run_id, tags))


RETRY_HOOKS = {transient_step_failure}  # every job's hooks (with tags.RETRY_TAGS)
