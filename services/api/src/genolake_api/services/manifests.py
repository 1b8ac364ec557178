"""Manifests: status (with runs grouped by attempt), listing, and submission through the API."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from genolake_core.accounts import Principal
from genolake_core.docstore import ManifestStatus
from genolake_core.layout import manifests_prefix
from genolake_core.manifest import MAX_MANIFEST_BYTES, ManifestError, parse_manifest
from pymongo import ASCENDING

from genolake_api.auth import require_access
from genolake_api.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    UnprocessableError,
)
from genolake_api.schemas import ManifestStatusOut, SubmittedOut
from genolake_api.services.runs import RUN_FIELDS
from genolake_api.state import AppState

# what the status response shows (plus `user` for the owner check); not planned run configs etc.
MANIFEST_FIELDS = {
    name: 1
    for name in (
        "batch_id",
        "status",
        "lane",
        "intent",
        "uploader",
        "user",
        "partitions",
        "reasons",
        "errors",
        "attempt_count",
        "failures",
        "run_ids",
        "latest_run_ids",
        "archive_key",
        "received_at",
        "updated_at",
        "finished_at",
    )
}


def owner_of(doc: dict[str, Any]) -> str | None:
    return doc.get("user") or doc.get("uploader")


async def get_manifest(state: AppState, principal: Principal, batch_id: str) -> ManifestStatusOut:
    """The manifest document with its runs grouped by attempt (root run id).

    Both queries go out at once on the async client, each fetching only the fields the response
    shows. The runs are used only when the document is the batch itself (a rejected upload that
    reused the id, `{batch_id}#{etag16}`, has none) and the caller may see it.
    """
    doc: dict[str, Any] | None
    doc, runs = await asyncio.gather(
        state.mongo["manifests"].find_one({"_id": batch_id}, MANIFEST_FIELDS),
        state.mongo["runs"].find({"batch_id": batch_id}, RUN_FIELDS).sort("created_at", ASCENDING).to_list(),
    )
    if doc is None:
        raise NotFoundError(f"manifest {batch_id!r} not found")
    require_access(principal, owner_of(doc))
    return ManifestStatusOut.from_doc(doc, runs if doc.get("batch_id") == batch_id else [])


def list_manifests(
    state: AppState, principal: Principal, status: str | None, limit: int
) -> list[ManifestStatusOut]:
    query: dict[str, Any] = {} if principal.is_admin else {"uploader": principal.user}
    if status is not None:
        query["status"] = status
    docs = state.docs.manifests.find(query).sort("received_at", -1).limit(limit)
    return [ManifestStatusOut.from_doc(doc) for doc in docs]


def submit_manifest(state: AppState, principal: Principal, manifest_json: dict[str, Any]) -> SubmittedOut:
    """Validate against the same models as intake, then place it in the uploader's manifest folder."""
    body = json.dumps(manifest_json).encode()
    if len(body) > MAX_MANIFEST_BYTES:
        raise PayloadTooLargeError(f"a manifest is at most {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = parse_manifest(body)
    except ManifestError as exc:
        raise UnprocessableError("; ".join(exc.reasons)) from exc
    if manifest.uploader != principal.user:
        raise ForbiddenError(f"you are {principal.user!r}; the manifest's uploader is {manifest.uploader!r}")
    existing = state.docs.get_manifest(manifest.batch_id)
    if existing is not None and existing.get("status") != ManifestStatus.REJECTED:
        raise ConflictError(f"batch_id {manifest.batch_id!r} is already {existing.get('status')}")
    key = f"{manifests_prefix(manifest.uploader)}{manifest.batch_id}.json"
    if state.store.head(state.settings.landing_bucket, key) is not None:
        raise ConflictError(f"a manifest for batch {manifest.batch_id!r} is already waiting")
    state.store.put_bytes(body, state.settings.landing_bucket, key, "application/json")
    return SubmittedOut(batch_id=manifest.batch_id, key=key, status_url=f"/manifests/{manifest.batch_id}")
