"""A sequencing batch through the running native stack: N one-sample VCFs, upload -> lake, with a profile.

For each lane asked (`normalize`: upload -> normalized parquet; `analyze`: upload -> HTML report):
  1. N distinct one-sample VCFs (antku_small.vcf with the sample column renamed per sample: 793 records,
     69 kB each) are uploaded with their manifests at once, as a lab would after a sequencing run;
  2. the clock stops when every sample's lake object exists and every manifest document is `success`;
     none may be lost (no object, not success) or doubled (two Dagster runs for a batch);
  3. the stack's CPU seconds over the batch are summed from /proc (every process tree of the stack:
     Postgres, MinIO, FerretDB, code server with its run workers, daemon, webserver, API), so the figure
     means something on a machine shared with other work, where wall time does not;
  4. a per-run profile from Dagster's event log: sensor (manifest PUT -> run created), queue (created ->
     dequeued), launch (dequeued -> run process started), start-up (process started -> first step),
     steps, finish (last step -> run success). "Per-run overhead" = launch + start-up + finish.
Peer, measured in the same run: the same work without the platform, in ONE process over the same N
files (`genolake normalize`'s function, resp. `genolake analyze`'s steps), wall and CPU.

Run: `make up && uv run python bench/bench_intake.py` (data/stack), or
`uv run python bench/bench_intake.py --root data/bench-stack --samples 96 --lanes normalize,analyze`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2

ROOT = Path.cwd()
VCF = ROOT / "tests" / "data" / "vcf" / "antku_small.vcf"
WORK = ROOT / "data" / "bench" / "batch"
CLK_TCK = os.sysconf("SC_CLK_TCK")
IDLE_SECONDS = 20


# --- inputs ---------------------------------------------------------------------------------


def make_vcfs(count: int) -> list[Path]:
    """`count` distinct one-sample VCFs: antku_small.vcf with its sample named s000, s001, ..."""
    WORK.mkdir(parents=True, exist_ok=True)
    lines = VCF.read_text().splitlines(keepends=True)
    header = next(i for i, line in enumerate(lines) if line.startswith("#CHROM"))
    paths = []
    for i in range(count):
        path = WORK / f"s{i:03d}.vcf"
        columns = lines[header].rstrip("\n").split("\t")
        columns[-1] = f"s{i:03d}"
        text = "".join(lines[:header]) + "\t".join(columns) + "\n" + "".join(lines[header + 1 :])
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
        paths.append(path)
    return paths


# --- CPU of the stack, from /proc -----------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (ppid, CPU seconds of the process and of its waited-for descendants)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        ppid = int(fields[1])
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        table[int(entry)] = (ppid, (utime + stime + cutime + cstime) / CLK_TCK)
    return table


def stack_cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each service's process tree (exited children are counted in their
    parents' cutime/cstime once waited for, which every service here does)."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    result = {}
    for name, root in roots.items():
        total, todo, seen = 0.0, [root] if root in table else [], set()
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            total += table[pid][1]
            todo.extend(children.get(pid, []))
        result[name] = total
    return result


def stack_roots(root: Path) -> dict[str, int]:
    """service name -> pid of its process (Postgres: the postmaster, with its backends)."""
    from genolake_cli.stack import NativeStack

    stack = NativeStack(root, ROOT)
    pids = {p.stem: int(p.read_text()) for p in (root / "pids").glob("*.pid")}
    postmaster = stack.pg_base() / "data" / "postmaster.pid"
    if postmaster.is_file():
        pids["postgres"] = int(postmaster.read_text().splitlines()[0])
    return pids


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after.get(name, 0.0) - value for name, value in before.items()}


# --- the peer -------------------------------------------------------------------------------

PEER_NORMALIZE = """
import sys, tempfile
from pathlib import Path
from genolake_annotation.normalize import NormalizeSettings, normalize_single
with tempfile.TemporaryDirectory() as tmp:
    for i, vcf in enumerate(sys.argv[1:]):
        normalize_single(Path(vcf), Path(tmp) / f"{i}.parquet", settings=NormalizeSettings())
"""

PEER_ANALYZE = """
import sys, tempfile
from pathlib import Path
from genolake_annotation.modules import annotate
from genolake_annotation.normalize import NormalizeSettings, normalize_single
from genolake_annotation.report import write_report
from genolake_cli.commands.annotate import resolve
vcfs = sys.argv[1:]
with tempfile.TemporaryDirectory() as tmp:
    compiled = resolve(None, None, None, Path(tmp) / "cache")  # the shipped modules
    for i, vcf in enumerate(vcfs):
        out = Path(tmp) / str(i)
        out.mkdir()
        result = normalize_single(Path(vcf), out / "n.parquet", settings=NormalizeSettings())
        annotate(out / "n.parquet", compiled, out / "annotations", engine="polars", run_id=str(i))
        write_report(out / "annotations", {"sample": result.sample}, None, out / "report.html")
"""


def peer(lane: str, vcfs: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds of one process doing the lane's work over every file."""
    if lane == "normalize":
        argv = [sys.executable, "-c", PEER_NORMALIZE, *map(str, vcfs)]
    else:
        argv = [sys.executable, "-c", PEER_ANALYZE, *map(str, vcfs)]
    started = time.monotonic()
    process = subprocess.Popen(argv, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"peer failed: {process.stderr.read().decode() if process.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime


# --- the platform ---------------------------------------------------------------------------


@dataclass
class Submitted:
    batch: str
    sample: str
    lake_key: str
    put_at: float  # time.time() of the manifest PUT


def submit_batch(store, settings, user: str, lane: str, vcfs: list[Path], tag: str) -> list[Submitted]:
    from genolake_core.layout import normalized_key, report_key

    def one(vcf: Path) -> Submitted:
        sample = f"{tag}{vcf.stem}"
        key = f"uploads/{user}/{tag}/{vcf.name}"
        store.client.upload_file(str(vcf), settings.landing_bucket, key)
        batch = f"bench-{tag}-{vcf.stem}-{uuid.uuid4().hex[:8]}"
        manifest = {
            "manifest_version": 1,
            "batch_id": batch,
            "uploader": user,
            "intent": lane,
            "genome_build": "GRCh38",
            "sample": sample,
            "files": [{"key": key, "role": "vcf", "sha256": hashlib.sha256(vcf.read_bytes()).hexdigest()}],
        }
        put_at = time.time()
        store.client.put_object(
            Bucket=settings.landing_bucket,
            Key=f"manifests/{user}/{batch}.json",
            Body=json.dumps(manifest).encode(),
        )
        lake_key = normalized_key(user, sample) if lane == "normalize" else report_key(user, sample)
        return Submitted(batch, sample, lake_key, put_at)

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, vcfs))


def wait_batch(
    store, docs, settings, items: list[Submitted], timeout: float
) -> tuple[dict[str, float], list[str]]:
    """(batch -> time.time() when its lake object existed and its manifest was success, failed batches)."""
    done: dict[str, float] = {}
    final: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(items) and time.monotonic() < deadline:
        statuses = {
            d["_id"]: d.get("status")
            for d in docs.manifests.find({"_id": {"$in": [i.batch for i in items]}}, {"status": 1})
        }
        for item in items:
            status = statuses.get(item.batch)
            if item.batch in done or status not in {"success", "failed", "rejected"}:
                continue
            final[item.batch] = status
            if status != "success" or store.head(settings.lake_bucket, item.lake_key) is not None:
                done[item.batch] = time.time()
        time.sleep(0.5)
    failed = sorted(b for b, s in final.items() if s != "success")
    if failed:
        print(f"  not success: {len(failed)} ({', '.join(failed[:5])}{', ...' if len(failed) > 5 else ''})")
    return {b: t for b, t in done.items() if final.get(b) == "success"}, failed


PHASES = ("sensor", "queue", "launch", "start-up", "steps", "finish")


def run_profile(dsn: str, items: list[Submitted]) -> tuple[dict[str, int], dict[str, list[float]]]:
    """(runs per batch, phase -> seconds per run) from Dagster's run and event tables."""
    by_batch = {i.batch: i for i in items}
    conn = psycopg2.connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT t.value, r.run_id, r.create_timestamp FROM runs r"
                " JOIN run_tags t ON t.run_id = r.run_id"
                " WHERE t.key = 'genolake/batch_id' AND t.value = ANY(%s)",
                (list(by_batch),),
            )
            runs = cur.fetchall()
            cur.execute(
                "SELECT run_id, dagster_event_type, timestamp, event LIKE '%%Started process for run%%'"
                " FROM event_logs WHERE run_id = ANY(%s) ORDER BY id",
                ([run_id for _, run_id, _ in runs],),
            )
            events = cur.fetchall()
    finally:
        conn.close()
    counts: dict[str, int] = {}
    for batch, _, _ in runs:
        counts[batch] = counts.get(batch, 0) + 1
    per_run: dict[str, dict[str, list[datetime]]] = {}
    for run_id, kind, ts, started_process in events:
        key = "PROCESS_STARTED" if started_process else kind
        per_run.setdefault(run_id, {}).setdefault(key, []).append(ts.replace(tzinfo=UTC))
    phases: dict[str, list[float]] = {name: [] for name in PHASES}
    for batch, run_id, created in runs:
        ev = per_run.get(run_id, {})
        needed = ("PIPELINE_STARTING", "PROCESS_STARTED", "STEP_START", "STEP_SUCCESS", "PIPELINE_SUCCESS")
        if any(name not in ev for name in needed):
            continue
        created = created.replace(tzinfo=UTC)
        starting, process = ev["PIPELINE_STARTING"][0], ev["PROCESS_STARTED"][0]
        steps = sum(
            (end - start).total_seconds()
            for start, end in zip(ev["STEP_START"], ev["STEP_SUCCESS"], strict=False)
        )
        phases["sensor"].append(created.timestamp() - by_batch[batch].put_at)
        phases["queue"].append((starting - created).total_seconds())
        phases["launch"].append((process - starting).total_seconds())
        phases["start-up"].append((ev["STEP_START"][0] - process).total_seconds())
        phases["steps"].append(steps)
        phases["finish"].append((ev["PIPELINE_SUCCESS"][0] - ev["STEP_SUCCESS"][-1]).total_seconds())
    return counts, phases


def ensure_modules(root: Path, settings, docs) -> None:
    if docs.installed_modules():
        return
    env = {**os.environ, "GENOLAKE_ENV_FILE": str(root / "genolake.env")}
    subprocess.run(
        [sys.executable, "-m", "genolake_cli.main", "modules", "install"],  # the shipped modules
        check=True,
        env=env,
        capture_output=True,
    )


def bench_lane(root: Path, lane: str, vcfs: list[Path], timeout: float) -> bool:
    from genolake_core.docstore import DocStore
    from genolake_core.objectstore import ObjectStore
    from genolake_core.settings import get_settings

    settings = get_settings()
    store = ObjectStore.from_settings(settings)
    docs = DocStore.from_settings(settings)
    if lane == "analyze":
        ensure_modules(root, settings, docs)
    n = len(vcfs)
    peer_wall, peer_cpu = peer(lane, vcfs)
    user = f"bench{uuid.uuid4().hex[:8]}"
    tag = lane[0]
    roots = stack_roots(root)
    idle_before = stack_cpu_seconds(roots)
    time.sleep(IDLE_SECONDS)  # the platform's own background (sensor ticks, daemon loops), no work
    idle = cpu_delta(idle_before, stack_cpu_seconds(roots))
    idle_rate = sum(idle.values()) / IDLE_SECONDS
    load_before = os.getloadavg()[0]
    cpu_before = stack_cpu_seconds(roots)
    started = time.time()
    items = submit_batch(store, settings, user, lane, vcfs, tag)
    uploaded = time.time() - started
    done, failed = wait_batch(store, docs, settings, items, timeout)
    total = (max(done.values()) if done else time.time()) - started
    per_service = cpu_delta(cpu_before, stack_cpu_seconds(roots))
    cpu = sum(per_service.values())
    load_after = os.getloadavg()[0]
    time.sleep(3)
    counts, phases = run_profile(settings.postgres_dsn, items)
    docs.close()
    twice = [b for b, c in counts.items() if c > 1]
    no_run = [i.batch for i in items if i.batch not in counts]  # lost by intake
    unfinished = [i.batch for i in items if i.batch not in done and i.batch not in failed]
    print(
        f"\n{lane} batch of {n} (uploads + manifests took {uploaded:.1f}s; load average {load_before:.1f} "
        f"before, {load_after:.1f} after)"
    )
    print(
        f"  platform: {len(done)}/{n} {lane}d in {total:.1f}s wall ({total / n:.2f}s per sample), "
        f"stack CPU {cpu:.1f}s ({cpu / n:.2f}s per sample); failed {len(failed)}, runs twice {len(twice)}, "
        f"not final after --timeout {len(unfinished)}, without a Dagster run {len(no_run)}"
    )
    print(
        f"  peer (one process, same {n} files): {peer_wall:.1f}s wall, {peer_cpu:.1f}s CPU "
        f"({peer_cpu / n:.3f}s CPU per sample)"
    )
    print(f"  ratio platform/peer: wall {total / peer_wall:.1f}x, CPU {cpu / peer_cpu:.1f}x")
    print(
        f"  stack CPU by service: {', '.join(f'{k} {v:.0f}s' for k, v in sorted(per_service.items()))}; "
        f"idle background {idle_rate:.2f} CPU-s/s ({idle_rate * total:.0f}s of the batch's wall time), "
        f"so {(cpu - idle_rate * total) / n:.2f}s CPU per sample above idle"
    )
    print("  per run (seconds)  " + "  ".join(f"{p:>9s}" for p in PHASES) + "   overhead")
    overhead = [
        a + b + c for a, b, c in zip(phases["launch"], phases["start-up"], phases["finish"], strict=True)
    ]
    for label, fn in (("median", statistics.median), ("max", max)):
        if overhead:
            row = "  ".join(f"{fn(phases[p]):9.2f}" for p in PHASES)
            print(f"  {label:17s}  {row}   {fn(overhead):8.2f}")
    if overhead:
        print(
            f"  per-run overhead (launch + start-up + finish): median {statistics.median(overhead):.2f}s, "
            f"sum {sum(overhead):.0f}s over {len(overhead)} runs"
        )
    return not twice and not unfinished and not failed and not no_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT / "data" / "stack")
    parser.add_argument("--samples", type=int, default=96)
    parser.add_argument("--lanes", default="normalize,analyze")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    os.environ["GENOLAKE_ENV_FILE"] = str(args.root / "genolake.env")
    vcfs = make_vcfs(args.samples)
    print(f"{os.cpu_count()} CPUs; stack {args.root}; {args.samples} VCFs of {VCF.stat().st_size} bytes")
    ok = True
    for lane in args.lanes.split(","):
        ok = bench_lane(args.root.resolve(), lane, vcfs, args.timeout) and ok
    if not ok:
        raise SystemExit("not every manifest was processed exactly once")


if __name__ == "__main__":
    main()
