"""`genolake scores`: install scoring files into the platform's lake (PGS Catalog ids or local files),
and list what is installed. PRS manifests then name them in `options.scores` (genolake_prs.lake)."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Scoring files installed in the platform (PRS).")


@app.command("install")
def install(
    pgs: Annotated[
        str | None, typer.Option(help="PGS Catalog ids, comma-separated (harmonized file of --build).")
    ] = None,
    build: Annotated[
        str | None, typer.Option(help="Genome build of the PGS Catalog files: GRCh37 or GRCh38.")
    ] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            help="A local scoring file (PGS format, plain or gzip); repeatable.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    rest_url: Annotated[
        str | None, typer.Option(help="PGS Catalog REST API (default: www.pgscatalog.org).")
    ] = None,
) -> None:
    """Validate and publish scoring files to `reference/scores/`; prints what changed (JSON)."""
    from genolake_core.docstore import DocStore
    from genolake_core.errors import GenoLakeError
    from genolake_core.objectstore import ObjectStore
    from genolake_core.settings import get_settings
    from genolake_prs.catalog import DEFAULT_REST_URL, PgsCatalogClient, check_pgs_id
    from genolake_prs.genome_build import normalize_build
    from genolake_prs.lake import install_scoring_file

    ids = [token.strip() for token in (pgs or "").split(",") if token.strip()]
    if not ids and not file:
        raise typer.BadParameter(
            "name PGS ids (--pgs) and/or local files (--file)", param_hint="--pgs/--file"
        )
    if ids and build is None:
        raise typer.BadParameter("PGS Catalog ids need --build (GRCh37 or GRCh38)", param_hint="--build")
    settings = get_settings()
    store = ObjectStore.from_settings(settings)
    docs = DocStore.from_settings(settings)
    results = []
    try:
        for path in file or []:
            results.append(
                install_scoring_file(path, store, docs, settings.lake_bucket, source=f"file:{path.name}")
            )
        if ids:
            with (
                tempfile.TemporaryDirectory(prefix="genolake-pgs-") as scratch,
                PgsCatalogClient(rest_url=rest_url or DEFAULT_REST_URL) as client,
            ):
                for pgs_id in ids:
                    downloaded = client.download_scoring_file(check_pgs_id(pgs_id), build or "", scratch)
                    results.append(
                        install_scoring_file(
                            downloaded,
                            store,
                            docs,
                            settings.lake_bucket,
                            source=f"pgs-catalog:{pgs_id}",
                            expect=(pgs_id, normalize_build(build) or ""),
                        )
                    )
    except GenoLakeError:  # what was installed before the error, then the error (genolake_cli.errors)
        typer.echo(json.dumps([r.as_dict() for r in results], indent=2))
        raise
    finally:
        docs.close()
    typer.echo(json.dumps([r.as_dict() for r in results], indent=2))


@app.command("list")
def list_scores() -> None:
    """Every installed score and build (JSON)."""
    from genolake_core.docstore import DocStore
    from genolake_core.scores import installed_scores
    from genolake_core.settings import get_settings

    docs = DocStore.from_settings(get_settings())
    try:
        scores = installed_scores(docs)
    finally:
        docs.close()
    typer.echo(json.dumps([asdict(s) for s in scores], indent=2))
