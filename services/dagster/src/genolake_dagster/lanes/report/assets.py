"""Asset of the report lane: the self-contained HTML report of one partition."""

import tempfile
from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from genolake_annotation.report import write_report
from genolake_core.ids import split_partition_key
from genolake_core.lanes.report import SAMPLE_REPORT
from genolake_core.layout import annotations_prefix, prs_scores_key, report_key

from genolake_dagster.automation import REPORT_WITH_REANNOTATION
from genolake_dagster.lanes.annotate.assets import OUTPUT_FILES, sample_annotations
from genolake_dagster.lanes.prs.assets import prs_scores
from genolake_dagster.partitions import samples_partitions
from genolake_dagster.resources import PlatformResource
from genolake_dagster.transient import retry_transient
from genolake_dagster.version import object_metadata

CODE_VERSION = SAMPLE_REPORT.code_version  # declared by the lane's contract


class ReportConfig(Config):
    batch_id: str | None = None


@asset(
    partitions_def=samples_partitions,
    group_name="report",
    deps=[sample_annotations, prs_scores],
    kinds={"html", "s3"},
    code_version=CODE_VERSION,
    automation_condition=REPORT_WITH_REANNOTATION,
    description="One self-contained HTML report per sample: modules, longevity categories, PRS, provenance.",
)
@retry_transient
def sample_report(
    context: AssetExecutionContext, config: ReportConfig, platform: PlatformResource
) -> MaterializeResult:
    user, sample = split_partition_key(context.partition_key)
    settings = platform.settings()
    store = platform.store()
    prefix = annotations_prefix(user, sample)
    with tempfile.TemporaryDirectory(prefix="genolake-report-") as tmp:
        folder = Path(tmp) / "annotations"
        folder.mkdir()
        for name in OUTPUT_FILES:
            if store.head(settings.lake_bucket, prefix + name) is None:
                raise Failure(
                    f"partition {context.partition_key} has no {name} under {prefix}; annotate it first"
                )
            store.download(settings.lake_bucket, prefix + name, folder / name)
        prs = None
        if store.head(settings.lake_bucket, prs_scores_key(user, sample)) is not None:
            store.download(settings.lake_bucket, prs_scores_key(user, sample), Path(tmp) / "prs.parquet")
            prs = pl.read_parquet(Path(tmp) / "prs.parquet")
        provenance = {
            "user": user,
            "sample": sample,
            "report run id": context.run.run_id,
            "batch id": config.batch_id or "automation",
            "report code version": CODE_VERSION,
        }
        out = write_report(folder, provenance, prs, Path(tmp) / "report.html")
        key = report_key(user, sample)
        meta = object_metadata(context.run.run_id, config.batch_id, CODE_VERSION)
        digest = store.put_file(
            out, settings.lake_bucket, key, metadata=meta, content_type="text/html; charset=utf-8"
        )
        size = out.stat().st_size
    return MaterializeResult(
        metadata={
            "lake_key": key,
            "uri": MetadataValue.path(f"s3://{settings.lake_bucket}/{key}"),
            "sha256": digest,
            "bytes": size,
            "with_prs": prs is not None,
            "batch_id": config.batch_id or "automation",
            "code_version": CODE_VERSION,
        }
    )
