"""Benchmark: `normalize_single` vs `bcftools query` on a 1,000,000-record one-sample bgzip VCF.

    uv run python bench/bench_normalize.py [--records N] [--repeat 5]

The input is generated once under data/bench/ (gitignored) from real data: the records of sample
HG00096 in the shared 1000 Genomes chr22 excerpt, tiled over chromosomes 1-22 with shifted positions
(sorted), INFO trimmed to AC/AN/AF/VT, FORMAT GT:DS:GL kept, then bgzipped. Each repeat runs, one after
the other (so all see the same machine load): `bcftools query` with the fields we output (the
yardstick), our normalization in a fresh `python -c` subprocess (timed inside, around the
`normalize_single` call: "in-process", and from outside: "subprocess", which adds the Python + polars
start-up), and the `genolake normalize` command (a whole CLI process, imports included). Timings are
medians over `--repeat` runs; wall, CPU and peak memory (ru_maxrss) are per child, from os.wait4.
bcftools is only the yardstick here: the product itself does not need it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GENOLAKE_SHARED_DATA", ROOT.parent / "shared" / "data"))
SOURCE = SHARED / "vcf" / "1000g_chr22_5samples.vcf.gz"
BENCH_DIR = ROOT / "data" / "bench"
QUERY = r"%CHROM\t%POS\t%ID\t%REF\t%ALT\t%FILTER\t[%GT]\n"
_KEEP_INFO = re.compile(r"(?:^|;)((?:AC|AN|AF|VT)=[^;]*)")
_OFFSET = 50_300_000  # first chr22 position of the source is 50,300,078
_TILE = 800_000  # the source spans ~700 kb

CHILD = """
import json, sys, time
from pathlib import Path
from genolake_annotation.normalize import normalize_single
t = time.perf_counter()
r = normalize_single(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t, "records_out": r.records_out}))
"""


def make_input(records: int) -> Path:
    target = BENCH_DIR / f"bench_{records}.vcf.gz"
    if target.exists():
        return target
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    header: list[str] = []
    body: list[list[str]] = []
    with gzip.open(SOURCE, "rt") as handle:
        for line in handle:
            if line.startswith("##"):
                header.append(line)
            elif line.startswith("#CHROM"):
                header.append("\t".join(line.rstrip("\n").split("\t")[:10]) + "\n")
            else:
                cols = line.rstrip("\n").split("\t")[:10]
                cols[7] = ";".join(_KEEP_INFO.findall(cols[7])) or "."
                body.append(cols)
    tiles = -(-records // len(body))
    plain = target.with_suffix("")
    written = 0
    with plain.open("w") as out:
        out.writelines(header)
        for chrom in range(1, 23):
            for tile in range(chrom - 1, tiles, 22):  # tiles of this chromosome, in position order
                offset = (tile // 22) * _TILE - _OFFSET
                lines = []
                for cols in body[: min(len(body), records - tile * len(body))]:
                    lines.append("\t".join([str(chrom), str(int(cols[1]) + offset), *cols[2:]]) + "\n")
                out.writelines(lines)
                written += len(lines)
    assert written == records, written
    bgzip = shutil.which("bgzip")
    if bgzip:
        subprocess.run([bgzip, "-f", str(plain)], check=True)
    else:  # plain gzip is read the same way
        with plain.open("rb") as src, gzip.open(target, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        plain.unlink()
    return target


def timed(args: list[str], capture: bool = False) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS in MB, stdout) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        args, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    stdout = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise subprocess.CalledProcessError(child.returncode, args)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args()
    bcftools = shutil.which("bcftools")
    genolake = Path(sys.executable).parent / "genolake"
    vcf = make_input(opts.records)
    out = BENCH_DIR / "bench_out.parquet"
    print(
        f"input: {vcf} ({vcf.stat().st_size / 1e6:.1f} MB), {opts.records:,} records, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )

    runs: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(opts.repeat):  # interleaved, so all see the same machine load
        if bcftools:
            wall, cpu, rss, _ = timed([bcftools, "query", "-f", QUERY, str(vcf)])
            runs.setdefault("bcftools query (yardstick)", []).append((wall, cpu, rss))
        wall, cpu, rss, text = timed([sys.executable, "-c", CHILD, str(vcf), str(out)], capture=True)
        report = json.loads(text)
        assert report["records_out"] == opts.records, report
        runs.setdefault("normalize_single, in-process", []).append((report["seconds"], float("nan"), rss))
        runs.setdefault("normalize_single, subprocess", []).append((wall, cpu, rss))
        if genolake.exists():
            wall, cpu, rss, text = timed(
                [str(genolake), "normalize", "--vcf", str(vcf), "--out", str(out)], True
            )
            assert json.loads(text)["records_out"] == opts.records
            runs.setdefault("genolake normalize (CLI)", []).append((wall, cpu, rss))

    print(
        f"{'what':32s} {'wall s (median)':>16s} {'wall s (min)':>13s} {'cpu s (median)':>15s} {'peak MB':>8s}"
    )
    medians, minima = {}, {}
    for name, values in runs.items():
        medians[name] = statistics.median(v[0] for v in values)
        minima[name] = min(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        peak = max(v[2] for v in values)
        print(f"{name:32s} {medians[name]:16.2f} {minima[name]:13.2f} {cpu:15.2f} {peak:8.0f}")
    yardstick = "bcftools query (yardstick)"
    if yardstick in medians:
        for label, walls in (("median", medians), ("min", minima)):
            ratios = [
                f"{n.split(', ')[-1]} {w / walls[yardstick]:.2f}" for n, w in walls.items() if n != yardstick
            ]
            print(f"ratio ours/bcftools ({label} wall): " + ", ".join(ratios))
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
