"""Module spec validation and compilation (the example specs in shared data, and corrupted copies)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest
from genolake_annotation.modules import (
    ModuleIntegrityError,
    ModuleSpecError,
    compile_module,
    load_spec,
    open_module,
    validate_spec,
)
from genolake_annotation.modules.manifest import WEIGHTS_SCHEMA, sha256_of

EXAMPLES = ("mthfr_nad", "cyp_panel")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_are_valid_and_compile(name: str, test_data: Path, tmp_path: Path) -> None:
    spec_dir = test_data / "modules" / name
    assert validate_spec(spec_dir) == []
    source_rows = _csv(spec_dir / "variants.csv")
    studies = _csv(spec_dir / "studies.csv")
    module = compile_module(spec_dir, tmp_path / name)
    manifest = module.manifest
    assert manifest.name == name and manifest.key == "position" and manifest.genome_build == "GRCh38"
    assert manifest.version == load_spec(spec_dir).version and manifest.version.startswith("0+")
    assert manifest.categories == list(dict.fromkeys(r["category"] for r in source_rows))

    weights = pl.read_parquet(tmp_path / name / "weights.parquet")
    assert dict(weights.schema) == WEIGHTS_SCHEMA
    assert weights.height == len(source_rows)
    for got, row in zip(weights.iter_rows(named=True), source_rows, strict=True):
        assert (
            got["rsid"] == row["rsid"] and got["chrom"] == row["chrom"] and got["start"] == int(row["start"])
        )
        assert got["genotype"] == row["genotype"].split("/") and got["alts"] == row["alts"].split(",")
        assert got["weight"] == float(row["weight"]) and got["module"] == name
        assert got["priority"] == row["priority"] and got["category"] == row["category"]
    annotations = pl.read_parquet(tmp_path / name / "annotations.parquet")
    assert annotations["rsid"].to_list() == list(dict.fromkeys(r["rsid"] for r in source_rows))
    assert pl.read_parquet(tmp_path / name / "studies.parquet").height == len(studies)

    for file, entry in manifest.files.items():
        assert sha256_of(tmp_path / name / file) == entry.sha256
    again = compile_module(spec_dir, tmp_path / f"{name}-again")
    assert {f: e.sha256 for f, e in again.manifest.files.items()} == {
        f: e.sha256 for f, e in manifest.files.items()
    }


def test_tampered_module_is_refused(test_data: Path, tmp_path: Path) -> None:
    module = compile_module(test_data / "modules" / "cyp_panel", tmp_path / "cyp")
    weights = pl.read_parquet(module.path / "weights.parquet").with_columns(pl.col("weight") * 2)
    weights.write_parquet(module.path / "weights.parquet")
    with pytest.raises(ModuleIntegrityError, match="sha256"):
        open_module(module.path)
    open_module(module.path, verify=False)
    with pytest.raises(ModuleIntegrityError, match="module.json missing"):
        open_module(tmp_path)


def test_recompile_replaces_the_folder_whole(test_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    compile_module(test_data / "modules" / "cyp_panel", out)
    (out / "stray.txt").write_text("x")
    compile_module(test_data / "modules" / "mthfr_nad", out)
    assert not (out / "stray.txt").exists()
    assert open_module(out).name == "mthfr_nad"
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folders left behind


def _copy(test_data: Path, tmp_path: Path, name: str = "mthfr_nad") -> Path:
    target = tmp_path / "spec"
    shutil.copytree(test_data / "modules" / name, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def _edit_rows(
    path: Path, edits: dict[int, dict[str, str]], extra: list[dict[str, str]] | None = None
) -> list[int]:
    """Rewrite a CSV with per-row edits (0-based data row index); returns each edited row's line number."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for index, change in edits.items():
        rows[index].update(change)
    rows += extra or []
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    text = path.read_text().splitlines()
    lines = []
    for index in list(edits) + list(range(len(rows) - len(extra or []), len(rows))):
        marker = rows[index]["conclusion"][:40]
        lines.append(next(i for i, line in enumerate(text, start=1) if marker in line and i > 1))
    return lines


def test_every_problem_is_reported_with_file_line_column(test_data: Path, tmp_path: Path) -> None:
    spec = _copy(test_data, tmp_path)
    yaml_text = (spec / "module_spec.yaml").read_text()
    yaml_text = yaml_text.replace("name: mthfr_nad", "name: Bad-Name").replace(
        'color: "#6435c9"', "color: purple"
    )
    yaml_text += "colour: red\n"
    (spec / "module_spec.yaml").write_text(yaml_text)
    yaml_lines = yaml_text.splitlines()

    source = _csv(spec / "variants.csv")
    dup = dict(source[0])
    dup["conclusion"] = "duplicate row marker " + dup["conclusion"]
    lines = _edit_rows(
        spec / "variants.csv",
        {
            1: {"genotype": "G/A"},
            3: {"state": "harmful"},
            4: {"start": "abc", "conclusion": "bad start marker"},
            6: {"rsid": "123", "conclusion": "bad rsid marker"},
            7: {"weight": "x", "conclusion": "bad weight marker"},
            8: {"category": "", "conclusion": "no category marker"},
            9: {"genotype": "C/C", "conclusion": "foreign allele marker"},
            13: {"chrom": "2", "conclusion": "moved rsid marker"},
        },
        extra=[dup],
    )
    (spec / "studies.csv").write_text(
        (spec / "studies.csv").read_text().replace("rs1801133,9545397", "rs1801133,PMID9545397", 1)
    )

    with pytest.raises(ModuleSpecError) as info:
        compile_module(spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    got = {(p.file, p.line, p.column) for p in info.value.problems}
    yaml_line = {
        key: next(i for i, line in enumerate(yaml_lines, 1) if line.strip().startswith(key))
        for key in ("name:", "color:", "colour:")
    }
    expected = {
        ("module_spec.yaml", yaml_line["name:"], "module.name"),
        ("module_spec.yaml", yaml_line["color:"], "module.color"),
        ("module_spec.yaml", yaml_line["colour:"], "colour"),
        ("variants.csv", lines[0], "genotype"),
        ("variants.csv", lines[1], "state"),
        ("variants.csv", lines[2], "start"),
        ("variants.csv", lines[3], "rsid"),
        ("variants.csv", lines[4], "weight"),
        ("variants.csv", lines[5], "category"),
        ("variants.csv", lines[6], "genotype"),
        ("variants.csv", lines[7], "chrom"),
        ("variants.csv", lines[8], "genotype"),  # the duplicate
        ("studies.csv", 2, "pmid"),
    }
    assert expected <= got, sorted(expected - got)
    message = str(info.value)
    assert "'G/A' is not sorted: write 'A/G'" in message
    assert f"variants.csv:{lines[0]}:genotype" in message
    assert "allele 'C' of 'C/C' is neither the ref 'A' nor an alt (G)" in message
    assert "duplicate genotype" in message and "first on line 2" in message
    assert validate_spec(spec) == info.value.problems


def test_yaml_syntax_error_and_missing_files(test_data: Path, tmp_path: Path) -> None:
    spec = _copy(test_data, tmp_path)
    (spec / "module_spec.yaml").write_text('schema_version: "1.0"\nmodule:\n  name: [unclosed\n')
    (spec / "variants.csv").unlink()
    problems = validate_spec(spec)
    assert problems[0].file == "module_spec.yaml"
    assert problems[0].line is not None and "invalid YAML" in problems[0].message
    assert any(p.file == "variants.csv" and "not found" in p.message for p in problems)
    assert validate_spec(tmp_path / "nowhere")[0].message == "not a directory"


def test_header_problems(test_data: Path, tmp_path: Path) -> None:
    spec = _copy(test_data, tmp_path)
    text = (spec / "variants.csv").read_text().split("\n", 1)
    (spec / "variants.csv").write_text(text[0].replace("phenotype", "phenotyp") + ",extra\n" + text[1])
    problems = {(p.line, p.column, p.message.split(" (")[0]) for p in validate_spec(spec)}
    assert (1, "phenotyp", "unknown column") in problems
    assert (1, "phenotype", "required column missing") in problems


def test_warnings_do_not_fail(test_data: Path, tmp_path: Path) -> None:
    spec = _copy(test_data, tmp_path)
    [line] = _edit_rows(spec / "variants.csv", {0: {"weight": "1.5"}})  # state risk, positive weight
    loaded = load_spec(spec)
    assert [(w.line, w.column) for w in loaded.warnings] == [(line, "weight")]


def test_version_from_spec(test_data: Path, tmp_path: Path) -> None:
    spec = _copy(test_data, tmp_path)
    (spec / "module_spec.yaml").write_text(
        (spec / "module_spec.yaml")
        .read_text()
        .replace("  name: mthfr_nad", "  name: mthfr_nad\n  version: 1.4.0")
    )
    assert compile_module(spec, tmp_path / "out").version == "1.4.0"
    derived = load_spec(test_data / "modules" / "mthfr_nad").version
    assert derived == "0+" + load_spec(test_data / "modules" / "mthfr_nad").sha256[:12]
