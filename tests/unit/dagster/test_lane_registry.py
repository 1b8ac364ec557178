"""The lane registry agrees with the manifest intents and the settings' lane names."""

from __future__ import annotations

from genolake_core.manifest import INTENT_MODELS
from genolake_core.settings import ALL_LANE_NAMES
from genolake_dagster import version
from genolake_dagster.definitions import defs
from genolake_dagster.lanes import ALL_LANES, claimed_intents


def test_every_intent_has_exactly_one_lane() -> None:
    claimed = claimed_intents(ALL_LANES)
    assert set(claimed) == set(INTENT_MODELS)
    assert sum(len(lane.intents) for lane in ALL_LANES.values()) == len(claimed)


def test_settings_name_every_lane() -> None:
    assert set(ALL_LANE_NAMES) == set(ALL_LANES)


def test_every_lane_job_is_defined_and_runs_in_process() -> None:
    names = {job.name for job in defs.resolve_all_job_defs()}
    for lane in ALL_LANES.values():
        for job in lane.jobs:
            assert job.name in names
            assert defs.resolve_job_def(job.name).executor_def.name == "in_process"


def test_module_updates_drive_reannotation_only() -> None:
    graph = defs.resolve_asset_graph()
    annotations = graph.get(
        next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "sample_annotations")
    )
    assert annotations.automation_condition is not None
    upstream = {key.to_user_string() for key in annotations.parent_keys}
    assert upstream == {"normalized_variants", "annotation_modules"}


def test_each_asset_has_its_own_code_version() -> None:
    """Lineage names the code that wrote an output: every asset has a version of its own (version.py)."""
    graph = defs.resolve_asset_graph()
    versions = {
        key.to_user_string(): graph.get(key).code_version
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    assert versions == {
        "normalized_variants": version.NORMALIZED_VARIANTS,
        "prs_scores": version.PRS_SCORES,
        "sample_annotations": version.SAMPLE_ANNOTATIONS,
        "sample_report": version.SAMPLE_REPORT,
        "annotation_modules": version.ANNOTATION_MODULES,
    }
    assert len(set(versions.values())) == len(versions)
