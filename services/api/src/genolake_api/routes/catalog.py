"""What is installed: annotation modules (Mongo `modules`, files in `reference/modules/`) and scoring
files."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from genolake_core.scores import InstalledScore, installed_scores
from pydantic import BaseModel

from genolake_api.auth import CurrentUser
from genolake_api.state import StateDep

router = APIRouter(tags=["catalog"])


class ModuleOut(BaseModel):
    name: str
    version: str
    enabled: bool
    title: str | None = None
    key: str | None = None
    genome_build: str | None = None
    source: str | None = None
    lake_prefix: str | None = None
    published_at: datetime | None = None
    versions: list[str] = []


@router.get("/modules", response_model=list[ModuleOut])
def modules(state: StateDep, principal: CurrentUser) -> list[ModuleOut]:
    """Installed annotation modules: the current version of each (what annotation uses), and all versions."""
    result = []
    for doc in state.docs.modules.find({}).sort("_id", 1):
        versions = doc.get("versions", {})
        current = next((v for v in versions.values() if v.get("version") == doc.get("current")), None)
        if current is None:
            continue
        result.append(
            ModuleOut(
                name=doc["_id"],
                version=current["version"],
                enabled=bool(doc.get("enabled", True)),
                title=current.get("title"),
                key=current.get("key"),
                genome_build=current.get("genome_build"),
                source=current.get("source"),
                lake_prefix=current.get("prefix"),
                published_at=current.get("published_at"),
                versions=sorted(v["version"] for v in versions.values()),
            )
        )
    return result


@router.get("/scores", response_model=list[InstalledScore])
def scores(state: StateDep, principal: CurrentUser) -> list[InstalledScore]:
    """Installed scoring files, one per score and genome build (`genolake scores install`); PRS manifests
    name them in `options.scores`."""
    return installed_scores(state.docs)
