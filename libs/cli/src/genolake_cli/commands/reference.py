"""`genolake reference`: the variant-position reference (rsID -> chrom, pos, ref, alts per build).

``build`` makes a reference folder locally from a dbSNP/Ensembl VCF or an Ensembl variation parquet (or
any slice of them); ``install`` builds one from a local path (``--file``), an S3 object
(``--source s3://bucket/key``) or a Hugging Face dataset file (``--source hf://datasets/owner/repo/path``)
and installs it into the lake (``reference/variants/{build}/{version}/``, Mongo ``references``); ``list``
shows what is installed. Modules installed afterwards (``genolake modules install``) are compiled to
positions against it; ``GENOLAKE_NORMALIZE_FILL_IDS=true`` fills missing rsIDs at normalization.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Variant-position references (rsID -> position per build).")

BuildOption = Annotated[str, typer.Option(help="Genome build of the source's positions: GRCh37 or GRCh38.")]


@app.command("build")
def build(
    file: Annotated[Path, typer.Option(help="Source: a VCF (dbSNP, Ensembl, any slice) or a parquet table.")],
    build: BuildOption,
    out: Annotated[Path, typer.Option(help="Output reference folder.")],
    version: Annotated[str | None, typer.Option(help="Version (default: 0+<sha256 of the source>).")] = None,
) -> None:
    """Build a reference folder locally (no services); prints its manifest (JSON)."""
    from genolake_annotation.reference import build_reference

    reference = build_reference(file, build, out, version=version)  # errors: genolake_cli.errors
    typer.echo(reference.manifest.model_dump_json(indent=2))


@app.command("install")
def install(
    build: BuildOption,
    file: Annotated[Path | None, typer.Option(help="A local source file (VCF or parquet).")] = None,
    source: Annotated[
        str | None,
        typer.Option(help="s3://bucket/key or hf://datasets/<owner>/<repo>[@<revision>]/<path>."),
    ] = None,
    version: Annotated[str | None, typer.Option(help="Version (default: 0+<sha256 of the source>).")] = None,
    hf_endpoint: Annotated[
        str | None, typer.Option(help="Hugging Face endpoint (default: HF_ENDPOINT).")
    ] = None,
) -> None:
    """Build and install a reference into the lake; prints what changed (JSON)."""
    from genolake_annotation.reference import build_reference
    from genolake_annotation.reference.lake import install_reference
    from genolake_annotation.reference.sources import fetch_source
    from genolake_core.docstore import DocStore
    from genolake_core.objectstore import ObjectStore
    from genolake_core.settings import get_settings

    if (file is None) == (source is None):
        raise typer.BadParameter("give exactly one of --file and --source", param_hint="--file/--source")
    settings = get_settings()
    store = ObjectStore.from_settings(settings)
    docs = DocStore.from_settings(settings)
    try:
        with tempfile.TemporaryDirectory(prefix="genolake-reference-") as scratch:
            uri = str(file) if file is not None else str(source)
            path = fetch_source(uri, Path(scratch) / "download", s3_store=store, endpoint=hf_endpoint)
            name = path.name if file is not None else uri
            reference = build_reference(path, build, Path(scratch) / "ref", version=version, source_name=name)
            result = install_reference(reference, store, docs, settings.lake_bucket)
    finally:
        docs.close()
    payload = {
        "build": result.build,
        "version": result.version,
        "prefix": result.prefix,
        "previous": result.previous,
        "created": result.created,
        "rows": reference.manifest.rows,
        "source": reference.manifest.source,
        "source_sha256": reference.manifest.source_sha256,
    }
    typer.echo(json.dumps(payload, indent=2))


@app.command("list")
def list_references() -> None:
    """The current reference of every build (JSON)."""
    from genolake_core.docstore import DocStore
    from genolake_core.settings import get_settings

    docs = DocStore.from_settings(get_settings())
    try:
        installed = docs.installed_references()
    finally:
        docs.close()
    typer.echo(json.dumps(installed, indent=2, default=str))
