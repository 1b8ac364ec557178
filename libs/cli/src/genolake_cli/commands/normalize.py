"""`genolake normalize`: VCF -> normalized parquet (the same code the pipeline runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genolake_cli.errors import invalid_option


def normalize(
    vcf: Annotated[Path, typer.Option(help="Input VCF (plain, gzip or bgzip).", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option(help="Output parquet path.")],
    sample: Annotated[str | None, typer.Option(help="VCF sample to take (default: the only one).")] = None,
    filter_: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="FILTER value to keep; repeat or comma-separate (PASS,.); '.' keeps records without "
            "FILTER. Default: keep all.",
        ),
    ] = None,
    min_dp: Annotated[int | None, typer.Option(help="Drop records whose sample depth is below this.")] = None,
    min_qual: Annotated[float | None, typer.Option(help="Drop records whose QUAL is below this.")] = None,
    expected_build: Annotated[
        str | None, typer.Option(help="GRCh37 or GRCh38: fail if the VCF is another build.")
    ] = None,
    keep_ref_blocks: Annotated[
        bool, typer.Option(help="Keep gVCF reference blocks (<NON_REF>/<*>) instead of dropping them.")
    ] = False,
    id_reference: Annotated[
        Path | None,
        typer.Option(
            help="Fill missing rsIDs from this variant-position reference (a folder, or a VCF/parquet "
            "source with --reference-build); the rsid_filled column marks them."
        ),
    ] = None,
    reference_build: Annotated[
        str | None, typer.Option(help="Genome build of an --id-reference source file.")
    ] = None,
) -> None:
    """Normalize one sample of a VCF into the GenoLake parquet layout; prints the counts as JSON."""
    from genolake_annotation.normalize import NormalizeSettings, normalize_single
    from pydantic import ValidationError

    filters = None
    if filter_:
        filters = frozenset(part.strip() for value in filter_ for part in value.split(",") if part.strip())
    try:
        settings = NormalizeSettings(
            filters=filters,
            min_dp=min_dp,
            min_qual=min_qual,
            expected_build=expected_build,  # type: ignore[arg-type]
            drop_ref_blocks=not keep_ref_blocks,
        )
    except ValidationError as exc:
        raise invalid_option(exc) from exc
    reference = None
    if id_reference is not None:
        from genolake_annotation.modules.registry import default_cache_dir
        from genolake_annotation.reference import load_reference

        reference = load_reference(id_reference, reference_build, default_cache_dir())
    extra = {"id_reference": reference} if reference is not None else {}
    result = normalize_single(vcf, out, sample=sample, settings=settings, **extra)
    typer.echo(result.model_dump_json(indent=2))
