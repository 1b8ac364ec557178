"""Runs: status, timings, error summary and the Dagster UI link (re-execute from there)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from genolake_api.auth import CurrentUser
from genolake_api.services import runs as service
from genolake_api.state import StateDep

router = APIRouter(prefix="/runs", tags=["runs"])


class RunOut(BaseModel):
    run_id: str
    status: str
    batch_id: str | None = None
    lane: str | None = None
    partition: str | None = None
    job: str | None = None
    parent_run_id: str | None = None
    root_run_id: str | None = None
    created_at: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration_seconds: float | None = None
    error: str | None = None
    dagster_url: str | None = None
    assets: dict[str, dict[str, Any]] = Field(
        default={}, description="What the run materialized (metadata; sample_annotations: its lineage)."
    )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RunOut:
        fields = {key: value for key, value in doc.items() if key in cls.model_fields and key != "run_id"}
        start, end = doc.get("start_time"), doc.get("end_time")
        fields["duration_seconds"] = (end - start).total_seconds() if start and end else None
        return cls(run_id=doc["_id"], **fields)


@router.get("/{run_id}", response_model=RunOut)
async def get_run(
    run_id: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")], state: StateDep, principal: CurrentUser
) -> RunOut:
    return RunOut.from_doc(await service.get_run(state, principal, run_id))
