"""Code versions recorded with every output (lineage), one per asset.

Each is Dagster's `code_version` of its asset, the `code-version` S3 metadata of the objects the asset
writes, and the `code_version` in its Mongo run-document entry. Bump an asset's version in the same
commit as a change that makes that asset write something different for the same inputs (a new column,
another rule); the others stay, so their outputs are not reported as produced by new code.
"""

from __future__ import annotations

NORMALIZED_VARIANTS = "normalize-3"  # 2: rsIDs filled from a reference; 3: plink names (23, 24, 26) -> X, Y, MT
PRS_SCORES = "prs-1"
SAMPLE_ANNOTATIONS = "annotate-2"
SAMPLE_REPORT = "report-3"
ANNOTATION_MODULES = "modules-2"


def object_metadata(run_id: str, batch_id: str | None, code_version: str) -> dict[str, str]:
    """S3 metadata every lake object carries (see AGENTS.md): which run, batch and code wrote it."""
    return {"batch-id": batch_id or "automation", "run-id": run_id, "code-version": code_version}
