"""The platform's documents in MongoDB (mongo:7 in production, FerretDB v1 natively).

Collections (the contract; see AGENTS.md):
  manifests   _id = batch_id (or `unparsed:{key}@{etag}` when no batch_id could be read);
              one per submission, with status, reasons, lane, partitions, runs, archive key.
  runs        _id = Dagster run id; status mirrored from Dagster's run storage.
  partitions  _id = `{user}/{sample}`; which assets exist, from which run.
  users, api_keys   accounts (see genolake_core.accounts); keys stored hashed.
  audit       _id = random; who deleted what, when (kept after the deletion).
  partition_deletions  _id = partition key; Dagster-side removal pending/done.
  modules, scores, references   installed annotation modules, scoring files, variant-position references.
Every write is an idempotent upsert ($set / $setOnInsert / $addToSet only), so sensors and
reconcilers may repeat it. Only operators both servers support are used (no transactions,
change streams, partial/TTL indexes, $jsonSchema, arrayFilters or $lookup).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from genolake_core.settings import Settings


class ManifestStatus(StrEnum):
    QUEUED = "queued"  # accepted, run(s) requested
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    REJECTED = "rejected"  # invalid; archived; no run
    HELD = "held"  # valid intent whose lane is not enabled; left in place


ACCEPTED_STATUSES = frozenset(
    {ManifestStatus.QUEUED, ManifestStatus.RUNNING, ManifestStatus.SUCCESS, ManifestStatus.FAILED}
)
# A manifest in one of these will not change status again (HELD waits for its lane to be enabled).
FINAL_STATUSES = frozenset({ManifestStatus.SUCCESS, ManifestStatus.FAILED, ManifestStatus.REJECTED})

# Dagster run statuses in the order they can follow each other; a document never moves back.
RUN_STATUS_RANK: dict[str, int] = {
    "QUEUED": 0,
    "NOT_STARTED": 0,
    "MANAGED": 0,
    "STARTING": 1,
    "STARTED": 2,
    "CANCELING": 3,
    "SUCCESS": 4,
    "FAILURE": 4,
    "CANCELED": 4,
}
TERMINAL_RUN_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})


def _field(version: str) -> str:
    """A version as a Mongo field name (no dots or leading $)."""
    return version.replace(".", "_").replace("$", "_")


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_mongo_client(settings: Settings, timeout_ms: int = 5000) -> MongoClient[dict[str, Any]]:
    return MongoClient(
        settings.mongo_url.get_secret_value(),
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
        uuidRepresentation="standard",
    )


class DocStore:
    """Typed access to the platform's collections."""

    def __init__(self, database: Database[dict[str, Any]]) -> None:
        self.db = database
        self.manifests: Collection[dict[str, Any]] = database["manifests"]
        self.runs: Collection[dict[str, Any]] = database["runs"]
        self.partitions: Collection[dict[str, Any]] = database["partitions"]
        self.users: Collection[dict[str, Any]] = database["users"]
        self.api_keys: Collection[dict[str, Any]] = database["api_keys"]
        self.audit: Collection[dict[str, Any]] = database["audit"]
        self.deletions: Collection[dict[str, Any]] = database["partition_deletions"]
        self.modules: Collection[dict[str, Any]] = database["modules"]
        self.scores: Collection[dict[str, Any]] = database["scores"]
        self.references: Collection[dict[str, Any]] = database["references"]

    @classmethod
    def from_settings(cls, settings: Settings) -> DocStore:
        return cls(make_mongo_client(settings)[settings.mongo_db])

    def close(self) -> None:
        self.db.client.close()

    def ping(self) -> None:
        self.db.command("ping")

    def ensure_indexes(self) -> None:
        """Idempotent: creating an existing index with the same spec is a no-op."""
        self.manifests.create_index(
            [("status", ASCENDING), ("updated_at", DESCENDING)], name="status_updated"
        )
        self.manifests.create_index(
            [("uploader", ASCENDING), ("received_at", DESCENDING)], name="uploader_received"
        )
        self.runs.create_index([("batch_id", ASCENDING), ("created_at", ASCENDING)], name="batch_created")
        self.runs.create_index(
            [("partition", ASCENDING), ("created_at", DESCENDING)], name="partition_created"
        )
        self.runs.create_index([("status", ASCENDING)], name="status")
        self.partitions.create_index(
            [("user", ASCENDING), ("sample", ASCENDING)], name="user_sample", unique=True
        )
        self.api_keys.create_index([("user", ASCENDING)], name="user")
        self.audit.create_index([("partition", ASCENDING), ("at", DESCENDING)], name="partition_at")
        self.deletions.create_index([("status", ASCENDING)], name="status")

    # --- manifests -------------------------------------------------------------------------

    def get_manifest(self, doc_id: str) -> dict[str, Any] | None:
        return self.manifests.find_one({"_id": doc_id})

    def upsert_manifest(
        self, doc_id: str, fields: dict[str, Any], add_to_sets: dict[str, Any] | None = None
    ) -> None:
        now = utcnow()
        update: dict[str, Any] = {
            "$set": {**fields, "updated_at": now},
            "$setOnInsert": {"received_at": now},
        }
        if add_to_sets:
            update["$addToSet"] = {name: {"$each": list(values)} for name, values in add_to_sets.items()}
        self.manifests.update_one({"_id": doc_id}, update, upsert=True)

    # --- runs ------------------------------------------------------------------------------

    def upsert_run(self, run_id: str, status: str, fields: dict[str, Any]) -> bool:
        """Write a run's state unless the stored state is already further along; True if written."""
        rank = RUN_STATUS_RANK.get(status, 0)
        doc = {**fields, "status": status, "status_rank": rank, "updated_at": utcnow()}
        result = self.runs.update_one({"_id": run_id, "status_rank": {"$lte": rank}}, {"$set": doc})
        if result.matched_count:
            return True
        if self.runs.find_one({"_id": run_id}, {"_id": 1}) is not None:
            return False  # stored state is newer
        try:
            self.runs.insert_one({"_id": run_id, **doc})
            return True
        except DuplicateKeyError:  # raced with another writer: retry the conditional update once
            return bool(
                self.runs.update_one(
                    {"_id": run_id, "status_rank": {"$lte": rank}}, {"$set": doc}
                ).matched_count
            )

    def runs_for_batch(self, batch_id: str) -> list[dict[str, Any]]:
        return list(self.runs.find({"batch_id": batch_id}).sort("created_at", ASCENDING))

    # --- partitions ------------------------------------------------------------------------

    def register_partition(self, key: str, user: str, sample: str, batch_id: str) -> None:
        self.partitions.update_one(
            {"_id": key},
            {
                "$setOnInsert": {"user": user, "sample": sample, "created_at": utcnow(), "assets": {}},
                "$addToSet": {"batch_ids": batch_id},
            },
            upsert=True,
        )

    def record_asset(self, key: str, asset: str, info: dict[str, Any]) -> None:
        self.partitions.update_one(
            {"_id": key},
            {"$set": {f"assets.{asset}": {**info, "materialized_at": utcnow()}, "updated_at": utcnow()}},
        )

    def list_partitions(self, user: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {} if user is None else {"user": user}
        return list(self.partitions.find(query).sort("_id", ASCENDING))

    def record_run_asset(self, run_id: str, asset: str, info: dict[str, Any]) -> None:
        """What a run materialized, with its lineage (`runs.{id}.assets.{asset}`)."""
        self.runs.update_one({"_id": run_id}, {"$set": {f"assets.{asset}": info}})

    # --- annotation modules ----------------------------------------------------------------
    # One document per module: {_id: name, current: version, enabled, versions: {version: {...}}}.
    # `current` moves only after every file of the version is in the lake (the commit point).

    def publish_module_version(self, name: str, version: str, info: dict[str, Any]) -> str | None:
        """Make `version` current; returns the previous current version (None if first)."""
        before = self.modules.find_one_and_update(
            {"_id": name},
            {
                "$set": {"current": version, f"versions.{_field(version)}": info, "updated_at": utcnow()},
                "$setOnInsert": {"enabled": True, "created_at": utcnow()},
            },
            upsert=True,
        )
        return None if before is None else before.get("current")

    # --- installed scoring files -----------------------------------------------------------
    # One document per score and build ({_id: "{score_id}/{build}", ...}), written after the lake object
    # (the object is the truth the PRS planner checks; this is the index GET /scores reads).

    def record_score(self, fields: dict[str, Any]) -> None:
        """Upsert one installed score (`fields` carries its `score_id` and `genome_build`)."""
        self.scores.update_one(
            {"_id": f"{fields['score_id']}/{fields['genome_build']}"},
            {"$set": {**fields, "updated_at": utcnow()}, "$setOnInsert": {"installed_at": utcnow()}},
            upsert=True,
        )

    def list_scores(self) -> list[dict[str, Any]]:
        return list(self.scores.find({}).sort("_id", ASCENDING))

    # --- variant-position references ---------------------------------------------------------
    # One document per genome build ({_id: build, current: version, versions: {version: {...}}});
    # `current` moves only after the version's files are in the lake.

    def publish_reference_version(self, build: str, version: str, info: dict[str, Any]) -> str | None:
        """Make `version` the current reference of `build`; returns the previous current version."""
        before = self.references.find_one_and_update(
            {"_id": build},
            {
                "$set": {
                    "current": version,
                    f"versions.{_field(version)}": {**info, "installed_at": utcnow()},
                    "updated_at": utcnow(),
                },
                "$setOnInsert": {"created_at": utcnow()},
            },
            upsert=True,
        )
        return None if before is None else before.get("current")

    def installed_reference_versions(self, build: str) -> dict[str, dict[str, Any]]:
        """version -> info of every installed version of `build`."""
        doc = self.references.find_one({"_id": build}) or {}
        return {info["version"]: info for info in (doc.get("versions") or {}).values() if "version" in info}

    def installed_references(self) -> dict[str, dict[str, Any]]:
        """build -> info of its current reference."""
        result = {}
        for doc in self.references.find({}).sort("_id", ASCENDING):
            current = doc.get("current")
            info = (doc.get("versions") or {}).get(_field(current)) if current else None
            if info is not None:
                result[doc["_id"]] = {**info, "version": current}
        return result

    def installed_modules(self, *, enabled_only: bool = True) -> dict[str, dict[str, Any]]:
        """name -> {version, files, ...} of each module's current version."""
        query: dict[str, Any] = {"enabled": True} if enabled_only else {}
        result = {}
        for doc in self.modules.find(query).sort("_id", ASCENDING):
            current = doc.get("current")
            info = doc.get("versions", {}).get(_field(current)) if current else None
            if info is not None:
                result[doc["_id"]] = {**info, "version": current}
        return result
