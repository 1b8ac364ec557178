"""Quiescing a stack for a backup, through Dagster's GraphQL API (the webserver) and run storage.

See the package docstring for the order of steps. Whatever happens, the sensors that were running
are started again when the quiesce ends.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from genolake_core.logs import get_logger

from genolake_cli.backup.manifest import BackupError

LOCATION = "genolake"
REPOSITORY = "__repository__"
RECONCILER = "run_status_reconciler"
IN_FLIGHT = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
log = get_logger(__name__)

SENSORS = """
query Sensors($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    __typename
    ... on Sensors { results { name sensorState { id status ticks(limit: 1) { status }
      typeSpecificData { ... on SensorData { lastCursor } } } } }
    ... on PythonError { message }
  }
}
"""
STOP = """
mutation Stop($id: String!) {
  stopSensor(id: $id) { __typename ... on PythonError { message } }
}
"""
START = """
mutation Start($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) { __typename ... on PythonError { message } }
}
"""


class Dagster:
    """The few GraphQL calls a backup needs (sensor states, stop, start)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/") + "/graphql"

    def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.url,
            data=json.dumps({"query": query, "variables": variables}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = json.loads(response.read())
        except OSError as exc:
            raise BackupError(f"Dagster webserver at {self.url} unreachable: {exc}") from exc
        if payload.get("errors"):
            raise BackupError(f"Dagster GraphQL error: {payload['errors'][0].get('message')}")
        data: dict[str, Any] = payload["data"]
        return data

    def sensors(self) -> list[dict[str, Any]]:
        selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY}
        result = self.call(SENSORS, {"selector": selector})["sensorsOrError"]
        if result["__typename"] != "Sensors":
            raise BackupError(
                "Dagster could not list sensors: " + str(result.get("message", result["__typename"]))
            )
        return list(result["results"])

    def stop(self, sensor: dict[str, Any]) -> None:
        result = self.call(STOP, {"id": sensor["sensorState"]["id"]})["stopSensor"]
        if result["__typename"] != "StopSensorMutationResult":
            raise BackupError(f"could not stop sensor {sensor['name']}: {result}")

    def start(self, name: str) -> None:
        selector = {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, "sensorName": name}
        result = self.call(START, {"selector": selector})["startSensor"]
        if result["__typename"] != "Sensor":
            raise BackupError(f"could not start sensor {name}: {result}")


def _in_flight(dsn: str) -> list[tuple[str, str]]:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT run_id, status FROM runs WHERE status = ANY(%s)", (list(IN_FLIGHT),))
            return list(cur.fetchall())
    finally:
        conn.close()


def _last_run_update(dsn: str) -> datetime | None:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT max(update_timestamp) FROM runs")
            row = cur.fetchone()
    finally:
        conn.close()
    value = row[0] if row else None
    return None if value is None else value.replace(tzinfo=UTC)


def _reconciled_until(dagster: Dagster) -> datetime | None:
    for sensor in dagster.sensors():
        if sensor["name"] == RECONCILER:
            cursor = (sensor["sensorState"].get("typeSpecificData") or {}).get("lastCursor")
            if cursor:
                return datetime.fromisoformat(json.loads(cursor)["updated_after"])
    return None


def _wait(what: str, probe: Any, deadline: float, describe: Any) -> None:
    while not probe():
        if time.monotonic() > deadline:
            raise BackupError(f"gave up waiting for {what}: {describe()}")
        time.sleep(1)


@contextmanager
def quiesced(dagster: Dagster, dsn: str, timeout: float) -> Iterator[list[str]]:
    """Stop intake, let runs finish and status catch up; yields the names of the sensors to restart."""
    deadline = time.monotonic() + timeout
    sensors = dagster.sensors()
    running = sorted(s["name"] for s in sensors if s["sensorState"]["status"] == "RUNNING")
    if RECONCILER not in running:
        raise BackupError(f"sensor {RECONCILER} is not running: run statuses would not reach Mongo")
    stopped: list[str] = []
    try:
        for sensor in sensors:
            if sensor["name"] in running and sensor["name"] != RECONCILER:
                dagster.stop(sensor)
                stopped.append(sensor["name"])
        log.info("backup.quiesce", stopped=stopped)

        def ticking() -> list[str]:
            return [
                s["name"]
                for s in dagster.sensors()
                if s["name"] in stopped and any(t["status"] == "STARTED" for t in s["sensorState"]["ticks"])
            ]

        _wait("sensor ticks in progress", lambda: not ticking(), deadline, ticking)
        _wait(
            "runs in flight (queued, starting or running)",
            lambda: not _in_flight(dsn),
            deadline,
            lambda: ", ".join(f"{run_id} {status}" for run_id, status in _in_flight(dsn)[:20]),
        )

        def caught_up() -> bool:
            last, done = _last_run_update(dsn), _reconciled_until(dagster)
            return last is None or (done is not None and done >= last)

        _wait(
            "the run-status reconciler to mirror the last run into Mongo",
            caught_up,
            deadline,
            lambda: f"reconciled until {_reconciled_until(dagster)}, last run update {_last_run_update(dsn)}",
        )
        reconciler = next(s for s in dagster.sensors() if s["name"] == RECONCILER)
        dagster.stop(reconciler)
        stopped.append(RECONCILER)
        _wait("the reconciler's last tick", lambda: not ticking(), deadline, ticking)
        yield running
    finally:
        errors = []
        for name in stopped:
            try:
                dagster.start(name)
            except BackupError as exc:
                errors.append(str(exc))
        log.info("backup.resumed", started=stopped)
        if errors:
            raise BackupError("; ".join(errors))
