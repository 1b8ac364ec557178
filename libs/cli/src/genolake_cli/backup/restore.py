"""`genolake restore`: a fresh native stack from a backup folder.

Order: verify every checksum (nothing is touched if one fails); refuse a root that already holds a
stack; start only the storage services (Postgres, MinIO, FerretDB) and bootstrap; check that they are
empty; restore Postgres (one transaction), Mongo and both buckets (ETags checked); only then start
the code server, daemon, webserver and API, and start the sensors that ran when the backup was taken.
Until the end a `RESTORE_INCOMPLETE` file in the root says what is missing, and `genolake stack up`
refuses to start that root: a half-restored stack never runs pipelines.
"""

from __future__ import annotations

from pathlib import Path

from genolake_core.docstore import DocStore
from genolake_core.logs import get_logger
from genolake_core.objectstore import ObjectStore

from genolake_cli.backup.manifest import BackupError, BackupManifest, verify
from genolake_cli.backup.quiesce import Dagster
from genolake_cli.backup.stores import (
    bucket_is_empty,
    mongo_is_empty,
    pg_tool,
    postgres_is_empty,
    restore_bucket,
    restore_mongo,
    restore_postgres,
)
from genolake_cli.stack import INCOMPLETE_MARKER, NativeStack

log = get_logger(__name__)


def restore_native(backup: Path, stack: NativeStack) -> BackupManifest:
    manifest = verify(backup.resolve())
    pg_tool("pg_restore")
    marker = stack.root / INCOMPLETE_MARKER
    if stack.env_file.exists() or (stack.root / "minio").exists():
        raise BackupError(
            f"{stack.root} already holds a stack; restore builds a fresh one (choose a new --root)"
        )
    stack.root.mkdir(parents=True, exist_ok=True)
    step = "storage services"
    marker.write_text(f"restore of {backup} started; incomplete until this file is gone\n")
    try:
        stack.up_storage()
        settings = stack.settings()
        store = ObjectStore.from_settings(settings)
        docs = DocStore.from_settings(settings)
        try:
            step = "emptiness check"
            buckets = (settings.landing_bucket, settings.lake_bucket)
            if not postgres_is_empty(settings) or not mongo_is_empty(docs.db):
                raise BackupError("the target's Postgres or Mongo database is not empty")
            if not all(bucket_is_empty(store, bucket) for bucket in buckets):
                raise BackupError("the target's buckets are not empty")
            step = "postgres"
            restore_postgres(settings, backup)
            step = "mongo"
            restore_mongo(docs.db, backup)
            for bucket in buckets:
                step = f"s3://{bucket}"
                restored = restore_bucket(store, bucket, backup)
                expected = manifest.counts.get(f"s3:{bucket}")
                if expected is not None and restored != expected:
                    raise BackupError(
                        f"{restored} objects restored into {bucket}, the backup holds {expected}"
                    )
        finally:
            docs.close()
        step = "services"
        stack.up(allow_incomplete=True)
        step = "sensors"
        dagster = Dagster(settings.dagster_ui_url)
        states = {s["name"]: s["sensorState"]["status"] for s in dagster.sensors()}
        for name in manifest.sensors_running:
            if states.get(name) != "RUNNING":
                dagster.start(name)
    except Exception as exc:
        marker.write_text(f"restore of {backup} failed at {step}: {exc}\n")
        raise BackupError(
            f"restore into {stack.root} failed at {step}: {exc}; that stack is incomplete "
            f"({marker} says so): stop it with `genolake stack down --root {stack.root}` and remove it"
        ) from exc
    marker.unlink()
    log.info("restore.done", root=str(stack.root), counts=manifest.counts)
    return manifest
