"""The integration suite runs against a real native stack (MinIO, Postgres, FerretDB, Dagster, API).

By default the session starts its own stack under `data/test-stack/` on ports from 29000 and stops
it at the end; GENOLAKE_TEST_STACK=reuse uses one already running there (faster when iterating).
GENOLAKE_TEST_STACK_ROOT and GENOLAKE_TEST_PORT_BASE move it (two suites can run side by side).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from genolake_cli.stack import NativeStack, Ports
from genolake_core.accounts import create_key, create_user
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings, get_settings

from tests.integration.helpers import DagsterRuns

TEST_PORT_BASE = int(os.environ.get("GENOLAKE_TEST_PORT_BASE", "29000"))
TEST_STACK_ROOT = os.environ.get("GENOLAKE_TEST_STACK_ROOT", "data/test-stack")


@pytest.fixture(scope="session")
def stack(repo_root: Path) -> Iterator[NativeStack]:
    native = NativeStack(repo_root / TEST_STACK_ROOT, repo_root, Ports(TEST_PORT_BASE))
    reuse = os.environ.get("GENOLAKE_TEST_STACK") == "reuse"
    native.up()
    saved = dict(os.environ)
    os.environ.update(native.process_env())
    get_settings.cache_clear()
    try:
        yield native
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        if not reuse:
            native.down()


@pytest.fixture(scope="session")
def settings(stack: NativeStack) -> Settings:
    return stack.settings()


@pytest.fixture(scope="session")
def store(settings: Settings) -> ObjectStore:
    return ObjectStore.from_settings(settings)


@pytest.fixture(scope="session")
def docs(settings: Settings) -> Iterator[DocStore]:
    docstore = DocStore.from_settings(settings)
    yield docstore
    docstore.close()


@pytest.fixture(scope="session")
def api(stack: NativeStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.ports.api}", timeout=30) as client:
        yield client


@pytest.fixture()
def user() -> str:
    """A fresh user per test, so tests never see each other's data."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def make_token(docs: DocStore) -> Callable[..., str]:
    """Creates a user (if needed) and returns a new API key for it."""

    def make(name: str, *, admin: bool = False) -> str:
        create_user(docs, name, is_admin=admin)
        return create_key(docs, name)

    return make


@pytest.fixture()
def auth(user: str, make_token: Callable[..., str]) -> dict[str, str]:
    """Authorization header of the test's user."""
    return {"Authorization": f"Bearer {make_token(user)}"}


@pytest.fixture(scope="session")
def dagster_runs(settings: Settings) -> DagsterRuns:
    return DagsterRuns(settings)
