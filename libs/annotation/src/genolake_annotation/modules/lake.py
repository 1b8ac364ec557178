"""Installed modules: compiled module versions in the data lake, indexed by the Mongo ``modules`` collection.

A published version lives at ``reference/modules/{name}/{version}/`` (``module.json`` + parquet tables)
and never changes: publishing the same name and version again is a no-op when the files are identical
and an error when they differ (bump the version). The files are written first and the Mongo document's
``current`` pointer is moved last, so readers never see a half-published version.

:func:`publish_module` is used by ``genolake modules install`` and the ``register_module`` lane;
:func:`fetch_installed` by the annotate step (it downloads into a local cache and verifies every sha256).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genolake_core.docstore import DocStore, utcnow
from genolake_core.layout import MODULES_PREFIX, module_prefix
from genolake_core.objectstore import ObjectStore

from genolake_annotation.errors import ModuleError
from genolake_annotation.modules.manifest import MANIFEST_FILE, CompiledModule
from genolake_annotation.modules.sources import ModuleSourceError, S3Source


class ModuleConflictError(ModuleError):
    """A module version is already published with different content."""


@dataclass(frozen=True)
class PublishResult:
    name: str
    version: str
    prefix: str
    previous: str | None
    created: bool  # False: the identical version was already published


def _file_hashes(module: CompiledModule) -> list[dict[str, str]]:
    """[{file, sha256}] sorted by file (a list: file names have dots, which Mongo keys may not)."""
    return [{"file": name, "sha256": entry.sha256} for name, entry in sorted(module.manifest.files.items())]


def publish_module(
    module: CompiledModule,
    store: ObjectStore,
    docs: DocStore,
    bucket: str,
    *,
    batch_id: str | None = None,
    run_id: str | None = None,
) -> PublishResult:
    """Upload a verified compiled module version to the lake and make it the current version."""
    name, version = module.name, module.version
    prefix = module_prefix(name, version)
    hashes = _file_hashes(module)
    existing = (docs.modules.find_one({"_id": name}) or {}).get("versions", {})
    for entry in existing.values():
        if entry.get("version") == version and entry.get("files") != hashes:
            raise ModuleConflictError(
                f"module {name!r} version {version!r} is already published with different content; "
                "publish the change under a new version"
            )
    created = not any(entry.get("version") == version for entry in existing.values())
    if created:
        for file_name in [
            *(item["file"] for item in hashes),
            MANIFEST_FILE,
        ]:  # module.json last: its presence marks a complete folder
            store.put_file(module.path / file_name, bucket, prefix + file_name)
    info: dict[str, Any] = {
        "version": version,
        "files": hashes,
        "title": module.manifest.display_title,
        "key": module.manifest.key,
        "genome_build": module.manifest.genome_build,
        "source": module.manifest.source,
        "source_sha256": module.manifest.build.source_sha256,
        "references": module.manifest.references,  # {build: version, sha256s, source} it was compiled with
        "strand": module.manifest.strand,  # decision counts of that compilation (compile_report.json)
        "prefix": prefix,
        "batch_id": batch_id,
        "run_id": run_id,
        "published_at": utcnow(),
    }
    current = (docs.modules.find_one({"_id": name}, {"current": 1}) or {}).get("current")
    if not created and current == version:
        return PublishResult(name, version, prefix, previous=current, created=False)
    previous = docs.publish_module_version(name, version, info)
    return PublishResult(name, version, prefix, previous=previous, created=created)


def fetch_installed(
    store: ObjectStore,
    docs: DocStore,
    bucket: str,
    cache_dir: Path,
    names: Sequence[str] | None = None,
) -> list[CompiledModule]:
    """The current version of each named (default: every enabled) installed module, verified, from the
    lake."""
    installed = docs.installed_modules(enabled_only=names is None)
    wanted = list(names) if names is not None else list(installed)
    missing = [name for name in wanted if name not in installed]
    if missing:
        known = ", ".join(sorted(installed)) or "none"
        raise ModuleSourceError(f"module(s) {', '.join(missing)} not installed (installed: {known})")
    if not wanted:
        raise ModuleSourceError(
            "no annotation modules are installed: run `genolake modules install` or register one"
        )
    source = S3Source(store, bucket, MODULES_PREFIX)
    modules = []
    for name in wanted:
        module = source.fetch(name, installed[name]["version"], cache_dir)
        if _file_hashes(module) != installed[name]["files"]:
            raise ModuleSourceError(
                f"module {name!r} {installed[name]['version']} in the lake differs from its record"
            )
        modules.append(module)
    return modules
