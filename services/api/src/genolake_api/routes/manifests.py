"""Manifest status by batch id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from genolake_api.state import StateDep

router = APIRouter(prefix="/manifests", tags=["manifests"])


class ManifestStatusOut(BaseModel):
    id: str
    batch_id: str | None
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

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ManifestStatusOut:
        return cls(id=doc["_id"], **{key: value for key, value in doc.items() if key in cls.model_fields and key != "id"})


@router.get("/{batch_id}", response_model=ManifestStatusOut)
def get_manifest(batch_id: str, state: StateDep) -> ManifestStatusOut:
    doc = state.docs.get_manifest(batch_id)
    if doc is None:
        raise HTTPException(status_code=404, detail=f"no manifest with batch_id {batch_id!r}")
    return ManifestStatusOut.from_doc(doc)
