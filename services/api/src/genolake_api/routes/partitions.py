"""Partitions (`{user}/{sample}`) and the assets each holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from genolake_api.state import StateDep

router = APIRouter(prefix="/partitions", tags=["partitions"])


class PartitionOut(BaseModel):
    key: str
    user: str
    sample: str
    batch_ids: list[str] = []
    assets: dict[str, dict[str, Any]] = {}
    created_at: datetime | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PartitionOut:
        return cls(
            key=doc["_id"],
            user=doc["user"],
            sample=doc["sample"],
            batch_ids=doc.get("batch_ids", []),
            assets=doc.get("assets", {}),
            created_at=doc.get("created_at"),
        )


@router.get("", response_model=list[PartitionOut])
def list_partitions(state: StateDep, user: str | None = None) -> list[PartitionOut]:
    return [PartitionOut.from_doc(doc) for doc in state.docs.list_partitions(user)]
