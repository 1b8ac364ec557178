"""Copying each store out and back: Postgres (pg_dump/pg_restore), Mongo (BSON, mongodump's layout), S3.

S3 objects come back with the same bytes, content type, user metadata and ETag. The ETag matters:
accepted runs pin their inputs by it (a re-execution after a restore checks the VCF's ETag), so an
object uploaded in parts is put back in parts of the same size (the part size is read from the
source with HeadObject PartNumber=1), and every restored ETag is compared with the recorded one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
from botocore.exceptions import ClientError
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from pymongo.database import Database

from genolake_cli.backup.manifest import BackupError

PG_BIN_CANDIDATES = tuple(Path(f"/usr/lib/postgresql/{v}/bin") for v in (15, 16, 17))
DUMP = "postgres/dagster.dump"
INSERT_BATCH = 500


def pg_tool(name: str) -> str:
    for folder in PG_BIN_CANDIDATES:
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found (Debian package postgresql-client-15)")
    return found


def _pg_env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": settings.pg_password.get_secret_value()}


def _pg_argv(settings: Settings) -> list[str]:
    return ["-h", settings.pg_host, "-p", str(settings.pg_port), "-U", settings.pg_user]


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# --- Postgres -------------------------------------------------------------------------------


def dump_postgres(settings: Settings, folder: Path) -> None:
    out = folder / DUMP
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [pg_tool("pg_dump"), *_pg_argv(settings), "-Fc", "--no-owner", "-f", str(out), settings.pg_db]
    _run(argv, _pg_env(settings), f"pg_dump of {settings.pg_db}")


def postgres_is_empty(settings: Settings) -> bool:
    import psycopg2

    conn = psycopg2.connect(settings.postgres_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            row = cur.fetchone()
            return row is not None and row[0] == 0
    finally:
        conn.close()


def restore_postgres(settings: Settings, folder: Path) -> None:
    """Into an empty database, in one transaction: all of it or nothing."""
    argv = [
        pg_tool("pg_restore"),
        *_pg_argv(settings),
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        "-d",
        settings.pg_db,
        str(folder / DUMP),
    ]
    _run(argv, _pg_env(settings), f"pg_restore into {settings.pg_db}")


# --- Mongo ----------------------------------------------------------------------------------


def dump_mongo(db: Database[dict[str, Any]], folder: Path) -> dict[str, int]:
    """Every collection as mongodump writes it: {coll}.bson (documents) + {coll}.metadata.json."""
    out = folder / "mongo" / db.name
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in sorted(db.list_collection_names()):
        count = 0
        with (out / f"{name}.bson").open("wb") as handle:
            for doc in db[name].find({}).sort("_id", 1):
                handle.write(bson.encode(doc))
                count += 1
        indexes = [
            {key: value for key, value in index.items() if key in {"v", "key", "name", "unique"}}
            for index in db[name].list_indexes()
        ]
        for index in indexes:
            index["key"] = dict(index["key"])
        metadata = {"options": {}, "indexes": indexes, "collectionName": name, "type": "collection"}
        (out / f"{name}.metadata.json").write_text(json.dumps(metadata, indent=1))
        counts[f"mongo:{name}"] = count
    return counts


def mongo_is_empty(db: Database[dict[str, Any]]) -> bool:
    return all(db[name].estimated_document_count() == 0 for name in db.list_collection_names())


def restore_mongo(db: Database[dict[str, Any]], folder: Path) -> None:
    source = folder / "mongo" / db.name
    if not source.is_dir():
        raise BackupError(f"{source} is missing: the backup holds no documents of database {db.name}")
    for path in sorted(source.glob("*.bson")):
        name = path.name.removesuffix(".bson")
        metadata = json.loads((source / f"{name}.metadata.json").read_text())
        batch = []
        with path.open("rb") as handle:
            for doc in bson.decode_file_iter(handle):
                batch.append(doc)
                if len(batch) >= INSERT_BATCH:
                    db[name].insert_many(batch, ordered=True)
                    batch = []
        if batch:
            db[name].insert_many(batch, ordered=True)
        for index in metadata.get("indexes", []):
            if index["name"] == "_id_":
                continue
            db[name].create_index(
                list(index["key"].items()), name=index["name"], unique=bool(index.get("unique", False))
            )


# --- S3 -------------------------------------------------------------------------------------


def _part_size(store: ObjectStore, bucket: str, key: str, etag: str) -> int | None:
    if "-" not in etag:
        return None
    head = store.client.head_object(Bucket=bucket, Key=key, PartNumber=1)
    return int(head["ContentLength"])


def dump_bucket(store: ObjectStore, bucket: str, folder: Path) -> int:
    out = folder / "s3" / bucket
    blobs = out / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    count = 0
    with (out / "objects.jsonl").open("w") as index:
        for info in store.list(bucket, ""):
            blob = f"blobs/{count:08d}"
            try:
                head = store.client.head_object(Bucket=bucket, Key=info.key)
                store.client.download_file(bucket, info.key, str(out / blob))
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey", "NotFound"}:
                    raise
                (out / blob).unlink(missing_ok=True)
                continue  # deleted since it was listed (a sample deletion through the API): not in the backup
            etag = head["ETag"].strip('"')
            entry = {
                "key": info.key,
                "blob": blob,
                "size": head["ContentLength"],
                "etag": etag,
                "part_size": _part_size(store, bucket, info.key, etag),
                "content_type": head.get("ContentType"),
                "metadata": head.get("Metadata", {}),
            }
            if (out / blob).stat().st_size != entry["size"]:
                raise BackupError(
                    f"s3://{bucket}/{info.key} changed while it was copied; run the backup again"
                )
            index.write(json.dumps(entry) + "\n")
            count += 1
    return count


def bucket_is_empty(store: ObjectStore, bucket: str) -> bool:
    return next(iter(store.list(bucket, "", limit=1)), None) is None


def _entries(folder: Path, bucket: str) -> Iterator[dict[str, Any]]:
    with (folder / "s3" / bucket / "objects.jsonl").open() as index:
        for line in index:
            if line.strip():
                yield json.loads(line)


def restore_bucket(store: ObjectStore, bucket: str, folder: Path) -> int:
    from boto3.s3.transfer import TransferConfig

    count = 0
    for entry in _entries(folder, bucket):
        path = folder / "s3" / bucket / entry["blob"]
        extra: dict[str, Any] = {"Metadata": entry["metadata"]}
        if entry.get("content_type"):
            extra["ContentType"] = entry["content_type"]
        part_size = entry.get("part_size")
        if part_size:  # the same parts give the same multipart ETag
            config = TransferConfig(multipart_threshold=1, multipart_chunksize=part_size)
            store.client.upload_file(str(path), bucket, entry["key"], ExtraArgs=extra, Config=config)
        else:
            with path.open("rb") as body:
                store.client.put_object(Bucket=bucket, Key=entry["key"], Body=body, **extra)
        restored = store.head(bucket, entry["key"])
        if restored is None or restored.etag != entry["etag"]:
            raise BackupError(
                f"s3://{bucket}/{entry['key']}: restored ETag {restored.etag if restored else None} differs "
                f"from the backed-up {entry['etag']} (runs pin their inputs by ETag)"
            )
        count += 1
    return count
