"""scripts/compose-env.sh writes the .env the quick start describes (and the compose test uses), and
compose renders the project from it; the build secret and build arguments reach every image build;
the compose test's stand-in override changes only the two images it stands in for."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.compose.compose_testlib import REPO, env_example, filled_env, parse_dockerfile, render

SCRIPT = REPO / "scripts" / "compose-env.sh"
SECRETS = (
    "MINIO_ROOT_PASSWORD",
    "GENOLAKE_S3_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "GENOLAKE_PG_PASSWORD",
    "MONGO_ROOT_PASSWORD",
    "MONGO_APP_PASSWORD",
)
STANDINS = REPO / "tests" / "compose" / "docker-compose.standins.yaml"
DOWNLOADS = re.compile(r"\buv (sync|export|pip install)\b|\bgo (get|build)\b|npm-cli\.js install")


@pytest.fixture
def docker_socket(tmp_path: Path) -> Iterator[Path]:
    """A Unix socket standing for the Docker socket (the script reads only its group)."""
    path = tmp_path / "docker.sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    yield path
    sock.close()


def compose_env(out: Path, sock: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DOCKER_SOCKET": str(sock)}
    return subprocess.run(
        ["bash", str(SCRIPT), "-o", str(out), *settings], env=env, capture_output=True, text=True, check=False
    )


def read(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and line[0] != "#")


def test_fills_secrets_gid_and_settings(tmp_path: Path, docker_socket: Path) -> None:
    out = tmp_path / "lab" / ".env"
    result = compose_env(
        out,
        docker_socket,
        "GENOLAKE_DAGSTER_UI_URL=http://labserver:3000",  # set in the example: replaced
        "S3_BIND=127.0.0.1:9000",  # commented out in the example: uncommented in place
        "BUILD_EXTRA_CA_CERTS=./build-ca.pem",
        "COMPOSE_PROJECT_NAME=genolake-b",
        "NOT_IN_THE_EXAMPLE=x y",  # appended
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    values = read(out)
    secrets = [values[name] for name in SECRETS]
    assert all(re.fullmatch(r"[0-9a-f]{48}", value) for value in secrets) and len(set(secrets)) == len(
        secrets
    )
    assert not any(value in result.stderr for value in secrets)  # the log masks them
    assert values["DOCKER_GID"] == str(docker_socket.stat().st_gid)
    assert values["GENOLAKE_DAGSTER_UI_URL"] == "http://labserver:3000"
    assert values["S3_BIND"] == "127.0.0.1:9000" and values["NOT_IN_THE_EXAMPLE"] == "x y"
    lines = out.read_text().splitlines()
    assert lines.index("S3_BIND=127.0.0.1:9000") < lines.index(
        "GENOLAKE_DAGSTER_UI_URL=http://labserver:3000"
    )
    # Everything else is the example's.
    untouched = {
        k: v for k, v in env_example().items() if k not in {*SECRETS, "DOCKER_GID", "GENOLAKE_DAGSTER_UI_URL"}
    }
    assert {k: values[k] for k in untouched} == untouched

    again = compose_env(out, docker_socket)
    assert again.returncode != 0 and "exists" in again.stderr
    assert read(out) == values


def test_the_result_renders(tmp_path: Path, docker_socket: Path, compose_bin: Path) -> None:
    out = tmp_path / ".env"
    assert compose_env(out, docker_socket).returncode == 0
    rendered = render(compose_bin, read(out), tmp_path)
    assert rendered["secrets"]["build_ca"]["file"] == str(REPO / "services/build/no-extra-ca.pem")


def test_refuses_bad_arguments_and_a_missing_socket(tmp_path: Path, docker_socket: Path) -> None:
    bad = compose_env(tmp_path / "a.env", docker_socket, "lowercase=1")
    assert bad.returncode != 0 and "NAME=VALUE" in bad.stderr
    missing = compose_env(tmp_path / "b.env", tmp_path / "nowhere.sock")
    assert missing.returncode != 0 and "no Docker socket" in missing.stderr


def test_every_build_gets_the_ca_secret_and_its_base_images(services: dict[str, Any]) -> None:
    python_args = {"PYTHON_IMAGE", "UV_IMAGE"}
    for name, service in services.items():
        if "build" not in service:
            continue
        build = service["build"]
        assert [s["source"] for s in build["secrets"]] == ["build_ca"], name
        expected = {"GO_IMAGE", "INIT_BASE_IMAGE"} if name.startswith("minio") else python_args
        dockerfile = parse_dockerfile(Path(build["context"]) / build.get("dockerfile", "Dockerfile"))
        assert expected <= set(dockerfile.global_args), name
    # Unset in .env: no argument passed, the Dockerfiles' pinned defaults apply.
    assert all("args" not in s["build"] for s in services.values() if "build" in s)


def test_no_extra_ca_by_default() -> None:
    default = (REPO / "services" / "build" / "no-extra-ca.pem").read_text()
    assert "-----BEGIN" not in default
    assert "# BUILD_EXTRA_CA_CERTS=" in (REPO / ".env.example").read_text()


@pytest.mark.parametrize(
    "dockerfile",
    [
        "services/api/Dockerfile",
        "services/dagster/Dockerfile",
        "services/dagster/Dockerfile.user-code",
        "services/minio/Dockerfile",
        "tests/compose/standins/mongo/Dockerfile",
    ],
)
def test_every_download_step_trusts_the_extra_ca_without_keeping_it(dockerfile: str) -> None:
    parsed = parse_dockerfile(REPO / dockerfile)
    downloads = [
        args for _s, key, args in parsed.all_instructions() if key == "RUN" and DOWNLOADS.search(args)
    ]
    assert downloads, dockerfile
    for run in downloads:
        if re.search(r"\bgo build\b", run) and "go get" not in run and "npm" not in run:
            continue  # builds from the module cache only (no download)
        assert "--mount=type=secret,id=build_ca" in run, run
        assert "--mount=type=tmpfs,target=/run/build-ca" in run, run  # the combined bundle: not in a layer
        assert "/run/build-ca/bundle.pem" in run, run


def test_standins_override_changes_only_the_two_images(compose_bin: Path, tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    plain = render(compose_bin, filled_env(), tmp_path / "a")
    local = {
        "PYTHON_IMAGE": "genolake-local/python:3.11-bookworm",
        "GO_IMAGE": "genolake-local/go:1-bookworm",
    }
    env_file = tmp_path / "b" / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in filled_env(**local).items()))
    result = subprocess.run(
        [str(compose_bin), "--project-directory", str(REPO), "-f", str(REPO / "docker-compose.yaml"),
         "-f", str(STANDINS), "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True, text=True, check=False, cwd=REPO,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with_standins = json.loads(result.stdout)
    assert set(with_standins["services"]) == set(plain["services"])
    for name, service in with_standins["services"].items():
        original = plain["services"][name]
        changed = {key for key in set(service) | set(original) if service.get(key) != original.get(key)}
        if name == "postgres":
            assert changed == {"image", "build"}
        elif name == "mongo":
            assert changed == {"image", "build", "environment", "depends_on"}
            assert set(service["environment"]) - set(original["environment"]) == {"FERRETDB_POSTGRESQL_URL"}
            assert {k: v for k, v in service["environment"].items() if k in original["environment"]} == (
                original["environment"]
            )
        elif "build" in service:
            # Only the base images that .env names differ.
            assert changed <= {"build"}, (name, changed)
            assert service["build"]["args"] == {
                k: v for k, v in local.items() if k in service["build"]["args"]
            }
        else:
            assert changed == set(), (name, changed)
    for name in ("postgres", "mongo"):
        assert with_standins["services"][name]["image"].startswith("genolake-local/")
        assert not plain["services"][name]["image"].startswith("genolake-local/")
