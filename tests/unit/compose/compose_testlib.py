"""Helpers for the compose tests: tools, the example env file, rendering, Dockerfiles, .dockerignore.

The tools (compose CLI, mc, hadolint) are installed by `scripts/install-compose-tools.sh` into
`~/.cache/genolake/bin` (or `$GENOLAKE_BIN_DIR`); a test that needs a missing one is skipped
with that instruction.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker-compose.yaml"
ENV_EXAMPLE = REPO / ".env.example"
INSTALL_HINT = "run `bash scripts/install-compose-tools.sh` (scripts/install-native.sh calls it)"

# Values for the variables .env.example leaves empty (secrets and the Docker socket's group).
FILLED = {
    "MINIO_ROOT_PASSWORD": "test-minio-root-secret",
    "GENOLAKE_S3_SECRET_KEY": "test-pipelines-secret",
    "POSTGRES_PASSWORD": "test-postgres-super",
    "GENOLAKE_PG_PASSWORD": "test-dagster-pg",
    "MONGO_ROOT_PASSWORD": "test-mongo-root",
    "MONGO_APP_PASSWORD": "test-mongo-app",
    "DOCKER_GID": "998",
}

ONE_SHOT = {"minio-init", "bootstrap"}
BUNDLED_STORAGE = {"minio", "minio-init", "postgres", "mongo"}
# Settings for external storage (every profile off), as docs/deploy/scaling.md describes.
EXTERNAL = {
    "COMPOSE_PROFILES": "",
    "GENOLAKE_S3_ENDPOINT_URL": "https://s3.lab.example",
    "GENOLAKE_PG_HOST": "pg.lab.example",
    "GENOLAKE_MONGO_URL": "mongodb://genolake:secret@mongo.lab.example:27017/?authSource=genolake&tls=true",
}
ALL_SERVICES = {
    "minio",
    "minio-init",
    "postgres",
    "mongo",
    "bootstrap",
    "dagster-user-code",
    "dagster-daemon",
    "dagster-webserver",
    "api",
}


def bin_dir() -> Path:
    return Path(os.environ.get("GENOLAKE_BIN_DIR", Path.home() / ".cache" / "genolake" / "bin"))


def tool(name: str) -> Path | None:
    """A tool from the GenoLake bin dir (preferred: the pinned build) or PATH."""
    candidate = bin_dir() / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def env_example() -> dict[str, str]:
    """The active (uncommented) assignments of .env.example."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def env_example_mentions() -> set[str]:
    """Every variable .env.example names, set or commented out (`# NAME=...`)."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))


def filled_env(**overrides: str | None) -> dict[str, str]:
    """.env.example with its empty values filled; an override of None removes the variable."""
    values = {**env_example(), **FILLED}
    for key, value in overrides.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values


def run_compose(
    compose: Path, env: dict[str, str], *args: str, tmp_dir: Path
) -> subprocess.CompletedProcess[str]:
    """`docker compose --env-file ... <args>` in a clean environment (nothing leaks from ours)."""
    env_file = tmp_dir / "compose.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_dir)}
    return subprocess.run(
        [
            str(compose),
            "--project-directory",
            str(REPO),
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            str(env_file),
            *args,
        ],
        capture_output=True,
        text=True,
        env=clean,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def render(compose: Path, env: dict[str, str], tmp_dir: Path) -> dict[str, Any]:
    result = run_compose(compose, env, "config", "--format", "json", tmp_dir=tmp_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def interpolated_names(text: str) -> set[str]:
    """Variables referenced as ${NAME...} (compose interpolation; `$${...}` is an escaped literal)."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


# --- Dockerfiles -------------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def last(self, keyword: str) -> str | None:
        values = [args for key, args in self.instructions if key == keyword]
        return values[-1] if values else None


@dataclass
class Dockerfile:
    path: Path
    global_args: dict[str, str]
    stages: list[Stage]

    def stage(self, target: str | None) -> Stage:
        if target is None:
            return self.stages[-1]
        (found,) = [stage for stage in self.stages if stage.name == target]
        return found

    def resolve(self, text: str, stage: Stage | None = None) -> str:
        args = dict(self.global_args)
        if stage is not None:
            for key, value in stage.instructions:
                if key == "ARG" and "=" in value:
                    name, default = value.split("=", 1)
                    args[name.strip()] = default.strip().strip('"')
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: args.get(m.group(1), m.group(0)), text)

    def all_instructions(self) -> list[tuple[Stage, str, str]]:
        return [(stage, key, args) for stage in self.stages for key, args in stage.instructions]


def parse_dockerfile(path: Path) -> Dockerfile:
    """Instructions per stage (continuations joined, comments dropped); global ARG defaults."""
    logical: list[str] = []
    current = ""
    for raw in path.read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        if keyword == "FROM":
            parts = [part for part in args.split() if not part.startswith("--")]
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif not stages:
            if keyword == "ARG" and "=" in args:
                key, value = args.split("=", 1)
                global_args[key.strip()] = value.strip().strip('"')
        else:
            stages[-1].instructions.append((keyword, args))
    return Dockerfile(path=path, global_args=global_args, stages=stages)


def copy_sources(args: str) -> tuple[list[str], str, dict[str, str]]:
    """COPY arguments -> (sources, destination, flags)."""
    flags = {}
    words = args.split()
    rest = []
    for word in words:
        if word.startswith("--"):
            key, _, value = word[2:].partition("=")
            flags[key] = value
        else:
            rest.append(word)
    return rest[:-1], rest[-1], flags


# --- .dockerignore -----------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        out += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        i += 1
    return re.compile(out + r"\Z")


class DockerIgnore:
    """The .dockerignore rules: last matching pattern wins; a pattern matching a parent matches."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            pattern = line[1:].strip() if negate else line
            pattern = pattern.strip("/")
            self.rules.append((negate, _pattern_regex(pattern)))

    def included(self, relative: str) -> bool:
        parts = relative.strip("/").split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        excluded = False
        for negate, regex in self.rules:
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not negate
        return not excluded
