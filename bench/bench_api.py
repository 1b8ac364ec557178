"""API load: status and report endpoints at fixed arrival rates, from a second process.

The load comes from `bench/loadgen` (Go, open loop: request i of an endpoint is sent at
start + i/rate whatever the earlier ones are doing, and its latency is counted from that scheduled
time, so queueing is charged to the server, not hidden). For each rate R the API gets R req/s split
evenly over `GET /manifests/{batch_id}`, `GET /runs/{run_id}` and `GET /partitions/{u}/{s}/report`;
in the same run the peer, a presigned GET of the same report object straight from the S3 server, gets
R/3 req/s (the report endpoint's share), so the report ratio shows what the API adds.
Target on 2 cores: API p99 under 50 ms at 200 req/s.

`--pollers N` spreads the same requests over N API keys of the fixture's user (N independent clients
polling the same batch): the API's micro-cache is per token, so each key has its own entries and
refreshes, and the backend (Mongo, S3) sees about N times the refresh traffic of one client.

Run: `make up && uv run python bench/bench_api.py [--rates 100,200,300] [--seconds 20]`
(`--root data/stack-api` for another native stack, `--api-url` to aim at another API process of the
same stack). Needs Go to build the generator (into data/bench/, once per source change). Fixture:
a user and API key, antku_small.vcf submitted once (its manifest, runs and partition), and a ~300 kB
HTML report object stored for the partition if the report lane has not produced one; it is kept in
data/bench/api_fixture.json and reused while its token still works.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path.cwd()
LOADGEN_SRC = ROOT / "bench" / "loadgen"
LOADGEN_BIN = ROOT / "data" / "bench" / "loadgen" / "loadgen"
FIXTURE = ROOT / "data" / "bench" / "api_fixture.json"
VCF = (
    Path(os.environ.get("GENOLAKE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "vcf" / "antku_small.vcf"
)
SAMPLE = "s1"


def build_loadgen() -> Path:
    """`go build` the generator when the binary is missing or older than its sources."""
    sources = [*LOADGEN_SRC.glob("*.go"), LOADGEN_SRC / "go.mod"]
    if LOADGEN_BIN.exists() and LOADGEN_BIN.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return LOADGEN_BIN
    go = shutil.which("go")
    if go is None:
        sys.exit("bench_api: Go is needed to build bench/loadgen (https://go.dev/dl/)")
    LOADGEN_BIN.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([go, "build", "-o", str(LOADGEN_BIN), "."], cwd=LOADGEN_SRC, check=True)
    return LOADGEN_BIN


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_fixture(env_file: Path) -> dict[str, Any]:
    """A user, a key, a finished batch with runs, and a report object; reused across runs."""
    from genolake_core.accounts import create_key, create_user
    from genolake_core.docstore import DocStore
    from genolake_core.layout import report_key
    from genolake_core.objectstore import ObjectStore
    from genolake_core.settings import get_settings

    settings = get_settings()
    docs, store = DocStore.from_settings(settings), ObjectStore.from_settings(settings)
    try:
        user = f"load{uuid.uuid4().hex[:6]}"
        create_user(docs, user)
        token = create_key(docs, user)
        batch = f"{user}-b1"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "genolake_cli.main",
                "submit",
                "--vcf",
                str(VCF),
                "--user",
                user,
                "--sample",
                SAMPLE,
                "--build",
                "GRCh38",
                "--batch-id",
                batch,
                "--wait",
                "300",
            ],
            check=True,
            env={**os.environ, "GENOLAKE_ENV_FILE": str(env_file)},
        )
        manifest = docs.get_manifest(batch) or {}
        run_ids = manifest.get("latest_run_ids") or manifest.get("run_ids") or []
        if not run_ids:
            sys.exit(f"bench_api: batch {batch} has no runs (status {manifest.get('status')!r})")
        key = report_key(user, SAMPLE)
        if store.head(settings.lake_bucket, key) is None:
            rows = "".join(f"<tr><td>{i}</td><td>rs{i}</td><td>A/G</td></tr>" for i in range(10_000))
            store.put_bytes(
                f"<html><body><table>{rows}</table></body></html>".encode(),
                settings.lake_bucket,
                key,
                "text/html",
            )
        peer_url = store.client.generate_presigned_url(
            "get_object", Params={"Bucket": settings.lake_bucket, "Key": key}, ExpiresIn=7 * 24 * 3600
        )
        return {
            "env_file": str(env_file),
            "api_url": f"http://127.0.0.1:{settings.api_port}",
            "user": user,
            "token": token,
            "batch_id": batch,
            "run_id": run_ids[0],
            "peer_url": peer_url,
        }
    finally:
        docs.close()


def fixture(env_file: Path, api_url: str | None) -> dict[str, Any]:
    """The stored fixture if it belongs to this stack and its token still works, else a new one."""
    if FIXTURE.exists():
        stored: dict[str, Any] = json.loads(FIXTURE.read_text())
        url = api_url or stored["api_url"]
        if stored.get("env_file") == str(env_file):
            try:
                response = httpx.get(
                    f"{url}/manifests/{stored['batch_id']}",
                    headers={"Authorization": f"Bearer {stored['token']}"},
                    timeout=10,
                )
                peer = httpx.get(stored["peer_url"], timeout=10)
                if response.status_code == 200 and peer.status_code == 200:
                    return stored
            except httpx.HTTPError:
                pass
    made = make_fixture(env_file)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(made, indent=1))
    return made


def with_pollers(fix: dict[str, Any], pollers: int) -> dict[str, Any]:
    """The fixture with at least `pollers` API keys of its user (`tokens`; extra keys are kept)."""
    tokens: list[str] = fix.get("tokens") or [fix["token"]]
    if len(tokens) < pollers:
        from genolake_core.accounts import create_key
        from genolake_core.docstore import DocStore
        from genolake_core.settings import get_settings

        docs = DocStore.from_settings(get_settings())
        try:
            tokens = tokens + [create_key(docs, fix["user"]) for _ in range(pollers - len(tokens))]
        finally:
            docs.close()
        fix = {**fix, "tokens": tokens}
        FIXTURE.write_text(json.dumps(fix, indent=1))
    return fix


def plan(
    fix: dict[str, Any], api_url: str, rate: float, seconds: float, warmup: float, pollers: int = 1
) -> dict[str, Any]:
    tokens = (fix.get("tokens") or [fix["token"]])[:pollers]
    share = rate / 3 / len(tokens)
    api = [
        ("GET /manifests/{batch_id}", f"{api_url}/manifests/{fix['batch_id']}"),
        ("GET /runs/{run_id}", f"{api_url}/runs/{fix['run_id']}"),
        ("GET .../report (300 kB)", f"{api_url}/partitions/{fix['user']}/{SAMPLE}/report"),
    ]
    targets = [
        {
            "name": name if len(tokens) == 1 else f"{name} #{i}",
            "url": url,
            "headers": {"Authorization": f"Bearer {token}"},
            "rate": share,
            "group": "api",
        }
        for name, url in api
        for i, token in enumerate(tokens)
    ]
    targets.append(
        {
            "name": "peer: S3 GET of the report",
            "url": fix["peer_url"],
            "headers": {},
            "rate": rate / 3,
            "group": "peer",
        }
    )
    return {"targets": targets, "duration": seconds, "warmup": warmup, "timeout": 10}


def check(fix: dict[str, Any], api_url: str) -> None:
    """Every endpoint answers 200 once before the load (a 404 under load would look fast)."""
    for target in plan(fix, api_url, 3, 1, 0)["targets"]:
        response = httpx.get(target["url"], headers=target["headers"], timeout=10)
        if response.status_code != 200:
            sys.exit(f"bench_api: {target['name']} answered {response.status_code}: {response.text[:200]}")


def run(binary: Path, load_plan: dict[str, Any]) -> dict[str, Any]:
    proc = subprocess.run(
        [str(binary), "-json"], input=json.dumps(load_plan), capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def print_result(
    rate: float, result: dict[str, Any], load_before: str, load_after: str, pollers: int = 1
) -> None:
    print(
        f"\noffered {rate:.0f} req/s to the API from {pollers} API key(s) (+{rate / 3:.0f} to the peer) "
        f"for {result['duration']:.0f} s; "
        f"load average before {load_before}, after {load_after}"
    )
    print(
        f"{'target':28s} {'offered':>7s} {'achieved':>8s} {'p50':>7s} {'p90':>7s} {'p99':>7s} {'max':>7s} "
        f"{'errors':>6s} {'gen lag':>7s}"
    )
    rows: dict[str, dict[str, Any]] = {}
    for s in result["targets"]:
        rows[s["name"]] = s
        if " #" in s["name"]:
            continue  # one of several pollers: only the overall line is printed
        name = "API overall" if s["name"] == "group:api" else s["name"]
        print(
            f"{name:28s} {s['rate']:7.1f} {s['achieved_rps']:8.1f} {s['p50_ms']:7.1f} {s['p90_ms']:7.1f} "
            f"{s['p99_ms']:7.1f} {s['max_ms']:7.1f} {s['errors']:6d} {s['max_send_lag_ms']:7.1f}"
            + (f"  first error: {s['first_error']}" if s.get("first_error") else "")
        )
    peer, overall = rows["peer: S3 GET of the report"], rows["group:api"]
    report = rows.get("GET .../report (300 kB)")
    if report is not None and peer["p99_ms"] > 0:
        print(
            f"report p50/p99 ratio API/S3: {report['p50_ms'] / peer['p50_ms']:.2f}x / "
            f"{report['p99_ms'] / peer['p99_ms']:.2f}x"
        )
    verdict = "met" if overall["p99_ms"] < 50 and overall["errors"] == 0 and rate >= 200 else "not met"
    if rate >= 200:
        print(f"target (API p99 < 50 ms at 200 req/s): {verdict} (p99 {overall['p99_ms']:.1f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="200", help="comma-separated API rates, req/s (default 200)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3, help="seconds at the same rate before measuring")
    parser.add_argument("--root", type=Path, default=ROOT / "data" / "stack", help="native stack folder")
    parser.add_argument("--api-url", default=None, help="default: the stack's API")
    parser.add_argument("--pause", type=float, default=5, help="seconds between rates")
    parser.add_argument("--pollers", type=int, default=1, help="API keys the load is spread over (default 1)")
    args = parser.parse_args()
    env_file = (args.root / "genolake.env").resolve()
    if not env_file.exists():
        sys.exit(f"bench_api: {env_file} not found; start the stack (`make up`) or pass --root")
    os.environ["GENOLAKE_ENV_FILE"] = str(env_file)
    binary = build_loadgen()
    fix = with_pollers(fixture(env_file, args.api_url), args.pollers)
    api_url = args.api_url or fix["api_url"]
    check(fix, api_url)
    for index, rate in enumerate(float(r) for r in args.rates.split(",")):
        if index:
            time.sleep(args.pause)
        before = load_average()
        result = run(binary, plan(fix, api_url, rate, args.seconds, args.warmup, args.pollers))
        print_result(rate, result, before, load_average(), args.pollers)


if __name__ == "__main__":
    main()
