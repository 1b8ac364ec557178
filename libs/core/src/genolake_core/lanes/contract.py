"""What a lane declares to the rest of the platform (`LaneContract`), apart from its Dagster code.

A lane's contract lives in `genolake_core.lanes.<lane>` (`CONTRACT`), beside the models of the
manifests it claims, because the API (which has no Dagster), the CLI and the settings need it too; the
lane's Dagster code (`genolake_dagster.lanes.<lane>/`: assets, planner, jobs) binds to it by name.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from genolake_core.manifest import ManifestBase

#: (user, sample) -> the object's key in the data lake (genolake_core.layout builds them).
KeyFunction = Callable[[str, str], str]


@dataclass(frozen=True)
class AssetContract:
    """An asset a lane materializes.

    `code_version` is the asset's Dagster `code_version`, the `code-version` S3 metadata of what it writes
    and the `code_version` of its run-document entry: bump it with any change that makes the asset write
    something different for the same inputs. `key` is its main lake object of a partition (what the
    `lake_key` metadata names; None: the asset is not per partition). `upstream` names the partitioned
    assets it is computed from: one materialized after it makes it stale (the API says so).
    """

    name: str
    code_version: str
    key: KeyFunction | None = None
    upstream: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableContract:
    """A parquet asset the API pages through (`GET /partitions/{user}/{sample}/tables/{table}`): equality
    `filters` on these columns only, rows sorted by `order` (the file's row index breaks ties) or kept in
    file order."""

    key: KeyFunction
    filters: frozenset[str] = frozenset()
    order: tuple[str, ...] = ()


@dataclass(frozen=True)
class LaneContract:
    """A lane: its name (the module's, and its Dagster folder's), the intents it claims with their manifest
    models, the assets it materializes and the API tables over them."""

    name: str
    intents: Mapping[str, type[ManifestBase]]
    assets: tuple[AssetContract, ...] = ()
    tables: Mapping[str, TableContract] = field(default_factory=dict)
    description: str = ""


class _Named(Protocol):
    @property
    def name(self) -> str: ...


NamedT = TypeVar("NamedT", bound=_Named)


def discover_lanes(
    path: Iterable[str], package: str, attribute: str, kind: type[NamedT], *, folders: bool, module: str = ""
) -> dict[str, NamedT]:
    """Each lane module (``folders=False``) or lane folder (``True``) of a package, by name (sorted): its
    ``attribute`` (found in ``<package>.<lane>[.<module>]``) must be a ``kind`` named after the module or
    folder. Names starting with ``_``, and this module, are not lanes. The one discovery rule of both
    registries (`genolake_core.lanes.lane_contracts`, `genolake_dagster.lanes.all_lanes`)."""
    found: dict[str, NamedT] = {}
    for info in sorted(pkgutil.iter_modules(list(path)), key=lambda item: item.name):
        if info.ispkg != folders or info.name.startswith("_") or info.name == "contract":
            continue
        name = f"{package}.{info.name}" + (f".{module}" if module else "")
        value = getattr(importlib.import_module(name), attribute, None)
        if not isinstance(value, kind):
            raise TypeError(f"{name} defines no {attribute} (a {kind.__module__}.{kind.__qualname__})")
        if value.name != info.name:
            where = "folder" if folders else "module"
            raise ValueError(f"{name}: the lane is named {value.name!r}; name it after its {where}")
        found[info.name] = value
    return found
