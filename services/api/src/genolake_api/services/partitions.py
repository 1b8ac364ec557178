"""Partitions: listing, details (assets, runs, staleness) and deletion."""

from __future__ import annotations

import uuid
from typing import Any

from genolake_core.accounts import Principal
from genolake_core.docstore import TERMINAL_RUN_STATUSES, utcnow
from genolake_core.ids import partition_key
from genolake_core.lanes import upstream_assets
from genolake_core.layout import partition_prefix

from genolake_api.auth import require_access
from genolake_api.errors import ConflictError, NotFoundError
from genolake_api.schemas import DeletedOut, PartitionDetailOut, PartitionOut, RunOut
from genolake_api.state import AppState


def visible_partitions(state: AppState, principal: Principal, user: str | None) -> list[PartitionOut]:
    """The caller's partitions (an admin: everyone's, or `user`'s)."""
    if user is not None and not principal.may_access(user):
        return []
    docs = state.docs.list_partitions(user if user is not None or principal.is_admin else principal.user)
    return [PartitionOut.from_doc(doc) for doc in docs]


def staleness(assets: dict[str, dict[str, Any]], current_modules: dict[str, str]) -> dict[str, list[str]]:
    """asset -> why it is stale: upstream assets materialized after it, and for annotations the modules
    whose current version differs from the one used (`module:{name}@{current}`). Empty: fresh."""
    result: dict[str, list[str]] = {}
    upstream = upstream_assets()  # each lane's contract declares its assets' upstream (genolake_core.lanes)
    for name, info in assets.items():
        newer = [
            up
            for up in upstream.get(name, ())
            if up in assets
            and assets[up].get("materialized_at")
            and info.get("materialized_at")
            and assets[up]["materialized_at"] > info["materialized_at"]
        ]
        if name == "sample_annotations":
            used = info.get("modules") or {}
            newer += [
                f"module:{module}@{current_modules[module]}"
                for module, version in sorted(used.items())
                if module in current_modules and current_modules[module] != version
            ]
        result[name] = newer
    return result


def _partition_doc(
    state: AppState, principal: Principal, user: str, sample: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The partition document and its latest 50 run documents (newest first)."""
    key = partition_key(user, sample)
    require_access(principal, user)
    doc = state.docs.partitions.find_one({"_id": key})
    if doc is None:
        raise NotFoundError(f"partition {key} not found")
    return doc, list(state.docs.runs.find({"partition": key}).sort("created_at", -1).limit(50))


def get_partition(state: AppState, principal: Principal, user: str, sample: str) -> PartitionDetailOut:
    """The partition with its assets, latest runs and what of it is stale."""
    doc, runs = _partition_doc(state, principal, user, sample)
    current = {
        name: info["version"] for name, info in state.docs.installed_modules(enabled_only=False).items()
    }
    return PartitionDetailOut(
        **PartitionOut.from_doc(doc).model_dump(),
        stale=staleness(doc.get("assets", {}), current),
        runs=[RunOut.from_doc(run) for run in runs],
    )


def delete_partition(state: AppState, principal: Principal, user: str, sample: str) -> DeletedOut:
    """Delete every lake object, upload and document of the partition; keep an audit document.

    Refused (409) while a run of the partition is in flight. Uploaded files are deleted when no other
    partition's batch names them. Dagster's own partition entry is removed by the
    `partition_deletions` sensor (pending -> done in `partition_deletions`).
    """
    doc, runs = _partition_doc(state, principal, user, sample)
    key = doc["_id"]
    active = [run["_id"] for run in runs if run.get("status") not in TERMINAL_RUN_STATUSES]
    if active:
        raise ConflictError(f"runs in progress for {key}: {', '.join(active)}; retry when done")
    settings, store, docs = state.settings, state.store, state.docs
    audit_id = uuid.uuid4().hex
    docs.audit.insert_one(
        {
            "_id": audit_id,
            "action": "delete_partition",
            "partition": key,
            "by": principal.user,
            "at": utcnow(),
            "status": "started",
        }
    )
    lake_objects = store.delete_prefix(settings.lake_bucket, partition_prefix(user, sample))
    uploads = 0
    batch_ids = doc.get("batch_ids", [])
    for batch_id in batch_ids:
        manifest = docs.get_manifest(batch_id)
        if manifest is None:
            continue
        remaining = [p for p in manifest.get("partitions", []) if p != key]
        if remaining:
            docs.manifests.update_one(
                {"_id": batch_id}, {"$set": {"partitions": remaining, "updated_at": utcnow()}}
            )
            continue
        for run in manifest.get("planned_runs", []):
            config = run.get("run_config", {}).get("ops", {})
            for op in config.values():
                vcf_key = op.get("config", {}).get("vcf_key")
                if vcf_key and store.head(settings.landing_bucket, vcf_key) is not None:
                    store.delete(settings.landing_bucket, vcf_key)
                    uploads += 1
        # A manifest still waiting in the landing zone (accepted, not yet archived) would otherwise be
        # read again by intake once its document is gone, and start the deleted sample over.
        source = (manifest.get("source") or {}).get("key")
        if source and store.head(settings.landing_bucket, source) is not None:
            store.delete(settings.landing_bucket, source)
        docs.manifests.delete_one({"_id": batch_id})
    run_documents = docs.runs.delete_many({"partition": key}).deleted_count
    docs.partitions.delete_one({"_id": key})
    docs.deletions.update_one(
        {"_id": key},
        {"$set": {"status": "pending", "requested_at": utcnow(), "audit_id": audit_id}},
        upsert=True,
    )
    summary = {
        "lake_objects": lake_objects,
        "uploads": uploads,
        "run_documents": run_documents,
        "batches": batch_ids,
    }
    docs.audit.update_one({"_id": audit_id}, {"$set": {"status": "done", "deleted": summary}})
    return DeletedOut(audit_id=audit_id, partition=key, deleted=summary)
