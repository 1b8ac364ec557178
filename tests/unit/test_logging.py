"""Services log JSON lines, and every line a run logs names its run and batch (issue #14: configure_logging
existed but no entry point called it, so nothing was structured).

Each entry point is exercised as it runs: the CLI's root command, the API's start-up, and a Dagster run
of an asset using the platform resource (sensors set it up the same way)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from dagster import asset, materialize
from fastapi.testclient import TestClient
from genolake_api.main import create_app
from genolake_cli.main import app as cli
from genolake_core.logs import HANDLER_NAME, configure_logging, get_logger
from genolake_dagster.resources import PlatformResource
from genolake_dagster.tags import BATCH_TAG, LANE_TAG
from typer.testing import CliRunner

SECRETS = {
    "GENOLAKE_S3_ACCESS_KEY": "k",
    "GENOLAKE_S3_SECRET_KEY": "s",
    "GENOLAKE_MONGO_URL": "mongodb://127.0.0.1:1/",
    "GENOLAKE_PG_PASSWORD": "p",
}


@pytest.fixture(autouse=True)
def fresh_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    structlog.reset_defaults()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def _configured() -> bool:
    return any(h.get_name() == HANDLER_NAME for h in logging.getLogger().handlers)


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_structlog_and_stdlib_records_are_json_lines(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(json=True)
    configure_logging(json=True)  # idempotent: one handler, one line per record
    get_logger("genolake.test").info("thing.done", count=3)
    logging.getLogger("genolake_prs.score").warning("low overlap: %s", "PGS1")
    lines = _json_lines(capfd.readouterr().err)
    assert [(line["event"], line["level"], line["logger"]) for line in lines] == [
        ("thing.done", "info", "genolake.test"),
        ("low overlap: PGS1", "warning", "genolake_prs.score"),
    ]
    assert lines[0]["count"] == 3 and "timestamp" in lines[0]


def test_the_cli_configures_logging(repo_root: Path) -> None:
    example = repo_root / "manifests" / "examples" / "normalize.json"
    result = CliRunner().invoke(cli, ["manifest", "validate", str(example)])
    assert result.exit_code == 0, result.output
    assert _configured()


def test_the_api_configures_logging_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from genolake_core.settings import get_settings

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            assert client.get("/health").json() == {"status": "ok"}
            assert _configured()
    finally:
        get_settings.cache_clear()


def test_every_line_of_a_run_names_its_run_and_batch(capfd: pytest.CaptureFixture[str]) -> None:
    @asset
    def logs_a_line(platform: PlatformResource) -> None:
        logging.getLogger("genolake_prs.score").warning("scored")

    result = materialize(
        [logs_a_line],
        resources={"platform": PlatformResource()},
        tags={BATCH_TAG: "batch-42", LANE_TAG: "prs"},
    )
    assert result.success
    [line] = [line for line in _json_lines(capfd.readouterr().err) if line["event"] == "scored"]
    assert line["run_id"] == result.run_id and line["batch_id"] == "batch-42" and line["lane"] == "prs"
