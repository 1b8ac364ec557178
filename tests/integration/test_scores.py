"""Installed scoring files: `genolake scores install` (PGS Catalog ids through the real client, and local
files) into the lake, `GET /scores`, and a prs manifest that names an installed score instead of
uploading one. The PGS Catalog cannot be reached from these machines: a local HTTP server stands in for
it, serving the real harmonized files of examples/pgs in the REST API's shape."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import polars as pl
import pytest
from genolake_cli.main import app
from genolake_core.docstore import DocStore
from genolake_core.layout import prs_scores_key, score_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from genolake_prs import read_scoring_file
from typer.testing import CliRunner

from tests.integration.helpers import (
    custom_scoring_file,
    normalize_manifest,
    put_manifest,
    upload_vcf,
    wait_for,
)

pytestmark = pytest.mark.integration


MISLABELLED = {"PGS000009": "PGS000001"}  # metadata of PGS000009 pointing at PGS000001's file


class FakeCatalog(ThreadingHTTPServer):
    """`GET /rest/score/{id}` (metadata, `{}` for an unknown id, as the Catalog answers) and
    `GET /files/{name}` (the harmonized files the metadata points at)."""

    def __init__(self, pgs_dir: Path) -> None:
        self.pgs_dir = pgs_dir
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/rest"


class _Handler(BaseHTTPRequestHandler):
    server: FakeCatalog

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.path.startswith("/rest/score/"):
            pgs_id = self.path.rsplit("/", 1)[1]
            served = MISLABELLED.get(pgs_id, pgs_id)
            files = {b: self.server.pgs_dir / f"{served}_hmPOS_{b}.txt.gz" for b in ("GRCh37", "GRCh38")}
            body = json.dumps(
                {}
                if not any(p.exists() for p in files.values())
                else {
                    "id": pgs_id,
                    "ftp_harmonized_scoring_files": {
                        b: {"positions": f"{base}/files/{p.name}"} for b, p in files.items()
                    },
                }
            ).encode()
            self._answer(200, body, "application/json")
        elif (
            self.path.startswith("/files/") and (self.server.pgs_dir / self.path[len("/files/") :]).is_file()
        ):
            self._answer(
                200, (self.server.pgs_dir / self.path[len("/files/") :]).read_bytes(), "application/gzip"
            )
        else:
            self._answer(404, b"not found", "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture()
def catalog(test_data: Path) -> Iterator[FakeCatalog]:
    server = FakeCatalog(test_data / "pgs")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _install(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(app, ["scores", "install", *args])
    return result.exit_code, json.loads(result.stdout or "[]"), result.stderr


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_install_scores_and_score_a_partition_with_one(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    catalog: FakeCatalog,
    test_data: Path,
    user: str,
    antku_vcf: Path,
    tmp_path: Path,
    api: httpx.Client,
    auth: dict[str, str],
) -> None:
    pgs_dir = test_data / "pgs"
    lake = settings.lake_bucket

    # From the (stand-in) PGS Catalog: the harmonized GRCh38 files, stored byte for byte.
    code, results, err = _install(
        "--pgs", "PGS000001,PGS000002", "--build", "GRCh38", "--rest-url", catalog.rest_url
    )
    assert code == 0, err
    assert {(r["score_id"], r["genome_build"]) for r in results} == {
        ("PGS000001", "GRCh38"),
        ("PGS000002", "GRCh38"),
    }
    assert {r["outcome"] for r in results} <= {"installed", "unchanged"}  # unchanged: a reused stack
    for pgs_id in ("PGS000001", "PGS000002"):
        source = (pgs_dir / f"{pgs_id}_hmPOS_GRCh38.txt.gz").read_bytes()
        assert _sha256(store.open(lake, score_key(pgs_id, "GRCh38")).read()) == _sha256(source)

    # Installing again changes nothing; local files (the GRCh37 ones, and a plain-text custom score).
    code, again, err = _install(
        "--pgs", "PGS000001,PGS000002", "--build", "GRCh38", "--rest-url", catalog.rest_url
    )
    assert code == 0 and {r["outcome"] for r in again} == {"unchanged"}, err
    custom = tmp_path / "custom_antku.txt"
    expected_sum = custom_scoring_file(antku_vcf, custom)
    files = [pgs_dir / "PGS000001_hmPOS_GRCh37.txt.gz", pgs_dir / "PGS000002_hmPOS_GRCh37.txt.gz", custom]
    code, local, err = _install(*[arg for path in files for arg in ("--file", str(path))])
    assert code == 0, err
    assert [(r["score_id"], r["genome_build"]) for r in local] == [
        ("PGS000001", "GRCh37"),
        ("PGS000002", "GRCh37"),
        ("CUSTOM_ANTKU", "GRCh38"),
    ]

    # What cannot be installed says why, and nothing of it reaches the lake.
    bad = tmp_path / "bad_score.txt"
    bad.write_text(
        "#pgs_id=BAD_SCORE\n#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\n"
        "1\tabc\tA\t0.5\n"
    )
    code, _, err = _install("--file", str(bad))
    assert code == 1 and "bad_score.txt" in err and "chr_position" in err, err
    assert store.head(lake, score_key("BAD_SCORE", "GRCh38")) is None
    code, _, err = _install("--pgs", "PGS999999", "--build", "GRCh38", "--rest-url", catalog.rest_url)
    assert code == 1 and "PGS999999" in err and "not found" in err, err
    code, _, err = _install("--pgs", "PGS000009", "--build", "GRCh38", "--rest-url", catalog.rest_url)
    assert code == 1 and "declares PGS000001 on GRCh38; expected PGS000009 on GRCh38" in err, err
    assert store.head(lake, score_key("PGS000009", "GRCh38")) is None
    assert (
        docs.scores.find_one({"_id": "PGS000009/GRCh38"}) is None
        and docs.scores.find_one({"_id": "BAD_SCORE/GRCh38"}) is None
    )

    # GET /scores (from the Mongo index each install writes): every installed score and build, with the
    # variant counts of the files themselves.
    listed = api.get("/scores", headers=auth).json()
    by_key = {(s["score_id"], s["genome_build"]): s for s in listed}
    for path in [*files, *(pgs_dir / f"PGS00000{i}_hmPOS_GRCh38.txt.gz" for i in (1, 2))]:
        scoring = read_scoring_file(path)
        entry = by_key[(scoring.score_id, scoring.build)]
        assert entry["variants"] == len(scoring) and entry["key"] == score_key(
            scoring.score_id, scoring.build
        )

    # A prs manifest naming the installed custom score (no upload) gives the sum computed from bcftools.
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    normalize_batch = f"n-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        "normalize",
        normalize_manifest(normalize_batch, user, vcf_key, digest, sample="antku"),
    )
    wait_for(
        "normalization",
        lambda: (docs.get_manifest(normalize_batch) or {}).get("status") == "success",
        timeout=180,
    )
    prs = {"uploader": user, "intent": "prs", "sample": "antku", "genome_build": "GRCh38"}
    missing = f"prs-missing-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        "prs-missing",
        {**prs, "batch_id": missing, "options": {"scores": ["PGS000003"]}},
    )
    rejected = wait_for(
        "the manifest naming a score that is not installed",
        lambda: (docs.get_manifest(missing) or {}).get("status") == "rejected" and docs.get_manifest(missing),
    )
    assert "not installed on GRCh38: PGS000003" in rejected["reasons"][0]

    batch_id = f"prs-installed-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        "prs-installed",
        {**prs, "batch_id": batch_id, "options": {"scores": ["CUSTOM_ANTKU"]}},
    )
    doc = wait_for(
        "the PRS batch",
        lambda: (
            (docs.get_manifest(batch_id) or {}).get("status") in {"success", "failed"}
            and docs.get_manifest(batch_id)
        ),
        timeout=180,
    )
    assert doc["status"] == "success", doc.get("errors")
    [row] = pl.read_parquet(io.BytesIO(store.open(lake, prs_scores_key(user, "antku")).read())).to_dicts()
    assert row["pgs_id"] == "CUSTOM_ANTKU"
    assert row["score_sum"] == pytest.approx(expected_sum, rel=1e-9, abs=1e-9)


def test_analyze_with_an_installed_score(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    user: str,
    antku_vcf: Path,
    tmp_path: Path,
) -> None:
    """The analyze lane takes installed scores from options.prs.scores: one run, PRS included."""
    custom = tmp_path / "custom_antku.txt"
    expected_sum = custom_scoring_file(antku_vcf, custom)
    code, _, err = _install("--file", str(custom))
    assert code == 0, err
    modules = CliRunner().invoke(
        app, ["modules", "install", "--modules", "mthfr_nad", "--cache-dir", str(tmp_path / "m")]
    )
    assert modules.exit_code == 0, modules.output

    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    batch_id = f"an-scores-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        "analyze-scores",
        {
            "batch_id": batch_id,
            "uploader": user,
            "intent": "analyze",
            "sample": "antku",
            "genome_build": "GRCh38",
            "files": [{"key": vcf_key, "role": "vcf", "sha256": digest}],
            "options": {"annotate": {"modules": ["mthfr_nad"]}, "prs": {"scores": ["CUSTOM_ANTKU"]}},
        },
    )
    doc = wait_for(
        "the analyze batch",
        lambda: (
            (docs.get_manifest(batch_id) or {}).get("status") in {"success", "failed"}
            and docs.get_manifest(batch_id)
        ),
        timeout=300,
    )
    assert doc["status"] == "success", doc.get("errors")
    [run_id] = doc["latest_run_ids"]
    assert docs.runs.find_one({"_id": run_id})["job"] == "analyze_prs_job"
    [row] = pl.read_parquet(
        io.BytesIO(store.open(settings.lake_bucket, prs_scores_key(user, "antku")).read())
    ).to_dicts()
    assert row["pgs_id"] == "CUSTOM_ANTKU"
    assert row["score_sum"] == pytest.approx(expected_sum, rel=1e-9, abs=1e-9)


def test_a_truncated_scoring_file_is_not_installed(
    settings: Settings, store: ObjectStore, docs: DocStore, shared_data: Path, tmp_path: Path
) -> None:
    """A partial download is refused naming the file and both counts; nothing reaches the lake."""
    lines = gzip.decompress((shared_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz").read_bytes()).splitlines(
        keepends=True
    )
    declared = next(line for line in lines if line.startswith(b"#variants_number=")).split(b"=")[1].strip()
    header = [line for line in lines if line.startswith(b"#")]
    body = [line for line in lines if not line.startswith(b"#")]
    partial = tmp_path / "TRUNCATED_SCORE.txt"
    partial.write_bytes(
        b"".join(header).replace(b"#pgs_id=PGS000001", b"#pgs_id=TRUNCATED_SCORE") + b"".join(body[:4])
    )
    code, results, err = _install("--file", str(partial))
    assert code == 1 and results == []
    assert (
        str(partial) in err and f"variants_number={declared.decode()}" in err and "has 3 variant rows" in err
    )
    assert store.head(settings.lake_bucket, "reference/scores/TRUNCATED_SCORE/GRCh38/scoring.txt.gz") is None
    assert docs.scores.find_one({"_id": "TRUNCATED_SCORE/GRCh38"}) is None
