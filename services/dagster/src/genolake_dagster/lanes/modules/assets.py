"""Asset of the modules lane: the installed annotation modules (one materialization per published version)."""

import tempfile
from pathlib import Path

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset
from genolake_annotation.modules import ModuleSpecError, load_spec
from genolake_annotation.modules.compile import compile_spec
from genolake_annotation.modules.lake import ModuleConflictError, publish_module
from genolake_annotation.reference.lake import fetch_installed_references
from genolake_core.lanes.modules import ANNOTATION_MODULES

from genolake_dagster.lanes.modules.spec_files import download_spec
from genolake_dagster.resources import PlatformResource

CODE_VERSION = ANNOTATION_MODULES.code_version  # declared by the lane's contract
from genolake_dagster.transient import retry_transient


class SpecObject(Config):
    role: str
    key: str
    etag: str


class RegisterModuleConfig(Config):
    batch_id: str
    files: list[SpecObject]


@asset(
    group_name="reference",
    kinds={"parquet", "s3"},
    code_version=CODE_VERSION,
    description=(
        "Annotation modules installed in the lake (reference/modules/{name}/{version}/). A new version "
        "makes sample_annotations stale; the automation sensor re-annotates the affected partitions."
    ),
)
@retry_transient
def annotation_modules(
    context: AssetExecutionContext, config: RegisterModuleConfig, platform: PlatformResource
) -> MaterializeResult:
    settings = platform.settings()
    store = platform.store()
    objects = {item.role: (item.key, item.etag) for item in config.files}
    with tempfile.TemporaryDirectory(prefix="genolake-module-") as tmp:
        try:
            download_spec(store, settings.landing_bucket, objects, Path(tmp) / "spec")
            spec = load_spec(Path(tmp) / "spec")
        except (ValueError, ModuleSpecError) as exc:
            raise Failure(f"module spec of batch {config.batch_id}: {exc}") from exc
        source = f"s3://{settings.landing_bucket}/{objects['module_spec'][0]}"
        with platform.docs() as docs:
            # compiled to positions against the installed variant-position references (none: as authored)
            references = fetch_installed_references(store, docs, settings.lake_bucket, Path(tmp) / "refs")
        module = compile_spec(spec, Path(tmp) / "compiled", source=source, references=references)
        with platform.docs() as docs:
            try:
                result = publish_module(
                    module,
                    store,
                    docs,
                    settings.lake_bucket,
                    batch_id=config.batch_id,
                    run_id=context.run.run_id,
                )
            except ModuleConflictError as exc:
                raise Failure(str(exc)) from exc
            stale = docs.partitions.count_documents(
                {f"assets.sample_annotations.modules.{result.name}": {"$exists": True, "$ne": result.version}}
            )
    context.log.info(f"published module {result.name} {result.version} (previous: {result.previous})")
    return MaterializeResult(
        metadata={
            "module": result.name,
            "version": result.version,
            "previous_version": result.previous or "none",
            "created": result.created,
            "lake_prefix": result.prefix,
            "uri": MetadataValue.path(f"s3://{settings.lake_bucket}/{result.prefix}"),
            "stale_partitions": stale,
            "batch_id": config.batch_id,
            "code_version": CODE_VERSION,
        }
    )
