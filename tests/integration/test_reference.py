"""Installing a variant-position reference on the real stack (MinIO + FerretDB): `genolake reference
install` from a local file, from S3 and from Hugging Face (a local stand-in for the Hub, which these
machines cannot reach; the real huggingface-hub client talks to it), versioned in the lake with its
lineage and indexed in Mongo; then `genolake modules install` compiles the shipped modules against it."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from http.server import ThreadingHTTPServer
from pathlib import Path

import polars as pl
from genolake_cli.main import app
from genolake_core.docstore import DocStore
from genolake_core.layout import module_prefix, variant_reference_prefix
from genolake_core.objectstore import ObjectStore, sha256_file
from genolake_core.settings import Settings
from typer.testing import CliRunner

from tests.unit.annotation.test_modules_sources import _FakeHub


def _install(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["reference", "install", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_reference_install_sources_lineage_and_module_compilation(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    ensembl_grch38_sites: Path,
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    # 1. from a local file: objects in the lake (manifest last), the Mongo index names the version
    version = f"ens105-{uuid.uuid4().hex[:8]}"  # the stack's lake may outlive one test session
    first = _install("--build", "GRCh38", "--file", str(ensembl_grch38_sites), "--version", version)
    assert first["created"] is True and first["version"] == version
    prefix = variant_reference_prefix("GRCh38", version)
    manifest_obj = tmp_path / "reference.json"
    store.download(settings.lake_bucket, prefix + "reference.json", manifest_obj)
    manifest = json.loads(manifest_obj.read_text())
    assert manifest["source_sha256"] == sha256_file(ensembl_grch38_sites)
    assert manifest["source"] == ensembl_grch38_sites.name
    positions = tmp_path / "positions.parquet"
    info = store.download(settings.lake_bucket, prefix + "positions.parquet", positions)
    assert info.metadata["sha256"] == sha256_file(positions) == manifest["positions_sha256"]
    assert pl.read_parquet(positions).height == manifest["rows"]
    indexed = docs.installed_references()["GRCh38"]
    assert (indexed["version"], indexed["positions_sha256"]) == (version, manifest["positions_sha256"])

    # the same again: nothing changes; other content under the same version: refused, naming why
    assert (
        _install("--build", "GRCh38", "--file", str(ensembl_grch38_sites), "--version", version)["created"]
        is False
    )
    other = tmp_path / "other.vcf"
    with gzip.open(ensembl_grch38_sites, "rt") as handle:
        text = handle.read().splitlines(keepends=True)
    records = [line for line in text if not line.startswith("#")]
    other.write_text("".join([line for line in text if line.startswith("#")] + records[:100]))
    refused = CliRunner().invoke(
        app, ["reference", "install", "--build", "GRCh38", "--file", str(other), "--version", version]
    )
    assert refused.exit_code == 1 and "already installed with other content" in refused.stderr
    assert docs.installed_references()["GRCh38"]["version"] == version

    # 2. from S3 (any bucket the platform reaches) and 3. from Hugging Face (a stand-in Hub)
    store.put_file(other, settings.landing_bucket, "uploads/admin/reference/other.vcf")
    from_s3 = _install(
        "--build", "GRCh38", "--source", f"s3://{settings.landing_bucket}/uploads/admin/reference/other.vcf"
    )
    assert from_s3["source_sha256"] == sha256_file(other) and from_s3["previous"] == version
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    _FakeHub.files = {"grch38/sites.vcf.gz": ensembl_grch38_sites.read_bytes()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        from_hf = _install(
            "--build",
            "GRCh38",
            "--source",
            f"hf://datasets/genolake/variation@{_FakeHub.commit}/grch38/sites.vcf.gz",
            "--hf-endpoint",
            f"http://127.0.0.1:{server.server_address[1]}",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert from_hf["source_sha256"] == sha256_file(ensembl_grch38_sites)
    assert from_hf["source"].startswith("hf://datasets/genolake/variation@")  # type: ignore[union-attr]
    listed = json.loads(CliRunner().invoke(app, ["reference", "list"]).stdout)
    assert listed["GRCh38"]["version"] == from_hf["version"]

    # 4. modules installed now are compiled against it: positions, compile report, references recorded
    result = CliRunner().invoke(
        app, ["modules", "install", "--modules", "longevitymap", "--cache-dir", str(tmp_path / "cache")]
    )
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    assert item["references"]["GRCh38"]["version"] == from_hf["version"]
    assert item["strand"]["flipped"] > 0 and item["strand"]["refused"] > 0
    record = docs.installed_modules()["longevitymap"]
    assert record["version"] == item["version"] and record["references"] == item["references"]
    files = {f["file"] for f in record["files"]}
    assert {"positions.parquet", "compile_report.json"} <= files
    report = tmp_path / "compile_report.json"
    store.download(
        settings.lake_bucket, module_prefix("longevitymap", item["version"]) + "compile_report.json", report
    )
    assert json.loads(report.read_text())["counts"] == item["strand"]
