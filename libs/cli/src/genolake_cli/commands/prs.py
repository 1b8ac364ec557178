"""`genolake prs`: polygenic risk scores for a sample."""

from __future__ import annotations

import typer


def prs() -> None:
    """Score a sample against PGS Catalog scoring files."""
    raise typer.Exit(code=2)
