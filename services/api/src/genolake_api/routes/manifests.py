"""Manifests: follow a batch, list yours, submit one without S3 credentials."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from genolake_core.docstore import ManifestStatus

from genolake_api.deps import BatchIdPath, CurrentUser, StateDep
from genolake_api.schemas import ManifestStatusOut, SubmittedOut
from genolake_api.services import manifests as service

router = APIRouter(prefix="/manifests", tags=["manifests"])


@router.get("", response_model=list[ManifestStatusOut])
def list_manifests(
    state: StateDep,
    principal: CurrentUser,
    status: ManifestStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ManifestStatusOut]:
    return service.list_manifests(state, principal, status.value if status is not None else None, limit)


@router.get("/{batch_id}", response_model=ManifestStatusOut)
async def get_manifest(batch_id: BatchIdPath, state: StateDep, principal: CurrentUser) -> ManifestStatusOut:
    return await service.get_manifest(state, principal, batch_id)


@router.post("", response_model=SubmittedOut, status_code=202)
def submit_manifest(
    state: StateDep,
    principal: CurrentUser,
    manifest: Annotated[dict[str, Any], Body(description="A manifest v1 (manifests/schema.json).")],
) -> SubmittedOut:
    return service.submit_manifest(state, principal, manifest)
