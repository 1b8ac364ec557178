"""Intake and status logic that needs no services: cursor, sample choice, status derivation, loading."""

from __future__ import annotations

import json

import pytest
from genolake_core.docstore import ManifestStatus
from genolake_core.manifest import ManifestError
from genolake_dagster.intake.cursor import MAX_ENTRIES, IntakeCursor
from genolake_dagster.lanes.normalize.plan import choose_samples
from genolake_dagster.status.sync import derive_manifest_status


def test_cursor_round_trip_and_pruning() -> None:
    cursor, reason = IntakeCursor.load(None)
    assert reason is None
    cursor.remember("manifests/a/1.json", "e1", "normalize")
    cursor.remember("manifests/a/2.json", "e2", None)
    loaded, _ = IntakeCursor.load(cursor.dump({"manifests/a/1.json"}))
    assert loaded.intent_of("manifests/a/1.json", "e1") == (True, "normalize")
    assert loaded.intent_of("manifests/a/1.json", "other-etag") == (False, None)
    assert loaded.intent_of("manifests/a/2.json", "e2") == (False, None)


def test_cursor_is_bounded() -> None:
    cursor = IntakeCursor()
    keys = {f"manifests/a/{i}.json" for i in range(MAX_ENTRIES + 10)}
    for key in keys:
        cursor.remember(key, "e", "normalize")
    assert len(json.loads(cursor.dump(keys))["seen"]) == MAX_ENTRIES


@pytest.mark.parametrize("raw", ["{", '{"v": 99, "seen": {}}', '{"v": 1, "seen": 3}'])
def test_bad_cursor_resets_with_a_reason(raw: str) -> None:
    cursor, reason = IntakeCursor.load(raw)
    assert cursor.seen == {} and reason


def test_choose_samples() -> None:
    assert choose_samples(["default"], "antku") == [("default", "antku")]
    assert choose_samples(["A", "B"], "B") == [("B", "B")]
    assert choose_samples(["A", "B"], None) == [("A", "A"), ("B", "B")]
    with pytest.raises(ManifestError, match="not in the VCF"):
        choose_samples(["A", "B"], "C")
    with pytest.raises(ManifestError, match="no sample columns"):
        choose_samples([], None)
    with pytest.raises(ManifestError, match="cannot name a partition"):
        choose_samples(["NA 12878"], None)


def _run(run_id: str, status: str, root: str | None = None) -> dict[str, str | None]:
    return {"_id": run_id, "status": status, "root_run_id": root or run_id}


def test_manifest_status_follows_the_latest_attempt() -> None:
    assert derive_manifest_status([], planned=1) is ManifestStatus.QUEUED
    assert derive_manifest_status([_run("a", "STARTED")], planned=1) is ManifestStatus.RUNNING
    assert derive_manifest_status([_run("a", "FAILURE")], planned=1) is ManifestStatus.FAILED
    retried = [_run("a", "FAILURE"), _run("b", "SUCCESS", root="a")]
    assert derive_manifest_status(retried, planned=1) is ManifestStatus.SUCCESS
    assert derive_manifest_status([_run("a", "SUCCESS")], planned=2) is ManifestStatus.RUNNING


def test_code_location_loads() -> None:
    from dagster import Definitions
    from genolake_dagster.definitions import defs

    Definitions.validate_loadable(defs)
    sensor_names = {sensor.name for sensor in defs.sensors}
    assert {"normalize_manifests", "manifest_triage", "run_status_reconciler"} <= sensor_names


def test_cursor_counts_failures_per_object_version() -> None:
    cursor = IntakeCursor()
    assert cursor.record_failure("manifests/a/1.json", "e1") == 1
    assert cursor.record_failure("manifests/a/1.json", "e1") == 2
    assert cursor.record_failure("manifests/a/1.json", "e2") == 1  # a new upload starts over
    loaded, _ = IntakeCursor.load(cursor.dump({"manifests/a/1.json"}))
    assert loaded.record_failure("manifests/a/1.json", "e2") == 2
    assert IntakeCursor.load(cursor.dump(set()))[0].failures == {}


def test_values_written_by_intake_are_storable() -> None:
    from genolake_dagster.intake.process import ascii_bounded, storable, unparsed_doc_id, upload_doc_id

    assert storable("a\x00b\ud800c") == "a\\x00b\\ud800c"
    assert storable("plain é") == "plain é"
    long_key = "manifests/alice/" + "é" * 2000 + ".json"
    for value in (ascii_bounded(long_key, 512), unparsed_doc_id(long_key, "e" * 32)):
        assert value.isascii() and len(value) <= 512
    assert ascii_bounded("manifests/alice/x.json", 512) == "manifests/alice/x.json"
    assert unparsed_doc_id(long_key, "e" * 32) != unparsed_doc_id(long_key + "x", "e" * 32)
    assert upload_doc_id("b-1", "manifests/a/1.json", "e1") != upload_doc_id(
        "b-1", "manifests/a/2.json", "e1"
    )
    assert upload_doc_id("b-1", "manifests/a/1.json", "e1").startswith("b-1#")
