"""Compose drives every service with the settings model's names, the same the native stack writes;
each service gets what it needs (and the secrets it does not need stay out)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from genolake_cli.stack import NativeStack
from genolake_core.settings import ALL_LANE_NAMES, Settings, settings_env_names

from tests.unit.compose.compose_testlib import COMPOSE_FILE, ENV_EXAMPLE, FILLED, REPO

SETTINGS = settings_env_names()
# Services that run GenoLake code and so build `Settings()` from their environment.
SETTINGS_SERVICES = {"bootstrap", "dagster-user-code", "dagster-daemon", "api"}
DAGSTER_YAML = REPO / "services" / "dagster" / "dagster.yaml"


def genolake_names(env: dict[str, Any]) -> set[str]:
    return {name for name in env if name.startswith("GENOLAKE_")}


def native_env_names(tmp_path: Path) -> set[str]:
    stack = NativeStack(root=tmp_path / "stack", project_root=REPO)
    return set(stack._generate_env())


@pytest.mark.parametrize("path", [COMPOSE_FILE, ENV_EXAMPLE, DAGSTER_YAML], ids=lambda p: p.name)
def test_every_genolake_name_is_a_setting(path: Path) -> None:
    used = set(re.findall(r"GENOLAKE_[A-Z0-9_]+", path.read_text()))
    assert used, path
    assert used <= SETTINGS, f"not settings fields: {sorted(used - SETTINGS)}"


def test_rendered_services_use_only_settings_names(services: dict[str, Any]) -> None:
    for name, service in services.items():
        unknown = genolake_names(service.get("environment") or {}) - SETTINGS
        assert not unknown, f"{name}: {sorted(unknown)}"


def test_native_stack_and_compose_name_the_same_settings(services: dict[str, Any], tmp_path: Path) -> None:
    native = native_env_names(tmp_path)
    assert native <= SETTINGS
    for name in SETTINGS_SERVICES:
        missing = (
            native
            - genolake_names(services[name]["environment"])
            - {"GENOLAKE_API_HOST", "GENOLAKE_API_PORT"}
        )
        assert not missing, f"{name} lacks {sorted(missing)}, which the native stack sets"
    api = genolake_names(services["api"]["environment"])
    assert {"GENOLAKE_API_HOST", "GENOLAKE_API_PORT"} <= api
    # Compose may set more (tunables the native stack leaves at their defaults), all of them settings.
    compose_all = set().union(*(genolake_names(s.get("environment") or {}) for s in services.values()))
    assert native <= compose_all <= SETTINGS


@pytest.mark.parametrize("name", sorted(SETTINGS_SERVICES))
def test_settings_load_from_each_service_environment(
    name: str, services: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in SETTINGS | {"GENOLAKE_ENV_FILE"}:
        monkeypatch.delenv(variable, raising=False)
    for key, value in services[name]["environment"].items():
        if key.startswith("GENOLAKE_"):
            monkeypatch.setenv(key, str(value))
    settings = Settings()  # type: ignore[call-arg]
    assert settings.s3_endpoint_url == "http://minio:9000"
    assert settings.s3_access_key.get_secret_value() == "genolake-pipelines"
    assert settings.s3_secret_key.get_secret_value() == FILLED["GENOLAKE_S3_SECRET_KEY"]
    assert settings.mongo_url.get_secret_value() == (
        f"mongodb://genolake:{FILLED['MONGO_APP_PASSWORD']}@mongo:27017/?authSource={settings.mongo_db}"
    )
    assert (settings.pg_host, settings.pg_port, settings.pg_user, settings.pg_db) == (
        "postgres",
        5432,
        "dagster",
        "dagster",
    )
    assert settings.pg_password.get_secret_value() == FILLED["GENOLAKE_PG_PASSWORD"]
    assert settings.enabled_lanes == list(ALL_LANE_NAMES)
    if name == "api":
        assert (settings.api_host, settings.api_port) == ("0.0.0.0", 8000)
        assert (
            settings.s3_public_endpoint_url == "http://localhost:9000"
        )  # users' address, not the container's


def test_storage_services_share_the_settings_values(services: dict[str, Any]) -> None:
    pg = services["postgres"]["environment"]
    mongo = services["mongo"]["environment"]
    minio_init = services["minio-init"]["environment"]
    for name in SETTINGS_SERVICES:
        env = services[name]["environment"]
        for key in ("GENOLAKE_PG_USER", "GENOLAKE_PG_PASSWORD", "GENOLAKE_PG_DB"):
            assert env[key] == pg[key], (name, key)
        assert env["GENOLAKE_MONGO_DB"] == mongo["GENOLAKE_MONGO_DB"] == mongo["MONGO_INITDB_DATABASE"]
        assert (
            f"{mongo['MONGO_APP_USER']}:{mongo['MONGO_APP_PASSWORD']}@mongo:27017"
            in env["GENOLAKE_MONGO_URL"]
        )
        for key in (
            "GENOLAKE_S3_ACCESS_KEY",
            "GENOLAKE_S3_SECRET_KEY",
            "GENOLAKE_LANDING_BUCKET",
            "GENOLAKE_LAKE_BUCKET",
        ):
            assert env[key] == minio_init[key], (name, key)
    assert set(genolake_names(pg)) == {"GENOLAKE_PG_USER", "GENOLAKE_PG_PASSWORD", "GENOLAKE_PG_DB"}
    assert set(genolake_names(mongo)) == {"GENOLAKE_MONGO_DB"}


def test_dagster_processes_get_instance_environment(services: dict[str, Any]) -> None:
    instance_vars = set(re.findall(r"\{env: ([A-Z0-9_]+)\}", DAGSTER_YAML.read_text()))
    credentials = {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REQUEST_CHECKSUM_CALCULATION",
        "AWS_RESPONSE_CHECKSUM_VALIDATION",
    }
    for name in ("dagster-user-code", "dagster-daemon", "dagster-webserver"):
        env = services[name]["environment"]
        assert instance_vars | credentials <= set(env), (
            f"{name} lacks {sorted(instance_vars | credentials - set(env))}"
        )
        assert (
            env["AWS_REQUEST_CHECKSUM_CALCULATION"]
            == env["AWS_RESPONSE_CHECKSUM_VALIDATION"]
            == "when_required"
        )
        assert env["AWS_ACCESS_KEY_ID"] == "genolake-pipelines"  # the pipelines' account, never root
        assert env["AWS_SECRET_ACCESS_KEY"] == FILLED["GENOLAKE_S3_SECRET_KEY"]
    # The webserver serves the UI: it gets the instance's environment only (no Mongo, no lanes).
    webserver = genolake_names(services["dagster-webserver"]["environment"])
    assert webserver == {f"GENOLAKE_PG_{k}" for k in ("HOST", "PORT", "USER", "PASSWORD", "DB")} | {
        "GENOLAKE_S3_ENDPOINT_URL",
        "GENOLAKE_S3_REGION",
    }


def test_run_launcher_hands_runs_what_the_code_location_has(services: dict[str, Any]) -> None:
    config = yaml.safe_load(DAGSTER_YAML.read_text())["run_launcher"]["config"]
    env_vars = set(config["env_vars"])
    daemon = services["dagster-daemon"]["environment"]
    # DockerRunLauncher reads each KEY from the launching process (the daemon): all must be there.
    assert env_vars <= set(daemon), sorted(env_vars - set(daemon))
    user_code = services["dagster-user-code"]["environment"]
    assert {n for n in env_vars if n.startswith("GENOLAKE_")} == genolake_names(user_code)
    assert {n for n in user_code if n.startswith(("AWS_", "DAGSTER_COMPUTE", "DAGSTER_RUN"))} <= env_vars
    assert config["container_kwargs"] == {"auto_remove": True}
