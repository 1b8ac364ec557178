"""Uploads as a user would do them with boto3, and expectations from bcftools."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg2
import pytest
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 120.0, interval: float = 0.5) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


class DagsterRuns:
    """Reads Dagster's run storage in Postgres directly (what the UI shows)."""

    def __init__(self, settings: Settings) -> None:
        self.dsn = settings.postgres_dsn

    def for_batch(self, batch_id: str) -> list[dict[str, Any]]:
        conn = psycopg2.connect(self.dsn)
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT r.run_id, r.status FROM runs r JOIN run_tags t ON t.run_id = r.run_id "
                    "WHERE t.key = 'genolake/batch_id' AND t.value = %s ORDER BY r.create_timestamp",
                    (batch_id,),
                )
                return [{"run_id": run_id, "status": status} for run_id, status in cur.fetchall()]
        finally:
            conn.close()


def upload_vcf(
    store: ObjectStore, settings: Settings, user: str, vcf: Path, name: str | None = None
) -> tuple[str, str]:
    key = f"uploads/{user}/{name or vcf.name}"
    store.client.upload_file(str(vcf), settings.landing_bucket, key)
    return key, hashlib.sha256(vcf.read_bytes()).hexdigest()


def normalize_manifest(
    batch_id: str, user: str, vcf_key: str, sha256: str | None, **extra: Any
) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "manifest_version": 1,
        "batch_id": batch_id,
        "uploader": user,
        "intent": "normalize",
        "genome_build": "GRCh38",
        "files": [{"key": vcf_key, "role": "vcf", **({"sha256": sha256} if sha256 else {})}],
    }
    manifest.update(extra)
    return manifest


def put_manifest(
    store: ObjectStore, settings: Settings, user: str, name: str, body: dict[str, Any] | bytes
) -> str:
    key = f"manifests/{user}/{name}.json"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    store.client.put_object(Bucket=settings.landing_bucket, Key=key, Body=data)
    return key


def bcftools_records(vcf: Path, sample: str | None = None) -> set[tuple[str, int, str, str, str]]:
    """(chrom without chr, pos, ref, alts joined by ',', GT) for every record, from bcftools."""
    argv = ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n"]
    if sample:
        argv[2:2] = ["-s", sample]
    out = subprocess.run([*argv, str(vcf)], check=True, capture_output=True, text=True).stdout
    rows = set()
    for line in out.splitlines():
        chrom, pos, ref, alt, gt = line.split("\t")
        if chrom.lower().startswith("chr"):
            chrom = chrom[3:]
        rows.add((chrom, int(pos), ref, "" if alt == "." else alt, gt))
    return rows


PALINDROMES = {frozenset("AT"), frozenset("CG")}


def custom_scoring_file(vcf: Path, path: Path) -> float:
    """A custom scoring file on the VCF's biallelic, non-palindromic SNVs; returns the expected sum."""
    out = subprocess.run(
        ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n", str(vcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rng = random.Random(7)
    lines = [
        "#format_version=2.0",
        "#pgs_id=CUSTOM_ANTKU",
        "#genome_build=GRCh38",
        "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight",
    ]
    expected = 0.0
    for row in out.splitlines():
        chrom, pos, ref, alt, gt = row.split("\t")
        if len(ref) != 1 or len(alt) != 1 or frozenset(ref + alt) in PALINDROMES:
            continue
        weight = round(rng.uniform(-1, 1), 4)
        effect_is_alt = rng.random() < 0.5
        effect, other = (alt, ref) if effect_is_alt else (ref, alt)
        lines.append(f"{chrom}\t{pos}\t{effect}\t{other}\t{weight}")
        alleles = gt.replace("|", "/").split("/")
        if "." in alleles:
            continue
        dosage = sum(1 for a in alleles if (a == "1") == effect_is_alt)
        expected += weight * dosage
    path.write_text("\n".join(lines) + "\n")
    return expected


def failed_ticks(settings: Settings, since: float, prefix: str = "") -> list[tuple[str, str]]:
    """(sensor name, error) of every sensor tick that failed after `since` (epoch seconds), from Dagster's
    tick storage in Postgres; only sensors whose name starts with `prefix`."""
    conn = psycopg2.connect(settings.postgres_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT tick_body FROM job_ticks WHERE status = 'FAILURE' AND type = 'SENSOR' "
                "AND timestamp > to_timestamp(%s) AT TIME ZONE 'UTC'",
                (since,),
            )
            bodies = [json.loads(body) for (body,) in cur.fetchall()]
    finally:
        conn.close()
    failures = []
    for body in bodies:
        name = str(body.get("job_name", "?"))
        error = (body.get("error") or {}).get("message", "")
        if name.startswith(prefix):
            failures.append((name, str(error)[:500]))
    return failures
