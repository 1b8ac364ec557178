"""Lane contracts: one module per lane (`CONTRACT`, a `LaneContract`), discovered, and everything the
platform derives from them.

Add a lane: a module `genolake_core/lanes/<name>.py` (its manifest model(s), assets, API tables) and a
folder `genolake_dagster/lanes/<name>/` (its Dagster code); nothing else lists lanes. From the contracts
come the lane names `GENOLAKE_ENABLED_LANES` accepts (`lane_names`), the manifest models by intent
(`intent_models`, hence parsing and `manifests/schema.json`), each asset's code version and lake object
(`asset_contracts`), the API's tables (`table_contracts`) and staleness (`upstream_assets`).
Discovery imports only these modules (pydantic models, no I/O): the API, which has no Dagster, uses it.
"""

from __future__ import annotations

from functools import cache

from genolake_core.lanes.contract import (
    AssetContract,
    KeyFunction,
    LaneContract,
    TableContract,
    discover_lanes,
)
from genolake_core.manifest import ManifestBase

__all__ = [
    "AssetContract",
    "KeyFunction",
    "LaneContract",
    "TableContract",
    "asset_contracts",
    "intent_models",
    "lane_contracts",
    "lane_names",
    "table_contracts",
    "upstream_assets",
]


@cache
def lane_contracts() -> dict[str, LaneContract]:
    """Every lane's contract by name (sorted), from the modules of this package; checked for clashes."""
    found = discover_lanes(__path__, __name__, "CONTRACT", LaneContract, folders=False)
    _check(found)
    return found


def _check(lanes: dict[str, LaneContract]) -> None:
    """Each intent, asset and table belongs to one lane; upstream assets exist."""
    owners: dict[tuple[str, str], str] = {}
    for lane in lanes.values():
        names = [
            *(("intent", intent) for intent in lane.intents),
            *(("asset", asset.name) for asset in lane.assets),
            *(("table", table) for table in lane.tables),
        ]
        for kind, name in names:
            other = owners.setdefault((kind, name), lane.name)
            if other != lane.name:
                raise ValueError(f"{kind} {name!r} is declared by lanes {other!r} and {lane.name!r}")
    assets = {name for kind, name in owners if kind == "asset"}
    for lane in lanes.values():
        for asset in lane.assets:
            unknown = sorted(set(asset.upstream) - assets)
            if unknown:
                raise ValueError(f"asset {asset.name!r} of lane {lane.name!r}: unknown upstream {unknown}")


def lane_names() -> tuple[str, ...]:
    """Every lane's name (what `GENOLAKE_ENABLED_LANES` may list)."""
    return tuple(lane_contracts())


def intent_models() -> dict[str, type[ManifestBase]]:
    """intent -> manifest model, over every lane."""
    return {intent: model for lane in lane_contracts().values() for intent, model in lane.intents.items()}


def asset_contracts() -> dict[str, AssetContract]:
    """asset name -> its contract, over every lane."""
    return {asset.name: asset for lane in lane_contracts().values() for asset in lane.assets}


def table_contracts() -> dict[str, TableContract]:
    """API table name -> its contract, over every lane."""
    return {name: table for lane in lane_contracts().values() for name, table in lane.tables.items()}


def upstream_assets() -> dict[str, tuple[str, ...]]:
    """Partitioned asset -> the partitioned assets it is computed from (the API's staleness)."""
    return {name: asset.upstream for name, asset in asset_contracts().items() if asset.key is not None}
