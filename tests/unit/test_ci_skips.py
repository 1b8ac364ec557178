"""In CI (`CI=true`) a test may not skip because a tool or an import is missing: CI installs everything
(`make install`), so such a skip would hide a broken install and a test that can no longer fail
(issue #14). Outside CI a developer without e.g. plink2 still gets a skip that names what is missing.
Tests whose subject is optional by design are marked `ci_may_skip`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

PROBE = textwrap.dedent(
    """
    import pytest
    from tests.unit.prs.prs_testlib import need_tool

    def test_needs_a_missing_tool():
        need_tool("no-such-tool-genolake")

    @pytest.fixture
    def missing_import():
        pytest.importorskip("no_such_module_genolake")

    def test_needs_a_missing_import(missing_import):
        pass

    @pytest.mark.ci_may_skip
    def test_optional_by_design():
        pytest.skip("an optional extra")
    """
)


@pytest.mark.parametrize("ci", ["true", ""])
def test_missing_tools_and_imports_fail_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, repo_root: Path
) -> None:
    monkeypatch.setenv("CI", ci)
    pytester.makepyfile(test_probe=PROBE)
    pytester.makeconftest(  # the repository's root conftest, from a checkout outside pytester's folder
        f"import sys\nsys.path.insert(0, {str(repo_root)!r})\npytest_plugins = ['tests.conftest']"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    if ci:
        result.assert_outcomes(failed=1, errors=1, skipped=1)
        result.stdout.fnmatch_lines(["*skipped in CI*no-such-tool-genolake*"])
    else:
        result.assert_outcomes(skipped=3)
