"""What intake does with each manifest object. Every step is safe to repeat.

Lane tick, for each manifest whose intent the lane claims:
  1. validate (schema, owner of the manifest area, files exist, sha256) and plan the runs;
  2. invalid: write the `rejected` document with every reason, archive under archive/rejected/;
  3. valid and new: write the `queued` document (with the planned runs), register partitions,
     request the runs (run_key `{lane}:{batch_id}`, deduplicated by Dagster);
  4. valid and already accepted with the same content: request the same runs again (Dagster
     drops them as duplicates) and, once every run exists in Dagster, archive the manifest
     (`accepted`, or `duplicate` for a second upload of the same batch) and delete it.
So a manifest leaves the landing zone only after its runs exist: a crash between steps loses nothing.
A batch_id is bound to its first accepted content; different content under it is rejected.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from genolake_core.docstore import ACCEPTED_STATUSES, DocStore, ManifestStatus
from genolake_core.ids import split_partition_key
from genolake_core.lanes import intent_models
from genolake_core.layout import MANIFESTS_PREFIX, ArchiveOutcome, archive_key, manifest_owner
from genolake_core.logs import get_logger
from genolake_core.manifest import (
    MAX_MANIFEST_BYTES,
    ManifestBase,
    ManifestError,
    parse_manifest,
    peek_intent,
)
from genolake_core.objectstore import ObjectInfo, ObjectStore
from genolake_core.settings import Settings

from genolake_dagster.intake.cursor import IntakeCursor
from genolake_dagster.lanes.base import Lane, PlanContext, PlannedRun

log = get_logger(__name__)


@dataclass
class TickOutcome:
    runs: list[PlannedRun] = field(default_factory=list)
    new_partitions: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    listed_keys: set[str] = field(default_factory=set)

    def summary(self) -> str:
        return ", ".join(f"{name}={count}" for name, count in sorted(self.counts.items())) or "nothing to do"


def unparsed_doc_id(key: str, etag: str) -> str:
    return f"unparsed:{key}@{etag[:16]}"


class ManifestIntake:
    """One tick of intake against real storage; `run_exists(run_key)` asks Dagster's run storage."""

    def __init__(
        self,
        settings: Settings,
        store: ObjectStore,
        docs: DocStore,
        run_exists: Callable[[str], bool],
        cursor: IntakeCursor,
    ) -> None:
        self.settings = settings
        self.store = store
        self.docs = docs
        self.run_exists = run_exists
        self.cursor = cursor
        self.plan_ctx = PlanContext(settings=settings, store=store, docs=docs)

    # --- listing ---------------------------------------------------------------------------

    def _manifests(self, outcome: TickOutcome) -> Iterable[tuple[ObjectInfo, bytes | None, str | None]]:
        """(object, body or None if not read, intent) for each manifest, reading bodies only when needed."""
        deadline = time.monotonic() + self.settings.tick_budget_seconds
        for info in self.store.list(self.settings.landing_bucket, MANIFESTS_PREFIX):
            if not info.key.endswith(".json"):
                continue
            outcome.listed_keys.add(info.key)
            if time.monotonic() > deadline:
                outcome.counts["deferred_by_budget"] += 1
                continue
            known, intent = self.cursor.intent_of(info.key, info.etag)
            if known:
                yield info, None, intent
                continue
            body = self._read(info)
            if body is None:
                continue
            _, intent = peek_intent(body)
            self.cursor.remember(info.key, info.etag, intent)
            yield info, body, intent

    def _read(self, info: ObjectInfo) -> bytes | None:
        if info.size > MAX_MANIFEST_BYTES:
            return b""  # unreadable as a manifest: handled (rejected) by triage with a clear reason
        try:
            body, _ = self.store.get_bytes(self.settings.landing_bucket, info.key, MAX_MANIFEST_BYTES)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None  # archived meanwhile
            raise
        return body

    # --- lane ------------------------------------------------------------------------------

    def lane_tick(self, lane: Lane) -> TickOutcome:
        outcome = TickOutcome()
        handled = 0
        for info, body, intent in self._manifests(outcome):
            if intent not in lane.intents:
                continue
            if handled >= self.settings.max_manifests_per_tick:
                outcome.counts["deferred_by_limit"] += 1
                continue
            handled += 1
            if body is None:
                body = self._read(info)
                if body is None:
                    continue
            self._handle_claimed(lane, info, body, outcome)
        return outcome

    def _handle_claimed(self, lane: Lane, info: ObjectInfo, body: bytes, outcome: TickOutcome) -> None:
        owner = manifest_owner(info.key)
        try:
            manifest = parse_manifest(body)
            if owner != manifest.uploader:
                raise ManifestError(
                    [
                        (
                            f"uploader: {manifest.uploader!r} may not place manifests in {info.key!r} "
                            f"(expected manifests/{manifest.uploader}/NAME.json)"
                        )
                    ],
                    batch_id=manifest.batch_id,
                )
        except ManifestError as exc:
            self._reject(info, exc, lane.name, body, outcome)
            return
        digest = hashlib.sha256(body).hexdigest()
        existing = self.docs.get_manifest(manifest.batch_id)
        if existing is not None and existing.get("status") in ACCEPTED_STATUSES:
            if existing.get("manifest_sha256") != digest:
                error = ManifestError(
                    [
                        (
                            f"batch_id: {manifest.batch_id!r} was already accepted with different content; "
                            "batch ids are immutable, use a new batch_id"
                        )
                    ],
                    batch_id=manifest.batch_id,
                )
                self._reject(info, error, lane.name, body, outcome, conflict=True)
                return
            self._confirm(info, existing, outcome)
            return
        try:
            self._check_files(manifest)
            planned = lane.plan(manifest, self.plan_ctx)
        except ManifestError as exc:
            exc.batch_id = manifest.batch_id
            self._reject(info, exc, lane.name, body, outcome)
            return
        self._accept(info, manifest, lane, digest, body, planned, outcome)

    def _check_files(self, manifest: ManifestBase) -> None:
        reasons = []
        for item in manifest.files:
            head = self.store.head(self.settings.landing_bucket, item.key)
            if head is None:
                reasons.append(f"files: {item.key} does not exist in the landing zone")
                continue
            if item.sha256 is not None:
                actual = self.store.sha256(self.settings.landing_bucket, item.key)
                if actual != item.sha256:
                    reasons.append(f"files: sha256 of {item.key} is {actual}, manifest says {item.sha256}")
        if reasons:
            raise ManifestError(reasons)

    def _accept(
        self,
        info: ObjectInfo,
        manifest: ManifestBase,
        lane: Lane,
        digest: str,
        body: bytes,
        planned: list[PlannedRun],
        outcome: TickOutcome,
    ) -> None:
        partitions = sorted({run.partition_key for run in planned if run.partition_key})
        self.docs.upsert_manifest(
            manifest.batch_id,
            {
                "batch_id": manifest.batch_id,
                "status": ManifestStatus.QUEUED.value,
                "reasons": [],
                "lane": lane.name,
                "intent": getattr(manifest, "intent", None),
                "uploader": manifest.uploader,
                "user": manifest.owner,
                "partitions": partitions,
                "run_keys": [run.run_key for run in planned],
                "planned_runs": [run.model_dump(mode="json") for run in planned],
                "manifest_sha256": digest,
                "manifest_json": body.decode("utf-8"),
                "source": {"key": info.key, "etag": info.etag},
            },
        )
        for key in partitions:
            user, sample = split_partition_key(key)
            self.docs.register_partition(key, user, sample, manifest.batch_id)
        outcome.new_partitions.extend(partitions)
        outcome.runs.extend(planned)
        outcome.counts["accepted"] += 1
        log.info(
            "manifest.accepted", batch_id=manifest.batch_id, lane=lane.name, runs=len(planned), key=info.key
        )

    def _confirm(self, info: ObjectInfo, doc: dict[str, Any], outcome: TickOutcome) -> None:
        """Re-request the batch's runs; archive the manifest once they all exist."""
        planned = [PlannedRun.model_validate(item) for item in doc.get("planned_runs", [])]
        missing = [run for run in planned if not self.run_exists(run.run_key)]
        if missing:
            outcome.new_partitions.extend(run.partition_key for run in missing if run.partition_key)
            outcome.runs.extend(missing)
            outcome.counts["rerequested"] += 1
            return
        source = doc.get("source", {})
        same_object = source.get("key") == info.key and source.get("etag") == info.etag
        archive_outcome = ArchiveOutcome.ACCEPTED if same_object else ArchiveOutcome.DUPLICATE
        destination = archive_key(archive_outcome, info.key, info.etag, info.last_modified)
        # The document names the archive before the manifest moves there (both steps repeatable).
        self._record_archive(doc["_id"], destination, same_object)
        self._archive(info, archive_outcome, doc["_id"])
        # FerretDB v1 applies an update as read-modify-write of the whole document, so a status
        # update racing this one can drop the field; once the object has moved this tick is the
        # last to see it, so check and write again.
        self._record_archive(doc["_id"], destination, same_object)
        outcome.counts[f"archived_{archive_outcome.value}"] += 1

    def _record_archive(self, doc_id: str, destination: str, same_object: bool) -> None:
        current = (
            self.docs.manifests.find_one({"_id": doc_id}, {"archive_key": 1, "duplicate_uploads": 1}) or {}
        )
        if same_object and current.get("archive_key") != destination:
            self.docs.upsert_manifest(doc_id, {"archive_key": destination})
        elif not same_object and destination not in current.get("duplicate_uploads", []):
            self.docs.upsert_manifest(doc_id, {}, add_to_sets={"duplicate_uploads": [destination]})

    # --- rejection and archiving -----------------------------------------------------------

    def _reject(
        self,
        info: ObjectInfo,
        error: ManifestError,
        lane: str | None,
        body: bytes,
        outcome: TickOutcome,
        *,
        conflict: bool = False,
    ) -> None:
        doc_id = error.batch_id or unparsed_doc_id(info.key, info.etag)
        if error.batch_id is not None:
            existing = self.docs.get_manifest(error.batch_id)
            if conflict or (existing is not None and existing.get("status") in ACCEPTED_STATUSES):
                doc_id = f"{error.batch_id}#{info.etag[:16]}"  # never overwrite an accepted batch
        destination = archive_key(ArchiveOutcome.REJECTED, info.key, info.etag, info.last_modified)
        self.docs.upsert_manifest(
            doc_id,
            {
                "batch_id": error.batch_id,
                "status": ManifestStatus.REJECTED.value,
                "reasons": error.reasons,
                "lane": lane,
                "intent": error.intent,
                "uploader": manifest_owner(info.key),
                "source": {"key": info.key, "etag": info.etag},
                "manifest_json": body.decode("utf-8", errors="replace")[:MAX_MANIFEST_BYTES],
                "archive_key": destination,
            },
        )
        self._archive(info, ArchiveOutcome.REJECTED, doc_id)
        outcome.counts["rejected"] += 1
        log.warning("manifest.rejected", key=info.key, doc_id=doc_id, reasons=error.reasons)

    def _archive(self, info: ObjectInfo, archive_outcome: ArchiveOutcome, doc_id: str) -> str:
        destination = archive_key(archive_outcome, info.key, info.etag, info.last_modified)
        bucket = self.settings.landing_bucket
        if self.store.head(bucket, info.key) is not None:
            self.store.copy(
                bucket,
                info.key,
                bucket,
                destination,
                metadata={"outcome": archive_outcome.value, "doc-id": doc_id, "source-key": info.key},
            )
            self.store.delete(bucket, info.key)
        return destination

    # --- triage ----------------------------------------------------------------------------

    def triage_tick(self, enabled_intents: dict[str, str]) -> TickOutcome:
        """Reject manifests no lane can claim; record (and keep) those whose lane is disabled."""
        outcome = TickOutcome()
        for info, body, intent in self._manifests(outcome):
            if intent is not None and intent in enabled_intents:
                continue
            if body is None:
                body = self._read(info)
                if body is None:
                    continue
            data, intent = peek_intent(body)
            batch_id = data.get("batch_id") if data and isinstance(data.get("batch_id"), str) else None
            if intent is not None and intent in intent_models():
                self._hold(info, intent, batch_id, body, outcome)
                continue
            try:
                parse_manifest(body)  # raises with the precise reason (bad JSON, unknown intent, ...)
                reasons = [f"intent: {intent!r} is not claimed by any lane"]
            except ManifestError as exc:
                reasons = exc.reasons
            if info.size > MAX_MANIFEST_BYTES:
                reasons = [f"manifest is {info.size} bytes; the limit is {MAX_MANIFEST_BYTES}"]
            self._reject(info, ManifestError(reasons, batch_id=batch_id, intent=intent), None, body, outcome)
        return outcome

    def _hold(
        self, info: ObjectInfo, intent: str, batch_id: str | None, body: bytes, outcome: TickOutcome
    ) -> None:
        doc_id = batch_id or unparsed_doc_id(info.key, info.etag)
        existing = self.docs.get_manifest(doc_id)
        if existing is not None and existing.get("status") != ManifestStatus.HELD.value:
            return  # a lane decided about this batch already; its own lane handles re-uploads
        if existing is not None and existing.get("source") == {"key": info.key, "etag": info.etag}:
            return  # recorded on an earlier tick
        self.docs.upsert_manifest(
            doc_id,
            {
                "batch_id": batch_id,
                "status": ManifestStatus.HELD.value,
                "reasons": [
                    f"intent {intent!r}: its lane is not enabled (GENOLAKE_ENABLED_LANES); kept in place"
                ],
                "intent": intent,
                "uploader": manifest_owner(info.key),
                "source": {"key": info.key, "etag": info.etag},
            },
        )
        outcome.counts["held"] += 1
