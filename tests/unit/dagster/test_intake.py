"""Intake's decisions (genolake_dagster.intake.process) against real storage (MinIO, FerretDB): what happens
to each manifest object, tick after tick. Dagster's run storage is the one thing replaced: whether a run
exists is a set of run keys the test fills the way Dagster would after a tick's run requests."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from genolake_core.docstore import DocStore
from genolake_core.layout import ARCHIVE_PREFIX
from genolake_core.manifest import MAX_MANIFEST_BYTES
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from genolake_dagster.intake.cursor import IntakeCursor
from genolake_dagster.intake.process import ManifestIntake, TickOutcome
from genolake_dagster.lanes import all_lanes, claimed_intents


class Tick:
    """One intake sensor's ticks over the real landing zone, with the runs it requested kept."""

    def __init__(self, settings: Settings, store: ObjectStore, docs: DocStore, **changes: Any) -> None:
        self.settings = settings.model_copy(update=changes)
        self.store, self.docs = store, docs
        self.requested: set[str] = set()

    def _intake(self) -> ManifestIntake:
        run_exists = self.requested.__contains__
        return ManifestIntake(self.settings, self.store, self.docs, run_exists, IntakeCursor())

    def lane(self, name: str) -> TickOutcome:
        outcome = self._intake().lane_tick(all_lanes()[name])
        self.requested.update(run.run_key for run in outcome.runs)  # Dagster creates the requested runs
        return outcome

    def triage(self, enabled: tuple[str, ...]) -> TickOutcome:
        lanes = {name: lane for name, lane in all_lanes().items() if name in enabled}
        return self._intake().triage_tick(claimed_intents(lanes))


@pytest.fixture
def tick(platform_settings: Settings, store: ObjectStore, docs: DocStore) -> Tick:
    for info in store.list(platform_settings.landing_bucket, "manifests/"):  # a clean landing zone per test
        store.delete(platform_settings.landing_bucket, info.key)
    return Tick(platform_settings, store, docs)


@pytest.fixture
def user() -> str:
    return f"u{uuid.uuid4().hex[:10]}"


def _put(tick: Tick, key: str, body: bytes | dict[str, Any]) -> str:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    tick.store.put_bytes(raw, tick.settings.landing_bucket, key, "application/json")
    return key


def _normalize(tick: Tick, user: str, vcf: Path, batch_id: str | None = None) -> dict[str, Any]:
    key = f"uploads/{user}/{vcf.name}"
    tick.store.client.upload_file(str(vcf), tick.settings.landing_bucket, key)
    return {
        "batch_id": batch_id or f"b-{uuid.uuid4().hex[:8]}",
        "uploader": user,
        "intent": "normalize",
        "sample": "antku",
        "genome_build": "GRCh38",
        "files": [{"key": key, "role": "vcf"}],
    }


def _exists(tick: Tick, key: str) -> bool:
    return tick.store.head(tick.settings.landing_bucket, key) is not None


def test_accepted_manifest_leaves_only_once_its_runs_exist(tick: Tick, user: str, antku_vcf: Path) -> None:
    manifest = _normalize(tick, user, antku_vcf)
    key = _put(tick, f"manifests/{user}/one.json", manifest)
    first = tick.lane("normalize")
    assert first.counts == {"accepted": 1} and [run.run_key for run in first.runs] == [
        f"normalize:{manifest['batch_id']}"
    ]
    doc = tick.docs.get_manifest(manifest["batch_id"])
    assert doc is not None and doc["status"] == "queued" and doc["partitions"] == [f"{user}/antku"]
    assert tick.docs.partitions.find_one({"_id": f"{user}/antku"}) is not None
    assert _exists(tick, key)  # still in place: the run is only requested so far

    second = tick.lane("normalize")  # the run exists now: archived and removed
    assert second.counts == {"archived_accepted": 1} and second.runs == []
    archived = tick.docs.get_manifest(manifest["batch_id"])["archive_key"]  # type: ignore[index]
    assert archived.startswith(f"{ARCHIVE_PREFIX}accepted/{user}/") and _exists(tick, archived)
    assert not _exists(tick, key)


def test_a_missing_run_is_requested_again(tick: Tick, user: str, antku_vcf: Path) -> None:
    manifest = _normalize(tick, user, antku_vcf)
    _put(tick, f"manifests/{user}/again.json", manifest)
    tick.lane("normalize")
    tick.requested.clear()  # the request did not make it into Dagster
    again = tick.lane("normalize")
    assert again.counts == {"rerequested": 1} and [run.run_key for run in again.runs] == [
        f"normalize:{manifest['batch_id']}"
    ]


def test_reuploads_of_an_accepted_batch(tick: Tick, user: str, antku_vcf: Path) -> None:
    manifest = _normalize(tick, user, antku_vcf)
    _put(tick, f"manifests/{user}/first.json", manifest)
    tick.lane("normalize")
    tick.lane("normalize")
    same = _put(tick, f"manifests/{user}/copy.json", manifest)  # same content: a duplicate upload
    assert tick.lane("normalize").counts == {"archived_duplicate": 1} and not _exists(tick, same)
    doc = tick.docs.get_manifest(manifest["batch_id"])
    assert doc is not None and doc["status"] == "queued" and len(doc["duplicate_uploads"]) == 1

    changed = _put(tick, f"manifests/{user}/changed.json", {**manifest, "tags": {"x": "y"}})
    assert tick.lane("normalize").counts == {"rejected": 1} and not _exists(tick, changed)
    [rejected] = list(tick.docs.manifests.find({"_id": {"$regex": f"^{manifest['batch_id']}#"}}))
    assert rejected["status"] == "rejected" and "immutable" in rejected["reasons"][0]
    assert tick.docs.get_manifest(manifest["batch_id"])["status"] == "queued"  # type: ignore[index]


def test_invalid_manifests_are_rejected_with_every_reason(tick: Tick, user: str, antku_vcf: Path) -> None:
    elsewhere = _normalize(tick, user, antku_vcf)
    _put(tick, f"manifests/someone-else/{user}.json", elsewhere)  # not the uploader's folder
    missing = {**_normalize(tick, user, antku_vcf), "files": [{"key": f"uploads/{user}/gone.vcf"}]}
    _put(tick, f"manifests/{user}/missing.json", missing)
    assert tick.lane("normalize").counts == {"rejected": 2}
    assert "may not place manifests" in tick.docs.get_manifest(elsewhere["batch_id"])["reasons"][0]  # type: ignore[index]
    assert tick.docs.get_manifest(missing["batch_id"])["reasons"] == [  # type: ignore[index]
        f"files: uploads/{user}/gone.vcf does not exist in the landing zone"
    ]
    assert list(tick.store.list(tick.settings.landing_bucket, "manifests/")) == []


def test_a_lane_claims_only_its_intents_and_defers_past_its_limit(
    tick: Tick, user: str, antku_vcf: Path, platform_settings: Settings
) -> None:
    for i in range(3):
        _put(tick, f"manifests/{user}/n{i}.json", _normalize(tick, user, antku_vcf))
    report = {"batch_id": f"r-{user}", "uploader": user, "intent": "report"}
    _put(tick, f"manifests/{user}/report.json", report)
    assert tick.lane("report").counts == {"rejected": 1}  # its own intent only (invalid: no sample)
    limited = Tick(platform_settings, tick.store, tick.docs, max_manifests_per_tick=2)
    assert limited.lane("normalize").counts == {"accepted": 2, "deferred_by_limit": 1}


def test_triage(tick: Tick, user: str, antku_vcf: Path) -> None:
    bad_json = _put(tick, f"manifests/{user}/bad.json", b"{not json")
    unknown = _put(tick, f"manifests/{user}/unknown.json", {"batch_id": f"x-{user}", "intent": "dance"})
    held = _normalize(tick, user, antku_vcf)
    held_key = _put(tick, f"manifests/{user}/held.json", held)
    claimed = _put(tick, f"manifests/{user}/claimed.json", {"batch_id": f"c-{user}", "intent": "report"})
    too_big = _put(tick, f"manifests/{user}/big.json", b" " * (MAX_MANIFEST_BYTES + 1))

    outcome = tick.triage(enabled=("report",))  # normalize is off; report is claimed by its lane
    assert outcome.counts == {"rejected": 3, "held": 1}
    reasons = {doc["source"]["key"]: doc["reasons"] for doc in tick.docs.manifests.find({"uploader": user})}
    assert reasons[bad_json][0].startswith("not valid JSON")
    assert "unknown intent 'dance'" in reasons[unknown][0] and "normalize" in reasons[unknown][0]
    limit = MAX_MANIFEST_BYTES
    assert reasons[too_big] == [f"manifest is {limit + 1} bytes; the limit is {limit}"]
    assert tick.docs.get_manifest(held["batch_id"])["status"] == "held"  # type: ignore[index]
    assert _exists(tick, held_key) and _exists(tick, claimed)  # held: left in place; claimed: its lane's
    assert not any(_exists(tick, key) for key in (bad_json, unknown, too_big))
    assert tick.triage(enabled=("report",)).counts == {}  # a held manifest is recorded once
