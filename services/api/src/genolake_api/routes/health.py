"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from genolake_api.deps import StateDep
from genolake_api.schemas import ReadyOut
from genolake_api.services import health as service

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up (no dependency is checked)."""
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "A dependency is not reachable"}},
)
async def ready(state: StateDep) -> JSONResponse:
    """S3 (both buckets), Mongo and Postgres answer."""
    result = await run_in_threadpool(service.readiness, state)
    return JSONResponse(result.model_dump(), status_code=200 if result.status == "ready" else 503)
