"""`genolake manifest schema|validate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from genolake_core.manifest import ManifestError, manifest_json_schema, parse_manifest

app = typer.Typer(no_args_is_help=True, help="The manifest contract.")


@app.command()
def schema(out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None) -> None:
    """Print (or write) the manifest JSON Schema generated from the models."""
    text = json.dumps(manifest_json_schema(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)


@app.command()
def validate(path: Path) -> None:
    """Check a manifest file offline (shape and identifiers; not the landing zone)."""
    try:
        manifest = parse_manifest(path.read_bytes())
    except ManifestError as exc:
        for reason in exc.reasons:
            typer.echo(f"{path}: {reason}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{path}: valid {getattr(manifest, 'intent', '?')} manifest for batch {manifest.batch_id}")
