"""Benchmark: `normalize_single` vs `bcftools query` on a 1,000,000-record one-sample bgzip VCF.

    uv run python bench/bench_normalize.py [--records N] [--repeat 3]

The input is generated once under data/bench/ (gitignored) from real data: the records of sample
HG00096 in the shared 1000 Genomes chr22 excerpt, tiled over chromosomes 1-22 with shifted positions
(sorted), INFO trimmed to AC/AN/AF/VT, FORMAT GT:DS:GL kept, then bgzipped. Each timing is the median of
`--repeat` runs; our normalization runs in a fresh subprocess each time, so its wall time includes the
Python + polars start-up, and its peak memory is read with getrusage(RUSAGE_CHILDREN).ru_maxrss.
bcftools is only the yardstick here: the product itself does not need it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
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
import json, resource, sys, time
from pathlib import Path
from genolake_annotation.normalize import normalize_single
t = time.perf_counter()
r = normalize_single(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t, "records_out": r.records_out,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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


def timed(args: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, check=True, stdout=stdout, stderr=subprocess.DEVNULL, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    bcftools = shutil.which("bcftools")
    vcf = make_input(opts.records)
    out = BENCH_DIR / "bench_out.parquet"
    print(f"input: {vcf} ({vcf.stat().st_size / 1e6:.1f} MB), {opts.records:,} records, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    ours, ref, peak_mb = [], [], 0.0
    for _ in range(opts.repeat):  # interleaved, so both see the same machine load
        wall, cpu, text = timed([sys.executable, "-c", CHILD, str(vcf), str(out)], stdout=subprocess.PIPE)
        ours.append((wall, cpu, json.loads(text)))
        # max RSS over all children so far; bcftools query needs ~10 MB, so this is ours
        peak_mb = max(peak_mb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
        if bcftools:
            ref.append(timed([bcftools, "query", "-f", QUERY, str(vcf)]))
    assert all(r[2]["records_out"] == opts.records for r in ours)

    rows = []
    if bcftools:
        rows.append(("bcftools query (yardstick)", ref))
    rows.append(("normalize_single, in-process", [(r[2]["seconds"], float("nan"), "") for r in ours]))
    rows.append(("normalize_single, subprocess", [(w, c, "") for w, c, _ in ours]))
    print(f"{'what':32s} {'wall s (median)':>16s} {'cpu s (median)':>15s}")
    medians = {}
    for name, runs in rows:
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        medians[name] = wall
        print(f"{name:32s} {wall:16.2f} {cpu:15.2f}")
    if bcftools:
        base = medians["bcftools query (yardstick)"]
        print(f"ratio ours/bcftools: in-process {medians['normalize_single, in-process'] / base:.2f}, "
              f"subprocess {medians['normalize_single, subprocess'] / base:.2f}")
    print(f"our peak memory (ru_maxrss of the normalization subprocesses): {peak_mb:.0f} MB")
    out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
