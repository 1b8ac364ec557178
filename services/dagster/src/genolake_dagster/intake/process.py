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

One object never blocks another: each is handled in isolation. A transient storage failure (see
`genolake_dagster.transient`) fails the tick, which the next tick repeats; any other exception is
counted in the cursor and, after `MAX_OBJECT_FAILURES` ticks in a row on the same object version,
the object is rejected with the error as its reason. Every value written to Mongo or S3 metadata is
made storable first (no NUL, no unpaired surrogate; ASCII and bounded in metadata).
"""

from __future__ import annotations

import hashlib
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError
from genolake_core.docstore import ACCEPTED_STATUSES, DocStore, ManifestStatus, utcnow
from genolake_core.ids import USER_PATTERN, clipped_repr, split_partition_key
from genolake_core.lanes import intent_models
from genolake_core.layout import MANIFESTS_PREFIX, ArchiveOutcome, archive_key, manifest_owner
from genolake_core.logs import get_logger
from genolake_core.manifest import (
    MAX_MANIFEST_BYTES,
    MAX_REASON_CHARS,
    ManifestBase,
    ManifestError,
    parse_manifest,
    peek_intent,
    readable_batch_id,
)
from genolake_core.objectstore import ObjectInfo, ObjectStore
from genolake_core.settings import Settings
from pymongo.errors import DuplicateKeyError

from genolake_dagster.intake.cursor import IntakeCursor
from genolake_dagster.lanes.base import Lane, PlanContext, PlannedRun
from genolake_dagster.transient import is_transient

MAX_OBJECT_FAILURES = 3  # ticks in a row failing unexpectedly on one object version before it is rejected
MAX_ID_KEY_CHARS = 300  # characters of a (quoted) object key kept in a document id
MAX_METADATA_CHARS = 512  # per S3 metadata value (S3 allows 2 KB of user metadata in all)
log = get_logger(__name__)


@dataclass
class TickOutcome:
    runs: list[PlannedRun] = field(default_factory=list)
    new_partitions: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    listed_keys: set[str] = field(default_factory=set)

    def summary(self) -> str:
        return ", ".join(f"{name}={count}" for name, count in sorted(self.counts.items())) or "nothing to do"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def ascii_bounded(text: str, limit: int) -> str:
    """`text` percent-encoded to ASCII (as S3 metadata must be), cut to `limit` with a hash if longer."""
    quoted = urllib.parse.quote(text, safe="/:@#~")
    return quoted if len(quoted) <= limit else f"{quoted[: limit - 17]}~{_digest(text)[:16]}"


def storable(text: str) -> str:
    """`text` without the characters Mongo (FerretDB) cannot store: NUL and unpaired surrogates escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def unparsed_doc_id(key: str, etag: str) -> str:
    """Document id of a manifest object without a readable batch_id (one per object version)."""
    return f"unparsed:{ascii_bounded(key, MAX_ID_KEY_CHARS)}@{etag[:16]}"


def upload_doc_id(batch_id: str, key: str, etag: str) -> str:
    """Document id of a rejected upload whose batch_id already names another upload's document."""
    return f"{batch_id}#{_digest(f'{key}@{etag}')[:16]}"


def _owner(key: str) -> str | None:
    owner = manifest_owner(key)
    return owner if owner is not None and USER_PATTERN.fullmatch(owner) else None


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
            try:
                body = self._read(info)
            except Exception as exc:
                if is_transient(exc):
                    raise
                yield info, None, None  # unreadable: triage reads it again, isolated, and rejects it
                continue
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
        except ValueError:
            return b""  # replaced by a larger object since it was listed: too large, as above
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
            self._isolated(
                info, lane.name, body, outcome, lambda i, b: self._handle_claimed(lane, i, b, outcome)
            )
        return outcome

    def _isolated(
        self,
        info: ObjectInfo,
        lane: str | None,
        body: bytes | None,
        outcome: TickOutcome,
        handle: Callable[[ObjectInfo, bytes], None],
    ) -> None:
        """Handle one object so that nothing it holds can fail the tick (see the module docstring)."""
        try:
            if body is None:
                body = self._read(info)
                if body is None:
                    return
            handle(info, body)
        except Exception as exc:
            if is_transient(exc):
                raise
            self._unexpected(info, lane, body, outcome, exc)

    def _unexpected(
        self, info: ObjectInfo, lane: str | None, body: bytes | None, outcome: TickOutcome, exc: Exception
    ) -> None:
        count = self.cursor.record_failure(info.key, info.etag)
        log.exception("manifest.unexpected_error", key=info.key, attempt=count)
        if count < MAX_OBJECT_FAILURES:
            outcome.counts["failed_will_retry"] += 1
            return
        reason = (
            f"intake could not process this manifest ({count} attempts): "
            f"{type(exc).__name__}: {clipped_repr(str(exc), MAX_REASON_CHARS)}"
        )
        try:
            batch_id = readable_batch_id(peek_intent(body or b"")[0])
            self._reject(info, ManifestError([reason], batch_id=batch_id), lane, body or b"", outcome)
        except Exception as second:
            if is_transient(second):
                raise
            log.exception("manifest.unprocessable", key=info.key)  # left in place; the others go on
            outcome.counts["unprocessable"] += 1

    def _handle_claimed(self, lane: Lane, info: ObjectInfo, body: bytes, outcome: TickOutcome) -> None:
        owner = manifest_owner(info.key)
        try:
            manifest = parse_manifest(body)
            if owner != manifest.uploader:
                raise ManifestError(
                    [
                        (
                            f"uploader: {manifest.uploader!r} may not place manifests in "
                            f"{clipped_repr(info.key)} "
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
            try:
                head = self.store.head(self.settings.landing_bucket, item.key)
            except ClientError as exc:
                if is_transient(exc):
                    raise
                code = exc.response.get("Error", {}).get("Code", "?")
                reasons.append(f"files: the object store refuses the key {clipped_repr(item.key)} ({code})")
                continue
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
        self._preserve_rejection(manifest.batch_id)
        self.docs.upsert_manifest(
            manifest.batch_id,
            {
                "batch_id": manifest.batch_id,
                "status": ManifestStatus.QUEUED.value,
                "reasons": [],
                "errors": [],
                "archive_key": None,
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

    def _preserve_rejection(self, batch_id: str) -> None:
        """Before an accepted upload takes over a batch id whose document records a rejection, move that
        rejection to its own id and point its archive there (each step repeatable)."""
        existing = self.docs.get_manifest(batch_id)
        if existing is None or existing.get("status") != ManifestStatus.REJECTED.value:
            return
        source = existing.get("source") or {}
        moved_id = upload_doc_id(batch_id, str(source.get("key", "")), str(source.get("etag", "")))
        self.docs.manifests.replace_one(
            {"_id": moved_id}, {key: value for key, value in existing.items() if key != "_id"}, upsert=True
        )
        archived = existing.get("archive_key")
        info = self.store.head(self.settings.landing_bucket, archived) if archived else None
        if info is not None and info.metadata.get("doc-id") != moved_id:
            self.store.copy(
                self.settings.landing_bucket,
                info.key,
                self.settings.landing_bucket,
                info.key,
                metadata={**info.metadata, "doc-id": moved_id},
            )

    def _claim_rejection(
        self, info: ObjectInfo, batch_id: str | None, conflict: bool, doc: dict[str, Any]
    ) -> str:
        """The id of this object's rejection document, written: the batch id when no other upload's
        document holds it (claimed atomically by insert), else `upload_doc_id`."""
        if batch_id is None:
            doc_id = unparsed_doc_id(info.key, info.etag)
        elif conflict:
            doc_id = upload_doc_id(batch_id, info.key, info.etag)
        else:
            now = utcnow()
            try:
                self.docs.manifests.insert_one(
                    {"_id": batch_id, **doc, "received_at": now, "updated_at": now}
                )
                return batch_id
            except DuplicateKeyError:
                existing = self.docs.get_manifest(batch_id) or {}
                same = existing.get("source") == doc["source"]
                doc_id = batch_id if same else upload_doc_id(batch_id, info.key, info.etag)
        self.docs.upsert_manifest(doc_id, doc)
        return doc_id

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
        destination = archive_key(ArchiveOutcome.REJECTED, info.key, info.etag, info.last_modified)
        doc = {
            "batch_id": error.batch_id,
            "status": ManifestStatus.REJECTED.value,
            "reasons": [storable(reason)[: 2 * MAX_REASON_CHARS] for reason in error.reasons],
            "lane": lane,
            "intent": error.intent if error.intent in intent_models() else None,
            "uploader": _owner(info.key),
            "source": {"key": storable(info.key), "etag": info.etag},
            "manifest_json": storable(body.decode("utf-8", errors="replace"))[:MAX_MANIFEST_BYTES],
            "archive_key": destination,
        }
        doc_id = self._claim_rejection(info, error.batch_id, conflict, doc)
        self._archive(info, ArchiveOutcome.REJECTED, doc_id)
        outcome.counts["rejected"] += 1
        log.warning("manifest.rejected", key=info.key, doc_id=doc_id, reasons=doc["reasons"])

    def _archive(self, info: ObjectInfo, archive_outcome: ArchiveOutcome, doc_id: str) -> str:
        destination = archive_key(archive_outcome, info.key, info.etag, info.last_modified)
        bucket = self.settings.landing_bucket
        if self.store.head(bucket, info.key) is not None:
            self.store.copy(
                bucket,
                info.key,
                bucket,
                destination,
                metadata={
                    "outcome": archive_outcome.value,
                    "doc-id": doc_id,  # ASCII and bounded by construction (batch ids, unparsed_doc_id)
                    "source-key": ascii_bounded(info.key, MAX_METADATA_CHARS),
                },
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
            self._isolated(info, None, body, outcome, lambda i, b: self._triage_one(i, b, outcome))
        return outcome

    def _triage_one(self, info: ObjectInfo, body: bytes, outcome: TickOutcome) -> None:
        data, intent = peek_intent(body)
        batch_id = readable_batch_id(data)
        if intent is not None:
            self._hold(info, intent, batch_id, body, outcome)
            return
        try:
            parse_manifest(body)  # raises with the precise reason (bad JSON, unknown intent, ...)
            reasons = ["intent: the manifest's intent is not claimed by any lane"]
        except ManifestError as exc:
            reasons = exc.reasons
        if info.size > MAX_MANIFEST_BYTES:
            reasons = [f"manifest is {info.size} bytes; the limit is {MAX_MANIFEST_BYTES}"]
        self._reject(info, ManifestError(reasons, batch_id=batch_id), None, body, outcome)

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
