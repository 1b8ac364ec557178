"""Each lane's planner against real storage (MinIO, FerretDB): the runs a manifest asks for, and every
refusal a lane's AGENTS.md row lists, with a reason that names what is wrong."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from genolake_annotation.modules import builtin_spec_dirs
from genolake_annotation.normalize import read_vcf_header
from genolake_core.accounts import create_user
from genolake_core.docstore import DocStore
from genolake_core.ids import partition_key
from genolake_core.layout import score_key
from genolake_core.manifest import ManifestBase, ManifestError, parse_manifest
from genolake_core.objectstore import ObjectStore
from genolake_core.settings import Settings
from genolake_dagster.lanes import all_lanes
from genolake_dagster.lanes.base import PlanContext, PlannedRun
from genolake_dagster.lanes.modules.spec_files import SPEC_ROLES
from genolake_dagster.tags import BATCH_TAG, HEAVY_TAG, LANE_TAG, SAMPLE_TAG


@pytest.fixture
def user() -> str:
    return f"u{uuid.uuid4().hex[:10]}"


@pytest.fixture
def ctx(platform_settings: Settings, store: ObjectStore, docs: DocStore) -> PlanContext:
    return PlanContext(settings=platform_settings, store=store, docs=docs)


def _upload(ctx: PlanContext, user: str, path: Path, name: str | None = None) -> str:
    key = f"uploads/{user}/{uuid.uuid4().hex[:6]}/{name or path.name}"
    ctx.store.client.upload_file(str(path), ctx.settings.landing_bucket, key)
    return key


def _manifest(user: str, intent: str, **fields: Any) -> ManifestBase:
    body = {"batch_id": f"{intent}-{uuid.uuid4().hex[:8]}", "uploader": user, "intent": intent}
    body.setdefault("genome_build", "GRCh38")
    body.update(fields)
    return parse_manifest(json.dumps(body).encode())


def _plan(ctx: PlanContext, manifest: ManifestBase) -> list[PlannedRun]:
    lane = next(lane for lane in all_lanes().values() if getattr(manifest, "intent", None) in lane.intents)
    return lane.plan(manifest, ctx)


def _refusal(ctx: PlanContext, manifest: ManifestBase) -> str:
    with pytest.raises(ManifestError) as info:
        _plan(ctx, manifest)
    return "; ".join(info.value.reasons)


def _mark(ctx: PlanContext, user: str, sample: str, *assets: str) -> str:
    """Record materializations of `assets` on the partition, as the status sync does after a run."""
    key = partition_key(user, sample)
    ctx.docs.register_partition(key, user, sample, "earlier-batch")
    for asset in assets:
        ctx.docs.record_asset(key, asset, {"lake_key": f"users/{key}/{asset}", "run_id": "r"})
    return key


def test_normalize_one_sample_vcf(ctx: PlanContext, user: str, antku_vcf: Path) -> None:
    key = _upload(ctx, user, antku_vcf)
    manifest = _manifest(user, "normalize", sample="antku", files=[{"key": key, "role": "vcf"}])
    [run] = _plan(ctx, manifest)
    etag = ctx.store.head(ctx.settings.landing_bucket, key).etag  # type: ignore[union-attr]
    vcf_sample = read_vcf_header(antku_vcf).samples[0]
    assert run.run_key == f"normalize:{manifest.batch_id}" and run.partition_key == f"{user}/antku"
    config = run.run_config["ops"]["normalized_variants"]["config"]
    assert (config["vcf_key"], config["vcf_etag"], config["vcf_sample"]) == (key, etag, vcf_sample)
    assert run.tags == {
        BATCH_TAG: manifest.batch_id,
        LANE_TAG: "normalize",
        "genolake/user": user,
        SAMPLE_TAG: "antku",
        HEAVY_TAG: "true",
    }


def test_normalize_every_sample_of_a_multi_sample_vcf(ctx: PlanContext, user: str, chr22_vcf: Path) -> None:
    key = _upload(ctx, user, chr22_vcf)
    manifest = _manifest(user, "normalize", genome_build="GRCh37", files=[{"key": key, "role": "vcf"}])
    runs = _plan(ctx, manifest)
    samples = read_vcf_header(chr22_vcf).samples
    assert [run.partition_key for run in runs] == [f"{user}/{s}" for s in samples]
    assert [run.run_key for run in runs] == [f"normalize:{manifest.batch_id}/{s}" for s in samples]


def test_normalize_refusals(
    ctx: PlanContext, user: str, antku_vcf: Path, chr22_vcf: Path, tmp_path: Path
) -> None:
    antku = _upload(ctx, user, antku_vcf)
    wrong_build = _manifest(user, "normalize", genome_build="GRCh37", files=[{"key": antku, "role": "vcf"}])
    assert "manifest says GRCh37" in _refusal(ctx, wrong_build)
    missing = f"uploads/{user}/nothing.vcf"
    assert f"{missing} does not exist" in _refusal(
        ctx, _manifest(user, "normalize", files=[{"key": missing}])
    )
    text = tmp_path / "notes.vcf"
    text.write_text("this is not a VCF\n")
    not_vcf = _upload(ctx, user, text)
    assert "is not a readable VCF" in _refusal(ctx, _manifest(user, "normalize", files=[{"key": not_vcf}]))
    chr22 = _upload(ctx, user, chr22_vcf)
    unknown = _manifest(user, "normalize", genome_build="GRCh37", sample="nobody", files=[{"key": chr22}])
    assert "'nobody' is not in the VCF" in _refusal(ctx, unknown)


def test_prs_needs_a_normalized_partition_and_installed_scores(
    ctx: PlanContext, user: str, test_data: Path
) -> None:
    pgs = _upload(ctx, user, test_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz")
    manifest = _manifest(
        user,
        "prs",
        sample="s1",
        files=[{"key": pgs, "role": "scoring"}],
        options={"scores": ["NOT_INSTALLED1"]},
    )
    assert "has no normalized variants; submit a normalize or analyze manifest first" in _refusal(
        ctx, manifest
    )
    _mark(ctx, user, "s1", "normalized_variants")
    reason = _refusal(ctx, manifest)
    assert (
        "not installed on GRCh38: NOT_INSTALLED1" in reason
        and "--pgs NOT_INSTALLED1 --build GRCh38" in reason
    )

    installed = score_key("UNIT_SCORE", "GRCh38")
    ctx.store.client.upload_file(
        str(test_data / "pgs" / "PGS000002_hmPOS_GRCh38.txt.gz"), ctx.settings.lake_bucket, installed
    )
    manifest = _manifest(
        user, "prs", sample="s1", files=[{"key": pgs, "role": "scoring"}], options={"scores": ["UNIT_SCORE"]}
    )
    [run] = _plan(ctx, manifest)
    scoring = run.run_config["ops"]["prs_scores"]["config"]["scoring"]
    heads = [
        ctx.store.head(ctx.settings.landing_bucket, pgs),
        ctx.store.head(ctx.settings.lake_bucket, installed),
    ]
    assert [(s["bucket"], s["key"], s["etag"]) for s in scoring] == [
        (ctx.settings.landing_bucket, pgs, heads[0].etag),  # type: ignore[union-attr]
        (ctx.settings.lake_bucket, installed, heads[1].etag),  # type: ignore[union-attr]
    ]
    assert run.partition_key == f"{user}/s1" and run.run_key == f"prs:{manifest.batch_id}"


def test_annotate_and_report_need_what_comes_before(ctx: PlanContext, user: str) -> None:
    annotate = _manifest(user, "annotate", sample="s1", options={"modules": ["unit_only_module"]})
    assert "has no normalized variants" in _refusal(ctx, annotate)
    _mark(ctx, user, "s1", "normalized_variants")
    assert "options.modules: not installed: unit_only_module" in _refusal(ctx, annotate)
    ctx.docs.publish_module_version("unit_only_module", "1.0", {"version": "1.0", "files": []})
    [run] = _plan(ctx, annotate)
    assert run.run_config["ops"]["sample_annotations"]["config"]["modules"] == ["unit_only_module"]

    report = _manifest(user, "report", sample="s1")
    assert "has no sample annotations; submit an annotate or analyze manifest first" in _refusal(ctx, report)
    _mark(ctx, user, "s1", "sample_annotations")
    [run] = _plan(ctx, report)
    assert run.run_config == {"ops": {"sample_report": {"config": {"batch_id": report.batch_id}}}}


def test_analyze_runs_prs_only_with_scores(
    ctx: PlanContext, user: str, antku_vcf: Path, test_data: Path
) -> None:
    ctx.docs.publish_module_version("unit_only_module", "1.0", {"version": "1.0", "files": []})
    vcf = _upload(ctx, user, antku_vcf)
    plain = _manifest(user, "analyze", sample="antku", files=[{"key": vcf, "role": "vcf"}])
    [run] = _plan(ctx, plain)
    assert run.job_name == "analyze_job" and "prs_scores" not in run.run_config["ops"]
    pgs = _upload(ctx, user, test_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz")
    files = [{"key": vcf, "role": "vcf"}, {"key": pgs, "role": "scoring"}]
    [run] = _plan(ctx, _manifest(user, "analyze", sample="antku", files=files))
    assert run.job_name == "analyze_prs_job"
    assert set(run.run_config["ops"]) == {
        "normalized_variants",
        "sample_annotations",
        "prs_scores",
        "sample_report",
    }


def test_register_module(ctx: PlanContext, user: str) -> None:
    spec_dir = builtin_spec_dirs()["mthfr_nad"]
    roles = {role: file for role, file in SPEC_ROLES.items() if (spec_dir / file).is_file()}
    files = [{"key": _upload(ctx, user, spec_dir / file), "role": role} for role, file in roles.items()]
    manifest = _manifest(user, "register_module", files=files)
    assert "is not an admin" in _refusal(ctx, manifest)
    create_user(ctx.docs, user, is_admin=True)
    [run] = _plan(ctx, manifest)
    assert run.partition_key is None and run.run_key == f"modules:{manifest.batch_id}"
    planned = run.run_config["ops"]["annotation_modules"]["config"]["files"]
    assert {(f["role"], f["key"]) for f in planned} == {(f["role"], f["key"]) for f in files}
    assert all(f["etag"] == ctx.store.head(ctx.settings.landing_bucket, f["key"]).etag for f in planned)  # type: ignore[union-attr]
