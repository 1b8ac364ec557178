"""``modules.yaml``: which modules a deployment uses, where each comes from, and the pinned version.

::

    modules:
      longevitymap:
        source: hf://datasets/just-dna-seq/annotators@main   # see sources.source_from_uri
        version: hf-0123456789ab                              # optional pin (exact match)
      mthfr_nad:
        source: builtin:                                      # the specs shipped in this package
      cyp_panel:
        source: s3://data-lake/reference/modules
        enabled: false                                        # listed, not used by default

Rules: module names are ``^[a-z][a-z0-9_]*$``; unknown keys are errors; a relative path source is
relative to the registry file's folder. :func:`resolve_modules` fetches the requested names (default: the
enabled ones, in file order) into ``cache_dir`` and returns verified compiled modules; an unknown name
or a failing source raises naming the module. :func:`default_registry` is what the product uses without
a registry file: ``longevitymap``, ``mthfr_nad`` and ``cyp_panel``, all built in (offline).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from genolake_annotation.errors import InvalidInputError
from genolake_annotation.modules.manifest import CompiledModule
from genolake_annotation.modules.sources import (
    ModuleSource,
    ModuleSourceError,
    source_from_uri,
)
from genolake_annotation.modules.spec import NAME_RE

if TYPE_CHECKING:
    from genolake_annotation.reference.table import VariantReference

BUILTIN_DIR = Path(__file__).parent / "builtin"


class RegistryEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    version: str | None = None
    enabled: bool = True

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class ModuleRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    modules: dict[str, RegistryEntry]
    base_dir: Path | None = Field(default=None, exclude=True)

    @field_validator("modules")
    @classmethod
    def _names(cls, value: dict[str, RegistryEntry]) -> dict[str, RegistryEntry]:
        bad = [name for name in value if not NAME_RE.fullmatch(name)]
        if bad:
            raise ValueError(f"invalid module name(s) {', '.join(map(repr, bad))} (lower-case, digits, '_')")
        return value

    def enabled(self) -> list[str]:
        return [name for name, entry in self.modules.items() if entry.enabled]


def load_registry(path: Path) -> ModuleRegistry:
    """Parse and validate ``modules.yaml``; errors name the file and the offending key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path}: expected a mapping with a 'modules' key")
    try:
        return ModuleRegistry.model_validate({**data, "base_dir": path.parent})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInputError(f"{path}: {problems}") from exc


def builtin_spec_dirs() -> dict[str, Path]:
    """The module specs shipped with the package (name -> spec folder)."""
    return {p.name: p for p in sorted(BUILTIN_DIR.iterdir()) if (p / "module_spec.yaml").is_file()}


def default_registry() -> ModuleRegistry:
    """Every module shipped with the package (offline): LongevityMap (from the built-in copy of its
    database) and the built-in specs. Hugging Face (``hf://datasets/{HF_DEFAULT_REPO}``) or S3 sources are
    used only when a registry names them."""
    modules = {"longevitymap": RegistryEntry(source="builtin:")}
    modules.update({name: RegistryEntry(source="builtin:") for name in builtin_spec_dirs()})
    return ModuleRegistry(modules=modules)


def default_cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "genolake" / "modules"


def resolve_modules(
    registry: ModuleRegistry,
    names: Sequence[str] | None = None,
    *,
    cache_dir: Path | None = None,
    s3_store: Any = None,
    references: Sequence[VariantReference] = (),
) -> list[CompiledModule]:
    """Fetch ``names`` (default: every enabled module) as verified compiled modules."""
    wanted = list(names) if names is not None else registry.enabled()
    unknown = [n for n in wanted if n not in registry.modules]
    if unknown:
        raise ModuleSourceError(
            f"module(s) {', '.join(map(repr, unknown))} not in the registry "
            f"(known: {', '.join(registry.modules) or 'none'})"
        )
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    sources: dict[str, ModuleSource] = {}
    out = []
    for name in wanted:
        entry = registry.modules[name]
        if entry.source not in sources:
            sources[entry.source] = source_from_uri(
                entry.source, base_dir=registry.base_dir, s3_store=s3_store, references=references
            )
        out.append(sources[entry.source].fetch(name, entry.version, cache))
    return out


__all__ = [
    "ModuleRegistry",
    "RegistryEntry",
    "builtin_spec_dirs",
    "default_cache_dir",
    "default_registry",
    "load_registry",
    "resolve_modules",
]
