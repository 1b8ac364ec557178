"""The Dockerfiles compose builds: hadolint, COPY sources (present, and let through .dockerignore),
the workspace packages each image needs, pinned bases and versions, non-root final stages."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.unit.compose.compose_testlib import (
    INSTALL_HINT,
    REPO,
    DockerIgnore,
    copy_sources,
    parse_dockerfile,
    tool,
)

DOCKERFILES = {
    "services/dagster/Dockerfile": REPO,
    "services/dagster/Dockerfile.user-code": REPO,
    "services/api/Dockerfile": REPO,
    "services/minio/Dockerfile": REPO / "services" / "minio",
}
PYTHON_DOCKERFILES = [name for name, context in DOCKERFILES.items() if context == REPO]


def _lock() -> dict[str, Any]:
    return tomllib.loads((REPO / "uv.lock").read_text())


def _workspace_members() -> list[str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]["members"]  # type: ignore[no-any-return]


def _workspace_packages() -> dict[str, tuple[str, set[str]]]:
    """Workspace package name -> (path, names of its dependencies) from uv.lock."""
    packages = {}
    for package in _lock()["package"]:
        editable = package.get("source", {}).get("editable")
        if editable:
            packages[package["name"]] = (editable, {dep["name"] for dep in package.get("dependencies", [])})
    return packages


def _closure(roots: list[str]) -> set[str]:
    packages = _workspace_packages()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(dep for dep in packages[name][1] if dep in packages)
    return seen


def _copied(dockerfile: str) -> set[str]:
    parsed = parse_dockerfile(REPO / dockerfile)
    sources: set[str] = set()
    for _stage, key, args in parsed.all_instructions():
        if key == "COPY":
            found, _dest, flags = copy_sources(args)
            if "from" not in flags:
                sources.update(source.rstrip("/") for source in found)
    return sources


def test_compose_builds_exactly_these_dockerfiles(services: dict[str, Any]) -> None:
    built = {
        (Path(s["build"]["context"]) / s["build"].get("dockerfile", "Dockerfile"))
        .relative_to(REPO)
        .as_posix(): Path(s["build"]["context"])
        for s in services.values()
        if "build" in s
    }
    assert built == DOCKERFILES


@pytest.mark.parametrize("dockerfile", sorted(DOCKERFILES))
def test_hadolint(dockerfile: str) -> None:
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip(f"hadolint is not installed: {INSTALL_HINT}")
    result = subprocess.run(
        [str(hadolint), "--no-color", dockerfile], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", sorted(DOCKERFILES))
def test_copy_sources_exist_and_reach_the_build(dockerfile: str) -> None:
    context = DOCKERFILES[dockerfile]
    ignore_file = context / ".dockerignore"
    ignore = DockerIgnore(ignore_file.read_text() if ignore_file.is_file() else "")
    parsed = parse_dockerfile(REPO / dockerfile)
    stage_names = {stage.name for stage in parsed.stages}
    for stage, key, args in parsed.all_instructions():
        if key not in {"COPY", "ADD"}:
            continue
        sources, _dest, flags = copy_sources(args)
        if "from" in flags:
            source_stage = parsed.resolve(flags["from"], stage)
            assert source_stage in stage_names or ":" in source_stage, f"{dockerfile}: --from={source_stage}"
            continue
        assert key == "COPY", f"{dockerfile}: use COPY, not ADD"
        for source in sources:
            path = context / source
            assert path.exists(), f"{dockerfile}: COPY {source}: missing in {context}"
            relative = path.relative_to(context).as_posix()
            assert ignore.included(relative), f"{dockerfile}: COPY {source} is excluded by .dockerignore"
            if path.is_dir():
                files = [p for p in path.rglob("*.py")] or [p for p in path.rglob("*") if p.is_file()]
                assert files and all(ignore.included(p.relative_to(context).as_posix()) for p in files), (
                    source
                )


def test_dockerignore_keeps_secrets_and_bulk_out() -> None:
    ignore = DockerIgnore((REPO / ".dockerignore").read_text())
    kept_out = [
        ".env",
        "data/stack/genolake.env",
        ".venv/bin/python",
        ".git/config",
        "tests/conftest.py",
        "libs/core/src/genolake_core/__pycache__/settings.cpython-311.pyc",
        "bench/bench_intake.py",
    ]
    for path in kept_out:
        assert not ignore.included(path), path
    for path in ("uv.lock", "libs/core/src/genolake_core/settings.py", "services/dagster/dagster.yaml"):
        assert ignore.included(path), path


@pytest.mark.parametrize("dockerfile", PYTHON_DOCKERFILES)
def test_every_workspace_member_pyproject_is_copied(dockerfile: str) -> None:
    """`uv sync/export --locked` needs the whole workspace's pyproject.toml files."""
    copied = _copied(dockerfile)
    assert {"pyproject.toml", "uv.lock"} <= copied
    missing = {f"{member}/pyproject.toml" for member in _workspace_members()} - copied
    assert not missing, f"{dockerfile} must COPY {sorted(missing)}"


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        ("services/dagster/Dockerfile.user-code", {"genolake-dagster", "genolake-cli"}),
        ("services/api/Dockerfile", {"genolake-api"}),
    ],
)
def test_images_install_their_packages_with_sources(dockerfile: str, expected: set[str]) -> None:
    text = parse_dockerfile(REPO / dockerfile)
    runs = [args for _stage, key, args in text.all_instructions() if key == "RUN" and "uv sync" in args]
    assert len(runs) == 2, "one sync without the workspace (dependency layer), one with it"
    for run in runs:
        assert "--locked" in run and "--no-dev" in run
        assert set(re.findall(r"--package (\S+)", run)) == expected
    assert "--no-install-workspace" in runs[0] and "--no-editable" in runs[1]
    packages = _workspace_packages()
    needed = {f"{packages[name][0]}/src" for name in _closure(sorted(expected))}
    copied = _copied(dockerfile)
    assert needed <= copied, f"{dockerfile} must COPY {sorted(needed - copied)}"
    # ... and nothing heavy it does not need (the API image has no genomics libraries).
    assert copied & {f"{path}/src" for path, _deps in packages.values()} == needed


def test_light_dagster_image_pins_the_locked_versions() -> None:
    parsed = parse_dockerfile(REPO / "services/dagster/Dockerfile")
    build = parsed.stage("build")
    versions = {
        name: parsed.resolve(f"${{{name}}}", build) for name in ("DAGSTER_VERSION", "DAGSTER_LIBS_VERSION")
    }
    locked = {package["name"]: package["version"] for package in _lock()["package"]}
    assert locked["dagster"] == locked["dagster-webserver"] == versions["DAGSTER_VERSION"]
    for name in ("dagster-postgres", "dagster-docker", "dagster-aws"):
        assert locked[name] == versions["DAGSTER_LIBS_VERSION"], name
    (run,) = [
        args for _s, key, args in parsed.all_instructions() if key == "RUN" and "uv pip install" in args
    ]
    assert "--require-hashes" in run and "uv export --locked" in run
    installed = set(re.findall(r'"([a-z-]+)==', run))
    assert installed == {"dagster", "dagster-webserver", "dagster-postgres", "dagster-docker", "dagster-aws"}
    assert not any(
        "genolake" in source for source in _copied("services/dagster/Dockerfile") if source.endswith("src")
    )


@pytest.mark.parametrize("dockerfile", sorted(DOCKERFILES))
def test_base_images_are_pinned(dockerfile: str) -> None:
    parsed = parse_dockerfile(REPO / dockerfile)
    names = {stage.name for stage in parsed.stages}
    for stage in parsed.stages:
        base = parsed.resolve(stage.base)
        if base in names or base == "scratch":
            continue
        assert "$" not in base, f"{dockerfile}: unresolved {stage.base}"
        repository, _, tag = base.rpartition(":")
        assert repository, f"{dockerfile}: {base} has no tag"
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), (
            f"{dockerfile}: {base} is not pinned to a version"
        )


@pytest.mark.parametrize("dockerfile", sorted(DOCKERFILES))
def test_final_stages_are_non_root_and_small(dockerfile: str) -> None:
    parsed = parse_dockerfile(REPO / dockerfile)
    finals = [stage for stage in parsed.stages if stage.name in {None, "server", "init"}]
    assert finals
    for stage in finals:
        user = stage.last("USER")
        assert user is not None and user.split(":")[0] not in {"0", "root"}, (
            f"{dockerfile}: {stage.name or 'final'}"
        )
        runs = " ".join(args for key, args in stage.instructions if key == "RUN")
        assert not re.search(r"apt-get|pip install|uv (sync|pip)|go (build|get)", runs), (
            "build steps belong in the build stage"
        )


def test_minio_pins_match_the_native_stack_and_the_test_tools() -> None:
    parsed = parse_dockerfile(REPO / "services/minio/Dockerfile")
    build = parsed.stage("build")
    native = (REPO / "scripts" / "install-native.sh").read_text()
    tools = (REPO / "scripts" / "install-compose-tools.sh").read_text()
    assert f'MINIO_VERSION="{parsed.resolve("${MINIO_VERSION}", build)}"' in native
    assert f'MC_VERSION="{parsed.resolve("${MC_VERSION}", build)}"' in tools
