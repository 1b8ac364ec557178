"""Manifest v1: parsing, every rejection reason, the exported schema and the examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from genolake_core.lanes import intent_models
from genolake_core.manifest import ManifestError, manifest_json_schema, parse_manifest


def _manifest(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "batch_id": "b-001",
        "uploader": "alice",
        "intent": "normalize",
        "genome_build": "GRCh38",
        "files": [{"key": "uploads/alice/x.vcf", "role": "vcf"}],
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def _reasons(data: dict[str, Any] | bytes) -> list[str]:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    with pytest.raises(ManifestError) as info:
        parse_manifest(raw)
    return info.value.reasons


def test_valid_manifest_defaults_owner_to_uploader() -> None:
    manifest = parse_manifest(json.dumps(_manifest()).encode())
    assert manifest.owner == "alice"
    assert manifest.file("vcf").key == "uploads/alice/x.vcf"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b'"a string"', "JSON object"),
        (_manifest(intent="fly"), "unknown intent 'fly'"),
        (_manifest(intent=None), "unknown intent None"),
        (_manifest(batch_id="../x"), "batch_id"),
        (_manifest(uploader="Alice!"), "uploader"),
        (_manifest(user="bob"), "may not submit for user 'bob'"),
        (_manifest(files=[{"key": "uploads/bob/x.vcf"}]), "outside the uploader's area"),
        (_manifest(files=[{"key": "uploads/alice/../bob/x.vcf"}]), "outside the uploader's area"),
        (_manifest(files=[{"key": "uploads/alice/x.vcf", "sha256": "abc"}]), "files.0.sha256"),
        (_manifest(files=[]), "files"),
        (_manifest(genome_build="hg19"), "genome_build"),
        (_manifest(surprise=1), "surprise"),
        (_manifest(sample="a/b"), "sample"),
        (
            _manifest(files=[{"key": "uploads/alice/a.vcf"}, {"key": "uploads/alice/b.vcf"}]),
            "exactly one file",
        ),
        (_manifest(intent="annotate", sample="s1"), "names no files"),
        (
            _manifest(intent="annotate", sample="s1", files=None, options={"modules": ["Bad-Name"]}),
            "options.modules",
        ),
        (_manifest(intent="annotate", files=None), "sample"),
        (_manifest(intent="report", sample="s1"), "names no files"),
        (
            _manifest(intent="analyze", files=[{"key": "uploads/alice/s.txt", "role": "scoring"}]),
            "exactly one 'vcf'",
        ),
        (_manifest(intent="analyze", options={"annotate": {"engine": "spark"}}), "engine"),
        (_manifest(intent="register_module"), "one 'module_spec' and one 'variants'"),
        (_manifest(intent="prs", sample="s1", files=None), "at least one"),
        (_manifest(intent="prs", sample="s1"), "nothing else"),  # a 'vcf' file
        (
            _manifest(intent="prs", sample="s1", files=None, options={"scores": ["PGS000001", "PGS000001"]}),
            "named twice",
        ),
        (_manifest(intent="prs", sample="s1", files=None, options={"scores": ["../PGS000001"]}), "score id"),
        (_manifest(intent="analyze", options={"prs": {"scores": ["a/b"]}}), "score id"),
        (
            _manifest(
                intent="register_module",
                genome_build=None,
                sample="s1",
                files=[
                    {"key": "uploads/alice/m.yaml", "role": "module_spec"},
                    {"key": "uploads/alice/v.csv", "role": "variants"},
                ],
            ),
            "has no sample",
        ),
    ],
)
def test_invalid_manifest_reasons_name_the_problem(data: dict[str, Any] | bytes, expected: str) -> None:
    assert any(expected in reason for reason in _reasons(data)), _reasons(data)


def test_prs_manifest_with_installed_scores_only() -> None:
    manifest = parse_manifest(
        json.dumps(
            _manifest(
                intent="prs", sample="s1", files=None, options={"scores": ["PGS000001", "CUSTOM_ANTKU"]}
            )
        ).encode()
    )
    assert manifest.files == [] and manifest.options.scores == ["PGS000001", "CUSTOM_ANTKU"]  # type: ignore[attr-defined]


def test_every_reason_is_reported_at_once() -> None:
    reasons = _reasons(_manifest(genome_build="hg19", uploader="Bad Name"))
    assert {reason.split(":")[0] for reason in reasons} >= {"genome_build", "uploader"}


def test_schema_file_is_generated_from_the_models(repo_root: Path) -> None:
    on_disk = json.loads((repo_root / "manifests" / "schema.json").read_text())
    assert on_disk == manifest_json_schema(), (
        "run: uv run genolake manifest schema --out manifests/schema.json"
    )
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in on_disk["oneOf"]} == {
        m.__name__ for m in intent_models().values()
    }


def test_one_valid_example_per_intent(repo_root: Path) -> None:
    examples = sorted((repo_root / "manifests" / "examples").glob("*.json"))
    intents = {parse_manifest(path.read_bytes()).intent for path in examples}  # type: ignore[attr-defined]
    assert intents == set(intent_models())
