"""Run tags GenoLake sets on every run it requests (read back by the status sync)."""

from __future__ import annotations

from genolake_core.manifest import ManifestBase

BATCH_TAG = "genolake/batch_id"
LANE_TAG = "genolake/lane"
USER_TAG = "genolake/user"
SAMPLE_TAG = "genolake/sample"
HEAVY_TAG = "genolake/heavy"
AUTOMATION_LANE = "automation"  # LANE_TAG of runs the automation sensor launches (no batch)

# Every job's automatic run retries (Dagster's run retries; the instance enables them, `run_retries`):
# a run that failed outside its steps (code server unreachable at launch, run worker lost, start
# timeout) is re-executed from its failure up to twice; a run whose step failed is not (a step retries
# transient storage errors itself, see genolake_dagster.transient; what is left is the data's fault).
MAX_RUN_RETRIES = 2
RETRY_TAGS = {
    "dagster/max_retries": str(MAX_RUN_RETRIES),
    "dagster/retry_on_asset_or_op_failure": "false",
}


def run_tags(manifest: ManifestBase, lane: str, sample: str | None, *, heavy: bool = False) -> dict[str, str]:
    tags = {BATCH_TAG: manifest.batch_id, LANE_TAG: lane, USER_TAG: manifest.owner}
    if sample is not None:
        tags[SAMPLE_TAG] = sample
    if heavy:
        tags[HEAVY_TAG] = "true"
    return tags
