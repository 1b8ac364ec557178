"""Benchmark: genolake_prs vs plink2 --score on a 1,000,000-record one-sample VCF.

Run: ``cd /work/main && uv run python bench/bench_prs.py`` (a script, not a test).

Data under ``data/bench/`` (gitignored, reused when present):
- the VCF: ``data/bench/bench_1m.vcf.gz`` if the normalization benchmark already made it, else
  ``data/bench/prs/prs_1m.vcf.gz``, built here by tiling sample HG00096's records of the chr22 VCF
  over chromosomes 1-22 with shifted positions;
- its normalized parquet (``genolake_annotation.normalize``), its plink2 pgen;
- 100 scoring files of 100,000 variants drawn from its biallelic, non-palindromic sites (seeded;
  the effect allele is REF or ALT per site, the same in every file, so the 100 scores also fit
  one plink2 file with 100 weight columns).

Timed, in one run: plink2 for 1 score (from the VCF, import included, and from the pgen), for 100
scores (100 runs on the pgen, and one run with --score-col-nums on the combined file); ours for 1
score and for 100 scores in one pass, from the normalized parquet, parsing the scoring files
included; and the normalization itself. Sums are checked against plink2 (6 significant digits).
"""

from __future__ import annotations

import gzip
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data" / "bench"
WORK = BENCH / "prs"
SHARED_VCF = ROOT.parent / "shared" / "data" / "vcf" / "1000g_chr22_5samples.vcf.gz"
N_RECORDS = 1_000_000
N_SCORES = 100
N_VARIANTS = 100_000
SEED = 20261121
T = TypeVar("T")


def log(message: str) -> None:
    print(message, flush=True)


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (plink2)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}


def timed(label: str, func: Callable[[], T]) -> tuple[float, T]:
    """Wall seconds (returned) and CPU seconds (kept in CPU[label]; the machine is shared, so CPU
    time is the steadier comparison)."""
    cpu0, start = _cpu(), time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    CPU[label] = _cpu() - cpu0
    log(f"  {label}: {seconds:.2f} s wall, {CPU[label]:.2f} s CPU (load {os.getloadavg()[0]:.1f})")
    return seconds, value


def build_tiled_vcf(out: Path) -> Path:
    """N_RECORDS one-sample records: HG00096's chr22 records tiled over chromosomes 1-22 (each
    chromosome gets consecutive tiles, so the file stays sorted)."""
    log(f"building {out} from {SHARED_VCF} (tiling)")
    header: list[str] = []
    records: list[list[str]] = []
    with gzip.open(SHARED_VCF, "rt") as handle:
        for line in handle:
            if line.startswith("##"):
                header.append(line)
            elif line.startswith("#CHROM"):
                header.append("\t".join(line.rstrip("\n").split("\t")[:10]) + "\n")
            else:
                fields = line.rstrip("\n").split("\t")
                records.append(fields[:10])
    first = int(records[0][1])
    span = int(records[-1][1]) - first + 1000
    tmp = out.with_suffix(".tmp")
    written = 0
    with tmp.open("w") as dst:
        dst.writelines(header)
        tiles_per_chrom = math.ceil(math.ceil(N_RECORDS / len(records)) / 22)
        tile = 0
        while written < N_RECORDS:
            chrom = str(tile // tiles_per_chrom + 1)
            offset = (tile % tiles_per_chrom) * span
            for fields in records:
                if written == N_RECORDS:
                    break
                pos = int(fields[1]) - first + 1 + offset
                dst.write("\t".join([chrom, str(pos), *fields[2:]]) + "\n")
                written += 1
            tile += 1
    bgzip = shutil.which("bgzip")
    if bgzip:
        subprocess.run([bgzip, "-f", str(tmp)], check=True)
        Path(str(tmp) + ".gz").rename(out)
    else:
        with tmp.open("rb") as src, gzip.open(out, "wb") as dst_gz:
            shutil.copyfileobj(src, dst_gz)
        tmp.unlink()
    return out


def bench_vcf() -> Path:
    for name in ("bench_1m.vcf.gz", "bench_1000000.vcf.gz"):  # the normalization benchmark's file
        shared = BENCH / name
        if shared.is_file():
            log(f"reusing {shared}")
            return shared
    own = WORK / "prs_1m.vcf.gz"
    if own.is_file():
        log(f"reusing {own}")
        return own
    return build_tiled_vcf(own)


def vcf_sample(vcf: Path) -> str:
    with gzip.open(vcf, "rt") as handle:
        for line in handle:
            if line.startswith("#CHROM"):
                return line.rstrip("\n").split("\t")[9]
    raise SystemExit(f"{vcf}: no #CHROM line")


def stamp(vcf: Path) -> str:
    st = vcf.stat()
    return f"{vcf}:{st.st_size}:{int(st.st_mtime)}"


def normalized(vcf: Path, sample: str) -> tuple[Path, float]:
    """Normalize the VCF (timed every run: it is the first step of scoring from a VCF)."""
    from genolake_annotation.normalize import normalize_vcf

    out = WORK / "genotypes.parquet"
    seconds, _ = timed(
        "normalize VCF -> parquet (genolake_annotation.normalize)", lambda: normalize_vcf(vcf, {sample: out})
    )
    return out, seconds


def scoring_files(genotypes: Path, vcf: Path) -> tuple[list[Path], list[Path], Path]:
    """Ours (format 2.0), plink2's (ID, A1, W) and plink2's combined file (ID, A1, 100 columns)."""
    marker = WORK / "scores.source"
    ours = [WORK / "scores" / f"bench_{i:03d}.txt" for i in range(N_SCORES)]
    plink = [WORK / "scores" / f"bench_{i:03d}.plink.tsv" for i in range(N_SCORES)]
    combined = WORK / "scores" / "combined.plink.tsv"
    key = f"{stamp(vcf)}:{N_SCORES}:{N_VARIANTS}:{SEED}:uniform8"
    if marker.is_file() and marker.read_text() == key and all(p.is_file() for p in [*ours, *plink, combined]):
        log("reusing scoring files")
        return ours, plink, combined
    log(f"generating {N_SCORES} scoring files of {N_VARIANTS:,} variants")
    (WORK / "scores").mkdir(parents=True, exist_ok=True)
    complement = {"A": "T", "C": "G", "G": "C", "T": "A"}
    sites = (
        pl.read_parquet(genotypes, columns=["chrom", "start", "ref", "alts"])
        .filter(pl.col("alts").list.len() == 1)
        .with_columns(pl.col("alts").list.first().alias("alt"))
        .filter(pl.col("alt").str.contains(r"^[ACGT]+$") & pl.col("ref").str.contains(r"^[ACGT]+$"))
        .filter(~(pl.col("ref").replace_strict(complement, default="") == pl.col("alt")))
        .unique(subset=["chrom", "start"], keep="none")  # one record per position
        .with_columns(
            (pl.col("start").hash(SEED) % 2 == 0).alias("effect_is_ref"),
            pl.format("{}:{}:{}:{}", "chrom", "start", "ref", "alt").alias("ID"),
        )
        .with_columns(
            pl.when("effect_is_ref").then("ref").otherwise("alt").alias("effect_allele"),
            pl.when("effect_is_ref").then("alt").otherwise("ref").alias("other_allele"),
        )
        .select("ID", "chrom", "start", "effect_allele", "other_allele")
    )
    rng = random.Random(SEED)
    drawn: list[pl.DataFrame] = []
    for i in range(N_SCORES):
        weights = pl.Series([round(rng.uniform(-0.5, 0.5), 8) for _ in range(N_VARIANTS)], dtype=pl.Float64)
        pick = sites.sample(N_VARIANTS, seed=rng.randrange(2**31)).with_columns(
            weights.alias("effect_weight")
        )
        with ours[i].open("w") as handle:
            handle.write(f"#pgs_id=BENCH{i:03d}\n#genome_build=NR\n")
            pick.select(
                pl.col("chrom").alias("chr_name"),
                pl.col("start").alias("chr_position"),
                "effect_allele",
                "other_allele",
                "effect_weight",
            ).write_csv(handle, separator="\t", quote_style="never")
        pick.select("ID", pl.col("effect_allele").alias("A1"), pl.col("effect_weight").alias("W")).write_csv(
            plink[i], separator="\t", quote_style="never"
        )
        drawn.append(pick.select("ID", "effect_allele", pl.col("effect_weight").alias(f"S{i:03d}")))
    wide = drawn[0]
    for frame in drawn[1:]:
        wide = wide.join(frame, on=["ID", "effect_allele"], how="full", coalesce=True)
    wide.rename({"effect_allele": "A1"}).fill_null(0.0).write_csv(
        combined, separator="\t", quote_style="never"
    )
    marker.write_text(key)
    return ours, plink, combined


def plink2(*args: str) -> Path:
    exe = shutil.which("plink2")
    if exe is None:
        raise SystemExit("plink2 is not installed")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"plink2 {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return Path(args[args.index("--out") + 1] + ".sscore")


ID_ARGS = ("--set-all-var-ids", "@:#:$r:$a", "--new-id-max-allele-len", "10000", "--vcf-half-call", "missing")
SCORE_MODS = ("header-read", "no-mean-imputation", "cols=+scoresums")


def pgen(vcf: Path) -> tuple[Path, float | None]:
    prefix = WORK / "plink" / "bench"
    marker = WORK / "plink" / "bench.source"
    if Path(str(prefix) + ".pgen").is_file() and marker.is_file() and marker.read_text() == stamp(vcf):
        log(f"reusing {prefix}.pgen")
        return prefix, None
    prefix.parent.mkdir(parents=True, exist_ok=True)
    seconds, _ = timed(
        "plink2 --vcf -> pgen (once)",
        lambda: subprocess.run(
            ["plink2", "--vcf", str(vcf), *ID_ARGS, "--make-pgen", "--sort-vars", "--out", str(prefix)],
            check=True,
            capture_output=True,
        ),
    )
    marker.write_text(stamp(vcf))
    return prefix, seconds


def read_sums(sscore: Path, columns: list[str]) -> dict[str, str]:
    table = pl.read_csv(sscore, separator="\t", infer_schema=False)
    return {c: table[f"{c}_SUM"].item(0) for c in columns}


def agrees(ours: float, printed: str) -> bool:
    """Equal to the precision plink2 printed (6 significant digits; exact ties may print either way)."""
    theirs = float(printed)
    half_unit = 5e-7 if theirs == 0.0 else 0.5 * 10 ** (math.floor(math.log10(abs(theirs))) - 5)
    return abs(ours - theirs) <= half_unit * (1 + 1e-6)


def main() -> None:
    from genolake_prs import (
        prepare_scores,
        read_scoring_file,
        read_scoring_files,
        read_scoring_parquet,
        score_sample,
        write_scoring_parquet,
    )

    WORK.mkdir(parents=True, exist_ok=True)
    log(f"polars {pl.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    vcf = bench_vcf()
    sample = vcf_sample(vcf)
    genotypes, norm_seconds = normalized(vcf, sample)
    ours_files, plink_files, combined = scoring_files(genotypes, vcf)
    prefix, pgen_seconds = pgen(vcf)
    out = WORK / "runs"
    out.mkdir(exist_ok=True)

    log("\nplink2 --score (2 threads)")
    t_plink_vcf1, s = timed(
        "1 score, --vcf (VCF import included)",
        lambda: plink2(
            "--vcf",
            str(vcf),
            *ID_ARGS,
            "--score",
            str(plink_files[0]),
            "1",
            "2",
            "3",
            *SCORE_MODS,
            "--out",
            str(out / "vcf1"),
        ),
    )
    plink_one = read_sums(s, ["W"])["W"]
    t_plink_pfile1, _ = timed(
        "1 score, --pfile",
        lambda: plink2(
            "--pfile",
            str(prefix),
            "--score",
            str(plink_files[0]),
            "1",
            "2",
            "3",
            *SCORE_MODS,
            "--out",
            str(out / "pfile1"),
        ),
    )

    def hundred_runs() -> None:
        for i, path in enumerate(plink_files):
            plink2(
                "--pfile",
                str(prefix),
                "--score",
                str(path),
                "1",
                "2",
                "3",
                *SCORE_MODS,
                "--out",
                str(out / f"p{i}"),
            )

    t_plink_100runs, _ = timed(f"{N_SCORES} scores, {N_SCORES} runs on --pfile", hundred_runs)
    t_plink_combined, s = timed(
        f"{N_SCORES} scores, one run, --score-col-nums on the combined file",
        lambda: plink2(
            "--pfile",
            str(prefix),
            "--score",
            str(combined),
            "1",
            "2",
            "header-read",
            "no-mean-imputation",
            "cols=+scoresums",
            "--score-col-nums",
            f"3-{N_SCORES + 2}",
            "--out",
            str(out / "combined"),
        ),
    )
    plink_hundred = read_sums(s, [f"S{i:03d}" for i in range(N_SCORES)])

    log("\ngenolake_prs (from the normalized parquet; parsing the scoring files included)")

    def ours_one() -> pl.DataFrame:
        return score_sample(genotypes, [read_scoring_file(ours_files[0])], keep_match_log=False).scores

    def ours_hundred() -> pl.DataFrame:
        return score_sample(genotypes, read_scoring_files(ours_files), keep_match_log=False).scores

    ours_one()  # warm-up (imports, first parquet read)
    t_ours1, one = timed("1 score", ours_one)
    t_ours1_log, _ = timed(
        "1 score, with the per-variant match log",
        lambda: score_sample(genotypes, [read_scoring_file(ours_files[0])], keep_match_log=True),
    )
    t_ours100, hundred = timed(f"{N_SCORES} scores, one pass", ours_hundred)
    _, prepared = timed(
        f"{N_SCORES} scores: parse + prepare (stack, key) once, for many samples",
        lambda: prepare_scores(read_scoring_files(ours_files)),
    )
    t_ours100_next, _ = timed(
        f"{N_SCORES} scores, one more sample (scores prepared)",
        lambda: score_sample(genotypes, prepared, keep_match_log=False),
    )
    cached = [WORK / "scores" / f"bench_{i:03d}.parquet" for i in range(N_SCORES)]
    for text, parquet in zip(ours_files, cached, strict=True):
        if not parquet.is_file() or parquet.stat().st_mtime < text.stat().st_mtime:
            write_scoring_parquet(read_scoring_file(text), parquet)
    t_ours100_cached, _ = timed(
        f"{N_SCORES} scores, one pass, scores from the parquet cache",
        lambda: score_sample(genotypes, [read_scoring_parquet(p) for p in cached], keep_match_log=False),
    )

    ok_one = agrees(one["score_sum"].item(), plink_one)
    ok_hundred = sum(
        agrees(row["score_sum"], plink_hundred[f"S{i:03d}"])
        for i, row in enumerate(hundred.iter_rows(named=True))
    )
    log(
        f"\nagreement with plink2 (6 significant digits): 1 score {'yes' if ok_one else 'NO'}, "
        f"{ok_hundred}/{N_SCORES} of the 100"
    )
    log(f"matched per score: {one['variants_matched'].item():,}/{one['variants_total'].item():,}")

    log("\nsummary: seconds wall / CPU; ratio = plink2 / ours (> 1: ours is faster), on wall and on CPU")
    rows = [
        ("1 score: plink2 --vcf (import incl.) vs ours", "1 score, --vcf (VCF import included)", "1 score"),
        ("1 score: plink2 --pfile vs ours", "1 score, --pfile", "1 score"),
        (
            f"{N_SCORES} scores: {N_SCORES} plink2 --pfile runs vs ours one pass",
            f"{N_SCORES} scores, {N_SCORES} runs on --pfile",
            f"{N_SCORES} scores, one pass",
        ),
        (
            f"{N_SCORES} scores: plink2 combined file vs ours one pass",
            f"{N_SCORES} scores, one run, --score-col-nums on the combined file",
            f"{N_SCORES} scores, one pass",
        ),
        (
            f"{N_SCORES} scores: plink2 combined file vs ours, next sample",
            f"{N_SCORES} scores, one run, --score-col-nums on the combined file",
            f"{N_SCORES} scores, one more sample (scores prepared)",
        ),
        (
            f"{N_SCORES} scores: plink2 combined file vs ours, parquet-cached scores",
            f"{N_SCORES} scores, one run, --score-col-nums on the combined file",
            f"{N_SCORES} scores, one pass, scores from the parquet cache",
        ),
    ]
    wall = {
        "1 score, --vcf (VCF import included)": t_plink_vcf1,
        "1 score, --pfile": t_plink_pfile1,
        f"{N_SCORES} scores, {N_SCORES} runs on --pfile": t_plink_100runs,
        f"{N_SCORES} scores, one run, --score-col-nums on the combined file": t_plink_combined,
        "1 score": t_ours1,
        f"{N_SCORES} scores, one pass": t_ours100,
        f"{N_SCORES} scores, one pass, scores from the parquet cache": t_ours100_cached,
        f"{N_SCORES} scores, one more sample (scores prepared)": t_ours100_next,
    }
    for label, theirs, ours in rows:
        log(
            f"  {label:<62} plink2 {wall[theirs]:6.2f}/{CPU[theirs]:6.2f}"
            f"  ours {wall[ours]:6.2f}/{CPU[ours]:6.2f}"
            f"  x{wall[theirs] / wall[ours]:5.2f} / x{CPU[theirs] / CPU[ours]:5.2f}"
        )
    log(f"  normalization of the VCF (once per sample, outside the timings above): {norm_seconds:.2f}")
    log(f"  1 score from the VCF: plink2 {t_plink_vcf1:.2f} vs normalize + ours {norm_seconds + t_ours1:.2f}")
    if pgen_seconds is not None:
        log(f"  plink2 VCF -> pgen (once, outside the --pfile timings): {pgen_seconds:.2f}")
    log(f"  ours, 1 score with the per-variant match log: {t_ours1_log:.2f}")
    log(f"load average at the end: {os.getloadavg()[0]:.1f}")
    if not ok_one or ok_hundred != N_SCORES:
        sys.exit(1)


if __name__ == "__main__":
    main()
