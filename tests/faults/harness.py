"""What the fault tests share: bursts of manifests, reading Dagster's and Mongo's state (tolerating the
outages the tests cause), and the figures of each scenario."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg2
from genolake_core.docstore import DocStore
from genolake_core.layout import normalized_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

T = TypeVar("T")
FINAL = {"success", "failed", "rejected"}
# seconds: from the scenario's first upload to the last of its manifests becoming final
# retried: runs of the scenario re-executed by Dagster's run retries (infrastructure failures)
COLUMNS = (
    "scenario",
    "submitted",
    "success",
    "failed",
    "rejected",
    "stuck",
    "twice",
    "lost",
    "retried",
    "refused",
    "seconds",
)


def poll(probe: Callable[[], T | None], timeout: float, interval: float = 0.25) -> T | None:
    """`probe()` until it is truthy or `timeout` seconds pass (errors while services are down count as
    not yet); returns the last value."""
    deadline = time.monotonic() + timeout
    value: T | None = None
    while time.monotonic() < deadline:
        try:
            value = probe()
        except Exception:  # noqa: BLE001 - a service the test has just killed
            value = None
        if value:
            return value
        time.sleep(interval)
    return value


@dataclass
class Upload:
    name: str
    batch_id: str
    key: str
    kind: str  # valid (must succeed) | missing (its VCF is absent: rejected) | bad_data (its run fails)


@dataclass
class Scenario:
    name: str
    user: str
    uploads: list[Upload] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # uploads the S3 server refused (not submitted)
    hit: list[str] = field(default_factory=list)  # runs in flight when the fault struck
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def batch_ids(self) -> list[str]:
        return [upload.batch_id for upload in self.uploads]

    def count(self, kind: str) -> int:
        return sum(1 for upload in self.uploads if upload.kind == kind)


class Platform:
    """The fault stack's storage, as the tests read it."""

    def __init__(self, settings: Settings, store: ObjectStore, docs: DocStore) -> None:
        self.settings = settings
        self.store = store
        self.docs = docs

    # --- Dagster's run storage (Postgres), read directly ---------------------------------------

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        conn = psycopg2.connect(self.settings.postgres_dsn, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    def runs(self, batch_ids: list[str]) -> list[dict[str, Any]]:
        """Every run of these batches: id, batch, status, run key, root run."""
        rows = self._query(
            "SELECT r.run_id, b.value, r.status, r.run_body FROM runs r "
            "JOIN run_tags b ON b.run_id = r.run_id AND b.key = 'genolake/batch_id' "
            "WHERE b.value = ANY(%s) ORDER BY r.create_timestamp",
            (batch_ids,),
        )
        runs = []
        for run_id, batch_id, status, body in rows:
            tags = json.loads(body).get("tags", {})
            runs.append(
                {
                    "run_id": run_id,
                    "batch_id": batch_id,
                    "status": status,
                    "run_key": tags.get("dagster/run_key"),
                    "root": tags.get("dagster/root_run_id") or run_id,
                }
            )
        return runs

    def group(self, run_id: str) -> list[tuple[str, str]]:
        """(run id, status) of every attempt of `run_id`'s run (same root run), in order."""
        root_rows = self._query(
            "SELECT value FROM run_tags WHERE run_id = %s AND key = 'dagster/root_run_id'", (run_id,)
        )
        root = root_rows[0][0] if root_rows else run_id
        rows = self._query(
            "SELECT r.run_id, r.status FROM runs r LEFT JOIN run_tags t ON t.run_id = r.run_id "
            "AND t.key = 'dagster/root_run_id' WHERE r.run_id = %s OR t.value = %s "
            "ORDER BY r.create_timestamp",
            (root, root),
        )
        return [(row[0], row[1]) for row in rows]

    # --- the scenario ---------------------------------------------------------------------------

    def runs_in(self, scenario: Scenario, statuses: set[str]) -> list[str]:
        """Ids of the scenario's runs in these statuses."""
        return [run["run_id"] for run in self.runs(scenario.batch_ids) if run["status"] in statuses]

    def submit(
        self,
        scenario: Scenario,
        vcf: tuple[str, str],
        valid: int,
        missing: int = 1,
        bad: tuple[str, str] | None = None,
    ) -> None:
        """A burst of normalize manifests: `valid` of the uploaded VCF `vcf` (key, sha256), `missing` of a
        VCF that is not there (rejected at intake) and, with `bad` (key, sha256 of a VCF whose records are
        malformed), one whose run fails on its data."""
        first = len(scenario.uploads) + len(scenario.refused)
        kinds = ["valid"] * valid + ["missing"] * missing + (["bad_data"] if bad else [])
        for index, kind in enumerate(kinds, start=first):
            batch_id = f"{scenario.name}-{index}-{uuid.uuid4().hex[:6]}"
            if kind == "missing":
                file = {"key": f"uploads/{scenario.user}/missing-{index}.vcf", "role": "vcf"}
            else:
                key, sha256 = vcf if kind == "valid" else bad  # type: ignore[misc]
                file = {"key": key, "role": "vcf", "sha256": sha256}
            manifest: dict[str, Any] = {
                "manifest_version": 1,
                "batch_id": batch_id,
                "uploader": scenario.user,
                "intent": "normalize",
                "sample": f"s{index}",
                "genome_build": "GRCh38",
                "files": [file],
            }
            key = f"manifests/{scenario.user}/{batch_id}.json"
            try:
                self.store.client.put_object(
                    Bucket=self.settings.landing_bucket, Key=key, Body=json.dumps(manifest).encode()
                )
            except Exception as exc:  # noqa: BLE001 - S3 refused the upload (not submitted)
                print(f"{scenario.name}: upload of {key} refused: {type(exc).__name__}")
                scenario.refused.append(key)
                continue
            scenario.uploads.append(Upload(f"s{index}", batch_id, key, kind))

    def final(self, scenario: Scenario) -> bool:
        """Every manifest of the scenario is final and archived, and none of its runs is in progress."""
        docs = {doc["_id"]: doc for doc in self.docs.manifests.find({"uploader": scenario.user})}
        for upload in scenario.uploads:
            doc = docs.get(upload.batch_id)
            if doc is None or doc.get("status") not in FINAL or not doc.get("archive_key"):
                return False
        runs = self.runs(scenario.batch_ids)
        return all(run["status"] in {"SUCCESS", "FAILURE", "CANCELED"} for run in runs)

    def figures(self, scenario: Scenario) -> dict[str, Any]:
        """submitted, success, failed, rejected, stuck (not final), twice (a run key that succeeded in
        two runs, or a manifest archived twice), lost (no document, or a success without its lake
        object or with one written by another run)."""
        batch_ids = scenario.batch_ids
        docs = {doc["_id"]: doc for doc in self.docs.manifests.find({"_id": {"$in": batch_ids}})}
        runs = self.runs(batch_ids)
        archived = Counter(
            info.key.rsplit("/", 1)[1].split(".json.", 1)[0]
            for info in self.store.list(self.settings.landing_bucket, "archive/")
            if f"/{scenario.user}/" in info.key
        )
        counts: Counter[str] = Counter()
        twice: set[str] = set()
        stuck: set[str] = {
            r["batch_id"] for r in runs if r["status"] not in {"SUCCESS", "FAILURE", "CANCELED"}
        }
        for upload in scenario.uploads:
            doc = docs.get(upload.batch_id)
            status = (doc or {}).get("status")
            if doc is None and self.store.head(self.settings.landing_bucket, upload.key) is None:
                counts["lost"] += 1
                continue
            if status not in FINAL or not (doc or {}).get("archive_key"):
                stuck.add(upload.batch_id)
                continue
            counts[status] += 1
            if archived[upload.batch_id] > 1:
                twice.add(upload.batch_id)
            succeeded = Counter(
                r["run_key"] for r in runs if r["batch_id"] == upload.batch_id and r["status"] == "SUCCESS"
            )
            if any(n > 1 for n in succeeded.values()):
                twice.add(upload.batch_id)
            if status == "success":
                lake = self.store.head(self.settings.lake_bucket, normalized_key(scenario.user, upload.name))
                ids = {
                    r["run_id"] for r in runs if r["batch_id"] == upload.batch_id and r["status"] == "SUCCESS"
                }
                if lake is None or lake.metadata.get("run-id") not in ids:
                    counts["lost"] += 1
        finished = [
            doc.get("finished_at") or doc.get("updated_at")
            for doc in docs.values()
            if doc.get("status") in FINAL
        ]
        roots = Counter(run["root"] for run in runs)
        last = max((when for when in finished if when is not None), default=datetime.now(UTC))
        return {
            "scenario": scenario.name,
            "submitted": len(scenario.uploads),
            "success": counts["success"],
            "failed": counts["failed"],
            "rejected": counts["rejected"],
            "stuck": len(stuck),
            "twice": len(twice),
            "lost": counts["lost"],
            "retried": sum(attempts - 1 for attempts in roots.values()),
            "refused": len(scenario.refused),
            "seconds": round((last - scenario.started).total_seconds()),
        }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [" | ".join(COLUMNS), " | ".join("---" for _ in COLUMNS)]
    lines += [" | ".join(str(row.get(column, "")) for column in COLUMNS) for row in rows]
    return "\n".join(lines)
