"""Code versions recorded with every output (lineage), one per asset, and the S3 metadata naming them.

Each asset's version is declared by its lane's contract (`genolake_core.lanes.<lane>`, `AssetContract.
code_version`): it is Dagster's `code_version` of the asset, the `code-version` S3 metadata of the objects
the asset writes, and the `code_version` in its Mongo run-document entry. Bump it there in the same commit
as a change that makes that asset write something different for the same inputs (a new column, another
rule); the others stay, so their outputs are not reported as produced by new code.
"""

from __future__ import annotations

from genolake_core.lanes.annotate import SAMPLE_ANNOTATIONS as _SAMPLE_ANNOTATIONS
from genolake_core.lanes.modules import ANNOTATION_MODULES as _ANNOTATION_MODULES
from genolake_core.lanes.normalize import NORMALIZED_VARIANTS as _NORMALIZED_VARIANTS
from genolake_core.lanes.prs import PRS_SCORES as _PRS_SCORES
from genolake_core.lanes.report import SAMPLE_REPORT as _SAMPLE_REPORT

# The shipped assets' versions by their old names (tests and callers that import them).
NORMALIZED_VARIANTS = _NORMALIZED_VARIANTS.code_version
PRS_SCORES = _PRS_SCORES.code_version
SAMPLE_ANNOTATIONS = _SAMPLE_ANNOTATIONS.code_version
SAMPLE_REPORT = _SAMPLE_REPORT.code_version
ANNOTATION_MODULES = _ANNOTATION_MODULES.code_version


def object_metadata(run_id: str, batch_id: str | None, code_version: str) -> dict[str, str]:
    """S3 metadata every lake object carries (see AGENTS.md): which run, batch and code wrote it."""
    return {"batch-id": batch_id or "automation", "run-id": run_id, "code-version": code_version}
