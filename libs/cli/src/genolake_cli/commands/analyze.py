"""`genolake analyze`: a VCF -> normalize -> annotate -> report, locally, into one folder.

``--out DIR`` receives ``normalized.parquet``, ``annotations/`` (the ``genolake annotate`` outputs) and
``report.html``. Module selection is the same as ``genolake annotate`` (``--modules``, ``--modules-dir``,
``--registry``); ``--reference`` compiles them to positions against a variant-position reference and
``--fill-ids`` fills missing rsIDs from it. Each step writes its outputs atomically; a failing step
leaves the earlier steps' outputs in place and exits non-zero naming the step.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from genolake_cli.commands.annotate import (
    CacheDirOption,
    ModulesDirOption,
    ModulesOption,
    ReferenceBuildOption,
    ReferenceOption,
    RegistryOption,
    check_engine,
    load_references,
    resolve,
    split_names,
)
from genolake_cli.errors import EXIT_REFUSED, invalid_option

if TYPE_CHECKING:
    from genolake_annotation.reference import VariantReference


def analyze(
    vcf: Annotated[Path, typer.Option(help="Input VCF (plain, gzip or bgzip).", exists=True, dir_okay=False)],
    user: Annotated[str, typer.Option(help="User the sample belongs to (report title and provenance).")],
    out: Annotated[Path, typer.Option(help="Output folder.")],
    sample: Annotated[str | None, typer.Option(help="VCF sample (default: the only one).")] = None,
    modules: ModulesOption = None,
    modules_dir: ModulesDirOption = None,
    registry: RegistryOption = None,
    cache_dir: CacheDirOption = None,
    engine: Annotated[str, typer.Option(help="Matching engine: polars or duckdb.")] = "polars",
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="FILTER values to keep (repeat or comma-separate); default: all."),
    ] = None,
    expected_build: Annotated[
        str | None, typer.Option(help="GRCh37 or GRCh38: fail on another build.")
    ] = None,
    prs: Annotated[
        Path | None,
        typer.Option(help="PRS results parquet to include in the report.", exists=True, dir_okay=False),
    ] = None,
    reference: ReferenceOption = None,
    reference_build: ReferenceBuildOption = None,
    fill_ids: Annotated[
        bool, typer.Option(help="Fill missing rsIDs from the --reference of the VCF's build.")
    ] = False,
) -> None:
    """Normalize, annotate and report one sample of a VCF locally; prints where everything went."""
    from genolake_annotation.modules import annotate as run_annotate
    from genolake_annotation.modules.manifest import sha256_of
    from genolake_annotation.normalize import NormalizeSettings, normalize_single
    from genolake_annotation.report import write_report
    from genolake_core.errors import GenoLakeError
    from pydantic import ValidationError

    from genolake_cli.commands.report import read_prs

    chosen = check_engine(engine)
    filters = None
    if filter_:
        filters = frozenset(p.strip() for value in filter_ for p in value.split(",") if p.strip())
    try:
        settings = NormalizeSettings(filters=filters, expected_build=expected_build)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise invalid_option(exc) from exc
    run_id = uuid.uuid4().hex
    out.mkdir(parents=True, exist_ok=True)
    normalized = out / "normalized.parquet"
    annotations = out / "annotations"
    report_path = out / "report.html"
    step = "normalize"
    try:
        step = "reference"
        references = load_references(reference, reference_build, cache_dir)
        step = "normalize"
        id_reference = _id_reference(vcf, references) if fill_ids else None
        result = normalize_single(
            vcf, normalized, sample=sample, settings=settings, id_reference=id_reference
        )
        step = "modules"
        compiled = resolve(split_names(modules), modules_dir, registry, cache_dir, references)
        step = "annotate"
        annotated = run_annotate(normalized, compiled, annotations, engine=chosen, run_id=run_id)
        step = "report"
        provenance = {
            "user": user,
            "sample": result.sample,
            "vcf": str(vcf),
            "vcf sha256": sha256_of(vcf),
            "run id": run_id,
        }
        write_report(annotations, provenance, read_prs(prs, result.sample), report_path)
    except GenoLakeError as exc:  # said with the step it ended (the earlier steps' outputs stay)
        typer.echo(f"error ({step}): {exc}", err=True)
        raise typer.Exit(EXIT_REFUSED) from exc
    payload = {
        "run_id": run_id,
        "sample": result.sample,
        "normalized": str(normalized),
        "annotations": str(annotations),
        "report": str(report_path),
        "records_out": result.records_out,
        "ids_filled": result.ids_filled,
        "modules": [s.model_dump() for s in annotated.modules],
    }
    typer.echo(json.dumps(payload, indent=2))


def _id_reference(vcf: Path, references: list[VariantReference]) -> VariantReference:
    """The reference matching the VCF's build (``--fill-ids``); an error naming what is missing."""
    from genolake_annotation.errors import InvalidInputError
    from genolake_annotation.normalize import read_vcf_header

    if not references:
        raise InvalidInputError("--fill-ids needs a --reference")
    build = read_vcf_header(vcf).detected_build
    if build is None and len(references) == 1:
        return references[0]
    for ref in references:
        if ref.build == build:
            return ref
    raise InvalidInputError(f"--fill-ids: no --reference on the VCF's build {build or '(undetected)'}")
