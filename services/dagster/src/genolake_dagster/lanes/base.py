"""What a lane is: the intents it claims, the job it runs, and how it turns a manifest into runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dagster import AssetsDefinition, AssetSpec, define_asset_job, in_process_executor
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition
from genolake_core.docstore import DocStore
from genolake_core.ids import partition_key
from genolake_core.lanes import LaneContract
from genolake_core.manifest import ManifestBase
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from pydantic import BaseModel

from genolake_dagster.tags import RETRY_TAGS, run_tags
from genolake_dagster.transient import RETRY_HOOKS


class PlannedRun(BaseModel):
    """One run a manifest asks for (stored in the manifest document, so intake can re-request it)."""

    run_key: str
    partition_key: str | None  # None: an unpartitioned run (register_module)
    run_config: dict[str, Any]
    tags: dict[str, str]
    job_name: str | None = None  # None: the lane's first job


@dataclass(frozen=True)
class PlanContext:
    settings: Settings
    store: ObjectStore
    docs: DocStore


Planner = Callable[[ManifestBase, PlanContext], list[PlannedRun]]


def one_run(
    lane: str, manifest: ManifestBase, sample: str | None, steps: dict[str, dict[str, Any]]
) -> PlannedRun:
    """The one run a manifest asks for: run key `{lane}:{batch_id}`, partition `{owner}/{sample}` (None: an
    unpartitioned run), each step (asset) given its config, the lane's default job."""
    return PlannedRun(
        run_key=f"{lane}:{manifest.batch_id}",
        partition_key=partition_key(manifest.owner, sample) if sample is not None else None,
        run_config={"ops": {step: {"config": config} for step, config in steps.items()}},
        tags=run_tags(manifest, lane, sample),
    )


def asset_job(
    name: str, assets: Sequence[AssetsDefinition], description: str
) -> UnresolvedAssetJobDefinition:
    """A lane's job over `assets`, each run in one process (a process per step would only add start-up),
    with Dagster's run retries of what is transient (`RETRY_TAGS`, and `RETRY_HOOKS` for the steps that
    failed: a transient cause lets the run retry, the data's does not)."""
    return define_asset_job(
        name=name,
        selection=list(assets),
        tags=RETRY_TAGS,
        hooks=RETRY_HOOKS,
        executor_def=in_process_executor,
        description=description,
    )


@dataclass(frozen=True)
class Lane:
    """A lane's Dagster side, bound to its contract (genolake_core.lanes.<name>: name, intents, assets)."""

    contract: LaneContract
    jobs: Sequence[UnresolvedAssetJobDefinition]  # the first is the default of PlannedRun.job_name
    assets: Sequence[AssetsDefinition | AssetSpec]
    plan: Planner
    # How often its intake sensor lists the landing zone. Each tick costs Dagster several Postgres
    # connections (its storage does not pool), so rarely used lanes look less often.
    sensor_interval_seconds: int = 5

    @property
    def name(self) -> str:
        return self.contract.name

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(self.contract.intents)

    @property
    def description(self) -> str:
        return self.contract.description

    @property
    def job(self) -> UnresolvedAssetJobDefinition:
        return self.jobs[0]
