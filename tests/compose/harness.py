"""The compose test's harness: the Docker Engine, the images it builds from, the test's .env, the
`docker compose` CLI, the users' tools (awscli, HTTP on 127.0.0.1) and the numbers it reports.

Everything goes through the commands an admin or a user runs (tests/compose/README.md); the only
extra is the .env location (data/compose-test/.env, passed with --env-file) and the project name,
so that the test never touches a running installation's .env, containers or volumes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORK = Path(os.environ.get("GENOLAKE_COMPOSE_TEST_DIR", REPO / "data" / "compose-test")).resolve()
PORT_BASE = int(os.environ.get("GENOLAKE_COMPOSE_TEST_PORT_BASE", "24000"))
PROJECT = os.environ.get("GENOLAKE_COMPOSE_TEST_PROJECT", "genolake-test")
IMAGE_TAG = "compose-test"
STANDINS = "tests/compose/docker-compose.standins.yaml"
AWSCLI = "awscli==1.46.3"  # the AWS CLI users upload with (a uv tool, run from uv's cache)
LONG_RUNNING = (
    "minio",
    "postgres",
    "mongo",
    "dagster-user-code",
    "dagster-daemon",
    "dagster-webserver",
    "api",
)
ONE_SHOT = ("minio-init", "bootstrap")
SERVICES = (*LONG_RUNNING[:3], *ONE_SHOT, *LONG_RUNNING[3:])


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 180.0, interval: float = 1.0) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Numbers:
    """What the test measured, printed at the end of the session (and kept in WORK/numbers.json)."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        self.values[name] = value
        WORK.mkdir(parents=True, exist_ok=True)
        (WORK / "numbers.json").write_text(json.dumps(self.values, indent=2) + "\n")


NUMBERS = Numbers()


# --- Docker Engine and images ----------------------------------------------------------------------


def docker(
    *args: str, check: bool = True, timeout: float = 600, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=timeout, **kwargs
    )


def engine(action: str) -> None:
    result = subprocess.run(
        ["bash", str(HERE / "engine.sh"), action], capture_output=True, text=True, check=False, env=_env()
    )
    print(result.stderr.strip())
    if result.returncode != 0:
        raise RuntimeError(f"tests/compose/engine.sh {action} failed:\n{result.stderr}")


def official_images() -> list[str]:
    """The images the production files name: postgres and mongo in docker-compose.yaml, the bases in
    the Dockerfiles (their ARG defaults)."""
    compose = (REPO / "docker-compose.yaml").read_text()
    images = re.findall(r"^\s+image: ((?:postgres|mongo):\S+)$", compose, flags=re.MULTILINE)
    for dockerfile in ("services/api/Dockerfile", "services/minio/Dockerfile"):
        images += re.findall(r"^ARG \w+_IMAGE=(\S+)$", (REPO / dockerfile).read_text(), flags=re.MULTILINE)
    return sorted(set(images))


def can_use_official(images: list[str]) -> tuple[bool, str]:
    """Present, or pullable (the first one that fails decides)."""
    for image in images:
        if docker("image", "inspect", image, check=False).returncode == 0:
            continue
        try:
            pulled = docker("pull", "--quiet", image, check=False, timeout=180)
        except subprocess.TimeoutExpired:
            return False, f"pulling {image} timed out"
        if pulled.returncode != 0:
            return False, f"cannot pull {image}: {(pulled.stderr.strip().splitlines() or ['?'])[-1]}"
    return True, "every official image is present or pullable"


def local_base_images() -> dict[str, str]:
    """tests/compose/local-images.sh: genolake-local/* bases made here; returns their .env settings."""
    result = subprocess.run(
        ["bash", str(HERE / "local-images.sh")], capture_output=True, text=True, check=False, env=_env()
    )
    print(result.stderr.strip())
    if result.returncode != 0:
        raise RuntimeError(f"tests/compose/local-images.sh failed:\n{result.stderr}")
    return dict(line.split("=", 1) for line in result.stdout.split())


def image_size(image: str) -> int:
    return int(docker("image", "inspect", "-f", "{{.Size}}", image).stdout.strip())


def build_cpu_seconds() -> float | None:
    """CPU time so far of BuildKit's build steps (their cgroup, docker/buildkit) plus dockerd's own
    (BuildKit runs in it: snapshots, layer export); None when either cannot be read here."""
    steps = None
    v1 = Path("/sys/fs/cgroup/cpuacct/docker/buildkit/cpuacct.usage")  # nanoseconds
    v2 = Path("/sys/fs/cgroup/docker/buildkit/cpu.stat")  # usage_usec
    if v1.is_file():
        steps = int(v1.read_text()) / 1e9
    elif v2.is_file():
        stat = dict(line.split() for line in v2.read_text().splitlines())
        steps = int(stat["usage_usec"]) / 1e6
    pid = subprocess.run(["pidof", "dockerd"], capture_output=True, text=True, check=False).stdout.split()
    if steps is None or len(pid) != 1:
        return None
    try:
        fields = Path(f"/proc/{pid[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return steps + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # + utime, stime


# --- The test's .env and the compose CLI ---------------------------------------------------------


def _env(extra: dict[str, str] | None = None, drop: set[str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (drop or set()) and not k.startswith("COMPOSE_")}
    env.setdefault("NO_PROXY", "127.0.0.1,localhost")
    env.update(extra or {})
    return env


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


class Compose:
    """`docker compose --env-file WORK/.env ...` from the repository root; nothing from the caller's
    environment overrides the file (variables it sets are removed from the process environment)."""

    def __init__(self, env_file: Path) -> None:
        self.env_file = env_file
        self.settings = read_env_file(env_file)

    def run(
        self, *args: str, check: bool = True, timeout: float = 600, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["docker", "compose", "--env-file", str(self.env_file), *args],
            cwd=REPO,
            env=_env(drop=set(self.settings)),
            capture_output=True,
            text=True,
            timeout=timeout,
            input=input,
            check=False,
        )
        if check and result.returncode != 0:
            command = " ".join(args)
            raise AssertionError(
                f"docker compose {command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def exec(self, service: str, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("exec", "-T", service, *command, check=check)

    def ps(self) -> dict[str, dict[str, Any]]:
        out = self.run("ps", "--all", "--format", "json").stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return {row["Service"]: row for row in rows}

    def images(self) -> list[str]:
        return sorted(set(self.run("config", "--images").stdout.split()))

    def psql(self, sql: str) -> list[list[str]]:
        """A query in Dagster's database, run inside the postgres container (its local socket)."""
        out = self.exec(
            "postgres", "psql", "-U", "postgres", "-d", self.settings.get("GENOLAKE_PG_DB", "dagster"),
            "-v", "ON_ERROR_STOP=1", "-tA", "-F", "\t", "-c", sql,
        ).stdout  # fmt: skip
        return [line.split("\t") for line in out.splitlines() if line]

    def mongo(self, script: str) -> Any:
        """A mongosh script in the mongo container, as its root user, against the genolake database;
        the script's last expression is printed as JSON (EJSON relaxed)."""
        out = self.exec(
            "mongo", "mongosh", "--quiet", "--norc",
            "--username", self.settings.get("MONGO_ROOT_USER", "admin"),
            "--password", self.settings["MONGO_ROOT_PASSWORD"],
            "--authenticationDatabase", "admin", "genolake",
            "--eval", f"EJSON.stringify(({script}), {{relaxed: true}})",
        ).stdout  # fmt: skip
        return json.loads(out.strip().splitlines()[-1])

    def healthy(self) -> tuple[bool, str]:
        """Every long-running service healthy and both one-shot services exited 0."""
        rows = self.ps()
        pending = []
        for name in LONG_RUNNING:
            row = rows.get(name)
            if row is None or row.get("Health") != "healthy":
                state = "absent" if row is None else f"{row.get('State')}/{row.get('Health') or '-'}"
                if row is not None and row.get("State") in {"exited", "dead"}:
                    raise AssertionError(f"{name} stopped: {row.get('Status')}")
                pending.append(f"{name} {state}")
        for name in ONE_SHOT:
            row = rows.get(name)
            if row is None or row.get("State") != "exited":
                pending.append(f"{name} {'absent' if row is None else row.get('State')}")
            elif row.get("ExitCode") != 0:
                raise AssertionError(f"{name} exited {row.get('ExitCode')}")
        return not pending, ", ".join(pending)

    def wait_healthy(self, timeout: float = 600) -> float:
        started = time.monotonic()
        last = ""

        def probe() -> bool:
            nonlocal last
            ok, last = self.healthy()
            return ok

        try:
            wait_for("every service healthy", probe, timeout=timeout, interval=3)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; still waiting for: {last}") from exc
        return time.monotonic() - started

    def logs(self, lines: int = 40) -> str:
        parts = []
        for name in SERVICES:
            result = self.run("logs", "--no-color", "--tail", str(lines), name, check=False)
            parts.append(f"----- {name} (last {lines} lines) -----\n{result.stdout}{result.stderr}")
        return "\n".join(parts)


# --- Users' tools --------------------------------------------------------------------------------


class Aws:
    """The AWS CLI (pinned, run as a uv tool) with one user's S3 keys, against 127.0.0.1 only."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.env = _env(
            {
                "AWS_ACCESS_KEY_ID": access_key,
                "AWS_SECRET_ACCESS_KEY": secret_key,
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(home / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
                "AWS_REQUEST_CHECKSUM_CALCULATION": "when_required",
                "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
            },
            drop={"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"},
        )

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        uv = shutil.which("uv") or "uv"
        result = subprocess.run(
            [uv, "tool", "run", "--quiet", "--from", AWSCLI, "aws", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def keys(self, url: str) -> list[str]:
        """Every key under an s3:// prefix."""
        out = self("s3", "ls", "--recursive", url, check=False)
        if out.returncode not in (0, 1):  # 1: nothing there
            raise AssertionError(out.stderr)
        return [line.split(maxsplit=3)[3] for line in out.stdout.splitlines() if len(line.split()) == 4]


def api_client(port: int, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60, trust_env=False)


def human_bytes(size: float) -> str:
    return f"{size / 1e6:.0f} MB" if size < 1e9 else f"{size / 1e9:.2f} GB"
