"""What a lane is: the intents it claims, the job it runs, and how it turns a manifest into runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dagster import AssetsDefinition, AssetSpec
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from pydantic import BaseModel

from genolake_core.manifest import ManifestBase
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings


class PlannedRun(BaseModel):
    """One run a manifest asks for (stored in the manifest document, so intake can re-request it)."""

    run_key: str
    partition_key: str
    run_config: dict[str, Any]
    tags: dict[str, str]


@dataclass(frozen=True)
class PlanContext:
    settings: Settings
    store: ObjectStore


Planner = Callable[[ManifestBase, PlanContext], list[PlannedRun]]


@dataclass(frozen=True)
class Lane:
    name: str
    intents: frozenset[str]
    job: UnresolvedAssetJobDefinition
    assets: Sequence[AssetsDefinition | AssetSpec]
    plan: Planner
    description: str = ""
