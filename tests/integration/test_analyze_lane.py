"""The annotation lanes through MinIO, Dagster and Mongo.

Modules are installed with `genolake modules install` (the shipped ones)
and published with a `register_module` manifest (a panel built here from the VCF's own calls, so the
expected matches are known from bcftools without running GenoLake code). Then an `analyze` manifest
runs normalize -> annotate -> PRS -> report in one Dagster run, and a new module version re-annotates
the partition through the automation sensor.
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from genolake_cli.main import app
from genolake_core.docstore import DocStore
from genolake_core.layout import annotations_prefix, module_prefix, report_key
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from genolake_dagster.version import SAMPLE_ANNOTATIONS
from typer.testing import CliRunner

from tests.integration.helpers import DagsterRuns, custom_scoring_file, put_manifest, upload_vcf, wait_for

pytestmark = pytest.mark.integration
PANEL = "antku_panel"
SPEC_COLUMNS = [
    "rsid",
    "chrom",
    "start",
    "ref",
    "alts",
    "genotype",
    "weight",
    "state",
    "conclusion",
    "gene",
    "phenotype",
    "category",
]


def called_snvs(vcf: Path) -> list[tuple[str, int, str, str, list[str]]]:
    """PASS biallelic SNVs with a non-reference call: (chrom, pos, ref, alt, sorted called alleles)."""
    out = subprocess.run(
        ["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT\t%FILTER\t[%GT]\n", str(vcf)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    sites = []
    for line in out.splitlines():
        chrom, pos, ref, alt, filt, gt = line.split("\t")
        if filt != "PASS" or len(ref) != 1 or len(alt) != 1 or gt.replace("|", "/") not in {"0/1", "1/1"}:
            continue
        alleles = sorted(ref if a == "0" else alt for a in gt.replace("|", "/").split("/"))
        sites.append((chrom.removeprefix("chr"), int(pos), ref, alt, alleles))
    return sites


def write_panel_spec(
    folder: Path, sites: list[tuple[str, int, str, str, list[str]]], version: str, seed: int
) -> set[tuple[str, int, tuple[str, ...], float]]:
    """A position-keyed module: for each site the called genotype (matches) and another one (does not).

    Returns the expected annotation rows (chrom, start, genotype, weight)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module_spec.yaml").write_text(
        f'schema_version: "1.0"\nmodule:\n  name: {PANEL}\n  version: "{version}"\n'
        "  title: Antku test panel\n"
        "genome_build: GRCh38\n"
    )
    expected = set()
    with (folder / "variants.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SPEC_COLUMNS)
        for chrom, pos, ref, alt, called in sites:
            other = [alt, alt] if called != [alt, alt] else sorted([ref, alt])
            for genotype in (called, other):
                weight = round(rng.uniform(-1, 1), 3)
                writer.writerow(
                    [
                        "",
                        chrom,
                        pos,
                        ref,
                        alt,
                        "/".join(genotype),
                        weight,
                        "neutral",
                        f"{chrom}:{pos} {'/'.join(genotype)}",
                        f"GENE{pos % 7}",
                        "test phenotype",
                        "test",
                    ]
                )
                if genotype == called:
                    expected.add((chrom, pos, tuple(genotype), weight))
    return expected


def register_module_manifest(store: ObjectStore, settings: Settings, admin: str, folder: Path) -> str:
    batch_id = f"mod-{uuid.uuid4().hex[:8]}"
    files = []
    for role, name in (("module_spec", "module_spec.yaml"), ("variants", "variants.csv")):
        key, _ = upload_vcf(store, settings, admin, folder / name, name=f"modules/{batch_id}/{name}")
        files.append({"key": key, "role": role})
    put_manifest(
        store,
        settings,
        admin,
        batch_id,
        {"batch_id": batch_id, "uploader": admin, "intent": "register_module", "files": files},
    )
    return batch_id


def finished(docs: DocStore, batch_id: str) -> Callable[[], dict[str, Any] | None]:
    def probe() -> dict[str, Any] | None:
        doc = docs.get_manifest(batch_id)
        return doc if doc and doc.get("status") in {"success", "failed", "rejected"} else None

    return probe


def lake_parquet(store: ObjectStore, settings: Settings, key: str) -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(store.open(settings.lake_bucket, key).read()))


def annotation_rows(store: ObjectStore, settings: Settings, user: str, sample: str, module: str) -> set[Any]:
    frame = lake_parquet(store, settings, annotations_prefix(user, sample) + "annotations.parquet")
    frame = frame.filter(pl.col("module") == module)
    return {(r["chrom"], r["start"], tuple(r["genotype"]), r["weight"]) for r in frame.to_dicts()}


def csv_expected(
    spec_dir: Path, sites: dict[tuple[str, int], tuple[str, list[str]]]
) -> set[tuple[str, int, tuple[str, ...]]]:
    """Rows of a shipped position-keyed spec whose site and genotype the sample has."""
    found = set()
    with (spec_dir / "variants.csv").open() as handle:
        for row in csv.DictReader(handle):
            if not row.get("start"):
                continue
            key = (row["chrom"].removeprefix("chr"), int(row["start"]))
            if key in sites and sites[key][0] == row["ref"] and "/".join(sites[key][1]) == row["genotype"]:
                found.add((key[0], key[1], tuple(row["genotype"].split("/"))))
    return found


def compiled_version(docs: DocStore, authored: str) -> str:
    """A registered spec's version as installed: with variant-position references installed (another
    test may have installed one in this stack) it is compiled against them and carries their tag."""
    from genolake_annotation.reference.compile import reference_tag
    from genolake_annotation.reference.table import ReferenceManifest, VariantReference

    installed = docs.installed_references()
    if not installed:
        return authored
    refs = [
        VariantReference(Path("."), ReferenceManifest.model_validate(info)) for info in installed.values()
    ]
    return f"{authored}-r{reference_tag(refs)}"


def test_modules_analyze_and_reannotation(
    settings: Settings,
    store: ObjectStore,
    docs: DocStore,
    dagster_runs: DagsterRuns,
    make_token: Callable[..., str],
    user: str,
    antku_vcf: Path,
    test_data: Path,
    tmp_path: Path,
    api: httpx.Client,
    auth: dict[str, str],
) -> None:
    # 1. The shipped modules, installed with the command line (same code path as an admin's install).
    result = CliRunner().invoke(
        app,
        [
            "modules",
            "install",
            "--modules-dir",
            str(test_data / "modules"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert result.exit_code == 0, result.output
    shipped = {item["module"]: item["version"] for item in json.loads(result.stdout)}
    assert set(shipped) == {"longevitymap", "mthfr_nad", "cyp_panel"}
    installed = docs.installed_modules()
    for name, version in shipped.items():
        assert installed[name]["version"] == version
        assert store.head(settings.lake_bucket, module_prefix(name, version) + "module.json") is not None

    # 2. A module registered through the landing zone: only admins may, and a bad spec is rejected.
    sites = called_snvs(antku_vcf)[:25]
    expected_v1 = write_panel_spec(tmp_path / "v1", sites, "1.0.0", seed=1)
    refused = register_module_manifest(store, settings, user, tmp_path / "v1")
    doc = wait_for("a non-admin's module to be rejected", finished(docs, refused))
    assert doc["status"] == "rejected" and "not an admin" in doc["reasons"][0]
    admin = f"a{uuid.uuid4().hex[:8]}"
    make_token(admin, admin=True)
    bad = tmp_path / "bad"
    write_panel_spec(bad, sites[:2], "1.0.0", seed=1)
    (bad / "variants.csv").write_text((bad / "variants.csv").read_text().replace("neutral", "sideways"))
    doc = wait_for(
        "a bad spec to be rejected", finished(docs, register_module_manifest(store, settings, admin, bad))
    )
    assert doc["status"] == "rejected" and "sideways" in doc["reasons"][0]
    doc = wait_for(
        "module registration",
        finished(docs, register_module_manifest(store, settings, admin, tmp_path / "v1")),
        timeout=180,
    )
    assert doc["status"] == "success", doc.get("errors") or doc.get("reasons")
    assert docs.installed_modules()[PANEL]["version"] == compiled_version(docs, "1.0.0")

    # 3. analyze: one Dagster run does normalize -> annotate -> PRS -> report.
    vcf_key, digest = upload_vcf(store, settings, user, antku_vcf)
    scoring = tmp_path / "custom.txt"
    custom_scoring_file(antku_vcf, scoring)
    scoring_key, _ = upload_vcf(store, settings, user, scoring, name="scores/custom.txt")
    batch_id = f"an-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        "analyze",
        {
            "batch_id": batch_id,
            "uploader": user,
            "intent": "analyze",
            "sample": "antku",
            "genome_build": "GRCh38",
            "files": [
                {"key": vcf_key, "role": "vcf", "sha256": digest},
                {"key": scoring_key, "role": "scoring"},
            ],
        },
    )
    doc = wait_for("the analyze batch", finished(docs, batch_id), timeout=300)
    assert doc["status"] == "success", doc.get("errors") or doc.get("reasons")
    [run] = dagster_runs.for_batch(batch_id)
    assert run["status"] == "SUCCESS"

    assert annotation_rows(store, settings, user, "antku", PANEL) == expected_v1
    calls = {(c, p): (r, g) for c, p, r, _, g in called_snvs(antku_vcf)}
    for name in ("mthfr_nad", "cyp_panel"):
        rows = {row[:3] for row in annotation_rows(store, settings, user, "antku", name)}
        assert rows == csv_expected(test_data / "modules" / name, calls)
    summary = json.loads(
        store.open(settings.lake_bucket, annotations_prefix(user, "antku") + "summary.json").read()
    )
    panel = next(m for m in summary["modules"] if m["module"] == PANEL)
    assert (panel["matched"], panel["loci"]) == (len(expected_v1), len(sites))

    report = store.open(settings.lake_bucket, report_key(user, "antku")).read().decode()
    head = store.client.head_object(Bucket=settings.lake_bucket, Key=report_key(user, "antku"))
    assert head["ContentType"].startswith("text/html")
    # The report names the run that wrote it: the analyze run, or an automation run that re-rendered it
    # right after (seen once in CI: the automation sensor re-annotated the new partition after the
    # panel's registration; see AGENTS.md, Modules).
    writer = head["Metadata"]["run-id"]
    assert writer == run["run_id"] or head["Metadata"]["batch-id"] == "automation", head["Metadata"]
    assert "Antku test panel" in report and "CUSTOM_ANTKU" in report and writer in report

    # Lineage: module versions, normalization settings and code version, in the Mongo run document.
    lineage = docs.runs.find_one({"_id": run["run_id"]})["assets"]["sample_annotations"]["lineage"]
    assert lineage["modules"] == {name: info["version"] for name, info in docs.installed_modules().items()}
    assert lineage["normalize_settings"]["filters"] is None and lineage["normalize_run_id"] == run["run_id"]
    assert lineage["code_version"] == SAMPLE_ANNOTATIONS
    partition = docs.partitions.find_one({"_id": f"{user}/antku"})
    assert {"normalized_variants", "sample_annotations", "prs_scores", "sample_report"} <= set(
        partition["assets"]
    )
    assert partition["assets"]["sample_report"]["with_prs"] is True

    # The API serves the annotation rows (filtered by module, in a stable order), the report and the lineage.
    page = api.get(
        f"/partitions/{user}/antku/tables/annotations", params={"module": PANEL, "limit": 1000}, headers=auth
    ).json()
    assert page["total"] == len(expected_v1)
    assert {(r["chrom"], r["start"], tuple(r["genotype"]), r["weight"]) for r in page["rows"]} == expected_v1
    order = [(r["category"], r["gene"], r["chrom"], r["start"]) for r in page["rows"]]
    assert order == sorted(order)
    gene = page["rows"][0]["gene"]
    by_gene = api.get(
        f"/partitions/{user}/antku/tables/annotations", params={"gene": gene, "limit": 1000}, headers=auth
    )
    assert {r["gene"] for r in by_gene.json()["rows"]} == {gene}
    assert by_gene.json()["total"] == sum(1 for r in page["rows"] if r["gene"] == gene)
    served = api.get(f"/partitions/{user}/antku/report", headers=auth)
    assert served.status_code == 200 and served.text == report
    s3_etag = store.head(settings.lake_bucket, report_key(user, "antku")).etag
    assert served.headers["etag"].strip('"') == s3_etag.strip('"')
    # Revalidation: answered by the S3 server for a fresh key (no cache entry), then by the API's cache.
    for headers in ({"Authorization": f"Bearer {make_token(user)}"}, auth):
        unchanged = api.get(
            f"/partitions/{user}/antku/report", headers={**headers, "If-None-Match": served.headers["etag"]}
        )
        assert (
            unchanged.status_code == 304
            and unchanged.content == b""
            and unchanged.headers["etag"] == served.headers["etag"]
        )
    catalog = {m["name"]: m for m in api.get("/modules", headers=auth).json()}
    assert (
        catalog[PANEL]["version"] == compiled_version(docs, "1.0.0") and catalog[PANEL]["key"] == "position"
    )
    assert {name: m["version"] for name, m in catalog.items() if name in shipped} == shipped
    served_run = api.get(f"/runs/{run['run_id']}", headers=auth).json()
    assert served_run["assets"]["sample_annotations"]["lineage"] == lineage
    detail = api.get(f"/partitions/{user}/antku", headers=auth).json()
    assert detail["stale"]["sample_annotations"] == [] and detail["stale"]["sample_report"] == []

    # 4. A new version of the panel re-annotates the partition (automation sensor), report included.
    expected_v2 = write_panel_spec(tmp_path / "v2", sites, "1.1.0", seed=2)
    doc = wait_for(
        "the new module version",
        finished(docs, register_module_manifest(store, settings, admin, tmp_path / "v2")),
        timeout=180,
    )
    assert doc["status"] == "success", doc.get("errors") or doc.get("reasons")

    def reannotated() -> dict[str, Any] | None:
        part = docs.partitions.find_one({"_id": f"{user}/antku"}) or {}
        assets = part.get("assets", {})
        fresh = assets.get("sample_annotations", {}).get("modules", {}).get(PANEL) == compiled_version(
            docs, "1.1.0"
        )
        return (
            part
            if fresh and assets["sample_report"]["run_id"] == assets["sample_annotations"]["run_id"]
            else None
        )

    part = wait_for("re-annotation with the new module version", reannotated, timeout=240, interval=2)
    auto_run = docs.runs.find_one({"_id": part["assets"]["sample_annotations"]["run_id"]})
    assert (
        auto_run["lane"] == "automation" and auto_run["status"] == "SUCCESS" and auto_run["batch_id"] is None
    )
    assert annotation_rows(store, settings, user, "antku", PANEL) == expected_v2

    # 5. The annotate and report lanes on their own: one module, then the report again.
    bogus = f"ann-{uuid.uuid4().hex[:8]}"
    put_manifest(
        store,
        settings,
        user,
        bogus,
        {
            "batch_id": bogus,
            "uploader": user,
            "intent": "annotate",
            "sample": "antku",
            "genome_build": "GRCh38",
            "options": {"modules": ["no_such_module"]},
        },
    )
    doc = wait_for("an unknown module to be rejected", finished(docs, bogus))
    assert doc["status"] == "rejected" and "no_such_module" in doc["reasons"][0]
    for intent, options in (("annotate", {"modules": [PANEL], "engine": "duckdb"}), ("report", None)):
        batch = f"{intent}-{uuid.uuid4().hex[:8]}"
        body = {
            "batch_id": batch,
            "uploader": user,
            "intent": intent,
            "sample": "antku",
            "genome_build": "GRCh38",
        }
        put_manifest(store, settings, user, batch, {**body, **({"options": options} if options else {})})
        doc = wait_for(f"the {intent} batch", finished(docs, batch), timeout=180)
        assert doc["status"] == "success", doc.get("errors") or doc.get("reasons")
    assert annotation_rows(store, settings, user, "antku", PANEL) == expected_v2
    assert {
        row[0]
        for row in lake_parquet(store, settings, annotations_prefix(user, "antku") + "annotations.parquet")
        .select("module")
        .iter_rows()
    } == {PANEL}
