"""docker-compose.yaml as the compose CLI renders it: services, health checks, start order,
networks, volumes, ports, users, pinned images, and secrets that have no default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.unit.compose.compose_testlib import (
    ALL_SERVICES,
    BUNDLED_STORAGE,
    COMPOSE_FILE,
    EXTERNAL,
    FILLED,
    ONE_SHOT,
    REPO,
    env_example,
    env_example_mentions,
    filled_env,
    interpolated_names,
    parse_dockerfile,
    run_compose,
)

HEALTHY = "service_healthy"
DONE = "service_completed_successfully"

# The start order of the issue: storage healthy -> minio-init -> bootstrap -> code server -> daemon/UI.
EXPECTED_DEPENDS_ON = {
    "minio": {},
    "minio-init": {"minio": HEALTHY},
    "postgres": {},
    "mongo": {},
    "bootstrap": {"minio-init": DONE, "mongo": HEALTHY},
    "dagster-user-code": {"bootstrap": DONE, "postgres": HEALTHY},
    "dagster-daemon": {"postgres": HEALTHY, "dagster-user-code": HEALTHY},
    "dagster-webserver": {"postgres": HEALTHY, "dagster-user-code": HEALTHY},
    "api": {"bootstrap": DONE, "mongo": HEALTHY, "postgres": HEALTHY},
}

SECRETS = {
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
    "GENOLAKE_S3_ACCESS_KEY",
    "GENOLAKE_S3_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "GENOLAKE_PG_PASSWORD",
    "MONGO_ROOT_PASSWORD",
    "MONGO_APP_PASSWORD",
}


def test_services(services: dict[str, Any]) -> None:
    assert set(services) == ALL_SERVICES


def test_every_long_running_service_has_a_health_check(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT:
            continue
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name} has no health check"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}, name
        for key in ("interval", "timeout", "retries", "start_period"):
            assert key in check, f"{name}: healthcheck.{key}"


def test_one_shot_jobs_run_once_and_are_awaited_to_completion(services: dict[str, Any]) -> None:
    for name in ONE_SHOT:
        assert services[name]["restart"] == "no", name
    for name, service in services.items():
        for target, dependency in (service.get("depends_on") or {}).items():
            expected = DONE if target in ONE_SHOT else HEALTHY
            assert dependency["condition"] == expected, f"{name} -> {target}"


def test_start_order(services: dict[str, Any]) -> None:
    actual = {
        name: {target: dep["condition"] for target, dep in (service.get("depends_on") or {}).items()}
        for name, service in services.items()
    }
    assert actual == EXPECTED_DEPENDS_ON
    # Exactly the dependencies on bundled storage in another profile (which may be off) are optional.
    for name, service in services.items():
        for target, dep in (service.get("depends_on") or {}).items():
            other_profile = set(services[target].get("profiles") or []) - set(service.get("profiles") or [])
            assert dep["required"] is (not other_profile), f"{name} -> {target}"


def test_bundled_storage_is_in_profiles_on_by_default(services: dict[str, Any]) -> None:
    profiles = {
        name: service.get("profiles") for name, service in services.items() if service.get("profiles")
    }
    assert profiles == {
        "minio": ["minio"],
        "minio-init": ["minio"],
        "postgres": ["postgres"],
        "mongo": ["mongo"],
    }
    assert env_example()["COMPOSE_PROFILES"].split(",") == ["minio", "postgres", "mongo"]


def test_long_running_services_restart(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name not in ONE_SHOT:
            assert service["restart"] == "unless-stopped", name


def test_one_network_with_the_name_the_run_launcher_uses(
    rendered: dict[str, Any], services: dict[str, Any]
) -> None:
    assert rendered["networks"] == {"genolake": {"name": "genolake", "ipam": {}}}
    for name, service in services.items():
        assert set(service["networks"]) == {"genolake"}, name
    for name in ("dagster-daemon", "dagster-webserver", "dagster-user-code"):
        assert (
            services[name]["environment"]["DAGSTER_RUN_NETWORK"] == rendered["networks"]["genolake"]["name"]
        )


def test_named_volumes_hold_the_state(rendered: dict[str, Any], services: dict[str, Any]) -> None:
    assert set(rendered["volumes"]) == {"minio-data", "postgres-data", "mongo-data", "mongo-config"}
    mounts = {
        (name, volume["source"], volume["target"])
        for name, service in services.items()
        for volume in service.get("volumes", [])
        if volume["type"] == "volume"
    }
    assert mounts == {
        ("minio", "minio-data", "/data"),
        ("postgres", "postgres-data", "/var/lib/postgresql/data"),
        ("mongo", "mongo-data", "/data/db"),
        ("mongo", "mongo-config", "/data/configdb"),
    }


def test_bind_mounts_are_init_scripts_and_the_docker_socket(services: dict[str, Any]) -> None:
    binds = {
        (name, Path(volume["source"]), volume["target"], bool(volume.get("read_only")))
        for name, service in services.items()
        for volume in service.get("volumes", [])
        if volume["type"] == "bind"
    }
    assert binds == {
        ("postgres", REPO / "services/postgres/initdb", "/docker-entrypoint-initdb.d", True),
        ("mongo", REPO / "services/mongo/initdb", "/docker-entrypoint-initdb.d", True),
        ("dagster-daemon", Path("/var/run/docker.sock"), "/var/run/docker.sock", False),
        ("dagster-webserver", Path("/var/run/docker.sock"), "/var/run/docker.sock", False),
    }
    for name, source, _target, _ro in binds:
        if name in {"postgres", "mongo"}:
            assert source.is_dir() and any(source.iterdir()), source
    # The socket's group, so that the unprivileged Dagster user can launch run containers.
    for name in ("dagster-daemon", "dagster-webserver"):
        assert services[name]["group_add"] == [FILLED["DOCKER_GID"]]


def test_published_ports(services: dict[str, Any]) -> None:
    published = {
        name: sorted(
            (port.get("host_ip", ""), port["published"], port["target"]) for port in service.get("ports", [])
        )
        for name, service in services.items()
        if service.get("ports")
    }
    assert published == {
        "minio": [("", "9000", 9000), ("127.0.0.1", "9001", 9001)],  # S3 for uploads; console local
        "api": [("", "8000", 8000)],
        "dagster-webserver": [("127.0.0.1", "3000", 3000)],  # no login of its own: local by default
    }


def test_images_run_as_non_root(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if "build" in service:
            build = service["build"]
            dockerfile = parse_dockerfile(Path(build["context"]) / build.get("dockerfile", "Dockerfile"))
            user = dockerfile.stage(build.get("target")).last("USER")
            assert user is not None, f"{name}: final stage has no USER"
            assert user.split(":")[0] not in {"root", "0"}, name
            assert "user" not in service, f"{name}: the image's USER applies"
        else:
            assert service.get("user") not in {None, "root", "0"}, f"{name} must set a non-root user"


def test_pulled_images_are_pinned_and_built_images_are_named(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service["image"]
        if "build" in service:
            assert re.fullmatch(r"genolake/[a-z-]+:0\.1\.0", image), (name, image)
        else:
            repository, _, tag = image.rpartition(":")
            assert repository and re.fullmatch(r"\d+(\.\d+)+(-[a-z0-9]+)?", tag), (
                f"{name}: {image} is not pinned"
            )
    assert services["mongo"]["image"].startswith("mongo:7.")


def test_one_user_code_image_serves_code_bootstraps_and_runs(services: dict[str, Any]) -> None:
    image = services["dagster-user-code"]["image"]
    assert services["bootstrap"]["image"] == image
    assert services["bootstrap"]["build"] == services["dagster-user-code"]["build"]
    for name in ("dagster-daemon", "dagster-webserver", "dagster-user-code"):
        assert services[name]["environment"]["DAGSTER_RUN_IMAGE"] == image, name
    assert services["dagster-user-code"]["environment"]["DAGSTER_CURRENT_IMAGE"] == image
    assert services["dagster-daemon"]["image"] == services["dagster-webserver"]["image"] != image


def test_commands(services: dict[str, Any]) -> None:
    assert services["bootstrap"]["command"] == ["genolake", "bootstrap"]
    assert services["dagster-user-code"]["command"] == [
        "dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000",
        "-m", "genolake_dagster.definitions", "--location-name", "genolake",
    ]  # fmt: skip
    assert services["dagster-daemon"]["command"][:2] == ["dagster-daemon", "run"]
    assert services["dagster-webserver"]["command"][0] == "dagster-webserver"
    assert services["minio-init"]["command"] == ["init"]


def test_external_storage_replaces_the_bundled_services(rendered_external: dict[str, Any]) -> None:
    """All profiles off: S3, Postgres and Mongo elsewhere, reached through the same settings."""
    services = rendered_external["services"]
    assert set(services) == ALL_SERVICES - BUNDLED_STORAGE
    for name, service in services.items():
        for target, dep in (service.get("depends_on") or {}).items():
            # Dependencies on the absent services stay in the rendering, optional: `up` skips them.
            assert dep["required"] is (target not in BUNDLED_STORAGE), f"{name} -> {target}"
    for name in ("bootstrap", "dagster-user-code", "dagster-daemon", "api"):
        env = services[name]["environment"]
        assert env["GENOLAKE_S3_ENDPOINT_URL"] == EXTERNAL["GENOLAKE_S3_ENDPOINT_URL"]
        assert env["GENOLAKE_PG_HOST"] == EXTERNAL["GENOLAKE_PG_HOST"]
        assert env["GENOLAKE_MONGO_URL"] == EXTERNAL["GENOLAKE_MONGO_URL"]
    web = services["dagster-webserver"]["environment"]
    assert (web["GENOLAKE_S3_ENDPOINT_URL"], web["GENOLAKE_PG_HOST"]) == (
        EXTERNAL["GENOLAKE_S3_ENDPOINT_URL"], EXTERNAL["GENOLAKE_PG_HOST"],
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(SECRETS | {"DOCKER_GID"}))
def test_compose_refuses_to_start_without(name: str, compose_bin: Path, tmp_path: Path) -> None:
    result = run_compose(compose_bin, filled_env(**{name: None}), "config", "-q", tmp_dir=tmp_path)
    assert result.returncode != 0
    assert f"required variable {name} is missing a value" in result.stderr


def test_env_example_alone_does_not_start(compose_bin: Path, tmp_path: Path) -> None:
    """The example's secrets are empty: nobody runs production on a published default."""
    example = env_example()
    for name in SECRETS - {"MINIO_ROOT_USER", "GENOLAKE_S3_ACCESS_KEY"}:
        assert example.get(name) == "", f".env.example must leave {name} empty"
    result = run_compose(compose_bin, example, "config", "-q", tmp_dir=tmp_path)
    assert result.returncode != 0 and "is missing a value" in result.stderr


def test_secrets_are_interpolated_only_as_required_values() -> None:
    text = COMPOSE_FILE.read_text()
    for name in SECRETS | {"DOCKER_GID"}:
        uses = re.findall(r"(?<!\$)\$\{" + name + r"([^A-Za-z0-9_][^}]*)?\}", text)
        assert uses, f"{name} is not used"
        for suffix in uses:
            assert suffix.startswith(":?"), f"${{{name}{suffix}}} must be ${{{name}:?message}}"


def test_secrets_reach_only_the_services_that_use_them(services: dict[str, Any]) -> None:
    def holders(value: str) -> set[str]:
        return {
            name
            for name, service in services.items()
            if any(value in str(v) for v in service["environment"].values())
        }

    assert holders(FILLED["MINIO_ROOT_PASSWORD"]) == {"minio", "minio-init"}
    assert holders(FILLED["POSTGRES_PASSWORD"]) == {"postgres"}
    assert holders(FILLED["MONGO_ROOT_PASSWORD"]) == {"mongo"}
    assert holders(FILLED["MONGO_APP_PASSWORD"]) == {
        "mongo",
        "bootstrap",
        "dagster-user-code",
        "dagster-daemon",
        "api",
    }


def test_env_example_documents_every_variable_compose_reads() -> None:
    mentioned = env_example_mentions()
    missing = interpolated_names(COMPOSE_FILE.read_text()) - mentioned
    assert not missing, f".env.example does not mention {sorted(missing)}"
