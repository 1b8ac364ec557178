"""API load: status and report endpoints at a fixed arrival rate, from a second process.

Open-loop (requests start on schedule whatever the latency, so queueing is counted), 200 req/s for
20 s by default, half `GET /manifests/{batch_id}`, half `GET /partitions/{u}/{s}/report`. Peer in
the same run: the same report object fetched straight from the S3 server (presigned GET), so the
ratio shows what the API adds. Target on 2 cores: p99 under 50 ms at 200 req/s.

Run: `make up && uv run python bench/bench_api.py [--rate 200] [--seconds 20]` (uses data/stack).
Needs one finished partition: it submits antku_small.vcf once, and stores a ~300 kB HTML report
object for it if the report lane has not produced one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path.cwd()
os.environ.setdefault("GENOLAKE_ENV_FILE", str(ROOT / "data" / "stack" / "genolake.env"))

from genolake_core.accounts import create_key, create_user  # noqa: E402
from genolake_core.docstore import DocStore  # noqa: E402
from genolake_core.layout import report_key  # noqa: E402
from genolake_core.objectstore import ObjectStore  # noqa: E402
from genolake_core.settings import get_settings  # noqa: E402

VCF = Path(os.environ.get("GENOLAKE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "vcf" / "antku_small.vcf"


async def drive(urls: list[tuple[str, dict[str, str]]], rate: float, seconds: float) -> list[tuple[int, float, int]]:
    """(url index, latency seconds, status) for every request."""
    results: list[tuple[int, float, int]] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        start = time.perf_counter()

        async def one(i: int, scheduled: float) -> None:
            index = i % len(urls)
            url, headers = urls[index]
            response = await client.get(url, headers=headers)
            await response.aread()
            results.append((index, time.perf_counter() - scheduled, response.status_code))

        tasks = []
        for i in range(int(rate * seconds)):
            scheduled = start + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, scheduled)))
        await asyncio.gather(*tasks)
    return results


def load_process(args: argparse.Namespace) -> None:
    urls = json.loads(sys.stdin.read())
    results = asyncio.run(drive([(u["url"], u["headers"]) for u in urls], args.rate, args.seconds))
    print(json.dumps(results))


def summary(name: str, latencies: list[float], seconds: float, errors: int) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"{name:28s} {len(ordered) / seconds:6.1f} req/s  p50 {statistics.median(ordered) * 1000:6.1f} ms  "
            f"p99 {p99 * 1000:6.1f} ms  errors {errors}")


def run_load(urls: list[dict[str, object]], rate: float, seconds: float) -> list[tuple[int, float, int]]:
    proc = subprocess.run([sys.executable, __file__, "--load", "--rate", str(rate), "--seconds", str(seconds)],
                          input=json.dumps(urls), capture_output=True, text=True, check=True)
    return [tuple(row) for row in json.loads(proc.stdout)]  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_process(args)
        return
    settings = get_settings()
    docs, store = DocStore.from_settings(settings), ObjectStore.from_settings(settings)
    user = f"load{uuid.uuid4().hex[:6]}"
    create_user(docs, user)
    headers = {"Authorization": f"Bearer {create_key(docs, user)}"}
    subprocess.run([sys.executable, "-m", "genolake_cli.main", "submit", "--vcf", str(VCF), "--user", user,
                    "--sample", "s1", "--build", "GRCh38", "--batch-id", f"{user}-b1", "--wait", "300"], check=True)
    key = report_key(user, "s1")
    if store.head(settings.lake_bucket, key) is None:
        rows = "".join(f"<tr><td>{i}</td><td>rs{i}</td><td>A/G</td></tr>" for i in range(10_000))
        store.put_bytes(f"<html><body><table>{rows}</table></body></html>".encode(), settings.lake_bucket, key, "text/html")
    api = f"http://127.0.0.1:{settings.api_port}"
    presigned = store.client.generate_presigned_url("get_object", Params={"Bucket": settings.lake_bucket, "Key": key},
                                                    ExpiresIn=3600)
    targets = [{"url": f"{api}/manifests/{user}-b1", "headers": headers},
               {"url": f"{api}/partitions/{user}/s1/report", "headers": headers}]
    results = run_load(targets, args.rate, args.seconds)
    peer = run_load([{"url": presigned, "headers": {}}], args.rate / 2, args.seconds)
    print(f"rate {args.rate:.0f} req/s for {args.seconds:.0f}s from a second process")
    for index, name in enumerate(("GET /manifests/{id}", "GET .../report (300 kB)")):
        lat = [r[1] for r in results if r[0] == index]
        print(summary(name, lat, args.seconds, sum(1 for r in results if r[0] == index and r[2] != 200)))
    all_lat = [r[1] for r in results]
    print(summary("API overall", all_lat, args.seconds, sum(1 for r in results if r[2] != 200)))
    peer_lat = [r[1] for r in peer]
    print(summary("peer: S3 GET of the report", peer_lat, args.seconds, sum(1 for r in peer if r[2] != 200)))
    api_report = sorted(r[1] for r in results if r[0] == 1)
    print(f"report p99 ratio API/S3: {api_report[int(len(api_report) * 0.99)] / sorted(peer_lat)[int(len(peer_lat) * 0.99)]:.2f}x")
    docs.close()


if __name__ == "__main__":
    main()
