"""`genolake annotate` / `report` / `analyze` (the Typer commands) on the real test VCFs.

The commands are mounted on a local Typer app here (main.py registers them separately).
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import polars as pl
import pytest
import typer
from genolake_cli.commands.analyze import analyze
from genolake_cli.commands.annotate import annotate
from genolake_cli.commands.report import report
from genolake_cli.errors import ErrorMappingGroup
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from tests.unit.annotation.test_modules_support import normalized

app = typer.Typer(cls=ErrorMappingGroup)  # errors -> `error: ...` + exit code, as in main.py
app.command("annotate")(annotate)
app.command("report")(report)
app.command("analyze")(analyze)


@pytest.fixture
def modules_dir(tmp_path: Path, test_data: Path) -> Path:
    folder = tmp_path / "modules"
    folder.mkdir()
    for name in ("mthfr_nad", "cyp_panel"):
        shutil.copytree(test_data / "modules" / name, folder / name)
    shutil.copy(test_data / "modules" / "longevitymap.sqlite", folder / "longevitymap.sqlite")
    return folder


def test_annotate_both_engines(antku_vcf: Path, tmp_path: Path, modules_dir: Path) -> None:
    parquet = normalized(antku_vcf, "default", tmp_path)
    runner = CliRunner()
    outs = {}
    for engine in ("polars", "duckdb"):
        outs[engine] = tmp_path / engine
        args = [
            "annotate",
            "--normalized",
            str(parquet),
            "--out",
            str(outs[engine]),
            "--engine",
            engine,
            "--modules-dir",
            str(modules_dir),
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert [m["module"] for m in payload["modules"]] == ["cyp_panel", "longevitymap", "mthfr_nad"]
        assert payload["engine"] == engine
    assert_frame_equal(
        pl.read_parquet(outs["polars"] / "annotations.parquet"),
        pl.read_parquet(outs["duckdb"] / "annotations.parquet"),
    )
    only = runner.invoke(
        app,
        [
            "annotate",
            "--normalized",
            str(parquet),
            "--out",
            str(tmp_path / "one"),
            "--modules",
            "cyp_panel",
            "--modules-dir",
            str(modules_dir),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert only.exit_code == 0 and [m["module"] for m in json.loads(only.stdout)["modules"]] == ["cyp_panel"]


def test_annotate_errors(
    antku_vcf: Path, tmp_path: Path, modules_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parquet = normalized(antku_vcf, "default", tmp_path)
    runner = CliRunner()
    base = [
        "annotate",
        "--normalized",
        str(parquet),
        "--out",
        str(tmp_path / "o"),
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    unknown = runner.invoke(app, [*base, "--modules", "nope", "--modules-dir", str(modules_dir)])
    assert unknown.exit_code == 1 and "'nope' not found" in unknown.stderr
    engine = runner.invoke(app, [*base, "--engine", "spark", "--modules-dir", str(modules_dir)])
    assert engine.exit_code == 2
    # a registry naming the Hub: unreachable here (forced to a closed port), the error says what to do
    from huggingface_hub import constants

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    registry = tmp_path / "modules.yaml"
    registry.write_text("modules:\n  longevitymap: {source: 'hf://datasets/just-dna-seq/annotators'}\n")
    offline = runner.invoke(app, [*base, "--registry", str(registry)])
    assert offline.exit_code == 1 and "unreachable" in offline.stderr and "--modules-dir" in offline.stderr
    # the default registry is the shipped modules: no network needed, LongevityMap included
    builtin = runner.invoke(app, [*base, "--modules", "mthfr_nad,cyp_panel,longevitymap"])
    assert builtin.exit_code == 0, builtin.output
    assert not (tmp_path / "o" / "report.html").exists()


def test_report_command(antku_vcf: Path, tmp_path: Path, modules_dir: Path) -> None:
    parquet = normalized(antku_vcf, "default", tmp_path)
    runner = CliRunner()
    out = tmp_path / "ann"
    assert (
        runner.invoke(
            app,
            [
                "annotate",
                "--normalized",
                str(parquet),
                "--out",
                str(out),
                "--modules-dir",
                str(modules_dir),
                "--cache-dir",
                str(tmp_path / "c"),
            ],
        ).exit_code
        == 0
    )
    prs = tmp_path / "prs.parquet"
    pl.DataFrame(
        {
            "sample": ["default", "other"],
            "pgs_id": ["PGS000001", "PGS000002"],
            "score_sum": [0.1, 0.2],
            "variants_matched": [9, 8],
            "variants_total": [10, 10],
            "match_rate": [0.9, 0.8],
            "percentile": [40.0, 60.0],
            "percentile_reason": [None, None],
        }
    ).write_parquet(prs)
    html = tmp_path / "r" / "report.html"
    result = runner.invoke(
        app,
        [
            "report",
            "--annotations",
            str(out),
            "--out",
            str(html),
            "--user",
            "bob",
            "--sample",
            "default",
            "--prs",
            str(prs),
            "--provenance",
            "batch=b7",
        ],
    )
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "bob/default" in text and "b7" in text and "PGS000001" in text and "PGS000002" not in text
    bad = runner.invoke(
        app, ["report", "--annotations", str(out), "--out", str(html), "--provenance", "novalue"]
    )
    assert bad.exit_code == 2
    missing = runner.invoke(
        app, ["report", "--annotations", str(tmp_path / "none"), "--out", str(tmp_path / "x.html")]
    )
    assert missing.exit_code == 1 and "not an annotation output folder" in missing.stderr


def test_analyze(antku_vcf: Path, chr22_vcf: Path, tmp_path: Path, modules_dir: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "run"
    args = [
        "analyze",
        "--vcf",
        str(antku_vcf),
        "--user",
        "carol",
        "--out",
        str(out),
        "--modules-dir",
        str(modules_dir),
        "--cache-dir",
        str(tmp_path / "c"),
        "--engine",
        "duckdb",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["sample"] == "default"
    assert (out / "normalized.parquet").is_file() and (out / "annotations" / "annotations.parquet").is_file()
    report_html = (out / "report.html").read_text()
    assert "carol/default" in report_html and payload["run_id"] in report_html
    lineage = json.loads((out / "annotations" / "lineage.json").read_text())
    assert lineage["run_id"] == payload["run_id"] and lineage["engine"] == "duckdb"

    several = runner.invoke(
        app,
        [
            "analyze",
            "--vcf",
            str(chr22_vcf),
            "--user",
            "u",
            "--out",
            str(tmp_path / "x"),
            "--modules-dir",
            str(modules_dir),
            "--cache-dir",
            str(tmp_path / "c"),
        ],
    )
    assert several.exit_code == 1 and "(normalize)" in several.stderr and "HG00096" in several.stderr
    chosen = runner.invoke(
        app,
        [
            "analyze",
            "--vcf",
            str(chr22_vcf),
            "--user",
            "u",
            "--out",
            str(tmp_path / "y"),
            "--sample",
            "HG00097",
            "--modules-dir",
            str(modules_dir),
            "--cache-dir",
            str(tmp_path / "c"),
        ],
    )
    assert chosen.exit_code == 0, chosen.output
    summaries = {m["module"]: m for m in json.loads(chosen.stdout)["modules"]}
    assert summaries["mthfr_nad"]["build_mismatch"] is True  # GRCh37 VCF, GRCh38 module: by rsid
