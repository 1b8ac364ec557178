"""Real storage for the intake and planner tests, without the rest of the stack: the pinned MinIO build and
FerretDB on its SQLite backend (scripts/install-native.sh installs both), started once per session on free
ports. Dagster itself is not needed: the planners and ManifestIntake take storage clients, and whether a
run exists is the one question intake asks Dagster (a set of run keys here)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from pydantic import SecretStr

BIN_DIR = Path(os.environ.get("GENOLAKE_BIN_DIR", Path.home() / ".cache" / "genolake" / "bin"))
ACCESS, SECRET = "genolake-unit", "unit-secret-for-tests"


def _binary(name: str) -> str:
    candidate = BIN_DIR / name
    found = str(candidate) if candidate.is_file() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (scripts/install-native.sh builds it)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(ready: object, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited: {log.read_text()[-2000:]}")
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not start in 60 s: {log.read_text()[-2000:]}")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def platform_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of a MinIO and a FerretDB started for this session (stopped at its end)."""
    tmp = tmp_path_factory.mktemp("storage")
    minio_port, console, mongo_port, debug = (_free_port() for _ in range(4))
    processes = []
    try:
        minio_log = tmp / "minio.log"
        minio = subprocess.Popen(
            [
                _binary("minio"),
                "server",
                str(tmp / "minio"),
                "--quiet",
                "--address",
                f"127.0.0.1:{minio_port}",
                "--console-address",
                f"127.0.0.1:{console}",
            ],
            env={
                **os.environ,
                "MINIO_ROOT_USER": ACCESS,
                "MINIO_ROOT_PASSWORD": SECRET,
                "MINIO_UPDATE": "off",
            },
            stdout=minio_log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        processes.append(minio)
        (tmp / "ferretdb").mkdir()
        mongo_log = tmp / "ferretdb.log"
        ferretdb = subprocess.Popen(
            [
                _binary("ferretdb"),
                "--handler=sqlite",
                f"--sqlite-url=file:{tmp / 'ferretdb'}/",
                f"--state-dir={tmp}",
                f"--listen-addr=127.0.0.1:{mongo_port}",
                f"--debug-addr=127.0.0.1:{debug}",
                "--telemetry=disable",
                "--log-level=WARN",
            ],
            stdout=mongo_log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        processes.append(ferretdb)
        _wait(lambda: _http_ok(f"http://127.0.0.1:{minio_port}/minio/health/live"), minio, minio_log, "MinIO")
        _wait(lambda: _port_open(mongo_port), ferretdb, mongo_log, "FerretDB")
        settings = Settings(
            s3_endpoint_url=f"http://127.0.0.1:{minio_port}",
            s3_access_key=SecretStr(ACCESS),
            s3_secret_key=SecretStr(SECRET),
            mongo_url=SecretStr(f"mongodb://127.0.0.1:{mongo_port}/"),
            pg_password=SecretStr("unused"),
        )
        store = ObjectStore.from_settings(settings)
        for bucket in (settings.landing_bucket, settings.lake_bucket):
            store.ensure_bucket(bucket)
        yield settings
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def store(platform_settings: Settings) -> ObjectStore:
    return ObjectStore.from_settings(platform_settings)


@pytest.fixture(scope="session")
def docs(platform_settings: Settings) -> Iterator[DocStore]:
    docstore = DocStore.from_settings(platform_settings)
    docstore.ensure_indexes()
    yield docstore
    docstore.close()
