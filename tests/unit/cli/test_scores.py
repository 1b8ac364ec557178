"""Command-line checks of installed scores that need no services (the installs themselves run against
MinIO and Mongo in tests/integration/test_scores.py)."""

from __future__ import annotations

from pathlib import Path

from genolake_cli.main import app
from typer.testing import CliRunner


def test_install_needs_something_to_install() -> None:
    result = CliRunner().invoke(app, ["scores", "install"])
    assert result.exit_code == 2 and "--pgs" in result.output


def test_catalog_ids_need_a_build() -> None:
    result = CliRunner().invoke(app, ["scores", "install", "--pgs", "PGS000001"])
    assert result.exit_code == 2 and "--build" in result.output


def test_submit_scores_only_with_analyze(antku_vcf: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["submit", "--vcf", str(antku_vcf), "--user", "alice", "--build", "GRCh38", "--scores", "PGS000001"],
    )
    assert result.exit_code == 2 and "--intent analyze" in result.output
