"""Code version recorded with every output (lineage). Bump when outputs would change."""

from __future__ import annotations

CODE_VERSION = "normalize-1"


def object_metadata(run_id: str, batch_id: str | None) -> dict[str, str]:
    """S3 metadata every lake object carries (see AGENTS.md): which run, batch and code wrote it."""
    return {"batch-id": batch_id or "automation", "run-id": run_id, "code-version": CODE_VERSION}
