"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

import psycopg2
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from genolake_api.state import AppState, StateDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


def _check(state: AppState) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        for bucket in (state.settings.landing_bucket, state.settings.lake_bucket):
            state.store.ping(bucket)
        checks["s3"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["s3"] = f"error: {exc.__class__.__name__}: {exc}"
    try:
        state.docs.ping()
        checks["mongo"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["mongo"] = f"error: {exc.__class__.__name__}"
    try:
        conn = psycopg2.connect(state.settings.postgres_dsn, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
        finally:
            conn.close()
        checks["postgres"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["postgres"] = f"error: {exc.__class__.__name__}"
    return checks


@router.get("/ready", responses={503: {"description": "A dependency is not reachable"}})
async def ready(state: StateDep) -> JSONResponse:
    """S3 (both buckets), Mongo and Postgres answer."""
    checks: dict[str, Any] = await run_in_threadpool(_check, state)
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
    )
