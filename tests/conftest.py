"""Fixtures shared by every test: where the real test data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def repo_root(pytestconfig: pytest.Config) -> Path:
    return Path(pytestconfig.rootpath)


@pytest.fixture(scope="session")
def shared_data(repo_root: Path) -> Path:
    """`../shared/data` beside the checkout (override with GENOLAKE_SHARED_DATA)."""
    path = Path(os.environ.get("GENOLAKE_SHARED_DATA", repo_root.parent / "shared" / "data"))
    if not (path / "README.md").is_file():
        pytest.fail(f"shared test data not found at {path}; set GENOLAKE_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def antku_vcf(shared_data: Path) -> Path:
    return shared_data / "vcf" / "antku_small.vcf"


@pytest.fixture(scope="session")
def chr22_vcf(shared_data: Path) -> Path:
    return shared_data / "vcf" / "1000g_chr22_5samples.vcf.gz"
