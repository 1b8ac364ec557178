"""Intake sensors: one per lane (claims its intents) and one triage sensor (everything else)."""

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)
from dagster._core.storage.tags import RUN_KEY_TAG

from genolake_dagster.intake.cursor import IntakeCursor
from genolake_dagster.intake.process import ManifestIntake, TickOutcome
from genolake_dagster.lanes import all_lanes, claimed_intents
from genolake_dagster.lanes.base import Lane
from genolake_dagster.partitions import SAMPLES, samples_partitions
from genolake_dagster.resources import PlatformResource


def _run_exists(context: SensorEvaluationContext, run_key: str) -> bool:
    return bool(context.instance.get_run_records(RunsFilter(tags={RUN_KEY_TAG: run_key}), limit=1))


def _result(
    context: SensorEvaluationContext,
    outcome: TickOutcome,
    cursor: IntakeCursor,
    default_job: str | None = None,
) -> SensorResult:
    known = set(context.instance.get_dynamic_partitions(SAMPLES))
    new_partitions = sorted(set(outcome.new_partitions) - known)
    requests: dict[str, RunRequest] = {}
    for run in outcome.runs:
        requests.setdefault(
            run.run_key,
            RunRequest(
                run_key=run.run_key,
                job_name=run.job_name or default_job,
                partition_key=run.partition_key,
                run_config=run.run_config,
                tags=run.tags,
            ),
        )
    if outcome.counts:
        context.log.info(f"intake: {outcome.summary()}")
    return SensorResult(
        run_requests=list(requests.values()),
        dynamic_partitions_requests=[samples_partitions.build_add_request(new_partitions)]
        if new_partitions
        else [],
        cursor=cursor.dump(outcome.listed_keys),
    )


def _load_cursor(context: SensorEvaluationContext) -> IntakeCursor:
    cursor, reset_reason = IntakeCursor.load(context.cursor)
    if reset_reason:
        context.log.warning(reset_reason)
    return cursor


def build_lane_sensor(lane: Lane) -> SensorDefinition:
    @sensor(
        name=f"{lane.name}_manifests",
        jobs=list(lane.jobs),
        minimum_interval_seconds=lane.sensor_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            f"Claims manifests with intents {sorted(lane.intents)} and requests "
            f"{', '.join(job.name for job in lane.jobs)} runs."
        ),
    )
    def _lane_sensor(
        context: SensorEvaluationContext, platform: PlatformResource
    ) -> SensorResult | SkipReason:
        settings = platform.settings()
        if lane.name not in settings.enabled_lanes:
            return SkipReason(f"lane {lane.name!r} is not in GENOLAKE_ENABLED_LANES={settings.enabled_lanes}")
        cursor = _load_cursor(context)
        with platform.docs() as docs:
            intake = ManifestIntake(
                settings, platform.store(), docs, lambda key: _run_exists(context, key), cursor
            )
            outcome = intake.lane_tick(lane)
        return _result(context, outcome, cursor, default_job=lane.job.name)

    return _lane_sensor


@sensor(
    name="manifest_triage",
    minimum_interval_seconds=10,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Rejects manifests no lane can claim (bad JSON, unknown intent); records those whose lane is off."
    ),
)
def manifest_triage_sensor(context: SensorEvaluationContext, platform: PlatformResource) -> SensorResult:
    settings = platform.settings()
    enabled = {name: lane for name, lane in all_lanes().items() if name in settings.enabled_lanes}
    cursor = _load_cursor(context)
    with platform.docs() as docs:
        intake = ManifestIntake(
            settings, platform.store(), docs, lambda key: _run_exists(context, key), cursor
        )
        outcome = intake.triage_tick(claimed_intents(enabled))
    return _result(context, outcome, cursor)
