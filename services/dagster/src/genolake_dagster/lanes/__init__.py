"""Lanes: each a folder with its assets, planner and `LANE` object; `ALL_LANES` is the registry.

Add a lane: create `lanes/<name>/` with `assets.py` (if it has its own assets), `plan.py` and `lane.py`
defining `LANE`, add its manifest model to `genolake_core.manifest.INTENT_MODELS`, and list it here.
"""

from __future__ import annotations

from genolake_dagster.lanes.analyze.lane import LANE as ANALYZE_LANE
from genolake_dagster.lanes.annotate.lane import LANE as ANNOTATE_LANE
from genolake_dagster.lanes.base import Lane
from genolake_dagster.lanes.modules.lane import LANE as MODULES_LANE
from genolake_dagster.lanes.normalize.lane import LANE as NORMALIZE_LANE
from genolake_dagster.lanes.prs.lane import LANE as PRS_LANE
from genolake_dagster.lanes.report.lane import LANE as REPORT_LANE

ALL_LANES: dict[str, Lane] = {
    lane.name: lane
    for lane in (NORMALIZE_LANE, PRS_LANE, ANNOTATE_LANE, REPORT_LANE, ANALYZE_LANE, MODULES_LANE)
}


def claimed_intents(lanes: dict[str, Lane]) -> dict[str, str]:
    """intent -> lane name for the given lanes."""
    return {intent: lane.name for lane in lanes.values() for intent in lane.intents}
