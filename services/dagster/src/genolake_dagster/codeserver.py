"""The native stack's code server: Dagster's gRPC server whose run workers start warm.

`dagster api grpc` starts each run in a new process with multiprocessing's "spawn" context: a fresh
interpreter that imports Dagster and this code location (polars, the annotation and PRS libraries)
before the run's first step, several seconds of CPU per run on these machines, so a batch of small
samples spends most of its time importing (bench/bench_intake.py). Here the same server uses the
"forkserver" context instead: one helper process imports `genolake_dagster.definitions` (and
Dagster's run entry point) once, at server start, and every run worker is forked from it. A worker is
still its own process (a crash or a kill ends that run only; runs share no state: the helper opens no
connection, settings are read at run time), so per-sample runs, run keys, retries and lineage are
unchanged; only the import time is gone.

Used by `genolake stack up` (argv as `dagster api grpc`'s: `-h HOST -p PORT -m MODULE
--location-name NAME`). Compose runs each run in its own container (DockerRunLauncher) and does not
use this.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Sequence
from typing import Any

# Imported by the helper process once; every run worker is forked from it with these in memory.
WARM_MODULES = ("dagster._grpc.impl", "genolake_dagster.warm")


def forkserver_context() -> Any:
    """A forkserver context whose helper preloads WARM_MODULES (started now, not by the first run)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WARM_MODULES))
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def use_warm_workers() -> None:
    """Make every DagsterApiServer created from now on start run workers from the forkserver."""
    from dagster._grpc.server import DagsterApiServer

    original = DagsterApiServer.__init__
    if getattr(original, "_genolake_warm", False):
        return
    context = forkserver_context()

    def __init__(self: DagsterApiServer, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if not hasattr(self, "_mp_ctx"):
            raise RuntimeError(
                "dagster's DagsterApiServer no longer has _mp_ctx: update genolake_dagster.codeserver"
            )
        self._mp_ctx = context

    __init__._genolake_warm = True  # type: ignore[attr-defined]
    DagsterApiServer.__init__ = __init__  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> None:
    from dagster._cli.api import grpc_command
    from genolake_core.logs import configure_logging

    configure_logging()  # an entry point: its own lines are JSON too (sensors and runs set it up again)
    use_warm_workers()
    grpc_command.main(args=list(argv if argv is not None else sys.argv[1:]), prog_name="genolake-code-server")


if __name__ == "__main__":
    main()
