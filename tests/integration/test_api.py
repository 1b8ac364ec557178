"""The REST API over HTTP against the native stack: every endpoint's happy path, access control on
every protected route, problem details, deletion, and a schemathesis run that finds no 500s."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import psycopg2
import pytest
from genolake_cli.stack import NativeStack
from genolake_core.docstore import DocStore
from genolake_core.lanes import table_contracts
from genolake_core.layout import partition_prefix
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.helpers import bcftools_records, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def people(make_token: Callable[..., str]) -> dict[str, dict[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    names = {"alice": f"alice{suffix}", "bob": f"bob{suffix}", "admin": f"admin{suffix}"}
    headers = {}
    for role, name in names.items():
        headers[role] = {"Authorization": f"Bearer {make_token(name, admin=role == 'admin')}", "user": name}
    return headers


def _h(person: dict[str, str]) -> dict[str, str]:
    return {"Authorization": person["Authorization"]}


@pytest.fixture(scope="module")
def alice_sample(
    api: httpx.Client, people: dict[str, dict[str, str]], docs: DocStore, antku_vcf: Path
) -> dict[str, Any]:
    """Alice uploads through presigned URLs and submits her manifest through the API."""
    alice = people["alice"]
    grant = api.post("/uploads", json={"filename": "antku.vcf"}, headers=_h(alice))
    assert grant.status_code == 200, grant.text
    put = httpx.put(grant.json()["file"]["url"], content=antku_vcf.read_bytes(), timeout=60)
    assert put.status_code == 200, put.text
    batch_id = f"api-{uuid.uuid4().hex[:12]}"
    manifest = {
        "batch_id": batch_id,
        "uploader": alice["user"],
        "intent": "normalize",
        "genome_build": "GRCh38",
        "sample": "antku",
        "files": [
            {
                "key": grant.json()["file"]["key"],
                "role": "vcf",
                "sha256": hashlib.sha256(antku_vcf.read_bytes()).hexdigest(),
            }
        ],
    }
    submitted = api.post("/manifests", json=manifest, headers=_h(alice))
    assert submitted.status_code == 202, submitted.text
    again = api.post("/manifests", json=manifest, headers=_h(alice))
    assert again.status_code == 409
    wait_for(
        "alice's batch", lambda: (docs.get_manifest(batch_id) or {}).get("status") == "success", timeout=180
    )
    return {
        "batch_id": batch_id,
        "user": alice["user"],
        "sample": "antku",
        "vcf_key": grant.json()["file"]["key"],
    }


def test_happy_paths(
    api: httpx.Client, people: dict[str, dict[str, str]], alice_sample: dict[str, Any], antku_vcf: Path
) -> None:
    alice, admin = people["alice"], people["admin"]
    user, sample, batch_id = alice_sample["user"], alice_sample["sample"], alice_sample["batch_id"]
    key = f"{user}/{sample}"

    assert [p["key"] for p in api.get("/partitions", headers=_h(alice)).json()] == [key]
    assert [p["key"] for p in api.get("/partitions", params={"user": user}, headers=_h(admin)).json()] == [
        key
    ]

    detail = api.get(f"/partitions/{key}", headers=_h(alice)).json()
    assert set(detail["assets"]) == {"normalized_variants"}
    assert detail["stale"] == {"normalized_variants": []}
    [run] = detail["runs"]
    assert run["status"] == "SUCCESS" and run["dagster_url"].endswith(f"/runs/{run['run_id']}")
    assert run["duration_seconds"] > 0

    manifest = api.get(f"/manifests/{batch_id}", headers=_h(alice)).json()
    assert manifest["status"] == "success"
    assert [a["root_run_id"] for a in manifest["attempts"]] == [run["run_id"]]
    assert batch_id in {m["id"] for m in api.get("/manifests", headers=_h(alice)).json()}
    assert api.get(f"/runs/{run['run_id']}", headers=_h(alice)).json()["batch_id"] == batch_id

    # Rows page through the file in order; totals and filters agree with bcftools.
    expected = bcftools_records(antku_vcf)
    first = api.get(f"/partitions/{key}/tables/variants", params={"limit": 1000}, headers=_h(alice)).json()
    assert first["total"] == len(expected) == len(first["rows"])
    page = api.get(
        f"/partitions/{key}/tables/variants", params={"offset": 100, "limit": 50}, headers=_h(alice)
    ).json()
    assert page["rows"] == first["rows"][100:150]
    chrom = first["rows"][0]["chrom"]
    filtered = api.get(
        f"/partitions/{key}/tables/variants", params={"chrom": chrom, "limit": 1000}, headers=_h(alice)
    ).json()
    assert filtered["total"] == sum(1 for row in expected if row[0] == chrom)
    unknown = api.get(f"/partitions/{key}/tables/variants", params={"ref": "A"}, headers=_h(alice))
    assert unknown.status_code == 400  # a misspelt filter is refused, never ignored
    allowed = sorted(table_contracts()["variants"].filters)
    assert unknown.json()["detail"] == f"cannot filter variants on ['ref']; allowed: {allowed}"

    # The presigned download is the exact object the asset recorded.
    link = api.get(f"/partitions/{key}/assets/normalized_variants/download", headers=_h(alice)).json()
    body = httpx.get(link["url"], timeout=60).content
    assert hashlib.sha256(body).hexdigest() == detail["assets"]["normalized_variants"]["sha256"]
    assert pl.read_parquet(io.BytesIO(body)).height == len(expected)

    missing_report = api.get(f"/partitions/{key}/report", headers=_h(alice))
    assert missing_report.status_code == 404
    assert missing_report.headers["content-type"].startswith("application/problem+json")
    assert missing_report.json()["status"] == 404
    assert api.get("/modules", headers=_h(alice)).status_code == 200
    assert api.get("/scores", headers=_h(alice)).status_code == 200
    assert api.get("/openapi.json").status_code == 200


def protected_routes(
    user: str, sample: str, batch_id: str, run_id: str
) -> list[tuple[str, str, dict[str, Any] | None]]:
    key = f"{user}/{sample}"
    return [
        ("GET", "/partitions/" + key, None),
        ("GET", f"/partitions/{key}/tables/variants", None),
        ("GET", f"/partitions/{key}/assets/normalized_variants/download", None),
        ("GET", f"/partitions/{key}/report", None),
        ("DELETE", f"/partitions/{key}", None),
        ("GET", f"/manifests/{batch_id}", None),
        ("GET", f"/runs/{run_id}", None),
    ]


UNAUTHENTICATED_ONLY = [
    ("GET", "/partitions", None),
    ("GET", "/manifests", None),
    ("GET", "/modules", None),
    ("GET", "/scores", None),
    ("POST", "/uploads", {"filename": "x.vcf"}),
    ("POST", "/manifests", {}),
]


def test_access_control(
    api: httpx.Client, people: dict[str, dict[str, str]], alice_sample: dict[str, Any], docs: DocStore
) -> None:
    run_id = docs.get_manifest(alice_sample["batch_id"])["latest_run_ids"][0]
    routes = protected_routes(alice_sample["user"], alice_sample["sample"], alice_sample["batch_id"], run_id)
    forged = "glk_" + "0" * 12 + "_" + "A" * 43
    for method, path, body in routes + UNAUTHENTICATED_ONLY:
        for headers in ({}, {"Authorization": f"Bearer {forged}"}, {"Authorization": "Basic abc"}):
            response = api.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.status_code)
            assert response.json()["status"] == 401 and "traceback" not in response.text.lower()
    for method, path, body in routes:
        response = api.request(method, path, json=body, headers=_h(people["bob"]))
        assert response.status_code in {403, 404}, (method, path, response.status_code, response.text)
    # Bob's lists do not show Alice's things, even when he asks for them.
    assert (
        api.get("/partitions", params={"user": alice_sample["user"]}, headers=_h(people["bob"])).json() == []
    )
    assert alice_sample["batch_id"] not in {
        m["id"] for m in api.get("/manifests", headers=_h(people["bob"])).json()
    }
    # Bob cannot submit or place files as Alice.
    as_alice = {
        "batch_id": f"x-{uuid.uuid4().hex[:8]}",
        "uploader": alice_sample["user"],
        "intent": "normalize",
        "genome_build": "GRCh38",
        "files": [{"key": f"uploads/{alice_sample['user']}/a.vcf"}],
    }
    assert api.post("/manifests", json=as_alice, headers=_h(people["bob"])).status_code == 403
    # Hostile identifiers are refused before they reach storage.
    for path in (
        "/partitions/..%2F../x",
        "/partitions/alice/%2E%2E",
        "/manifests/%7B%22%24ne%22%3A1%7D",
        "/runs/%7B%22%24gt%22%3A%22%22%7D",
    ):
        response = api.get(path, headers=_h(people["admin"]))
        assert response.status_code in {404, 422}, (path, response.status_code)
    bad = api.post("/manifests", json={"intent": "normalize"}, headers=_h(people["bob"]))
    assert bad.status_code == 422 and "batch_id" in bad.json()["detail"]


def test_delete_sample(
    api: httpx.Client,
    people: dict[str, dict[str, str]],
    alice_sample: dict[str, Any],
    docs: DocStore,
    store: ObjectStore,
    settings: Settings,
) -> None:
    user, sample, batch_id = alice_sample["user"], alice_sample["sample"], alice_sample["batch_id"]
    key = f"{user}/{sample}"
    response = api.delete(f"/partitions/{key}", headers=_h(people["alice"]))
    assert response.status_code == 200, response.text
    deleted = response.json()
    assert deleted["deleted"]["lake_objects"] >= 1 and deleted["deleted"]["uploads"] == 1
    assert list(store.list(settings.lake_bucket, partition_prefix(user, sample))) == []
    assert store.head(settings.landing_bucket, alice_sample["vcf_key"]) is None
    assert docs.partitions.find_one({"_id": key}) is None
    assert docs.get_manifest(batch_id) is None
    assert docs.runs.count_documents({"partition": key}) == 0
    audit = docs.audit.find_one({"_id": deleted["audit_id"]})
    assert audit["partition"] == key and audit["by"] == user and audit["status"] == "done"
    assert api.get(f"/partitions/{key}", headers=_h(people["alice"])).status_code == 404

    def dagster_forgot() -> bool:
        conn = psycopg2.connect(settings.postgres_dsn)
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT count(*) FROM dynamic_partitions WHERE partitions_def_name = 'samples' "
                    "AND partition = %s",
                    (key,),
                )
                return cur.fetchone()[0] == 0
        finally:
            conn.close()

    wait_for("Dagster to drop the partition", dagster_forgot, timeout=60)
    wait_for(
        "the deletion request to be done",
        lambda: (docs.deletions.find_one({"_id": key}) or {}).get("status") == "done",
        timeout=60,
    )


def test_schemathesis_finds_no_server_errors(
    stack: NativeStack, people: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{stack.ports.api}/openapi.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            url,
            "--checks",
            "not_a_server_error",
            "--header",
            f"Authorization:{people['bob']['Authorization']}",
            "--max-examples",
            "15",
            "--request-timeout",
            "30",
            "--generation-deterministic",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
