"""The backup folder's checksum manifest: a whole backup verifies; any damage is refused naming the file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from genolake_cli.backup.manifest import (
    MANIFEST_NAME,
    BackupError,
    BackupManifest,
    checksum_files,
    verify,
    write_manifest,
)
from genolake_cli.stack import INCOMPLETE_MARKER, NativeStack, Ports, StackError


def make_backup(folder: Path) -> BackupManifest:
    (folder / "postgres").mkdir(parents=True)
    (folder / "postgres" / "dagster.dump").write_bytes(b"PGDMP" + bytes(range(256)) * 10)
    (folder / "s3" / "data-lake" / "blobs").mkdir(parents=True)
    (folder / "s3" / "data-lake" / "blobs" / "00000000").write_bytes(b"parquet bytes")
    (folder / "s3" / "data-lake" / "objects.jsonl").write_text('{"key": "users/a/b/x.parquet"}\n')
    manifest = BackupManifest(
        created_at=datetime.now(UTC),
        source={},
        sensors_running=["run_status_reconciler"],
        counts={"s3:data-lake": 1},
        files=checksum_files(folder),
    )
    write_manifest(folder, manifest)
    return manifest


def test_a_whole_backup_verifies(tmp_path: Path) -> None:
    written = make_backup(tmp_path)
    assert set(written.files) == {
        "postgres/dagster.dump",
        "s3/data-lake/blobs/00000000",
        "s3/data-lake/objects.jsonl",
    }
    assert verify(tmp_path) == written


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(b"parquet bytez"), "sha256 of"),
        (lambda p: p.write_bytes(b"parquet"), "has 7 bytes, BACKUP.json says 13"),
        (lambda p: p.unlink(), "is missing"),
    ],
)
def test_damage_is_refused_naming_the_file(tmp_path: Path, damage, message: str) -> None:
    make_backup(tmp_path)
    blob = tmp_path / "s3" / "data-lake" / "blobs" / "00000000"
    damage(blob)
    with pytest.raises(BackupError, match="backup damaged") as caught:
        verify(tmp_path)
    assert str(blob) in str(caught.value) and message in str(caught.value)


def test_an_interrupted_backup_has_no_manifest(tmp_path: Path) -> None:
    make_backup(tmp_path)
    (tmp_path / MANIFEST_NAME).unlink()
    with pytest.raises(BackupError, match="BACKUP.json is missing"):
        verify(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(BackupError, match="unreadable"):
        verify(tmp_path)


def test_stack_up_refuses_an_incomplete_restore(tmp_path: Path, repo_root: Path) -> None:
    stack = NativeStack(tmp_path / "stack", repo_root, Ports(25190))
    stack.root.mkdir()
    (stack.root / INCOMPLETE_MARKER).write_text("restore of /b failed at mongo: boom\n")
    with pytest.raises(StackError, match="incomplete restore: restore of /b failed at mongo"):
        stack.up()
    assert not (stack.root / "genolake.env").exists()


def test_genolake_restore_refuses_a_damaged_backup_with_exit_1(tmp_path: Path, repo_root: Path) -> None:
    """The command catches nothing: the root group turns BackupError (a GenoLakeError) into exit 1."""
    from genolake_cli.errors import EXIT_REFUSED
    from genolake_cli.main import app
    from typer.testing import CliRunner

    make_backup(tmp_path / "backup")
    blob = tmp_path / "backup" / "s3" / "data-lake" / "blobs" / "00000000"
    blob.unlink()
    args = ["restore", str(tmp_path / "backup"), "--root", str(tmp_path / "stack"), "--port-base", "25190"]
    result = CliRunner().invoke(app, [*args, "--project", str(repo_root)])
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr.strip() == f"error: backup damaged: {blob} is missing"
    assert not (tmp_path / "stack").exists()
