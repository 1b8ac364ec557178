"""What is installed: annotation modules and scoring files."""

from __future__ import annotations

from fastapi import APIRouter
from genolake_core.scores import InstalledScore

from genolake_api.deps import CurrentUser, StateDep
from genolake_api.schemas import ModuleOut
from genolake_api.services import catalog as service

router = APIRouter(tags=["catalog"])


@router.get("/modules", response_model=list[ModuleOut])
def modules(state: StateDep, principal: CurrentUser) -> list[ModuleOut]:
    """Installed annotation modules: the current version of each (what annotation uses), and all versions."""
    return service.installed_modules(state)


@router.get("/scores", response_model=list[InstalledScore])
def scores(state: StateDep, principal: CurrentUser) -> list[InstalledScore]:
    """Installed scoring files, one per score and genome build (`genolake scores install`); PRS manifests
    name them in `options.scores`."""
    return service.scores(state)
