"""One compose stack for the session, set up as docs/deploy/README-quickstart.md tells an admin:
engine, images, .env, `docker compose build`, `docker compose up -d`, every service healthy.
At the end `docker compose down -v`; when something failed, every service's last log lines first.
Run with `make test-compose` (tests/compose/README.md); never part of `make test`'s default run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compose.harness import (
    IMAGE_TAG,
    NUMBERS,
    PORT_BASE,
    PROJECT,
    REPO,
    STANDINS,
    WORK,
    Aws,
    Compose,
    build_cpu_seconds,
    can_use_official,
    engine,
    human_bytes,
    image_size,
    local_base_images,
    official_images,
)

FAILURE_LOGS: list[str] = []


@dataclass(frozen=True)
class Ports:
    s3: int = PORT_BASE
    console: int = PORT_BASE + 1
    ui: int = PORT_BASE + 30
    api: int = PORT_BASE + 80


@dataclass
class Stack:
    compose: Compose
    ports: Ports
    images: str  # "official" or "local"

    def aws(self, access_key: str, secret_key: str) -> Aws:
        return Aws(f"http://127.0.0.1:{self.ports.s3}", access_key, secret_key, WORK / "aws" / access_key)

    def pipelines_aws(self) -> Aws:
        s = self.compose.settings
        return self.aws(s["GENOLAKE_S3_ACCESS_KEY"], s["GENOLAKE_S3_SECRET_KEY"])


def say(message: str) -> None:
    print(f"[compose-test] {message}", flush=True)


def _choose_images() -> tuple[str, str]:
    wanted = os.environ.get("GENOLAKE_COMPOSE_TEST_IMAGES", "auto")
    if wanted not in {"auto", "official", "local"}:
        raise ValueError(f"GENOLAKE_COMPOSE_TEST_IMAGES={wanted}: use auto, official or local")
    if wanted != "auto":
        return wanted, f"GENOLAKE_COMPOSE_TEST_IMAGES={wanted}"
    usable, why = can_use_official(official_images())
    return ("official" if usable else "local"), why


def _build_ca() -> str | None:
    """The machine's CA bundle as BUILD_EXTRA_CA_CERTS (copied inside the project: compose lets the
    builder read files under it only); GENOLAKE_BUILD_EXTRA_CA_CERTS names another file, '' none."""
    source = os.environ.get("GENOLAKE_BUILD_EXTRA_CA_CERTS", "/etc/ssl/certs/ca-certificates.crt")
    if not source or not Path(source).is_file():
        return None
    target = WORK / "build-ca.pem"
    shutil.copyfile(source, target)
    return "./" + target.relative_to(REPO).as_posix()


def _write_env(images: str) -> Path:
    """scripts/compose-env.sh, as the quick start runs it, with this test's addresses and ports."""
    p = Ports()
    settings = {
        "COMPOSE_PROJECT_NAME": PROJECT,
        "DOCKER_NETWORK": PROJECT,
        "IMAGE_TAG": IMAGE_TAG,
        "S3_BIND": f"127.0.0.1:{p.s3}",
        "MINIO_CONSOLE_BIND": f"127.0.0.1:{p.console}",
        "API_BIND": f"127.0.0.1:{p.api}",
        "DAGSTER_UI_BIND": f"127.0.0.1:{p.ui}",
        "GENOLAKE_DAGSTER_UI_URL": f"http://127.0.0.1:{p.ui}",
        "GENOLAKE_S3_PUBLIC_ENDPOINT_URL": f"http://127.0.0.1:{p.s3}",
    }
    ca = _build_ca()
    if ca:
        settings["BUILD_EXTRA_CA_CERTS"] = ca
    if images == "local":
        settings["COMPOSE_FILE"] = f"docker-compose.yaml:{STANDINS}"
        started = time.monotonic()
        settings.update(local_base_images())
        NUMBERS.add("local base images (local-images.sh)", f"{time.monotonic() - started:.0f} s")
    env_file = WORK / ".env"
    env_file.unlink(missing_ok=True)
    subprocess.run(
        ["bash", str(REPO / "scripts" / "compose-env.sh"), "-o", str(env_file)]
        + [f"{k}={v}" for k, v in settings.items()],
        check=True,
    )
    return env_file


def _leftovers(env_file: Path) -> None:
    """A previous run that was killed may have left its project behind: remove it (its volumes hold
    secrets of the old .env)."""
    if env_file.is_file():
        Compose(env_file).run("down", "--volumes", "--remove-orphans", check=False, timeout=300)


def _build(compose: Compose) -> None:
    before = {image for image in compose.images() if _exists(image)}
    cpu0 = build_cpu_seconds()
    started = time.monotonic()
    result = compose.run("--progress", "plain", "build", check=False, timeout=3600)
    elapsed = time.monotonic() - started
    (WORK / "build.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise AssertionError(f"docker compose build failed:\n{(result.stdout + result.stderr)[-6000:]}")
    cpu1 = build_cpu_seconds()
    # The images these replaced (untagged now) would pile up run after run on a CI machine.
    label = f"label=com.docker.compose.project={PROJECT}"
    subprocess.run(["docker", "image", "prune", "-f", "--filter", label], capture_output=True, check=False)
    log = result.stdout + result.stderr
    steps = set(re.findall(r"^#(\d+) \[[^\]]+\] (?:RUN|COPY) ", log, flags=re.MULTILINE))
    cached = steps & set(re.findall(r"^#(\d+) CACHED", log, flags=re.MULTILINE))
    kind = (
        "warm: every step cached"
        if steps == cached
        else ("first build of these images" if not before else "partly cached")
    )
    cpu = (
        f", CPU {cpu1 - cpu0:.0f} s (build steps and dockerd)"
        if cpu0 is not None and cpu1 is not None
        else ""
    )
    NUMBERS.add(
        "docker compose build",
        f"{elapsed:.0f} s wall{cpu}; {len(cached)} of {len(steps)} RUN/COPY steps cached ({kind})",
    )
    say(f"build: {NUMBERS.values['docker compose build']}")


def _exists(image: str) -> bool:
    return (
        subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode
        == 0
    )


def _record_images(compose: Compose) -> None:
    for image in compose.images():
        NUMBERS.add(f"image {image}", human_bytes(image_size(image)))


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    WORK.mkdir(parents=True, exist_ok=True)
    assert WORK.is_relative_to(REPO), f"GENOLAKE_COMPOSE_TEST_DIR must be inside {REPO}"
    engine("start")
    keep = os.environ.get("GENOLAKE_COMPOSE_TEST_KEEP") == "1"
    compose: Compose | None = None
    if keep and (WORK / ".env").is_file():
        reused = Compose(WORK / ".env")
        if reused.ps() and reused.healthy()[0]:
            say("GENOLAKE_COMPOSE_TEST_KEEP=1: reusing the running stack (no build, no up, no numbers)")
            try:
                yield Stack(reused, Ports(), "local" if "COMPOSE_FILE" in reused.settings else "official")
            finally:
                if request.session.testsfailed:
                    FAILURE_LOGS.append(reused.logs())
            return
    try:
        images, why = _choose_images()
        say(f"images: {images} ({why})")
        _leftovers(WORK / ".env")
        compose = Compose(_write_env(images))
        used = compose.images()
        NUMBERS.add("images used", f"{images}: {', '.join(used)}")
        say(f"images used: {', '.join(used)}")
        _build(compose)
        _record_images(compose)
        started = time.monotonic()
        compose.run("up", "-d", "--wait", "--wait-timeout", "900", timeout=960)
        compose.wait_healthy(timeout=60)
        NUMBERS.add("up -d to all healthy", f"{time.monotonic() - started:.0f} s")
        say(f"up -d to all healthy: {NUMBERS.values['up -d to all healthy']}")
        yield Stack(compose, Ports(), images)
    except BaseException:
        if compose is not None:
            FAILURE_LOGS.append(compose.logs())
        raise
    finally:
        if compose is not None:
            if request.session.testsfailed and not FAILURE_LOGS:
                FAILURE_LOGS.append(compose.logs())
            if keep:
                say(
                    "GENOLAKE_COMPOSE_TEST_KEEP=1: the stack and the engine stay up (docker compose "
                    f"--env-file {compose.env_file} down -v removes it; the next run reuses it)"
                )
            else:
                compose.run("down", "--volumes", "--remove-orphans", check=False, timeout=600)
                label = f"label=com.docker.compose.project={PROJECT}"
                left = subprocess.run(
                    ["docker", "volume", "ls", "-q", "--filter", label],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout.split()
                say(f"down -v: {'no volume left' if not left else f'volumes left: {left}'}")
        if not keep:
            engine("stop")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for logs in FAILURE_LOGS:
        terminalreporter.section("compose: every service's last log lines")
        terminalreporter.write_line(logs)
    if NUMBERS.values:
        terminalreporter.section("compose: numbers")
        width = max(len(name) for name in NUMBERS.values)
        for name, value in NUMBERS.values.items():
            terminalreporter.write_line(f"{name:<{width}}  {value}")
