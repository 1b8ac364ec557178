"""Manifests: follow a batch, list yours, submit one without S3 credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from genolake_core.docstore import ManifestStatus
from pydantic import BaseModel

from genolake_api.auth import CurrentUser
from genolake_api.routes.runs import RunOut
from genolake_api.services import manifests as service
from genolake_api.state import StateDep

router = APIRouter(prefix="/manifests", tags=["manifests"])
# batch ids, and the ids of rejected uploads that reused one (`{batch_id}#{etag16}`); no control characters.
BatchIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:#@-]{0,200}$")]


class AttemptOut(BaseModel):
    root_run_id: str
    runs: list[RunOut]


class ManifestStatusOut(BaseModel):
    id: str
    batch_id: str | None = None
    status: str
    lane: str | None = None
    intent: str | None = None
    uploader: str | None = None
    partitions: list[str] = []
    reasons: list[str] = []
    errors: list[str] = []
    run_ids: list[str] = []
    latest_run_ids: list[str] = []
    archive_key: str | None = None
    received_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: list[AttemptOut] = []

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ManifestStatusOut:
        fields = {
            key: value
            for key, value in doc.items()
            if key in cls.model_fields and key not in {"id", "attempts"}
        }
        attempts = [
            AttemptOut(root_run_id=a["root_run_id"], runs=[RunOut.from_doc(r) for r in a["runs"]])
            for a in doc.get("attempts", [])
        ]
        return cls(id=doc["_id"], attempts=attempts, **fields)


class SubmittedOut(BaseModel):
    batch_id: str
    key: str
    status_url: str


@router.get("", response_model=list[ManifestStatusOut])
def list_manifests(
    state: StateDep,
    principal: CurrentUser,
    status: ManifestStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ManifestStatusOut]:
    value = status.value if status is not None else None
    return [ManifestStatusOut.from_doc(doc) for doc in service.list_manifests(state, principal, value, limit)]


@router.get("/{batch_id}", response_model=ManifestStatusOut)
async def get_manifest(batch_id: BatchIdPath, state: StateDep, principal: CurrentUser) -> ManifestStatusOut:
    return ManifestStatusOut.from_doc(await service.get_manifest(state, principal, batch_id))


@router.post("", response_model=SubmittedOut, status_code=202)
def submit_manifest(
    state: StateDep,
    principal: CurrentUser,
    manifest: Annotated[dict[str, Any], Body(description="A manifest v1 (manifests/schema.json).")],
) -> SubmittedOut:
    import json

    return SubmittedOut(**service.submit_manifest(state, principal, json.dumps(manifest).encode()))
