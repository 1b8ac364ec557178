"""Fixtures shared by every test: where the real test data lives.

Everything the suite needs ships with the repository (`tests/data/`, `examples/`, and the built-in
modules of genolake_annotation), so `make test` runs on a fresh clone. `test_data` assembles them in the
layout the tests use (`vcf/`, `modules/`, `pgs/`). Larger optional data may sit in `../shared/data` on
our machines (`shared_data`): a test that needs it skips with a message when it is absent, except in CI
(`CI=true`), where it must be there: in CI any skip fails (`pytest_runtest_makereport`), unless the
test is marked `ci_may_skip` (its subject is optional by design).
"""

from __future__ import annotations

import gzip
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI (`CI=true`) a skip is a failure: CI installs every tool and dependency (`make install`), so a
    test skipping there for a missing tool or import could never fail. Tests whose subject is optional
    by design say so with `@pytest.mark.ci_may_skip`."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    if not (os.environ.get("CI", "").lower() in {"1", "true", "yes"} and report.skipped):
        return
    if hasattr(report, "wasxfail") or item.get_closest_marker("ci_may_skip") is not None:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped in CI (CI=true), where every tool and dependency is installed: {reason}"


@pytest.fixture(scope="session")
def repo_root(pytestconfig: pytest.Config) -> Path:
    return Path(pytestconfig.rootpath)


@pytest.fixture(scope="session")
def examples_dir(repo_root: Path) -> Path:
    return repo_root / "examples"


@pytest.fixture(scope="session")
def test_data(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped test data: `vcf/` (tests/data/vcf), `pgs/` (examples/pgs) and `modules/` (the built-in
    specs and the LongevityMap database, decompressed), in one folder."""
    from genolake_annotation.modules.registry import BUILTIN_DIR

    root = tmp_path_factory.mktemp("test-data")
    (root / "vcf").symlink_to(repo_root / "tests" / "data" / "vcf")
    (root / "pgs").symlink_to(repo_root / "examples" / "pgs")
    modules = root / "modules"
    modules.mkdir()
    for name in ("cyp_panel", "mthfr_nad"):
        shutil.copytree(BUILTIN_DIR / name, modules / name)
    with (
        gzip.open(BUILTIN_DIR / "longevitymap.sqlite.gz") as src,
        (modules / "longevitymap.sqlite").open("wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    return root


@pytest.fixture(scope="session")
def shared_data(repo_root: Path) -> Path:
    """Optional larger data: `../shared/data` beside the checkout (override with GENOLAKE_SHARED_DATA)."""
    path = Path(os.environ.get("GENOLAKE_SHARED_DATA", repo_root.parent / "shared" / "data"))
    if not (path / "README.md").is_file():
        message = f"optional shared test data not found at {path} (set GENOLAKE_SHARED_DATA)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def antku_vcf(test_data: Path) -> Path:
    return test_data / "vcf" / "antku_small.vcf"


@pytest.fixture(scope="session")
def chr22_vcf(test_data: Path) -> Path:
    return test_data / "vcf" / "1000g_chr22_5samples.vcf.gz"


@pytest.fixture(scope="session")
def na12878_vcf(examples_dir: Path) -> Path:
    """The demo sample: a real exome slice (GRCh37, rsIDs) at the shipped modules' loci."""
    return examples_dir / "vcf" / "NA12878.exome.slice.GRCh37.vcf.gz"


@pytest.fixture(scope="session")
def ensembl_grch38_sites(examples_dir: Path) -> Path:
    """Ensembl 105 variation sites (GRCh38) of the LongevityMap rsIDs."""
    return examples_dir / "reference" / "ensembl105.longevity_sites.GRCh38.vcf.gz"
