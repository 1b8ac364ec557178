"""What is installed: annotation modules and scoring files in the lake's reference area."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from genolake_api.auth import CurrentUser
from genolake_api.state import StateDep
from genolake_core.layout import REFERENCE_PREFIX

router = APIRouter(tags=["catalog"])


class CatalogEntry(BaseModel):
    name: str
    keys: list[str]


def _entries(state: StateDep, kind: str) -> list[CatalogEntry]:
    prefix = f"{REFERENCE_PREFIX}{kind}/"
    grouped: dict[str, list[str]] = {}
    for info in state.store.list(state.settings.lake_bucket, prefix):
        name = info.key[len(prefix):].split("/", 1)[0]
        grouped.setdefault(name, []).append(info.key)
    return [CatalogEntry(name=name, keys=keys) for name, keys in sorted(grouped.items())]


@router.get("/modules", response_model=list[CatalogEntry])
def modules(state: StateDep, principal: CurrentUser) -> list[CatalogEntry]:
    """Installed annotation modules (`reference/modules/{name}/...`)."""
    return _entries(state, "modules")


@router.get("/scores", response_model=list[CatalogEntry])
def scores(state: StateDep, principal: CurrentUser) -> list[CatalogEntry]:
    """Known scoring files (`reference/scores/{pgs_id}/...`)."""
    return _entries(state, "scores")
