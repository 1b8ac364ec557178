"""Readiness: whether the API's backends answer (S3 with both buckets, Mongo, Postgres)."""

from __future__ import annotations

import psycopg2

from genolake_api.schemas import ReadyOut
from genolake_api.state import AppState


def readiness(state: AppState) -> ReadyOut:
    """Each backend's check: "ok" or the error's class (S3 also its message); blocking, run in a thread."""
    checks: dict[str, str] = {}
    try:
        for bucket in (state.settings.landing_bucket, state.settings.lake_bucket):
            state.store.ping(bucket)
        checks["s3"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer: reported, not raised
        checks["s3"] = f"error: {exc.__class__.__name__}: {exc}"
    try:
        state.docs.ping()
        checks["mongo"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["mongo"] = f"error: {exc.__class__.__name__}"
    try:
        conn = psycopg2.connect(state.settings.postgres_dsn, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
        finally:
            conn.close()
        checks["postgres"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["postgres"] = f"error: {exc.__class__.__name__}"
    ok = all(value == "ok" for value in checks.values())
    return ReadyOut(status="ready" if ok else "not ready", checks=checks)
