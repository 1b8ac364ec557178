"""Runs: status, timings, error summary and the Dagster UI link (re-execute from there)."""

from __future__ import annotations

from fastapi import APIRouter

from genolake_api.deps import CurrentUser, RunIdPath, StateDep
from genolake_api.schemas import RunOut
from genolake_api.services import runs as service

router = APIRouter(prefix="/runs", tags=["runs"])


@router.get("/{run_id}", response_model=RunOut)
async def get_run(run_id: RunIdPath, state: StateDep, principal: CurrentUser) -> RunOut:
    return await service.get_run(state, principal, run_id)
