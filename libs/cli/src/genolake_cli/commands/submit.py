"""`genolake submit`: upload a VCF and its manifest to the landing zone, optionally wait for the outcome.

Any S3 client can do the same (see README); this one computes the sha256 and names keys for you.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from genolake_core.layout import manifests_prefix, report_key, uploads_prefix


def submit(
    vcf: Annotated[Path, typer.Option(help="VCF to upload.", exists=True, dir_okay=False)],
    user: Annotated[str, typer.Option(help="Uploader (and owner of the partitions).")],
    build: Annotated[str, typer.Option(help="Genome build: GRCh37 or GRCh38.")],
    sample: Annotated[str | None, typer.Option(help="Partition sample id (see the manifest docs).")] = None,
    intent: Annotated[str, typer.Option(help="What to do with it.")] = "normalize",
    batch_id: Annotated[str | None, typer.Option(help="Default: a new random id.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a final status (0: don't wait).")] = 0,
    scores: Annotated[
        str | None,
        typer.Option(help="Installed scores to compute (analyze only), comma-separated: PGS000001,..."),
    ] = None,
    report_out: Annotated[
        Path | None, typer.Option(help="With --intent analyze --wait: save the partition's report here.")
    ] = None,
) -> None:
    """Upload VCF + manifest; print the batch id (and the final status with --wait)."""
    if report_out is not None and (intent != "analyze" or wait <= 0):
        raise typer.BadParameter(
            "--report-out goes with --intent analyze and --wait", param_hint="--report-out"
        )
    score_ids = [s.strip() for s in (scores or "").split(",") if s.strip()]
    if score_ids and intent != "analyze":
        raise typer.BadParameter("--scores goes with --intent analyze", param_hint="--scores")
    from genolake_core.docstore import FINAL_STATUSES, DocStore  # boto3, pymongo: imported when run
    from genolake_core.objectstore import ObjectStore, sha256_file
    from genolake_core.settings import get_settings

    settings = get_settings()
    store = ObjectStore.from_settings(settings)
    batch = batch_id or f"{user}-{uuid.uuid4().hex[:12]}"
    vcf_key = f"{uploads_prefix(user)}{batch}/{vcf.name}"
    manifest = {
        "manifest_version": 1,
        "batch_id": batch,
        "uploader": user,
        "intent": intent,
        "genome_build": build,
        "files": [{"key": vcf_key, "role": "vcf", "sha256": sha256_file(vcf)}],
    }
    if sample:
        manifest["sample"] = sample
    if score_ids:
        manifest["options"] = {"prs": {"scores": score_ids}}
    store.client.upload_file(str(vcf), settings.landing_bucket, vcf_key)
    body = json.dumps(manifest, indent=2).encode()
    store.put_bytes(
        body, settings.landing_bucket, f"{manifests_prefix(user)}{batch}.json", "application/json"
    )
    typer.echo(f"submitted batch {batch}")
    if wait <= 0:
        return
    docs = DocStore.from_settings(settings)
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            doc = docs.get_manifest(batch)
            if doc is not None and doc.get("status") in FINAL_STATUSES:
                typer.echo(
                    json.dumps(
                        {
                            k: doc.get(k)
                            for k in ("status", "partitions", "reasons", "errors", "latest_run_ids")
                        },
                        default=str,
                    )
                )
                if doc["status"] == "success" and report_out is not None:
                    partition = (doc.get("partitions") or [""])[0]
                    store.download(settings.lake_bucket, report_key(*partition.split("/", 1)), report_out)
                    typer.echo(f"report of {partition} saved to {report_out}")
                raise typer.Exit(0 if doc["status"] == "success" else 1)
            time.sleep(1)
    finally:
        docs.close()
    typer.echo(f"batch {batch} not final after {wait:.0f}s", err=True)
    raise typer.Exit(1)
