"""Installed variant-position references: versioned in the lake, indexed by the Mongo ``references``
collection.

A version lives at ``reference/variants/{build}/{version}/`` (``positions.parquet``, then
``reference.json``: a folder with its manifest is complete) and never changes: installing the same
build and version again is a no-op when the files are identical and an error when they differ. The
Mongo document ``references/{build}`` (``current``, ``versions.{version}``: files with sha256, source,
source_sha256, rows, rsids, installed_at) moves ``current`` only after the files are in the lake.
:func:`fetch_installed_reference` downloads the current version of a build into a local cache and
verifies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genolake_core.docstore import DocStore
from genolake_core.layout import variant_reference_prefix
from genolake_core.objectstore import ObjectStore

from genolake_annotation.reference.table import (
    MANIFEST_FILE,
    POSITIONS_FILE,
    ReferenceError,
    VariantReference,
    open_reference,
)


class ReferenceConflictError(ReferenceError):
    """A reference version is already installed with different content."""


@dataclass(frozen=True)
class InstallResult:
    build: str
    version: str
    prefix: str
    previous: str | None
    created: bool


def install_reference(
    reference: VariantReference, store: ObjectStore, docs: DocStore, bucket: str
) -> InstallResult:
    """Upload a reference folder to the lake and make it the current reference of its build."""
    manifest = reference.manifest
    prefix = variant_reference_prefix(manifest.build, manifest.version)
    existing = docs.installed_reference_versions(manifest.build)
    same = existing.get(manifest.version)
    if same is not None and same.get("positions_sha256") != manifest.positions_sha256:
        raise ReferenceConflictError(
            f"reference {manifest.build} version {manifest.version!r} is already installed with other "
            "content; install it under another --version"
        )
    created = same is None
    if created:
        store.put_file(reference.positions_path, bucket, prefix + POSITIONS_FILE)
        store.put_file(reference.path / MANIFEST_FILE, bucket, prefix + MANIFEST_FILE)  # last
    info: dict[str, Any] = {**manifest.model_dump(), "prefix": prefix}
    previous = docs.publish_reference_version(manifest.build, manifest.version, info)
    return InstallResult(manifest.build, manifest.version, prefix, previous, created)


def fetch_installed_reference(
    store: ObjectStore, docs: DocStore, bucket: str, build: str, cache_dir: Path
) -> VariantReference | None:
    """The current reference of ``build`` from the lake (verified), or None when none is installed."""
    info = docs.installed_references().get(build)
    if info is None:
        return None
    target = Path(cache_dir) / "references" / build / info["version"]
    if (target / MANIFEST_FILE).is_file():
        try:
            cached = open_reference(target)
            if cached.manifest.positions_sha256 == info["positions_sha256"]:
                return cached
        except ReferenceError:
            pass
    target.mkdir(parents=True, exist_ok=True)
    for name in (POSITIONS_FILE, MANIFEST_FILE):
        store.download(bucket, info["prefix"] + name, target / name)
    reference = open_reference(target)
    if reference.manifest.positions_sha256 != info["positions_sha256"]:
        raise ReferenceError(f"reference {build} {info['version']} in the lake differs from its record")
    return reference


def fetch_installed_references(
    store: ObjectStore, docs: DocStore, bucket: str, cache_dir: Path
) -> list[VariantReference]:
    """The current reference of every build that has one."""
    out = []
    for build in sorted(docs.installed_references()):
        ref = fetch_installed_reference(store, docs, bucket, build, cache_dir)
        if ref is not None:
            out.append(ref)
    return out


__all__ = [
    "InstallResult",
    "ReferenceConflictError",
    "fetch_installed_reference",
    "fetch_installed_references",
    "install_reference",
]
