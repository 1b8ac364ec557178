"""Intake latency: upload -> normalized parquet in the lake, through the running native stack.

1. 10 manifests for antku_small.vcf one after another: latency p50 and max.
2. A burst of 50 manifests at once: all processed, none twice, total time.
Peer, measured in the same run: the same normalization without the platform (`genolake normalize`
as a process, i.e. interpreter start + work), so the ratio is the platform's overhead factor.

Run: `make up && uv run python bench/bench_intake.py` (reads data/stack/genolake.env).
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2

ROOT = Path.cwd()
os.environ.setdefault("GENOLAKE_ENV_FILE", str(ROOT / "data" / "stack" / "genolake.env"))

from genolake_core.layout import normalized_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import get_settings

VCF = (
    Path(os.environ.get("GENOLAKE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "vcf" / "antku_small.vcf"
)


def submit(
    store: ObjectStore, bucket: str, user: str, vcf_key: str, digest: str, sample: str
) -> tuple[str, float]:
    batch = f"bench-{uuid.uuid4().hex[:12]}"
    manifest = {
        "batch_id": batch,
        "uploader": user,
        "intent": "normalize",
        "genome_build": "GRCh38",
        "sample": sample,
        "files": [{"key": vcf_key, "role": "vcf", "sha256": digest}],
    }
    started = time.monotonic()
    store.client.put_object(
        Bucket=bucket, Key=f"manifests/{user}/{batch}.json", Body=json.dumps(manifest).encode()
    )
    return batch, started


def wait_lake(store: ObjectStore, bucket: str, keys: dict[str, float], timeout: float) -> dict[str, float]:
    done: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(keys) and time.monotonic() < deadline:
        for key, started in keys.items():
            if key not in done and store.head(bucket, key) is not None:
                done[key] = time.monotonic() - started
        time.sleep(0.2)
    return done


def runs_per_batch(dsn: str, batches: list[str]) -> dict[str, int]:
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT value, count(*) FROM run_tags"
                " WHERE key = 'genolake/batch_id' AND value = ANY(%s) GROUP BY value",
                (batches,),
            )
            return dict(cur.fetchall())
    finally:
        conn.close()


def peer_seconds() -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(3):
            started = time.monotonic()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "genolake_cli.main",
                    "normalize",
                    "--vcf",
                    str(VCF),
                    "--out",
                    str(Path(tmp) / "out.parquet"),
                ],
                check=True,
                capture_output=True,
            )
            times.append(time.monotonic() - started)
    return statistics.median(times)


def main() -> None:
    settings = get_settings()
    store = ObjectStore.from_settings(settings)
    user = f"bench{uuid.uuid4().hex[:8]}"
    vcf_key = f"uploads/{user}/{VCF.name}"
    store.client.upload_file(str(VCF), settings.landing_bucket, vcf_key)
    digest = hashlib.sha256(VCF.read_bytes()).hexdigest()
    peer = peer_seconds()

    sequential = []
    batches = []
    for i in range(10):
        batch, started = submit(store, settings.landing_bucket, user, vcf_key, digest, f"seq{i}")
        batches.append(batch)
        key = normalized_key(user, f"seq{i}")
        got = wait_lake(store, settings.lake_bucket, {key: started}, timeout=300)
        if key not in got:
            raise SystemExit(f"manifest {batch}: no parquet after 300 s")
        sequential.append(got[key])
    p50 = statistics.median(sequential)
    print(
        f"sequential x10: latency p50 {p50:.1f}s max {max(sequential):.1f}s "
        f"(peer `genolake normalize` process {peer:.2f}s; platform/peer p50 ratio {p50 / peer:.1f}x)"
    )

    burst_started = time.monotonic()
    pending = {}
    for i in range(50):
        batch, started = submit(store, settings.landing_bucket, user, vcf_key, digest, f"burst{i}")
        batches.append(batch)
        pending[normalized_key(user, f"burst{i}")] = started
    got = wait_lake(store, settings.lake_bucket, pending, timeout=1200)
    total = time.monotonic() - burst_started
    time.sleep(5)
    counts = runs_per_batch(settings.postgres_dsn, batches)
    twice = sorted(batch for batch, count in counts.items() if count > 1)
    missing = sorted(set(batches) - set(counts))
    print(
        f"burst x50: {len(got)}/50 in the lake, total {total:.1f}s ({total / 50:.2f}s per sample), "
        f"latency p50 {statistics.median(got.values()):.1f}s max {max(got.values()):.1f}s; "
        f"runs twice: {len(twice)}, without a run: {len(missing)}"
    )
    if len(got) != 50 or twice or missing:
        raise SystemExit("burst: not every manifest was processed exactly once")


if __name__ == "__main__":
    main()
