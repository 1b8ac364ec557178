"""services/minio/init.sh against a real MinIO (the native stack's pinned build) with the pinned mc:
buckets, the pipelines' account, and per-user policies that the server actually enforces."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from genolake_core import layout

from tests.unit.compose.compose_testlib import INSTALL_HINT, REPO, tool

INIT = REPO / "services" / "minio" / "init.sh"
ROOT = ("genolake-admin", "root-secret-for-tests")
PIPELINES = ("genolake-pipelines", "pipelines-secret-for-tests")
BUCKETS = {"landing": "landing-zone", "lake": "data-lake", "logs": "dagster-compute-logs"}


def _init_env(url: str, tmp: Path) -> dict[str, str]:
    mc = tool("mc")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MC": str(mc) if mc else "mc",
        "MC_CONFIG_DIR": str(tmp / "mc"),
        "MINIO_URL": url,
        "MINIO_ROOT_USER": ROOT[0],
        "MINIO_ROOT_PASSWORD": ROOT[1],
        "GENOLAKE_S3_ACCESS_KEY": PIPELINES[0],
        "GENOLAKE_S3_SECRET_KEY": PIPELINES[1],
    }


def run_init(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(INIT), *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _live(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/minio/health/live", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def minio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    server, mc = tool("minio"), tool("mc")
    if server is None or mc is None:
        pytest.skip(f"minio (scripts/install-native.sh) or mc is not installed: {INSTALL_HINT}")
    tmp = tmp_path_factory.mktemp("minio")
    env = {
        **os.environ,
        "MINIO_ROOT_USER": ROOT[0],
        "MINIO_ROOT_PASSWORD": ROOT[1],
        "MINIO_UPDATE": "off",
        "MINIO_BROWSER": "off",
    }
    for _attempt in range(5):
        port, console = _free_port(), _free_port()
        url = f"http://127.0.0.1:{port}"
        log = (tmp / "minio.log").open("ab")
        process = subprocess.Popen(
            [
                str(server),
                "server",
                str(tmp / "data"),
                "--quiet",
                "--address",
                f"127.0.0.1:{port}",
                "--console-address",
                f"127.0.0.1:{console}",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None and not _live(url):
            time.sleep(0.2)
        if process.poll() is None and _live(url):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail(f"MinIO did not start: {(tmp / 'minio.log').read_text()[-2000:]}")
    try:
        init_env = _init_env(url, tmp)
        result = run_init(init_env)
        assert result.returncode == 0, result.stderr
        yield url, init_env
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def s3(url: str, access: str, secret: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 1},
        ),
    )


def denied(call: Any, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as exc:
        return exc.response["Error"]["Code"] in {"AccessDenied", "InvalidAccessKeyId"}
    return False


def add_user(env: dict[str, str], user: str) -> tuple[str, str]:
    result = run_init(env, "add-user", user)
    assert result.returncode == 0, result.stderr
    values = dict(line.split("=", 1) for line in result.stdout.strip().splitlines())
    assert values["AWS_ACCESS_KEY_ID"] == user
    assert len(values["AWS_SECRET_ACCESS_KEY"]) == 40
    return user, values["AWS_SECRET_ACCESS_KEY"]


def test_policy_template_spells_the_layout_prefixes() -> None:
    """The per-user policy grants exactly the prefixes genolake_core.layout defines for a user."""
    result = run_init({"PATH": os.environ.get("PATH", "/usr/bin:/bin")}, "render", "alice")
    assert result.returncode == 0, result.stderr
    policy = json.loads(result.stdout)
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    write = statements["WriteOwnUploadsAndManifests"]
    assert "s3:PutObject" in write["Action"]
    assert sorted(write["Resource"]) == sorted(
        f"arn:aws:s3:::landing-zone/{prefix}*"
        for prefix in (layout.uploads_prefix("alice"), layout.manifests_prefix("alice"))
    )
    assert statements["ReadOwnResults"]["Resource"] == [
        f"arn:aws:s3:::data-lake/{layout.USERS_PREFIX}alice/*"
    ]
    assert statements["ReadOwnResults"]["Action"] == ["s3:GetObject"]
    # Only the write statement writes.
    writes = [
        s
        for s in policy["Statement"]
        if any(a in {"s3:PutObject", "s3:DeleteObject", "s3:*"} for a in s["Action"])
    ]
    assert writes == [write]


def test_user_id_rule_is_the_platform_rule() -> None:
    """init.sh accepts exactly the user ids genolake_core.ids accepts (S3 account = platform user)."""
    from genolake_core.ids import USER_PATTERN

    script = (Path(__file__).parents[3] / "services" / "minio" / "init.sh").read_text()
    assert f"grep -Eq '{USER_PATTERN.pattern}'" in script


@pytest.mark.parametrize("user", ["Al", "ab", "-x-", "a/b", "genolake-pipelines", "genolake-admin"])
def test_rejects_bad_user_ids(user: str, tmp_path: Path) -> None:
    env = {**_init_env("http://127.0.0.1:9", tmp_path)}
    result = run_init(env, "render", user)
    assert result.returncode != 0
    assert "[minio-init] error" in result.stderr


def test_init_creates_buckets_and_a_non_root_pipelines_account(minio: tuple[str, dict[str, str]]) -> None:
    url, env = minio
    again = run_init(env)  # idempotent
    assert again.returncode == 0, again.stderr
    client = s3(url, *PIPELINES)
    names = {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}
    assert set(BUCKETS.values()) <= names
    for bucket in BUCKETS.values():
        client.put_object(Bucket=bucket, Key="probe/pipelines.txt", Body=b"ok")
        assert client.get_object(Bucket=bucket, Key="probe/pipelines.txt")["Body"].read() == b"ok"
        client.delete_object(Bucket=bucket, Key="probe/pipelines.txt")
    assert denied(client.create_bucket, Bucket="not-a-genolake-bucket")


def test_users_write_only_their_own_prefixes(minio: tuple[str, dict[str, str]]) -> None:
    url, env = minio
    alice = s3(url, *add_user(env, "alice"))
    bob_credentials = add_user(env, "bob-lab")
    pipelines = s3(url, *PIPELINES)
    landing, lake = BUCKETS["landing"], BUCKETS["lake"]

    alice.put_object(Bucket=landing, Key="uploads/alice/sample.vcf.gz", Body=b"vcf")
    alice.put_object(Bucket=landing, Key="manifests/alice/sample.json", Body=b"{}")
    keys = [
        item["Key"] for item in alice.list_objects_v2(Bucket=landing, Prefix="uploads/alice/")["Contents"]
    ]
    assert keys == ["uploads/alice/sample.vcf.gz"]
    assert alice.get_object(Bucket=landing, Key="manifests/alice/sample.json")["Body"].read() == b"{}"

    others = ["uploads/bob-lab/x.vcf", "manifests/bob-lab/x.json", "archive/accepted/alice/x.json", "x.json"]
    for key in [*others, "uploads/alice-other/x", "manifests/alicex/x.json"]:
        assert denied(alice.put_object, Bucket=landing, Key=key, Body=b"x"), key
    assert denied(alice.put_object, Bucket=lake, Key="users/alice/s1/normalized/variants.parquet", Body=b"x")
    assert denied(alice.list_objects_v2, Bucket=landing, Prefix="")
    assert denied(alice.list_objects_v2, Bucket=landing, Prefix="uploads/bob-lab/")
    assert denied(alice.create_bucket, Bucket="alice-own")

    # Results: the pipelines write them; alice reads hers, not bob's.
    pipelines.put_object(Bucket=lake, Key="users/alice/s1/normalized/variants.parquet", Body=b"pq")
    pipelines.put_object(Bucket=lake, Key="users/bob-lab/s1/normalized/variants.parquet", Body=b"pq")
    assert (
        alice.get_object(Bucket=lake, Key="users/alice/s1/normalized/variants.parquet")["Body"].read()
        == b"pq"
    )
    assert denied(alice.get_object, Bucket=lake, Key="users/bob-lab/s1/normalized/variants.parquet")
    assert alice.list_objects_v2(Bucket=lake, Prefix="users/alice/")["KeyCount"] == 1
    # The pipelines see (and archive) every user's manifests.
    assert pipelines.get_object(Bucket=landing, Key="manifests/alice/sample.json")["Body"].read() == b"{}"

    # Users and their policies survive a restart (init re-applies the template); add-user never resets.
    assert run_init(env).returncode == 0
    listed = run_init(env, "list-users")
    assert sorted(listed.stdout.split()) == ["alice", "bob-lab"]
    assert run_init(env, "add-user", "alice").returncode != 0
    alice.put_object(Bucket=landing, Key="uploads/alice/after-restart.vcf", Body=b"vcf")

    removed = run_init(env, "remove-user", "bob-lab")
    assert removed.returncode == 0, removed.stderr
    assert denied(s3(url, *bob_credentials).put_object, Bucket=landing, Key="uploads/bob-lab/x", Body=b"x")
