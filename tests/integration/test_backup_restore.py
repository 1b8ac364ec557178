"""`genolake backup` of a stack with real results, `genolake restore` into a fresh stack on other ports:
the API answers the same for every partition, report, run and manifest, and a run re-executed through
Dagster's GraphQL API succeeds on the restored stack. A damaged backup is refused naming the file.

The restored stack runs beside the suite's (ports GENOLAKE_TEST_PORT_BASE + 100 by default; override
with GENOLAKE_TEST_RESTORE_PORT_BASE) and is stopped and removed at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from genolake_cli.backup.manifest import MANIFEST_NAME
from genolake_cli.stack import INCOMPLETE_MARKER, NativeStack, Ports
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

from tests.integration.conftest import TEST_PORT_BASE
from tests.integration.helpers import DagsterRuns, put_manifest, upload_vcf, wait_for
from tests.integration.test_retry_and_reconcile import REEXECUTE

pytestmark = pytest.mark.integration

RESTORE_PORT_BASE = int(os.environ.get("GENOLAKE_TEST_RESTORE_PORT_BASE", str(TEST_PORT_BASE + 100)))


def genolake(*args: str, env_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GENOLAKE_")}
    if env_file is not None:
        env["GENOLAKE_ENV_FILE"] = str(env_file)
    return subprocess.run(
        [sys.executable, "-m", "genolake_cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def api_answers(client: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    """Everything the API tells an admin: each partition, its report's bytes, each manifest and run."""
    answers: dict[str, Any] = {}
    partitions = client.get("/partitions", headers=headers).raise_for_status().json()
    answers["/partitions"] = partitions
    for item in partitions:
        path = f"/partitions/{item['user']}/{item['sample']}"
        detail = client.get(path, headers=headers).raise_for_status().json()
        answers[path] = detail
        report = client.get(path + "/report", headers=headers)
        answers[path + "/report"] = (
            report.status_code,
            hashlib.sha256(report.content).hexdigest() if report.status_code == 200 else None,
            report.headers.get("etag"),
        )
    manifests = client.get("/manifests", params={"limit": 500}, headers=headers).raise_for_status().json()
    answers["/manifests"] = manifests
    for item in manifests:
        batch = item["batch_id"] or ""
        if batch:
            answers[f"/manifests/{batch}"] = client.get(f"/manifests/{batch}", headers=headers).json()
        for run_id in item.get("run_ids") or []:
            answers[f"/runs/{run_id}"] = client.get(f"/runs/{run_id}", headers=headers).json()
    return answers


@pytest.fixture()
def restored_root(repo_root: Path) -> Iterator[Path]:
    root = repo_root / "data" / f"test-restore-{RESTORE_PORT_BASE}"
    if root.exists():
        NativeStack(root, repo_root, Ports(RESTORE_PORT_BASE)).down()
        shutil.rmtree(root)
    yield root
    NativeStack(root, repo_root, Ports(RESTORE_PORT_BASE)).down()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.timeout(1800)  # starts a second whole stack; the suite's 900 s is for one stack's tests
def test_backup_then_restore_into_a_fresh_stack(
    stack: NativeStack,
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    make_token: Callable[..., str],
    api: httpx.Client,
    user: str,
    antku_vcf: Path,
    repo_root: Path,
    restored_root: Path,
    tmp_path: Path,
) -> None:
    # 1. Real results: modules installed, one sample analyzed (normalized, annotated, reported) and
    #    one only normalized; plus whatever earlier tests of the session left.
    admin = f"adm{uuid.uuid4().hex[:8]}"
    headers = {"Authorization": f"Bearer {make_token(admin, admin=True)}"}  # in the backup too
    installed = genolake("modules", "install", env_file=stack.env_file)  # the shipped modules, offline
    assert installed.returncode == 0, installed.stderr
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batches = {}
    for intent, sample in (("analyze", "whole"), ("normalize", "plain")):
        batch = f"bk-{intent}-{uuid.uuid4().hex[:8]}"
        manifest = {
            "manifest_version": 1,
            "batch_id": batch,
            "uploader": user,
            "intent": intent,
            "sample": sample,
            "genome_build": "GRCh38",
            "files": [{"key": vcf_key, "role": "vcf", "sha256": digest}],
        }
        put_manifest(store, settings, user, batch, manifest)
        batches[intent] = batch
    # Settled: final and archived (intake archives a manifest on a tick after its runs exist, so a
    # backup taken in between holds the landing object and a document without archive_key; the
    # restored stack would archive it on its first tick, and the comparison below would race it).
    for batch in batches.values():
        doc = wait_for(
            f"{batch} to succeed and be archived",
            lambda batch=batch: (
                (doc := docs.get_manifest(batch) or {}).get("status") in {"success", "failed"}
                and doc.get("archive_key")
                and doc
            ),
            timeout=300,
        )
        assert doc["status"] == "success", doc.get("errors")

    # 2. Backup through the command line, as an admin would.
    backup_dir = tmp_path / "backup"
    taken = genolake("backup", "--out", str(backup_dir), "--wait", "300", env_file=stack.env_file)
    assert taken.returncode == 0, taken.stderr
    manifest = json.loads((backup_dir / MANIFEST_NAME).read_text())
    assert "postgres/dagster.dump" in manifest["files"]
    assert {"mongo:manifests", "mongo:runs", "mongo:partitions"} <= set(manifest["counts"])
    assert manifest["counts"]["mongo:manifests"] == docs.manifests.count_documents({})
    lake_keys = {info.key for info in store.list(settings.lake_bucket, "")}
    assert manifest["counts"][f"s3:{settings.lake_bucket}"] == len(lake_keys)
    assert "run_status_reconciler" in manifest["sensors_running"]
    assert not list(tmp_path.glob("backup.partial-*"))
    # Intake runs again on the source stack after the backup.
    after = f"bk-after-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        after,
        {
            "manifest_version": 1,
            "batch_id": after,
            "uploader": user,
            "intent": "normalize",
            "sample": "after",
            "genome_build": "GRCh38",
            "files": [{"key": vcf_key, "role": "vcf", "sha256": digest}],
        },
    )
    wait_for(
        "intake after the backup", lambda: (docs.get_manifest(after) or {}).get("status") == "success", 180
    )

    # 3. A damaged backup is refused before anything is started, naming the file.
    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    blob = min((damaged / "s3" / settings.lake_bucket / "blobs").iterdir())
    data = blob.read_bytes()
    blob.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped, same size
    refused = genolake(
        "restore",
        str(damaged),
        "--root",
        str(restored_root),
        "--port-base",
        str(RESTORE_PORT_BASE),
        "--project",
        str(repo_root),
    )
    assert refused.returncode == 1
    assert "backup damaged" in refused.stderr and str(blob.relative_to(damaged)) in refused.stderr
    assert not (restored_root / "genolake.env").exists()
    (damaged / MANIFEST_NAME).unlink()
    refused = genolake("restore", str(damaged), "--root", str(restored_root), "--project", str(repo_root))
    assert refused.returncode == 1 and "BACKUP.json is missing" in refused.stderr

    # 4. Restore into a fresh stack on other ports; the API answers the same.
    restored = genolake(
        "restore",
        str(backup_dir),
        "--root",
        str(restored_root),
        "--port-base",
        str(RESTORE_PORT_BASE),
        "--project",
        str(repo_root),
    )
    assert restored.returncode == 0, restored.stderr
    assert not (restored_root / INCOMPLETE_MARKER).exists()
    target = NativeStack(restored_root, repo_root, Ports(RESTORE_PORT_BASE))
    target_settings = target.settings()
    target_docs = DocStore.from_settings(target_settings)
    try:
        before = api_answers(api, headers)
        with httpx.Client(base_url=f"http://127.0.0.1:{target.ports.api}", timeout=30) as target_api:
            after_restore = api_answers(target_api, headers)
        # What happened on the source after the backup is not in the restore; everything else is equal.
        later = {key for key in before if after in json.dumps(before[key])}
        later |= {f"/partitions/{user}/after", f"/partitions/{user}/after/report", f"/manifests/{after}"}
        compared = {key: value for key, value in before.items() if key not in later and key != "/partitions"}
        assert set(compared) <= set(after_restore), set(compared) - set(after_restore)
        for key, value in compared.items():
            assert after_restore[key] == value, key
        assert [
            p for p in before["/partitions"] if p["sample"] != "after" or p["user"] != user
        ] == after_restore["/partitions"]
        assert any(
            key.endswith(f"/{user}/whole/report") and value[0] == 200 for key, value in compared.items()
        )

        # 5. A run re-executed through Dagster on the restored stack (its input VCF and ETag restored).
        [run] = DagsterRuns(target_settings).for_batch(batches["analyze"])
        response = httpx.post(
            f"http://127.0.0.1:{target.ports.webserver}/graphql",
            json={"query": REEXECUTE, "variables": {"parentRunId": run["run_id"]}},
            timeout=60,
        )
        result = response.json()["data"]["launchPipelineReexecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        retry_id = result["run"]["runId"]
        done = wait_for(
            "the re-executed run on the restored stack",
            lambda: (
                (target_docs.get_manifest(batches["analyze"]) or {}).get("latest_run_ids") == [retry_id]
                and target_docs.get_manifest(batches["analyze"])["status"] in {"success", "failed"}
                and target_docs.get_manifest(batches["analyze"])
            ),
            timeout=300,
        )
        assert done["status"] == "success", done.get("errors")
        assert set(done["run_ids"]) == {run["run_id"], retry_id}
    finally:
        target_docs.close()
