"""The settings model: secrets required, lanes parsed, env names stable."""

from __future__ import annotations

import pytest
from genolake_core.lanes import lane_names
from genolake_core.settings import Settings, settings_env_names
from pydantic import ValidationError

SECRETS = {
    "GENOLAKE_S3_ACCESS_KEY": "k",
    "GENOLAKE_S3_SECRET_KEY": "s",
    "GENOLAKE_MONGO_URL": "mongodb://h/",
    "GENOLAKE_PG_PASSWORD": "p",
}


def test_missing_secrets_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settings_env_names():
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as info:
        Settings()  # type: ignore[call-arg]
    missing = {str(error["loc"][0]) for error in info.value.errors()}
    assert missing == {"s3_access_key", "s3_secret_key", "mongo_url", "pg_password"}


def test_enabled_lanes_from_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SECRETS, "GENOLAKE_ENABLED_LANES": "normalize, analyze"}.items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # type: ignore[call-arg]
    assert settings.enabled_lanes == ["normalize", "analyze"]
    assert "password=p" in settings.postgres_dsn


def test_an_unknown_lane_is_refused_naming_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    """A typo in GENOLAKE_ENABLED_LANES used to switch a lane off silently (its manifests held forever)."""
    for name, value in {**SECRETS, "GENOLAKE_ENABLED_LANES": "normalise,prs"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as info:
        Settings()  # type: ignore[call-arg]
    message = str(info.value)
    assert "'normalise'" in message and all(name in message for name in lane_names())


def test_all_lanes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SECRETS, "GENOLAKE_ENABLED_LANES": "all"}.items():
        monkeypatch.setenv(name, value)
    assert Settings().enabled_lanes == list(lane_names())  # type: ignore[call-arg]
    monkeypatch.delenv("GENOLAKE_ENABLED_LANES")
    assert Settings().enabled_lanes == list(lane_names())  # type: ignore[call-arg]
