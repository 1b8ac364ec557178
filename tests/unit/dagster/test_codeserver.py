"""The native code server's warm run workers (genolake_dagster.codeserver)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

from dagster._grpc.server import DagsterApiServer


def test_dagster_still_starts_runs_through_the_context_we_replace() -> None:
    # codeserver.py swaps DagsterApiServer._mp_ctx; a Dagster upgrade that renames it must fail here.
    assert "self._mp_ctx = multiprocessing.get_context(" in inspect.getsource(DagsterApiServer.__init__)
    assert "self._mp_ctx.Process(" in inspect.getsource(DagsterApiServer.StartRun)


def _python(code: str, env: dict[str, str] | None = None) -> None:
    """Run `code` in a fresh interpreter (what it patches or starts stays out of the test process)."""
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_warm_module_imports_without_settings_or_services() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENOLAKE_")}
    _python("import genolake_dagster.warm", env)


def test_use_warm_workers_makes_servers_fork_from_the_forkserver() -> None:
    code = (
        "from genolake_dagster.codeserver import use_warm_workers\n"
        "from dagster._grpc.server import DagsterApiServer\n"
        "use_warm_workers(); use_warm_workers()\n"
        "assert DagsterApiServer.__init__._genolake_warm\n"
        "import multiprocessing.forkserver as f; assert f._forkserver._forkserver_pid is not None\n"
    )
    _python(code)


def test_the_code_server_configures_logging() -> None:
    """An entry point of its own (issue #14): its lines are JSON before any sensor or run sets logging up."""
    code = (
        "import logging\n"
        "from genolake_core.logs import HANDLER_NAME\n"
        "from genolake_dagster.codeserver import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
        "assert [h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME]\n"
    )
    _python(code)
