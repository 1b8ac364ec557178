"""What is transient and what is not; step retries of transient failures; the run worker health check;
failure summaries that name the cause; attempts in the manifest document. No services: a real
ephemeral Dagster instance and real processes. (No `from __future__ import annotations`: Dagster reads
the asset context's annotation as a class.)"""

import subprocess
import sys
import time
import uuid
from typing import Any

import botocore.exceptions
import psycopg2
import pymongo.errors
import pytest
from dagster import (
    AssetExecutionContext,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    asset,
    job,
    materialize,
    op,
)
from dagster._core.events import EngineEventData
from dagster._core.launcher.base import WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG
from dagster._utils.error import serializable_error_info_from_exc_info
from genolake_core.docstore import ManifestStatus
from genolake_dagster import transient
from genolake_dagster.run_launcher import LocalRunLauncher, process_alive
from genolake_dagster.status.sync import attempt_failures, derive_manifest_status, failure_summary
from genolake_dagster.tags import RETRY_TAGS
from genolake_dagster.transient import RETRY_HOOKS, is_transient, retry_transient


def _client_error(code: str, status: int) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject"
    )


def test_what_is_transient() -> None:
    assert is_transient(botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:1"))
    assert is_transient(_client_error("InternalError", 500))  # MinIO: no space left on device
    assert is_transient(_client_error("XMinioServerNotInitialized", 503))
    assert is_transient(pymongo.errors.ServerSelectionTimeoutError("no server"))
    assert is_transient(ConnectionRefusedError())
    assert not is_transient(_client_error("NoSuchKey", 404))
    assert not is_transient(ValueError("POS 'abc' is not a number"))
    assert not is_transient(pymongo.errors.OperationFailure("unsupported Unicode escape", code=1))
    try:  # a wrapped transient error still counts
        try:
            raise _client_error("SlowDown", 503)
        except botocore.exceptions.ClientError as exc:
            raise RuntimeError("upload failed") from exc
    except RuntimeError as wrapped:
        assert is_transient(wrapped)


def _step_attempts(result: Any) -> int:
    return 1 + sum(1 for event in result.all_events if event.event_type == DagsterEventType.STEP_UP_FOR_RETRY)


def test_a_transient_failure_retries_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transient, "FIRST_WAIT_SECONDS", 0.1)
    calls: list[int] = []

    @asset
    @retry_transient
    def flaky(context: AssetExecutionContext) -> None:
        calls.append(context.retry_number)
        if len(calls) < 3:
            raise _client_error("ServiceUnavailable", 503)

    result = materialize([flaky])
    assert result.success and calls == [0, 1, 2] and _step_attempts(result) == 3


def test_a_data_failure_fails_once() -> None:
    calls: list[int] = []

    @asset
    @retry_transient
    def malformed(context: AssetExecutionContext) -> None:
        calls.append(context.retry_number)
        raise ValueError("line 12: POS 'abc' is not a number")

    result = materialize([malformed], raise_on_error=False)
    assert not result.success and calls == [0] and _step_attempts(result) == 1
    [failure] = [event for event in result.all_events if event.event_type == DagsterEventType.STEP_FAILURE]
    error, messages = failure.step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    assert any("POS 'abc' is not a number" in message for message in messages), messages


def test_transient_retries_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transient, "FIRST_WAIT_SECONDS", 0.01)

    @asset
    @retry_transient
    def down(context: AssetExecutionContext) -> None:
        raise _client_error("InternalError", 500)

    result = materialize([down], raise_on_error=False)
    assert not result.success and _step_attempts(result) == transient.STEP_RETRIES + 1


def _hooked_run_tags(instance: DagsterInstance, *errors: BaseException) -> dict[str, str]:
    """Run a job with the retry hook whose steps raise `errors` (one step each, in order, not wrapped by
    retry_transient: as when Dagster's own storage call fails before the body); its run's tags after."""

    @op
    def first() -> int:
        raise errors[0]

    @op
    def second() -> None:
        if len(errors) > 1:
            raise errors[1]

    @job(hooks=RETRY_HOOKS, tags=RETRY_TAGS)
    def hooked() -> None:
        first()
        second()

    result = hooked.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    return dict(instance.get_run_by_id(result.run_id).tags)


def test_a_step_failed_by_the_infrastructure_lets_the_run_retry() -> None:
    with DagsterInstance.ephemeral() as instance:
        tags = _hooked_run_tags(instance, psycopg2.OperationalError("server closed the connection"))
    assert tags[transient.RETRY_ON_STEP_FAILURE_TAG] == "true" and transient.DATA_FAILURE_TAG not in tags


def test_a_step_failed_by_its_data_does_not_let_the_run_retry() -> None:
    with DagsterInstance.ephemeral() as instance:
        tags = _hooked_run_tags(instance, ValueError("POS 'abc' is not a number"))
        run_id = tags[transient.DATA_FAILURE_TAG]
    assert tags[transient.RETRY_ON_STEP_FAILURE_TAG] == "false" and run_id


def test_a_data_failure_wins_over_a_later_transient_one_in_the_same_run() -> None:
    with DagsterInstance.ephemeral() as instance:
        tags = _hooked_run_tags(
            instance, ValueError("POS 'abc' is not a number"), psycopg2.OperationalError("gone")
        )
    assert tags[transient.RETRY_ON_STEP_FAILURE_TAG] == "false"


def _run(instance: DagsterInstance, tags: dict[str, str] | None = None) -> DagsterRun:
    return instance.add_run(DagsterRun(job_name="normalize_job", run_id=str(uuid.uuid4()), tags=tags or {}))


def test_failure_from_outside_names_its_cause() -> None:
    with DagsterInstance.ephemeral() as instance:
        run = _run(instance)
        try:
            raise TimeoutError("User code server request timed out due to taking longer than 60 seconds")
        except TimeoutError:
            error = serializable_error_info_from_exc_info(sys.exc_info())
        instance.report_engine_event(
            "Caught an unrecoverable error while dequeuing the run", run, EngineEventData.engine_error(error)
        )
        instance.report_run_failed(run)
        summary = failure_summary(instance, run.run_id)
        assert summary is not None and "marked as failed from outside the execution context" in summary
        assert "Cause: Caught an unrecoverable error while dequeuing the run" in summary
        assert "timed out due to taking longer than 60 seconds" in summary

        plain = _run(instance)
        instance.report_run_failed(plain, "Run timed out due to taking longer than 120 seconds to start.")
        assert (
            failure_summary(instance, plain.run_id)
            == "Run timed out due to taking longer than 120 seconds to start."
        )


def _launcher(instance: DagsterInstance) -> LocalRunLauncher:
    launcher = LocalRunLauncher()
    launcher.register_instance(instance)
    return launcher


def test_run_worker_health_follows_the_worker_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("genolake_dagster.run_launcher.CODE_SERVER_SETTLE_SECONDS", 0.0)
    with DagsterInstance.ephemeral() as instance:
        launcher = _launcher(instance)
        run = _run(instance)
        assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING  # nothing logged yet
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            instance.report_engine_event(f"Started process for run (pid: {worker.pid}).", run)
            assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
        finally:
            worker.kill()
            worker.wait()
        result = launcher.check_run_worker_health(run)
        assert result.status == WorkerStatus.FAILED and f"(pid {worker.pid}) is gone" in (result.msg or "")


def test_a_dead_worker_waits_for_its_code_server() -> None:
    """The retry is launched through the code server: the run is failed only once it answers."""
    with DagsterInstance.ephemeral() as instance:
        launcher = _launcher(instance)
        run = _run(instance, {GRPC_INFO_TAG: '{"host": "127.0.0.1", "port": 9}'})  # nothing listens
        worker = subprocess.Popen([sys.executable, "-c", "pass"])
        worker.wait()
        instance.report_engine_event(f"Started process for run (pid: {worker.pid}).", run)
        result = launcher.check_run_worker_health(run)
        assert result.status == WorkerStatus.RUNNING and "waiting for the code server" in (result.msg or "")


def test_a_reused_pid_is_not_the_worker() -> None:
    assert process_alive(subprocess.os.getpid(), time.time())
    assert not process_alive(subprocess.os.getpid(), time.time() - 3600)  # started after the event
    assert not process_alive(2**22 + 12345, time.time())


def _doc(run_id: str, status: str, root: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"_id": run_id, "status": status, "root_run_id": root or run_id, **extra}


def test_a_failure_dagster_retries_keeps_the_batch_running() -> None:
    retrying = [_doc("a", "FAILURE", will_retry=True, error="worker lost")]
    assert derive_manifest_status(retrying, planned=1) is ManifestStatus.RUNNING
    final = [_doc("a", "FAILURE", will_retry=False, error="POS 'x'")]
    assert derive_manifest_status(final, planned=1) is ManifestStatus.FAILED
    retried = [*retrying, _doc("b", "SUCCESS", root="a")]
    assert derive_manifest_status(retried, planned=1) is ManifestStatus.SUCCESS
    assert attempt_failures(retried) == [
        {
            "run_id": "a",
            "root_run_id": "a",
            "attempt": 1,
            "reason": None,
            "error": "worker lost",
            "retried": True,
        }
    ]
    twice = [*retried, _doc("c", "FAILURE", error="x"), _doc("d", "FAILURE", root="c", error="y")]
    assert [(f["run_id"], f["attempt"]) for f in attempt_failures(twice)] == [("a", 1), ("c", 1), ("d", 2)]
