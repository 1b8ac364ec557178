"""The one settings model of GenoLake, read from the environment.

Every process (native stack, compose services, CLI, tests) builds its configuration from
these `GENOLAKE_*` variables; `docker-compose.yaml` and the native stack set the same names
(checked by a test). Secrets have no defaults: a process that needs them and lacks them
fails with a message naming the variable.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from genolake_core.lanes import lane_names

ENV_PREFIX = "GENOLAKE_"
ENV_FILE_VARIABLE = "GENOLAKE_ENV_FILE"


ALL_LANE_NAMES = lane_names()  # every lane (genolake_core.lanes); GENOLAKE_ENABLED_LANES=all means these
ALL_LANES_VALUE = "all"


class Settings(BaseSettings):
    """Configuration shared by every GenoLake component (env prefix `GENOLAKE_`)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # Object storage (any S3 API; MinIO in the stacks we ship).
    s3_endpoint_url: str = "http://127.0.0.1:9000"
    s3_public_endpoint_url: str | None = Field(
        default=None,
        description="S3 endpoint as users reach it, for presigned URLs (default: s3_endpoint_url).",
    )
    s3_region: str = "us-east-1"
    s3_access_key: SecretStr = Field(description="Access key of the pipelines' S3 account.")
    s3_secret_key: SecretStr = Field(description="Secret key of the pipelines' S3 account.")
    landing_bucket: str = "landing-zone"
    lake_bucket: str = "data-lake"

    # MongoDB (mongo:7 in production; FerretDB v1 natively): manifest and run documents.
    mongo_url: SecretStr = Field(description="mongodb:// URL including credentials if any.")
    mongo_db: str = "genolake"

    # PostgreSQL: Dagster's run, event and schedule storage.
    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "dagster"
    pg_password: SecretStr = Field(description="Password of the Dagster Postgres user.")
    pg_db: str = "dagster"

    # Pipelines.
    normalize_fill_ids: bool = Field(
        default=False,
        description=(
            "Fill missing rsIDs of normalized records from the installed variant-position reference of "
            "the sample's build (genolake reference install); the parquet's rsid_filled column says which."
        ),
    )
    enabled_lanes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(lane_names()),
        description="Lanes whose sensors claim manifests: comma-separated lane names, or 'all' (default).",
    )
    max_manifests_per_tick: int = 50
    tick_budget_seconds: float = 30.0
    dagster_ui_url: str = "http://127.0.0.1:3000"

    # API.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    presign_seconds: int = 900
    api_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        description=(
            "How long polled GETs (status, report) are replayed per token as they are; up to twice that "
            "while one background request refreshes them (10 times while that refresh is still running); "
            "0: off (see genolake_api/microcache.py)."
        ),
    )

    @field_validator("enabled_lanes", mode="before")
    @classmethod
    def _split_lanes(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip() == ALL_LANES_VALUE:
                return list(lane_names())
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("enabled_lanes")
    @classmethod
    def _known_lanes(cls, value: list[str]) -> list[str]:
        """A misspelt lane would silently hold its manifests forever: refuse it, naming the known ones."""
        unknown = [name for name in value if name not in lane_names()]
        if unknown:
            raise ValueError(
                f"unknown lane(s) {', '.join(map(repr, unknown))}; known lanes: {', '.join(lane_names())} "
                f"(or {ALL_LANES_VALUE!r})"
            )
        return value

    @property
    def postgres_dsn(self) -> str:
        """libpq connection string (psycopg2) for Dagster's database."""
        return (
            f"host={self.pg_host} port={self.pg_port} user={self.pg_user} "
            f"password={self.pg_password.get_secret_value()} dbname={self.pg_db}"
        )


def settings_env_names() -> set[str]:
    """Every environment variable name the settings model reads."""
    return {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, plus the file named by GENOLAKE_ENV_FILE if set."""
    env_file = os.environ.get(ENV_FILE_VARIABLE)
    if env_file:
        return Settings(_env_file=Path(env_file))  # type: ignore[call-arg]
    return Settings()  # type: ignore[call-arg]
