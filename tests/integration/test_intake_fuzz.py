"""Fuzzed manifests through the real intake sensors, against the stack's real MinIO and Mongo-wire server.

Each hypothesis example uploads one manifest object (mutated fields, wrong types, nasty strings, NUL
and surrogates, `..` and absolute keys, bad encodings, deep nesting, random bytes; batch ids drawn
from a small pool, so the same batch id often comes back with other content) and evaluates every
intake sensor twice (the sensor functions the daemon runs, invoked directly on an ephemeral
Dagster instance so that the stack's daemon is not involved; a separate landing bucket and Mongo
database keep the stack's own sensors away). Properties: no tick ever raises; the object ends
rejected (archived exactly once, under its own document, with reasons) or accepted (a queued
document, runs requested) or held; and a valid manifest right after is still accepted.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dagster import DagsterInstance, SensorDefinition, SensorResult, build_sensor_context
from genolake_core.docstore import DocStore
from genolake_core.layout import ArchiveOutcome, archive_key
from genolake_core.manifest import parse_manifest
from genolake_core.objectstore import ObjectStore, sha256_file
from genolake_core.settings import Settings, get_settings
from genolake_dagster.definitions import defs
from genolake_dagster.intake.process import storable
from genolake_dagster.lanes import all_lanes
from genolake_dagster.resources import PlatformResource
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.manifest_strategies import manifest_bytes, valid_manifest

pytestmark = pytest.mark.integration

USER = "fuzzer"
BATCH_POOL = ["fz-0001", "fz-0002", "fz-0003"]
NAMES = st.one_of(
    st.from_regex(r"[A-Za-z0-9._-]{1,24}", fullmatch=True),
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], exclude_characters="/\\"),
        min_size=1,
        max_size=16,
    ),
    st.just("n" * 900),
)


@dataclass
class Fuzz:
    settings: Settings
    store: ObjectStore
    docs: DocStore
    instance: DagsterInstance
    vcf_key: str
    sha256: str
    sensors: list[SensorDefinition]
    cursors: dict[str, str | None] = field(default_factory=dict)
    requested: set[str] = field(default_factory=set)

    def tick_all(self) -> None:
        """Evaluate every intake sensor once, as the daemon would (cursor carried over)."""
        for sensor in self.sensors:
            context = build_sensor_context(
                instance=self.instance,
                cursor=self.cursors.get(sensor.name),
                sensor_name=sensor.name,
                definitions=defs,
                resources={"platform": PlatformResource()},
            )
            result = sensor(context)  # the sensor function, as the daemon calls it; raises if it raised
            if isinstance(result, SensorResult):
                self.cursors[sensor.name] = result.cursor
                self.requested.update(
                    request.run_key for request in result.run_requests or [] if request.run_key
                )


@pytest.fixture(scope="module")
def fuzz(
    settings: Settings, store: ObjectStore, antku_vcf: Path, monkeypatch_module: pytest.MonkeyPatch
) -> Iterator[Fuzz]:
    suffix = uuid.uuid4().hex[:10]
    bucket, database = f"fuzz-landing-{suffix}", f"genolake_fuzz_{suffix}"
    monkeypatch_module.setenv("GENOLAKE_LANDING_BUCKET", bucket)
    monkeypatch_module.setenv("GENOLAKE_MONGO_DB", database)
    get_settings.cache_clear()
    fuzz_settings = get_settings()
    store.ensure_bucket(bucket)
    vcf_key = f"uploads/{USER}/antku.vcf"
    store.client.upload_file(str(antku_vcf), bucket, vcf_key)
    docs = DocStore.from_settings(fuzz_settings)
    docs.ensure_indexes()
    names = {"manifest_triage", *(f"{lane}_manifests" for lane in all_lanes())}
    sensors = [sensor for sensor in defs.sensors if sensor.name in names]
    with DagsterInstance.ephemeral() as instance:
        yield Fuzz(fuzz_settings, store, docs, instance, vcf_key, sha256_file(antku_vcf), sensors)
    store.delete_prefix(bucket, "")
    store.client.delete_bucket(Bucket=bucket)
    docs.db.client.drop_database(database)
    docs.close()
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _outcome(fuzz: Fuzz, key: str, etag: str) -> str:
    """What became of manifest object `key` version `etag` (asserting the invariants on the way)."""
    bucket = fuzz.settings.landing_bucket
    info = fuzz.store.head(bucket, key)
    mine = list(fuzz.docs.manifests.find({"source.key": storable(key), "source.etag": etag}))
    failures = {name: json.loads(cursor or "{}").get("failures") for name, cursor in fuzz.cursors.items()}
    failures = {name: value for name, value in failures.items() if value}
    others = list(fuzz.docs.manifests.find({"source.key": storable(key)}, {"source": 1, "status": 1}))
    if not mine and info is not None and info.etag == etag:
        return _duplicate_upload(fuzz, key)
    assert len(mine) == 1, (key, etag, info, others, failures)
    [doc] = mine
    if info is not None and info.etag == etag:  # still waiting: accepted (no runs exist here) or held
        assert doc["status"] in {"queued", "held"}, doc
        if doc["status"] == "queued":
            assert set(doc["run_keys"]) <= fuzz.requested
        return str(doc["status"])
    assert doc["status"] == "rejected" and doc["reasons"], doc
    archived = [
        fuzz.store.head(bucket, archive_key(outcome, key, etag, doc["received_at"]))
        for outcome in ArchiveOutcome
    ]
    present = [item for item in archived if item is not None]
    assert len(present) == 1 and present[0].metadata["outcome"] == "rejected", (key, present)
    assert fuzz.docs.get_manifest(present[0].metadata["doc-id"])["_id"] == doc["_id"]
    return "rejected"


def _duplicate_upload(fuzz: Fuzz, key: str) -> str:
    """A second upload of an accepted batch's exact manifest waits (then is archived as a duplicate)."""
    raw = fuzz.store.open(fuzz.settings.landing_bucket, key).read()
    accepted = fuzz.docs.get_manifest(parse_manifest(raw).batch_id)
    assert accepted is not None and accepted["status"] == "queued", accepted
    assert accepted["manifest_sha256"] == hashlib.sha256(raw).hexdigest()
    return "duplicate"


@st.composite
def uploads(draw: st.DrawFn, vcf_key: str, sha256: str) -> tuple[str, bytes]:
    base = valid_manifest(draw(st.sampled_from(BATCH_POOL)), USER, vcf_key, sha256)
    return draw(NAMES), draw(manifest_bytes(base, USER))


def test_fuzzed_manifests_never_fail_a_tick(fuzz: Fuzz) -> None:
    outcomes: dict[str, int] = {}

    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(upload=uploads(fuzz.vcf_key, fuzz.sha256))
    def check(upload: tuple[str, bytes]) -> None:
        name, raw = upload
        key = f"manifests/{USER}/{name}.json"
        try:
            put = fuzz.store.client.put_object(Bucket=fuzz.settings.landing_bucket, Key=key, Body=raw)
        except ClientError as exc:  # a name the S3 server refuses never reaches intake
            assume(exc.response["Error"]["Code"] != "XMinioInvalidObjectName")
            raise
        fuzz.tick_all()
        fuzz.tick_all()  # repeating a tick changes nothing
        outcome = _outcome(fuzz, key, put["ETag"].strip('"'))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome != "rejected":  # stands in for the archiving that follows its runs, which never exist here
            fuzz.store.delete(fuzz.settings.landing_bucket, key)

    check()
    print(f"fuzzed manifest outcomes: {outcomes}")
    assert outcomes.get("rejected", 0) > 0

    batch_id = f"after-{uuid.uuid4().hex[:10]}"
    key = f"manifests/{USER}/{batch_id}.json"
    body = valid_manifest(batch_id, USER, fuzz.vcf_key, fuzz.sha256)
    put = fuzz.store.client.put_object(
        Bucket=fuzz.settings.landing_bucket, Key=key, Body=json.dumps(body).encode()
    )
    fuzz.tick_all()
    assert _outcome(fuzz, key, put["ETag"].strip('"')) == "queued"
    assert f"normalize:{batch_id}" in fuzz.requested


def test_same_batch_id_with_other_content_is_rejected(fuzz: Fuzz) -> None:
    batch_id = f"dup-{uuid.uuid4().hex[:10]}"
    first: dict[str, Any] = valid_manifest(batch_id, USER, fuzz.vcf_key, fuzz.sha256)
    second = {**first, "options": {"min_dp": 5}}
    etags = {}
    for name, body in (("dup-a", first), ("dup-b", second)):
        put = fuzz.store.client.put_object(
            Bucket=fuzz.settings.landing_bucket,
            Key=f"manifests/{USER}/{name}.json",
            Body=json.dumps(body).encode(),
        )
        etags[name] = put["ETag"].strip('"')
        fuzz.tick_all()
    assert _outcome(fuzz, f"manifests/{USER}/dup-a.json", etags["dup-a"]) == "queued"
    assert _outcome(fuzz, f"manifests/{USER}/dup-b.json", etags["dup-b"]) == "rejected"
    [rejected] = fuzz.docs.manifests.find({"source.key": f"manifests/{USER}/dup-b.json"})
    assert rejected["_id"].startswith(f"{batch_id}#")
    assert any("already accepted with different content" in reason for reason in rejected["reasons"])
    assert fuzz.docs.get_manifest(batch_id)["status"] == "queued"
