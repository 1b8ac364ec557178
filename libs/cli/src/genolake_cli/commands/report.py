"""`genolake report`: an annotation output folder (+ optional PRS results) -> one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import polars as pl


def parse_provenance(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--provenance")
        out[key.strip()] = value
    return out


def read_prs(path: Path | None, sample: str | None) -> pl.DataFrame | None:
    """PRS results (``genolake prs`` output); rows of ``sample`` only when the file has a sample column."""
    if path is None:
        return None
    import polars as pl

    frame: pl.DataFrame = pl.read_parquet(path)
    if sample is not None and "sample" in frame.columns:
        frame = frame.filter(pl.col("sample") == sample)
    return frame


def report(
    annotations: Annotated[Path, typer.Option(help="Annotation output folder (genolake annotate --out).")],
    out: Annotated[Path, typer.Option(help="Output HTML file.")],
    prs: Annotated[
        Path | None,
        typer.Option(
            help=(
                "PRS results parquet (pgs_id, score_sum, variants_matched, variants_total, match_rate,"
                " percentile, percentile_reason)."
            ),
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    user: Annotated[str | None, typer.Option(help="User shown in the title and provenance.")] = None,
    sample: Annotated[
        str | None, typer.Option(help="Sample shown in the title (default: from the lineage).")
    ] = None,
    provenance: Annotated[
        list[str] | None, typer.Option(help="Extra provenance KEY=VALUE (repeatable).")
    ] = None,
) -> None:
    """Render the HTML report of one annotated sample (self-contained, works offline)."""
    from genolake_annotation.report import write_report

    extra = parse_provenance(provenance)
    given = {**({"user": user} if user else {}), **({"sample": sample} if sample else {}), **extra}
    path = write_report(annotations, given, read_prs(prs, sample), out)
    typer.echo(str(path))
