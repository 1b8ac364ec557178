"""Fixtures for the compose tests: the compose CLI and docker-compose.yaml rendered by it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.compose.compose_testlib import EXTERNAL, INSTALL_HINT, filled_env, render, tool


@pytest.fixture(scope="session")
def compose_bin() -> Path:
    found = tool("docker-compose")
    if found is None:
        pytest.skip(f"the compose CLI is not installed: {INSTALL_HINT}")
    return found


@pytest.fixture(scope="session")
def rendered(compose_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project as `docker compose config` renders it from .env.example with secrets filled in."""
    return render(compose_bin, filled_env(), tmp_path_factory.mktemp("compose"))


@pytest.fixture(scope="session")
def services(rendered: dict[str, Any]) -> dict[str, Any]:
    return rendered["services"]  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def rendered_external(compose_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Rendered with every bundled-storage profile off (external S3, Postgres and Mongo)."""
    return render(compose_bin, filled_env(**EXTERNAL), tmp_path_factory.mktemp("compose-external"))
