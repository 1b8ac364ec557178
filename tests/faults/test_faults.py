"""Faults at the wrong moment, on a real native stack: nothing lost, nothing doubled, nothing stuck.

Each scenario uploads a burst of normalize manifests (valid ones, one whose VCF is missing, and in some
one whose VCF records are malformed), injects its fault while the burst's runs are in flight, uploads
another manifest during the fault, and recovers. The scenarios run one after the other on one stack,
each after the earlier ones' runs have finished (`settled`); the last test waits until every manifest is final
and checks, per scenario: every manifest final and archived once, every success with its lake object
written by one of its runs, no run key that succeeded twice; every valid manifest succeeded (the faults
are the infrastructure's: retried), every run hit by a fault ended in a successful attempt, a run whose
worker was killed was failed and retried, and a run failed by its data was not retried. The figures
table is printed (and again in pytest's terminal summary).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from genolake_cli.stack import NativeStack
from genolake_core.objectstore import sha256_file

from tests.faults.harness import Platform, Scenario, poll, table
from tests.vcf_corpus import malformed_vcfs

pytestmark = pytest.mark.integration

BURST = 2  # valid manifests before the fault (one missing-file one goes with them)
DURING = 1  # valid manifests uploaded while the fault lasts
IN_FLIGHT_SECONDS = 240  # for the burst's runs to reach the state the fault must hit
RECOVERY_SECONDS = 600
SETTLE_SECONDS = 200  # after a scenario, for its runs to finish before the next fault (start timeout 120 s)
RUNNING = {"STARTED"}
NOT_FINAL = {"NOT_STARTED", "QUEUED", "STARTING", "STARTED"}
WORKER_KILLED = "codeserver-running"  # the scenario whose hit runs must have been failed and retried


@contextmanager
def outage(stop: Callable[[], None], start: Callable[[], None], seconds: float) -> Iterator[None]:
    """The fault: `stop`, the body (what happens during it), at least `seconds` down, then `start`,
    even if the body failed (the later scenarios need the service)."""
    stop()
    until = time.monotonic() + seconds
    try:
        yield
    finally:
        time.sleep(max(0.0, until - time.monotonic()))
        start()


@pytest.fixture(scope="module")
def scenarios() -> list[Scenario]:
    return []


@pytest.fixture(autouse=True)
def settled(platform: Platform, scenarios: list[Scenario]) -> Iterator[None]:
    """After each scenario, wait (without judging: the last test does) until its runs have finished, so
    the next fault strikes only its own runs. Overlapping faults are a different scenario: a code server
    killed again while Dagster launches the retry of a run its first crash failed makes Dagster drop that
    retry for good (it sets dagster/will_retry=false; see AGENTS.md, Retries), which a CI run hit."""
    yield
    for scenario in scenarios:
        poll(lambda scenario=scenario: platform.final(scenario), SETTLE_SECONDS, 1.0)


@pytest.fixture(scope="module")
def bad_vcf(antku_vcf: Path, chr22_vcf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """antku_small.vcf with a non-numeric POS: intake accepts it, its run fails on the data."""
    corpus = malformed_vcfs(antku_vcf, chr22_vcf, tmp_path_factory.mktemp("bad-vcf"))
    return next(case.path for case in corpus if case.name == "bad-pos.vcf")


class Run:
    """One scenario: its user, its uploaded VCFs and its manifests."""

    def __init__(self, platform: Platform, scenarios: list[Scenario], name: str, vcf: Path) -> None:
        self.platform = platform
        self.scenario = Scenario(name, user=f"{name[:20]}-{uuid.uuid4().hex[:6]}")
        scenarios.append(self.scenario)
        self.vcf = self._upload(vcf)

    def _upload(self, vcf: Path) -> tuple[str, str]:
        key = f"uploads/{self.scenario.user}/{vcf.name}"
        self.platform.store.client.upload_file(str(vcf), self.platform.settings.landing_bucket, key)
        return key, sha256_file(vcf)

    def burst(self, bad_vcf: Path | None = None) -> None:
        bad = self._upload(bad_vcf) if bad_vcf is not None else None
        self.platform.submit(self.scenario, self.vcf, BURST, missing=1, bad=bad)

    def during(self) -> None:
        self.platform.submit(self.scenario, self.vcf, DURING, missing=0)

    def await_runs(self, statuses: set[str]) -> list[str]:
        """Ids of the scenario's runs once one is in `statuses` (fails the test if none gets there)."""
        found = poll(lambda: self.platform.runs_in(self.scenario, statuses), IN_FLIGHT_SECONDS, 0.1)
        assert found, f"{self.scenario.name}: no run reached {statuses}: the fault would hit nothing"
        return found

    def hit(self, run_ids: list[str]) -> None:
        """The runs the fault struck: those of valid manifests in flight then, not finished when it struck
        (a run failing on its data is expected to fail whatever struck it)."""
        kinds = {upload.batch_id: upload.kind for upload in self.scenario.uploads}
        struck = {
            run["run_id"]
            for run in self.platform.runs(self.scenario.batch_ids)
            if run["status"] not in {"SUCCESS", "FAILURE", "CANCELED"} and kinds[run["batch_id"]] == "valid"
        }
        self.scenario.hit = [run_id for run_id in run_ids if run_id in struck]
        print(f"{self.scenario.name}: fault struck {len(self.scenario.hit)} run(s) in flight")


@pytest.mark.timeout(660)
def test_daemon_killed_while_runs_launch(
    fault_stack: NativeStack, platform: Platform, antku_vcf: Path, scenarios: list[Scenario]
) -> None:
    run = Run(platform, scenarios, "daemon", antku_vcf)
    run.burst()
    in_flight = run.await_runs({"STARTING", "STARTED"})
    with outage(lambda: fault_stack.kill("daemon"), lambda: fault_stack.start("daemon"), seconds=3):
        run.hit(in_flight)
        run.during()


@pytest.mark.timeout(660)
def test_code_server_killed_before_runs_start(
    fault_stack: NativeStack, platform: Platform, antku_vcf: Path, scenarios: list[Scenario]
) -> None:
    """Runs are queued (the sensor made them) and the code server dies before they are launched: the
    dequeue cannot reach it and puts them back in the queue (max_user_code_failure_retries)."""
    run = Run(platform, scenarios, "codeserver-queued", antku_vcf)
    run.burst()
    created = run.await_runs(NOT_FINAL)  # the earliest moment: the sensor (in the code server) made them
    statuses = [r["status"] for r in platform.runs(run.scenario.batch_ids)]
    with outage(lambda: fault_stack.kill("code-server"), lambda: fault_stack.start("code-server"), 10):
        print(f"code server killed with the burst's runs {statuses}")
        run.hit(created)
        run.during()


@pytest.mark.timeout(660)
def test_code_server_killed_while_runs_execute(
    fault_stack: NativeStack, platform: Platform, antku_vcf: Path, scenarios: list[Scenario]
) -> None:
    """Natively the run workers are the code server's children: they die with it; the run launcher's
    health check sees the worker gone, run monitoring fails the run and run retries re-execute it."""
    run = Run(platform, scenarios, WORKER_KILLED, antku_vcf)
    run.burst()
    executing = run.await_runs(RUNNING)
    with outage(lambda: fault_stack.kill("code-server"), lambda: fault_stack.start("code-server"), 3):
        run.hit(executing)
        run.during()
    assert run.scenario.hit, "every run finished before the kill: the scenario did not happen"


@pytest.mark.timeout(660)
def test_minio_killed_while_runs_execute(
    fault_stack: NativeStack, platform: Platform, antku_vcf: Path, scenarios: list[Scenario]
) -> None:
    run = Run(platform, scenarios, "minio", antku_vcf)
    run.burst()
    executing = run.await_runs(RUNNING)
    with outage(lambda: fault_stack.kill("minio"), lambda: fault_stack.start("minio"), seconds=10):
        run.hit(executing)
        run.during()  # refused by a dead S3: not submitted


@pytest.mark.timeout(660)
def test_mongo_wire_server_killed_while_runs_execute(
    fault_stack: NativeStack,
    platform: Platform,
    antku_vcf: Path,
    bad_vcf: Path,
    scenarios: list[Scenario],
) -> None:
    run = Run(platform, scenarios, "mongo", antku_vcf)
    run.burst(bad_vcf)
    executing = run.await_runs(RUNNING)
    with outage(lambda: fault_stack.kill("ferretdb"), lambda: fault_stack.start("ferretdb"), seconds=10):
        run.hit(executing)
        run.during()


@pytest.mark.timeout(660)
def test_postgres_restarted_while_runs_execute(
    fault_stack: NativeStack, platform: Platform, antku_vcf: Path, scenarios: list[Scenario]
) -> None:
    run = Run(platform, scenarios, "postgres", antku_vcf)
    run.burst()
    executing = run.await_runs(RUNNING)
    run.hit(executing)  # before: the runs' state is in Postgres
    with outage(fault_stack.stop_postgres, fault_stack.start_postgres, seconds=5):
        run.during()


@pytest.mark.timeout(660)
def test_lake_disk_full_while_runs_execute(
    fault_stack: NativeStack,
    platform: Platform,
    lake_disk: Path | None,
    antku_vcf: Path,
    scenarios: list[Scenario],
) -> None:
    if lake_disk is None:
        pytest.skip("the lake's disk is not a size-capped tmpfs here (needs root): cannot fill it")
    run = Run(platform, scenarios, "disk-full", antku_vcf)
    run.burst()
    executing = run.await_runs(RUNNING)
    filler = lake_disk / ".fault-filler"

    def fill() -> None:
        stat = os.statvfs(lake_disk)
        with filler.open("wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, stat.f_bavail * stat.f_frsize)
        print(f"lake disk full: {os.statvfs(lake_disk).f_bavail * stat.f_frsize} bytes left")

    with outage(fill, lambda: filler.unlink(missing_ok=True), seconds=20):
        run.hit(executing)
        run.during()  # refused by a full disk: not submitted


@pytest.mark.timeout(120)
def test_a_burst_after_the_faults(
    platform: Platform, antku_vcf: Path, bad_vcf: Path, scenarios: list[Scenario]
) -> None:
    Run(platform, scenarios, "after", antku_vcf).burst(bad_vcf)


@pytest.mark.timeout(RECOVERY_SECONDS + 120)
def test_after_recovery_nothing_lost_or_doubled(
    platform: Platform, scenarios: list[Scenario], figures: list[dict[str, Any]]
) -> None:
    deadline = time.monotonic() + RECOVERY_SECONDS
    pending = list(scenarios)
    while pending and time.monotonic() < deadline:
        for scenario in list(pending):
            if poll(lambda scenario=scenario: platform.final(scenario), timeout=0.5):
                pending.remove(scenario)
        time.sleep(2)
    rows = [platform.figures(scenario) for scenario in scenarios]
    figures.extend(rows)
    print("\n" + table(rows))
    for scenario, row in zip(scenarios, rows, strict=True):
        assert (row["stuck"], row["twice"], row["lost"]) == (0, 0, 0), row
        expected = (scenario.count("valid"), scenario.count("missing"), scenario.count("bad_data"))
        assert (row["success"], row["rejected"], row["failed"]) == expected, row
    for scenario in scenarios:  # a run hit by a fault ended in a successful attempt of the same root
        for run_id in scenario.hit:
            attempts = platform.group(run_id)
            print(f"{scenario.name}: run {run_id} hit by the fault: attempts {attempts}")
            assert attempts[-1][1] == "SUCCESS", (scenario.name, attempts)
            if scenario.name == WORKER_KILLED:  # its worker died: failed, then retried
                assert [status for _, status in attempts[:-1]] == ["FAILURE"] * (len(attempts) - 1), attempts
                assert len(attempts) >= 2, (scenario.name, attempts)
    for scenario in scenarios:  # the data's fault: one attempt, failed with its error, not retried
        for upload in (upload for upload in scenario.uploads if upload.kind == "bad_data"):
            doc = platform.docs.manifests.find_one({"_id": upload.batch_id})
            assert doc is not None and doc["attempt_count"] == 1, doc
            assert [failure["retried"] for failure in doc["failures"]] == [False], doc
            assert any("POS must be an integer" in error for error in doc.get("errors", [])), doc
