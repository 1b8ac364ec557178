"""The fault tests run against their own native stack (they kill its services), fresh for the group:
root `data/fault-stack` (GENOLAKE_FAULT_STACK_ROOT), emptied first. It takes the ports of the integration
suite's stack (GENOLAKE_TEST_PORT_BASE, or GENOLAKE_FAULT_PORT_BASE): pytest runs tests/faults first and
stops this stack before the integration suite starts its own, so the two never run at once. A stack
already listening there (the integration stack kept by GENOLAKE_TEST_STACK=reuse) fails the group with
what to do instead of being touched.

As root, MinIO's data folder is a size-capped tmpfs (`LAKE_DISK_MB`), so a test can fill the disk under
the lake (MinIO then answers 507 "storage full", a transient error steps retry); without root that
scenario is skipped with its reason. GENOLAKE_FAULT_STACK=reuse keeps the stack up afterwards (for
looking at it; the next session starts a fresh one). The figures of every scenario are printed by the
last test and again at the end of the session (`pytest_terminal_summary`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from genolake_cli.stack import NativeStack, Ports
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings, get_settings

from tests.faults.harness import Platform, table

TEST_PORT_BASE = int(os.environ.get("GENOLAKE_TEST_PORT_BASE", "29000"))
FAULT_PORT_BASE = int(os.environ.get("GENOLAKE_FAULT_PORT_BASE", str(TEST_PORT_BASE)))
FAULT_STACK_ROOT = os.environ.get("GENOLAKE_FAULT_STACK_ROOT", "data/fault-stack")
LAKE_DISK_MB = 256
FIGURES: list[dict[str, Any]] = []
LAKE_DISK: dict[str, Path | None] = {"path": None}


def _mounted(path: Path) -> bool:
    return subprocess.run(["mountpoint", "-q", str(path)], check=False).returncode == 0


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _fresh(stack: NativeStack) -> None:
    """Stop what a previous session left of the fault stack and empty its root."""
    stack.down()
    lake_disk = stack.root / "minio"
    if _mounted(lake_disk):
        subprocess.run(["umount", str(lake_disk)], check=True)
    shutil.rmtree(stack.root, ignore_errors=True)


def _mount_lake_disk(folder: Path) -> bool:
    """A size-capped tmpfs under MinIO's data (root only); False if it cannot be had."""
    folder.mkdir(parents=True, exist_ok=True)
    if _mounted(folder):
        return True
    if os.geteuid() != 0 or any(folder.iterdir()):
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={LAKE_DISK_MB}m,mode=0755", "tmpfs", str(folder)],
        check=False,
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture(scope="module")
def fault_stack(repo_root: Path) -> Iterator[NativeStack]:
    ports = Ports(FAULT_PORT_BASE)
    stack = NativeStack(repo_root / FAULT_STACK_ROOT, repo_root, ports)
    reuse = os.environ.get("GENOLAKE_FAULT_STACK") == "reuse"
    _fresh(stack)
    probed = (ports.minio, ports.postgres, ports.mongo, ports.code_server)
    busy = [port for port in probed if _listening(port)]
    if busy:
        pytest.fail(
            f"ports {busy} (base {FAULT_PORT_BASE}) are taken, by the integration stack kept with "
            "GENOLAKE_TEST_STACK=reuse? Run the fault tests alone on a free base "
            "(GENOLAKE_FAULT_PORT_BASE) or stop that stack (genolake stack down --root data/test-stack)"
        )
    lake_disk = stack.root / "minio"
    LAKE_DISK["path"] = lake_disk if _mount_lake_disk(lake_disk) else None
    stack.up()
    saved = dict(os.environ)
    os.environ.update(stack.process_env())
    get_settings.cache_clear()
    try:
        yield stack
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        if not reuse:
            stack.down()
            if _mounted(lake_disk):
                subprocess.run(["umount", str(lake_disk)], check=False)


@pytest.fixture(scope="module")
def lake_disk(fault_stack: NativeStack) -> Path | None:
    """MinIO's data folder when it is a size-capped tmpfs (None: the disk cannot be filled here)."""
    return LAKE_DISK["path"]


@pytest.fixture(scope="module")
def fault_settings(fault_stack: NativeStack) -> Settings:
    return fault_stack.settings()


@pytest.fixture(scope="module")
def platform(fault_settings: Settings) -> Iterator[Platform]:
    docs = DocStore.from_settings(fault_settings)
    yield Platform(fault_settings, ObjectStore.from_settings(fault_settings), docs)
    docs.close()


@pytest.fixture(scope="session")
def figures() -> list[dict[str, Any]]:
    return FIGURES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.write_sep("=", "fault figures")
        terminalreporter.write_line(table(FIGURES))
