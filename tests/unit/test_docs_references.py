"""Text that nothing checks goes stale: the docs and docstrings may only name what exists (issue #14).

- No tracked file cites notes kept outside the repository (`FIELD-NOTES`): a reader of a clone has no
  way to follow the reference, so the fact is stated where it is used.
- Every repository path the docs name in backticks exists.
- Every dotted `genolake_*` name in the docs, docstrings and comments resolves to a module or an
  attribute of one.
"""

from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path

import pytest

DOCS = (
    "AGENTS.md",
    "README.md",
    "bench/README.md",
    "docs/deploy/README-quickstart.md",
    "docs/deploy/scaling.md",
)
TOP_LEVEL = ("libs/", "services/", "tests/", "manifests/", "scripts/", "docs/", "bench/")
# (not inside a string literal: parquet metadata keys such as "genolake_prs.header" are not names)
DOTTED = re.compile(
    r"(?<![\"'])\bgenolake_(?:core|annotation|prs|cli|dagster|api)(?:\.[A-Za-z_][A-Za-z0-9_]*)+"
)


def _tracked(repo_root: Path) -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=repo_root, check=True, capture_output=True, text=True)
    return [repo_root / line for line in out.stdout.splitlines()]


def test_nothing_cites_notes_outside_the_repository(repo_root: Path) -> None:
    citing = [
        str(path.relative_to(repo_root))
        for path in _tracked(repo_root)
        if path.is_file()
        and path.name != Path(__file__).name
        and path.suffix not in {".gz", ".parquet", ".lock"}
        and "FIELD-NOTES" in path.read_text(errors="replace")
    ]
    assert citing == []


def test_paths_named_by_the_docs_exist(repo_root: Path) -> None:
    missing = []
    for doc in DOCS:
        for token in re.findall(r"`([^`\s]+)`", (repo_root / doc).read_text()):
            if not token.startswith(TOP_LEVEL) or any(mark in token for mark in "{<") or "..." in token:
                continue
            if not list(repo_root.glob(token.rstrip("/"))):
                missing.append(f"{doc}: {token}")
    assert missing == []


def _resolves(name: str) -> bool:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


@pytest.mark.parametrize("where", ["docs", "source"])
def test_dotted_names_resolve(repo_root: Path, where: str) -> None:
    if where == "docs":
        files = [repo_root / doc for doc in DOCS]
    else:
        top = len(repo_root.parts)
        files = [p for p in _tracked(repo_root) if p.suffix == ".py" and p.parts[top] in {"libs", "services"}]
    unresolved = sorted(
        {
            f"{path.relative_to(repo_root)}: {name}"
            for path in files
            for name in DOTTED.findall(path.read_text())
            if not _resolves(name.rstrip("."))
        }
    )
    assert unresolved == []
