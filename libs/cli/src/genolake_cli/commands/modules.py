"""`genolake modules`: install annotation modules into the platform's lake, and list what is installed.

``install`` resolves modules exactly like ``genolake annotate`` (``--modules-dir`` local folder, else a
``--registry`` modules.yaml, else the default registry: LongevityMap from Hugging Face plus the built-in
specs) and publishes each as ``reference/modules/{name}/{version}/`` (see genolake_annotation.modules.lake).
Re-installing the same version is a no-op; a changed module under an existing version is refused.
Installed variant-position references (``genolake reference install``) are used to compile the modules
to positions (strand-checked; ``--no-references`` skips them): the module's version then carries a
``-r<8 hex>`` suffix naming the references, and its metadata records them.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from genolake_cli.commands.annotate import (
    CacheDirOption,
    ModulesDirOption,
    ModulesOption,
    RegistryOption,
    resolve,
    split_names,
)

app = typer.Typer(no_args_is_help=True, help="Annotation modules installed in the platform.")


@app.command("install")
def install(
    modules: ModulesOption = None,
    modules_dir: ModulesDirOption = None,
    registry: RegistryOption = None,
    cache_dir: CacheDirOption = None,
    use_references: Annotated[
        bool,
        typer.Option(
            "--references/--no-references",
            help="Compile against the installed variant-position references (genolake reference install).",
        ),
    ] = True,
) -> None:
    """Publish modules to the data lake and make each the current version; prints what changed."""
    from genolake_annotation.modules.lake import publish_module
    from genolake_annotation.modules.registry import default_cache_dir
    from genolake_annotation.reference.lake import fetch_installed_references
    from genolake_core.docstore import DocStore
    from genolake_core.objectstore import ObjectStore
    from genolake_core.settings import get_settings

    settings = get_settings()
    docs = DocStore.from_settings(settings)
    store = ObjectStore.from_settings(settings)
    results = []
    try:
        cache = cache_dir or default_cache_dir()
        references = (
            fetch_installed_references(store, docs, settings.lake_bucket, cache) if use_references else []
        )
        compiled = resolve(split_names(modules), modules_dir, registry, cache, references)
        for module in compiled:  # a ModuleConflictError ends the command (genolake_cli.errors)
            result = publish_module(module, store, docs, settings.lake_bucket)
            results.append(
                {
                    "module": result.name,
                    "version": result.version,
                    "previous": result.previous,
                    "created": result.created,
                    "references": module.manifest.references,
                    "strand": module.manifest.strand,
                }
            )
    finally:
        docs.close()
    typer.echo(json.dumps(results, indent=2))


@app.command("list")
def list_modules() -> None:
    """The current version of every installed module (JSON)."""
    from genolake_core.docstore import DocStore
    from genolake_core.settings import get_settings

    docs = DocStore.from_settings(get_settings())
    try:
        installed = docs.installed_modules(enabled_only=False)
    finally:
        docs.close()
    typer.echo(json.dumps(installed, indent=2, default=str))
