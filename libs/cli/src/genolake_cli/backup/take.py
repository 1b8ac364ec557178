"""`genolake backup`: quiesce, copy Postgres, Mongo and both buckets, checksum, move into place."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from genolake_core.docstore import DocStore
from genolake_core.logs import get_logger
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from genolake_cli.backup.manifest import BackupError, BackupManifest, checksum_files, write_manifest
from genolake_cli.backup.quiesce import Dagster, quiesced
from genolake_cli.backup.stores import dump_bucket, dump_mongo, dump_postgres, pg_tool

log = get_logger(__name__)


def take_backup(settings: Settings, out: Path, dagster_url: str, timeout: float) -> BackupManifest:
    """Write a complete backup to `out` (which must not exist); nothing at `out` unless complete."""
    out = out.resolve()
    if out.exists():
        raise BackupError(f"{out} already exists; a backup goes into a new folder")
    pg_tool("pg_dump")  # fail before quiescing anything
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=out.name + ".partial-", dir=out.parent))
    store = ObjectStore.from_settings(settings)
    docs = DocStore.from_settings(settings)
    try:
        with quiesced(Dagster(dagster_url), settings.postgres_dsn, timeout) as running:
            started = datetime.now(UTC)
            dump_postgres(settings, work)
            counts = dump_mongo(docs.db, work)
            for bucket in (settings.landing_bucket, settings.lake_bucket):
                counts[f"s3:{bucket}"] = dump_bucket(store, bucket, work)
        manifest = BackupManifest(
            created_at=started,
            source={
                "s3_endpoint_url": settings.s3_endpoint_url,
                "buckets": f"{settings.landing_bucket},{settings.lake_bucket}",
                "mongo_db": settings.mongo_db,
                "pg": f"{settings.pg_host}:{settings.pg_port}/{settings.pg_db}",
            },
            sensors_running=running,
            counts=counts,
            files=checksum_files(work),
        )
        write_manifest(work, manifest)
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        docs.close()
    log.info("backup.done", out=str(out), files=len(manifest.files), counts=counts)
    return manifest
