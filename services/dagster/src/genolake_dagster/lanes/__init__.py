"""Lanes: one folder per lane (`lanes/<name>/`: `assets.py`, `plan.py`, `lane.py` defining `LANE`), found by
`all_lanes`, each bound to its contract in `genolake_core.lanes.<name>` (intents and their manifest models,
assets with code versions and lake objects, API tables).

Add a lane: its contract module in genolake_core/lanes/ and its folder here; nothing else lists lanes (the
code location, the sensors, the settings, the API and the manifest schema derive from them).
"""

from __future__ import annotations

from functools import cache

from genolake_core.lanes import lane_contracts
from genolake_core.lanes.contract import discover_lanes

from genolake_dagster.lanes.base import Lane


@cache
def all_lanes() -> dict[str, Lane]:
    """Every lane folder's `LANE`, by name (sorted); each must have a contract, and each contract a folder."""
    lanes = discover_lanes(__path__, __name__, "LANE", Lane, folders=True, module="lane")
    contracts = lane_contracts()
    if set(lanes) != set(contracts):
        raise ValueError(
            f"lane folders {sorted(set(lanes) - set(contracts))} have no contract in genolake_core/lanes/, "
            f"contracts {sorted(set(contracts) - set(lanes))} no folder in genolake_dagster/lanes/"
        )
    for name, lane in lanes.items():
        if lane.contract is not contracts[name]:
            raise ValueError(f"lane {name!r} is bound to another contract than genolake_core.lanes.{name}")
    return lanes


def claimed_intents(lanes: dict[str, Lane]) -> dict[str, str]:
    """intent -> lane name for the given lanes."""
    return {intent: lane.name for lane in lanes.values() for intent in lane.intents}
