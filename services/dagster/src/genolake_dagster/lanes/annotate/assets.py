"""Asset of the annotate lane: one partition's annotation rows, matched studies, summary and lineage."""

import json
import tempfile
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from genolake_annotation.modules import ModuleIntegrityError, ModuleSourceError
from genolake_annotation.modules import annotate as run_annotate
from genolake_annotation.modules.annotate import ANNOTATIONS_FILE, LINEAGE_FILE, STUDIES_FILE, SUMMARY_FILE
from genolake_annotation.modules.lake import fetch_installed
from genolake_core.ids import split_partition_key
from genolake_core.lanes.annotate import SAMPLE_ANNOTATIONS
from genolake_core.layout import annotations_prefix, normalized_key

from genolake_dagster.automation import REANNOTATE_ON_NEW_MODULE
from genolake_dagster.lanes.modules.assets import annotation_modules
from genolake_dagster.lanes.normalize.assets import normalized_variants
from genolake_dagster.partitions import samples_partitions
from genolake_dagster.resources import PlatformResource
from genolake_dagster.transient import retry_transient
from genolake_dagster.version import object_metadata

CODE_VERSION = SAMPLE_ANNOTATIONS.code_version  # declared by the lane's contract

# Uploaded in this order: lineage.json last, so a folder with a lineage is complete.
OUTPUT_FILES = (ANNOTATIONS_FILE, STUDIES_FILE, SUMMARY_FILE, LINEAGE_FILE)


class AnnotateConfig(Config):
    """Defaults serve automation runs (no manifest): every enabled module, polars engine."""

    batch_id: str | None = None
    modules: list[str] | None = None
    engine: str = "polars"


def lineage_metadata(lineage: dict[str, Any], normalized_object: dict[str, str]) -> dict[str, Any]:
    """What produced the annotations (Dagster metadata and Mongo run docs): lineage.json plus the S3
    metadata of the normalized parquet (the run and code version that wrote it)."""
    normalize = lineage.get("normalize") or {}
    return {
        "modules": {m["name"]: m["version"] for m in lineage.get("modules", [])},
        "module_sources": {m["name"]: m.get("source") for m in lineage.get("modules", [])},
        # the variant-position references each module was compiled with ({} = none)
        "module_references": {m["name"]: m.get("references") or {} for m in lineage.get("modules", [])},
        "id_reference": normalize.get("id_reference"),
        "normalize_settings": normalize.get("settings"),
        "normalize_run_id": normalized_object.get("run-id"),
        "normalize_code_version": normalized_object.get("code-version"),
        "input_sha256": (lineage.get("input") or {}).get("sha256"),
        "build": (lineage.get("input") or {}).get("build"),
        "engine": lineage.get("engine"),
        "code_version": lineage.get("code_version"),
    }


@asset(
    partitions_def=samples_partitions,
    group_name="annotate",
    deps=[normalized_variants, annotation_modules],
    kinds={"parquet", "s3"},
    code_version=CODE_VERSION,
    automation_condition=REANNOTATE_ON_NEW_MODULE,
    description=(
        "Annotation rows of one sample against the installed modules, with studies, summary and lineage."
    ),
)
@retry_transient
def sample_annotations(
    context: AssetExecutionContext, config: AnnotateConfig, platform: PlatformResource
) -> MaterializeResult:
    user, sample = split_partition_key(context.partition_key)
    settings = platform.settings()
    store = platform.store()
    prefix = annotations_prefix(user, sample)
    with tempfile.TemporaryDirectory(prefix="genolake-annotate-") as tmp:
        folder = Path(tmp)
        normalized = folder / "variants.parquet"
        if store.head(settings.lake_bucket, normalized_key(user, sample)) is None:
            raise Failure(f"partition {context.partition_key} has no normalized variants; normalize it first")
        normalized_info = store.download(settings.lake_bucket, normalized_key(user, sample), normalized)
        with platform.docs() as docs:
            try:
                modules = fetch_installed(
                    store, docs, settings.lake_bucket, folder / "modules", config.modules
                )
            except (ModuleSourceError, ModuleIntegrityError) as exc:
                raise Failure(f"annotation modules: {exc}") from exc
        result = run_annotate(
            normalized,
            modules,
            folder / "out",
            engine=config.engine,  # type: ignore[arg-type]
            run_id=context.run.run_id,
            code_version=CODE_VERSION,
        )
        meta = object_metadata(context.run.run_id, config.batch_id, CODE_VERSION)
        digests = {}
        for name in OUTPUT_FILES:
            digests[name] = store.put_file(
                result.files[name], settings.lake_bucket, prefix + name, metadata=meta
            )
        lineage = json.loads(result.files[LINEAGE_FILE].read_text())
    summary = [s.model_dump() for s in result.modules]
    info = lineage_metadata(lineage, normalized_info.metadata)
    context.log.info(f"annotated {context.partition_key} with {info['modules']}")
    return MaterializeResult(
        metadata={
            "lake_key": prefix + ANNOTATIONS_FILE,
            "uri": MetadataValue.path(f"s3://{settings.lake_bucket}/{prefix}"),
            "sha256": digests[ANNOTATIONS_FILE],
            "annotation_rows": sum(s["annotation_rows"] for s in summary),
            "modules": MetadataValue.json(info["modules"]),
            "summary": MetadataValue.json(summary),
            "lineage": MetadataValue.json(info),
            "batch_id": config.batch_id or "automation",
            "code_version": CODE_VERSION,
        }
    )
