"""Declarative automation: a newly published module version re-annotates (and re-reports) the partitions
that already have annotations. Nothing else is automated; manifests drive all other work.

The sensor evaluates in the daemon every AUTOMATION_INTERVAL_SECONDS; its runs carry LANE_TAG
`automation` (no batch), and the status sync mirrors them into Mongo like manifest runs. Stop the
`reannotate_on_new_modules` sensor in the Dagster UI to re-annotate by manifest only.
"""

from __future__ import annotations

from dagster import (
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
)

from genolake_dagster.tags import AUTOMATION_LANE, LANE_TAG, RETRY_TAGS

AUTOMATION_INTERVAL_SECONDS = 15

# An annotated partition whose module set got a new version (not partitions never annotated).
REANNOTATE_ON_NEW_MODULE = (
    AutomationCondition.any_deps_updated().allow(AssetSelection.assets("annotation_modules"))
    & ~AutomationCondition.missing()
    & ~AutomationCondition.in_progress()
).with_label("re-annotate when a module version is published")

# The report follows its annotations when those are re-annotated on the same tick (same run).
REPORT_WITH_REANNOTATION = (
    AutomationCondition.any_deps_match(AutomationCondition.will_be_requested()).allow(
        AssetSelection.assets("sample_annotations")
    )
    & ~AutomationCondition.missing()
    & ~AutomationCondition.in_progress()
).with_label("re-render with re-annotated data")

automation_sensor = AutomationConditionSensorDefinition(
    name="reannotate_on_new_modules",
    target=AssetSelection.assets("sample_annotations", "sample_report"),
    run_tags={LANE_TAG: AUTOMATION_LANE, **RETRY_TAGS},
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=AUTOMATION_INTERVAL_SECONDS,
    emit_backfills=False,
    description="Re-annotates annotated partitions when a module version is published (see automation.py).",
)
