"""`genolake annotate`: a normalized parquet + annotation modules -> an annotation output folder.

Modules (``--modules a,b``; default: all available) come from ``--modules-dir`` (a local folder of
compiled modules, module specs and/or ``longevitymap.sqlite``), else from ``--registry`` (a
``modules.yaml``), else from the default registry (``longevitymap`` from Hugging Face, the built-in
``mthfr_nad`` and ``cyp_panel``). Specs and the LongevityMap database are compiled into ``--cache-dir``.
Prints the per-module summary as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

if TYPE_CHECKING:
    from genolake_annotation.modules import CompiledModule
    from genolake_annotation.modules.annotate import Engine
    from genolake_annotation.reference import VariantReference

ReferenceOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--reference",
        help="Variant-position reference: a folder (genolake reference build) or a dbSNP/Ensembl VCF or "
        "parquet (then give --reference-build); repeatable (one per build). Modules are compiled to "
        "positions against it.",
    ),
]
ReferenceBuildOption = Annotated[
    str | None, typer.Option(help="Genome build of a --reference source file: GRCh37 or GRCh38.")
]

ENGINES = ("polars", "duckdb")

# The module-selection options `annotate`, `analyze` and `modules install` share.
ModulesOption = Annotated[str | None, typer.Option(help="Module names, comma-separated (default: all).")]
ModulesDirOption = Annotated[
    Path | None, typer.Option(help="Local module folder (compiled modules, specs, longevitymap.sqlite).")
]
RegistryOption = Annotated[
    Path | None, typer.Option(help="A modules.yaml registry (instead of the default).")
]
CacheDirOption = Annotated[Path | None, typer.Option(help="Where modules are compiled/downloaded.")]


def split_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [part.strip() for part in value.split(",") if part.strip()]
    return names or None


def resolve(
    names: list[str] | None,
    modules_dir: Path | None,
    registry: Path | None,
    cache_dir: Path | None,
    references: Sequence[VariantReference] = (),
) -> list[CompiledModule]:
    """The compiled modules a command asked for (see the module docstring for the precedence); specs and
    the LongevityMap database are compiled against ``references`` (variant-position references)."""
    from genolake_annotation.errors import InvalidInputError
    from genolake_annotation.modules import LocalSource, default_registry, load_registry, resolve_modules
    from genolake_annotation.modules.registry import default_cache_dir

    cache = cache_dir or default_cache_dir()
    if modules_dir is not None:
        source = LocalSource(modules_dir, references)
        wanted = names if names is not None else source.available()
        if not wanted:
            raise InvalidInputError(f"no modules found in {modules_dir}")
        return [source.fetch(name, None, cache) for name in wanted]
    reg = load_registry(registry) if registry is not None else default_registry()
    return resolve_modules(reg, names, cache_dir=cache, references=references)


def load_references(
    paths: list[Path] | None, build: str | None, cache_dir: Path | None
) -> list[VariantReference]:
    """``--reference`` values: reference folders (genolake reference build) or source files (VCF/parquet,
    built into the cache; their build is ``--reference-build``)."""
    from genolake_annotation.modules.registry import default_cache_dir
    from genolake_annotation.reference import load_reference

    return [load_reference(p, build, cache_dir or default_cache_dir()) for p in paths or []]


def check_engine(engine: str) -> Engine:
    if engine in ENGINES:
        return cast("Engine", engine)
    raise typer.BadParameter(f"{engine!r} is not one of {', '.join(ENGINES)}", param_hint="--engine")


def annotate(
    normalized: Annotated[Path, typer.Option(help="Normalized parquet of one sample (genolake normalize).")],
    out: Annotated[
        Path, typer.Option(help="Output folder (annotations.parquet, studies, summary, lineage).")
    ],
    modules: ModulesOption = None,
    engine: Annotated[
        str, typer.Option(help="Matching engine: polars or duckdb (identical results).")
    ] = "polars",
    modules_dir: ModulesDirOption = None,
    registry: RegistryOption = None,
    cache_dir: CacheDirOption = None,
    memory_limit: Annotated[str, typer.Option(help="DuckDB memory limit (e.g. 1GB).")] = "1GB",
    run_id: Annotated[str | None, typer.Option(help="Run id recorded in the lineage.")] = None,
    reference: ReferenceOption = None,
    reference_build: ReferenceBuildOption = None,
) -> None:
    """Annotate one sample with annotation modules; prints the per-module summary as JSON."""
    import json

    from genolake_annotation.modules import annotate as run_annotate

    chosen = check_engine(engine)
    references = load_references(reference, reference_build, cache_dir)
    compiled = resolve(split_names(modules), modules_dir, registry, cache_dir, references)
    result = run_annotate(normalized, compiled, out, engine=chosen, run_id=run_id, memory_limit=memory_limit)
    payload = {
        "out_dir": str(result.out_dir),
        "engine": result.engine,
        "run_id": result.run_id,
        "modules": [s.model_dump() for s in result.modules],
    }
    typer.echo(json.dumps(payload, indent=2))
