"""BACKUP.json: what a backup holds, and the check that it is whole."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from genolake_core.errors import GenoLakeError
from pydantic import BaseModel

FORMAT_VERSION = 1
MANIFEST_NAME = "BACKUP.json"


class BackupError(GenoLakeError):
    """A backup that cannot be taken or restored; the message names the file, store or run."""


class FileEntry(BaseModel):
    sha256: str
    bytes: int


class BackupManifest(BaseModel):
    format: int = FORMAT_VERSION
    created_at: datetime
    source: dict[str, str]  # endpoints and names of what was copied, never a secret
    sensors_running: list[str]  # started again after a restore
    counts: dict[str, int]  # objects per bucket, documents per collection, runs
    files: dict[str, FileEntry]  # path relative to the backup folder -> checksum


def sha256_path(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_files(folder: Path) -> dict[str, FileEntry]:
    return {
        str(path.relative_to(folder)): FileEntry(sha256=sha256_path(path), bytes=path.stat().st_size)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    }


def write_manifest(folder: Path, manifest: BackupManifest) -> None:
    partial = folder / (MANIFEST_NAME + ".partial")
    partial.write_text(manifest.model_dump_json(indent=2))
    partial.replace(folder / MANIFEST_NAME)


def verify(folder: Path) -> BackupManifest:
    """The backup's manifest, after checking every file it lists; raises naming the first bad file."""
    path = folder / MANIFEST_NAME
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")
    if not path.is_file():
        raise BackupError(
            f"{path} is missing: not a complete GenoLake backup (an interrupted backup has none)"
        )
    try:
        manifest = BackupManifest.model_validate(json.loads(path.read_text()))
    except ValueError as exc:
        raise BackupError(f"{path} is unreadable: {exc}") from exc
    if manifest.format != FORMAT_VERSION:
        raise BackupError(f"{path}: format {manifest.format}, this genolake reads format {FORMAT_VERSION}")
    for name, entry in manifest.files.items():
        file = folder / name
        if not file.is_file():
            raise BackupError(f"backup damaged: {file} is missing")
        size = file.stat().st_size
        if size != entry.bytes:
            raise BackupError(f"backup damaged: {file} has {size} bytes, BACKUP.json says {entry.bytes}")
        digest = sha256_path(file)
        if digest != entry.sha256:
            raise BackupError(
                f"backup damaged: sha256 of {file} is {digest}, BACKUP.json says {entry.sha256}"
            )
    for required in ("postgres/dagster.dump",):
        if required not in manifest.files:
            raise BackupError(f"{path} lists no {required}")
    return manifest
