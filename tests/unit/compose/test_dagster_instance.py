"""services/dagster/dagster.yaml and workspace.yaml, checked by the installed Dagster itself:
the instance schema, each configurable class's own schema (DockerRunLauncher, S3ComputeLogManager,
Postgres storage), and the settings it shares with the native instance."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._serdes.config_class import ConfigurableClassData

from tests.unit.compose.compose_testlib import REPO

DAGSTER_DIR = REPO / "services" / "dagster"
SHARED_WITH_NATIVE = (
    "storage",
    "run_queue",
    "concurrency",
    "run_monitoring",
    "run_retries",
    "sensors",
    "telemetry",
)


@pytest.fixture
def instance_env(services: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The daemon's environment as compose renders it."""
    env = {key: str(value) for key, value in services["dagster-daemon"]["environment"].items()}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def instance_config(instance_env: dict[str, str], tmp_path: Path) -> dict[str, Any]:
    shutil.copyfile(DAGSTER_DIR / "dagster.yaml", tmp_path / "dagster.yaml")
    config, custom_class = dagster_instance_config(str(tmp_path))
    assert custom_class is None
    return dict(config)


def _class_config(section: dict[str, Any]) -> tuple[type, Any]:
    klass = getattr(importlib.import_module(section["module"]), section["class"])
    result = process_config(klass.config_type(), section.get("config") or {})
    assert result.success, result.errors
    return klass, result.value


def test_instance_config_validates(instance_config: dict[str, Any]) -> None:
    assert set(SHARED_WITH_NATIVE) | {"run_launcher", "compute_logs"} <= set(instance_config)


def test_same_storage_queue_and_concurrency_as_native() -> None:
    compose = yaml.safe_load((DAGSTER_DIR / "dagster.yaml").read_text())
    native = yaml.safe_load((DAGSTER_DIR / "dagster.native.yaml").read_text())
    for key in SHARED_WITH_NATIVE:
        assert compose.get(key) == native.get(key), key
    assert set(native) <= set(compose)
    limits = compose["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "genolake/heavy", "value": "true", "limit": 2} in limits


def test_docker_run_launcher(
    instance_config: dict[str, Any], services: dict[str, Any], rendered: dict[str, Any]
) -> None:
    section = instance_config["run_launcher"]
    assert (section["module"], section["class"]) == ("dagster_docker", "DockerRunLauncher")
    klass, value = _class_config(section)
    assert value["image"] == services["dagster-user-code"]["image"]
    assert value["network"] == rendered["networks"]["genolake"]["name"]
    assert value["container_kwargs"] == {"auto_remove": True}
    launcher = klass.from_config_value(ConfigurableClassData(section["module"], section["class"], ""), value)
    assert launcher.networks == [value["network"]]
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REQUEST_CHECKSUM_CALCULATION",
            "AWS_RESPONSE_CHECKSUM_VALIDATION"} <= set(launcher.env_vars)  # fmt: skip


def test_s3_compute_log_manager(instance_config: dict[str, Any], instance_env: dict[str, str]) -> None:
    section = instance_config["compute_logs"]
    assert (section["module"], section["class"]) == (
        "dagster_aws.s3.compute_log_manager",
        "S3ComputeLogManager",
    )
    klass, value = _class_config(section)
    assert value["bucket"] == instance_env["DAGSTER_COMPUTE_LOGS_BUCKET"]
    assert value["endpoint_url"] == instance_env["GENOLAKE_S3_ENDPOINT_URL"]
    # Credentials come from the environment only (none in the file).
    assert not {"aws_access_key_id", "aws_secret_access_key"} & set(section["config"])
    manager = klass.from_config_value(ConfigurableClassData(section["module"], section["class"], ""), value)
    client = manager._s3_session
    assert client.meta.endpoint_url == instance_env["GENOLAKE_S3_ENDPOINT_URL"]
    assert client._request_signer._credentials.access_key == instance_env["AWS_ACCESS_KEY_ID"]


def test_postgres_storage(instance_config: dict[str, Any], instance_env: dict[str, str]) -> None:
    from dagster_postgres import DagsterPostgresStorage

    result = process_config(DagsterPostgresStorage.config_type(), instance_config["storage"]["postgres"])
    assert result.success, result.errors
    db = result.value["postgres_db"]
    assert (db["hostname"], db["port"], db["username"], db["password"], db["db_name"]) == (
        instance_env["GENOLAKE_PG_HOST"],
        int(instance_env["GENOLAKE_PG_PORT"]),
        instance_env["GENOLAKE_PG_USER"],
        instance_env["GENOLAKE_PG_PASSWORD"],
        instance_env["GENOLAKE_PG_DB"],
    )


def test_workspace_points_at_the_code_server(services: dict[str, Any]) -> None:
    workspace = yaml.safe_load((DAGSTER_DIR / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    server = entry["grpc_server"]
    command = services["dagster-user-code"]["command"]
    assert server["host"] == "dagster-user-code"
    assert str(server["port"]) == command[command.index("-p") + 1]
    assert server["location_name"] == command[command.index("--location-name") + 1]
    for name in ("dagster-daemon", "dagster-webserver"):
        assert "/opt/dagster/app/workspace.yaml" in services[name]["command"]
