"""A lane is its contract (genolake_core/lanes/<name>.py) and its Dagster folder
(genolake_dagster/lanes/<name>/): everything else that names lanes, intents, assets, code versions or
tables derives from them.

The registry checks run on the shipped lanes and again with a throwaway lane added from a temporary
folder (its contract module and its Dagster folder, nothing else), which must then be wired up
everywhere: settings, manifest parsing and schema, the API's tables and staleness, the code location.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import genolake_core.lanes as core_lanes
import genolake_dagster.lanes as dagster_lanes
import pytest
from dagster import Definitions
from genolake_api.services.partitions import staleness
from genolake_core.lanes import (
    asset_contracts,
    intent_models,
    lane_contracts,
    lane_names,
    table_contracts,
    upstream_assets,
)
from genolake_core.manifest import manifest_json_schema, parse_manifest
from genolake_core.settings import Settings
from genolake_dagster.definitions import build_definitions
from genolake_dagster.lanes import all_lanes, claimed_intents
from genolake_dagster.partitions import SAMPLES

PROBE = "zz_probe"
CONTRACT_MODULE = '''
    """A throwaway lane's contract (tests/unit/dagster/test_lane_registry.py)."""

    from __future__ import annotations

    from typing import Literal

    from genolake_core.ids import SampleId
    from genolake_core.lanes.contract import AssetContract, LaneContract, TableContract
    from genolake_core.layout import partition_object
    from genolake_core.manifest import ManifestBase, ManifestFile
    from pydantic import Field


    class ProbeManifest(ManifestBase):
        intent: Literal["probe"]
        sample: SampleId
        files: list[ManifestFile] = Field(default_factory=list)


    PROBE_RESULT = AssetContract(
        name="probe_result",
        code_version="probe-1",
        key=partition_object("probe/result.parquet"),
        upstream=("normalized_variants",),
    )
    CONTRACT = LaneContract(
        name="zz_probe",
        intents={"probe": ProbeManifest},
        assets=(PROBE_RESULT,),
        tables={"probe": TableContract(key=PROBE_RESULT.key, filters=frozenset({"chrom"}))},
    )
'''
DAGSTER_FILES = {
    "__init__.py": '"""The throwaway lane."""\n',
    "assets.py": """
        from dagster import MaterializeResult, asset
        from genolake_core.lanes.zz_probe import PROBE_RESULT

        from genolake_dagster.lanes.normalize.assets import normalized_variants
        from genolake_dagster.partitions import samples_partitions


        @asset(partitions_def=samples_partitions, group_name="probe", deps=[normalized_variants],
               code_version=PROBE_RESULT.code_version)
        def probe_result() -> MaterializeResult:
            return MaterializeResult()
    """,
    "plan.py": """
        from genolake_core.ids import partition_key
        from genolake_core.manifest import ManifestBase

        from genolake_dagster.lanes.base import PlanContext, PlannedRun


        def plan_probe(manifest: ManifestBase, ctx: PlanContext) -> list[PlannedRun]:
            key = partition_key(manifest.owner, manifest.sample)
            run_key = f"zz_probe:{manifest.batch_id}"
            return [PlannedRun(run_key=run_key, partition_key=key, run_config={}, tags={})]
    """,
    "lane.py": """
        from dagster import define_asset_job
        from genolake_core.lanes.zz_probe import CONTRACT

        from genolake_dagster.lanes.base import Lane
        from genolake_dagster.lanes.zz_probe.assets import probe_result
        from genolake_dagster.lanes.zz_probe.plan import plan_probe

        probe_job = define_asset_job(name="probe_job", selection=[probe_result])
        LANE = Lane(contract=CONTRACT, jobs=[probe_job], assets=[probe_result], plan=plan_probe)
    """,
}


def _clear() -> None:
    lane_contracts.cache_clear()
    all_lanes.cache_clear()
    for name in [m for m in sys.modules if f"lanes.{PROBE}" in m]:
        del sys.modules[name]


@pytest.fixture
def probe_lane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A new lane added the way AGENTS.md says: a contract module and a Dagster folder, nothing else."""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / f"{PROBE}.py").write_text(textwrap.dedent(CONTRACT_MODULE))
    folder = tmp_path / "dagster" / PROBE
    folder.mkdir(parents=True)
    for name, text in DAGSTER_FILES.items():
        (folder / name).write_text(textwrap.dedent(text))
    monkeypatch.setattr(core_lanes, "__path__", [*core_lanes.__path__, str(tmp_path / "core")])
    monkeypatch.setattr(dagster_lanes, "__path__", [*dagster_lanes.__path__, str(tmp_path / "dagster")])
    _clear()
    try:
        yield
    finally:
        monkeypatch.undo()
        _clear()


def _check_registry(defs: Definitions) -> None:
    """What must hold for any set of lanes."""
    lanes, contracts = all_lanes(), lane_contracts()
    assert set(lanes) == set(contracts) == set(lane_names())
    claimed = claimed_intents(lanes)
    assert set(claimed) == set(intent_models())
    assert sum(len(lane.intents) for lane in lanes.values()) == len(claimed)
    names = {job.name for job in defs.resolve_all_job_defs()}
    for lane in lanes.values():
        assert {job.name for job in lane.jobs} <= names
        assert all(defs.resolve_job_def(job.name).executor_def.name == "in_process" for job in lane.jobs)
        assert f"{lane.name}_manifests" in {sensor.name for sensor in defs.sensors}
    graph = defs.resolve_asset_graph()
    materializable = {key.to_user_string(): graph.get(key) for key in graph.materializable_asset_keys}
    assert set(materializable) == set(asset_contracts())
    for name, node in materializable.items():
        contract = asset_contracts()[name]
        assert node.code_version == contract.code_version
        partitioned_parents = {
            parent.to_user_string()
            for parent in node.parent_keys
            if parent in graph.materializable_asset_keys and graph.get(parent).partitions_def is not None
        }
        assert partitioned_parents == set(contract.upstream), name
        assert (node.partitions_def is not None) == (contract.key is not None), name
    versions = [asset.code_version for asset in asset_contracts().values()]
    assert len(set(versions)) == len(versions)  # every asset has a version of its own


def test_shipped_lanes() -> None:
    """Discovery finds every lane folder on disk (adding one edits no list here), and the platform's
    original six are among them."""
    defs = build_definitions()
    _check_registry(defs)
    contracts = {
        path.stem
        for path in Path(core_lanes.__file__).parent.glob("*.py")
        if path.stem not in {"__init__", "contract"}
    }
    folders = {path.parent.name for path in Path(dagster_lanes.__file__).parent.glob("*/lane.py")}
    assert set(lane_names()) == contracts == folders
    assert {"normalize", "prs", "annotate", "report", "analyze", "modules"} <= set(lane_names())


def test_module_updates_drive_reannotation_only() -> None:
    graph = build_definitions().resolve_asset_graph()
    annotations = graph.get(
        next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "sample_annotations")
    )
    assert annotations.automation_condition is not None
    upstream = {key.to_user_string() for key in annotations.parent_keys}
    assert upstream == {"normalized_variants", "annotation_modules"}


def test_a_new_lane_is_its_contract_and_its_folder(probe_lane: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert PROBE in lane_names() and "probe" in intent_models()
    defs = build_definitions()
    Definitions.validate_loadable(defs)
    _check_registry(defs)
    assert defs.resolve_job_def("probe_job") is not None
    assert SAMPLES == "samples"

    # GENOLAKE_ENABLED_LANES accepts it (and 'all' includes it)
    for name, value in {
        "GENOLAKE_S3_ACCESS_KEY": "k",
        "GENOLAKE_S3_SECRET_KEY": "s",
        "GENOLAKE_MONGO_URL": "mongodb://h/",
        "GENOLAKE_PG_PASSWORD": "p",
        "GENOLAKE_ENABLED_LANES": f"normalize,{PROBE}",
    }.items():
        monkeypatch.setenv(name, value)
    assert Settings().enabled_lanes == ["normalize", PROBE]  # type: ignore[call-arg]
    monkeypatch.setenv("GENOLAKE_ENABLED_LANES", "all")
    assert PROBE in Settings().enabled_lanes  # type: ignore[call-arg]

    # manifests of its intent parse, and the schema (after `genolake manifest schema`) names them
    manifest = {
        "manifest_version": 1,
        "batch_id": "probe-0001",
        "uploader": "alice",
        "intent": "probe",
        "sample": "s1",
        "genome_build": "GRCh38",
    }
    assert type(parse_manifest(json.dumps(manifest).encode())).__name__ == "ProbeManifest"
    assert "ProbeManifest" in manifest_json_schema()["$defs"]

    # the API pages through its table and knows what makes its asset stale
    assert table_contracts()["probe"].key("alice", "s1") == "users/alice/s1/probe/result.parquet"
    assert upstream_assets()["probe_result"] == ("normalized_variants",)
    assets = {
        "normalized_variants": {"materialized_at": 2},
        "probe_result": {"materialized_at": 1},
    }
    assert staleness(assets, {})["probe_result"] == ["normalized_variants"]


def test_discovery_refuses_a_lane_without_its_object_or_named_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from genolake_core.lanes.contract import LaneContract, discover_lanes

    package = tmp_path / "probe_lanes_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_private.py").write_text("")  # not a lane
    (package / "empty.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    args = ([str(package)], "probe_lanes_pkg", "CONTRACT", LaneContract)
    with pytest.raises(TypeError, match=r"probe_lanes_pkg.empty defines no CONTRACT"):
        discover_lanes(*args, folders=False)
    (package / "empty.py").unlink()
    (package / "misnamed.py").write_text(
        "from genolake_core.lanes.contract import LaneContract\n"
        "CONTRACT = LaneContract(name='other', intents={})\n"
    )
    with pytest.raises(ValueError, match=r"named 'other'; name it after its module"):
        discover_lanes(*args, folders=False)
    assert discover_lanes(*args, folders=True) == {}  # no folders there
