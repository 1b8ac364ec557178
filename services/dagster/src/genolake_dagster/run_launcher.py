"""The native stack's run launcher: Dagster's DefaultRunLauncher plus a run-worker health check.

Natively, a run executes in a process the code server starts (its process group). When that process
dies (the code server killed with its group, the OOM killer, a crash), the run would stay STARTED
forever and keep its concurrency slot: DefaultRunLauncher cannot tell run monitoring that the worker
is gone. This launcher can: the worker logs "Started process for run (pid: N)" when it starts, and
the daemon runs on the same host, so `/proc` says whether that process still lives (its start time
must precede the event: a reused pid is not the worker).

A dead worker is reported FAILED (run monitoring then fails the run and Dagster's run retries
re-execute it) only once the run's code server answers again, and has for `CODE_SERVER_SETTLE_SECONDS`:
the retry is launched through that code server, and a retry that cannot reach it is dropped by
Dagster for good. The compose stack uses DockerRunLauncher, which has its own health check.
Configured in `services/dagster/dagster.native.yaml` (`run_launcher`).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher
from dagster._core.errors import DagsterUserCodeUnreachableError
from dagster._core.launcher.base import CheckRunHealthResult, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

WORKER_STARTED = re.compile(r"Started process for run \(pid: (\d+)\)")
CODE_SERVER_SETTLE_SECONDS = 15.0
_CLOCK_SLACK_SECONDS = 5.0


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    raise RuntimeError("/proc/stat has no btime")


def process_alive(pid: int, started_before: float) -> bool:
    """Whether process `pid` runs (not a zombie) and was started before `started_before` (epoch s)."""
    stat_file = Path(f"/proc/{pid}/stat")
    if not Path("/proc/stat").is_file():  # no procfs (not Linux): existence only
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        stat = stat_file.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    state, start_ticks = fields[0], int(fields[19])
    if state in {"Z", "X", "x"}:
        return False
    started = _boot_time() + start_ticks / os.sysconf("SC_CLK_TCK")
    return started <= started_before + _CLOCK_SLACK_SECONDS


class LocalRunLauncher(DefaultRunLauncher):
    """DefaultRunLauncher whose run workers run monitoring can check (see the module docstring)."""

    def __init__(self, inst_data=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(inst_data=inst_data)
        self._reachable_since: dict[str, float] = {}

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def _worker(self, run_id: str) -> tuple[int, float] | None:
        """(pid, epoch seconds) of the run's latest worker start, if one was logged."""
        found = None
        for entry in self._instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
            event = entry.dagster_event
            match = WORKER_STARTED.search((event.message if event else None) or entry.user_message or "")
            if match:
                found = (int(match.group(1)), entry.timestamp)
        return found

    def _code_server_settled(self, run: DagsterRun) -> bool:
        """True once the code server that launched the run has answered for a while."""
        from dagster._grpc.client import DagsterGrpcClient

        raw = run.tags.get(GRPC_INFO_TAG)
        if raw is None:
            return True
        info = json.loads(raw)
        address = f"{info.get('host')}:{info.get('port') or info.get('socket')}"
        client = DagsterGrpcClient(port=info.get("port"), socket=info.get("socket"), host=info.get("host"))
        try:
            client.ping("")
        except DagsterUserCodeUnreachableError:
            self._reachable_since.pop(address, None)
            return False
        since = self._reachable_since.setdefault(address, time.monotonic())
        return time.monotonic() - since >= CODE_SERVER_SETTLE_SECONDS

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        worker = self._worker(run.run_id)
        if worker is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no run worker start logged yet")
        pid, started = worker
        if process_alive(pid, started):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker {pid} is running")
        if not self._code_server_settled(run):
            return CheckRunHealthResult(
                WorkerStatus.RUNNING,
                f"run worker {pid} is gone; waiting for the code server to answer before failing the run",
            )
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"the run worker process (pid {pid}) is gone: it was killed or crashed while the run executed",
        )
