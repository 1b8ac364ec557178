"""`genolake normalize`: VCF -> normalized parquet (the same code the pipeline runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def normalize(
    vcf: Annotated[Path, typer.Option(help="Input VCF (plain, gzip or bgzip).")],
    out: Annotated[Path, typer.Option(help="Output parquet path.")],
    sample: Annotated[str | None, typer.Option(help="VCF sample to take (default: the only one).")] = None,
) -> None:
    """Normalize one sample of a VCF into the GenoLake parquet layout."""
    raise typer.Exit(code=2)
