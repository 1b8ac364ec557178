"""Removes deleted samples' dynamic partitions (requested by the API in `partition_deletions`).

Idempotent: deleting a partition that is already gone is harmless; a request is marked done only
on the tick after Dagster no longer lists the partition.
"""

from dagster import DefaultSensorStatus, SensorEvaluationContext, SensorResult, sensor
from genolake_core.docstore import utcnow

from genolake_dagster.partitions import SAMPLES, samples_partitions
from genolake_dagster.resources import PlatformResource


@sensor(
    name="partition_deletions",
    minimum_interval_seconds=10,
    default_status=DefaultSensorStatus.RUNNING,
    description="Deletes the Dagster partitions of samples deleted through the API.",
)
def partition_deletions_sensor(context: SensorEvaluationContext, platform: PlatformResource) -> SensorResult:
    known = set(context.instance.get_dynamic_partitions(SAMPLES))
    to_delete = []
    with platform.docs() as docs:
        for request in docs.deletions.find({"status": "pending"}).limit(100):
            key = request["_id"]
            if key in known:
                to_delete.append(key)
            else:
                docs.deletions.update_one({"_id": key}, {"$set": {"status": "done", "done_at": utcnow()}})
    if to_delete:
        context.log.info(f"deleting partitions {to_delete}")
    return SensorResult(
        dynamic_partitions_requests=[samples_partitions.build_delete_request(to_delete)] if to_delete else []
    )
