"""`genolake prs`: polygenic risk scores for one or more samples.

Input is either a VCF (normalized first, through `genolake_annotation.normalize`, into a temporary
directory; every sample unless ``--sample``) or a normalized genotype parquet. ``--scoring`` takes
comma-separated scoring files and/or PGS Catalog ids (``PGS000001``: the harmonized file of
``--build`` is fetched, cached under ``--cache-dir``). The scores go to ``--out`` as parquet, one
row per sample and score; ``--match-log`` also writes the per-variant match log.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genolake_cli.errors import EXIT_USAGE, fail, invalid_option


def prs(
    scoring: Annotated[
        str, typer.Option(help="Scoring files and/or PGS ids, comma-separated (FILE[,FILE...]).")
    ],
    out: Annotated[Path, typer.Option(help="Output parquet: one row per sample and score.")],
    vcf: Annotated[
        Path | None,
        typer.Option(help="Input VCF (normalized into a temp dir first).", exists=True, dir_okay=False),
    ] = None,
    normalized: Annotated[
        Path | None,
        typer.Option(help="A normalized genotype parquet (instead of --vcf).", exists=True, dir_okay=False),
    ] = None,
    sample: Annotated[
        str | None, typer.Option(help="Sample to score (VCF: default all; parquet: name to report).")
    ] = None,
    build: Annotated[
        str | None, typer.Option(help="Sample genome build, GRCh37 or GRCh38 (default: detected).")
    ] = None,
    match_log: Annotated[Path | None, typer.Option(help="Also write the per-variant match log here.")] = None,
    reference: Annotated[
        Path | None,
        typer.Option(
            help="Reference-panel scores parquet (pgs_id, score_sum) for percentiles.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache of parsed PGS Catalog scores.")] = None,
    absent_is_ref: Annotated[
        bool, typer.Option(help="Absent loci are REF/REF (variant-only VCFs; needs --fasta).")
    ] = False,
    fasta: Annotated[
        Path | None,
        typer.Option(help="Indexed reference FASTA (.fai) for --absent-is-ref.", exists=True, dir_okay=False),
    ] = None,
    keep_ambiguous: Annotated[bool, typer.Option(help="Keep palindromic A/T and C/G SNPs.")] = False,
    keep_multiallelic: Annotated[bool, typer.Option(help="Keep multi-allelic matches.")] = False,
    skip_flip: Annotated[bool, typer.Option(help="Refuse strand-flipped matches.")] = False,
    duplicates: Annotated[
        str, typer.Option(help="Score rows hitting one record: keep_first, sum, exclude or error.")
    ] = "keep_first",
    min_overlap: Annotated[float, typer.Option(help="Minimum match rate for a percentile.")] = 0.75,
    on_low_overlap: Annotated[str, typer.Option(help="flag or error when below --min-overlap.")] = "flag",
    require_build: Annotated[bool, typer.Option(help="Refuse unknown genome builds.")] = False,
) -> None:
    """Score samples against PGS Catalog (or custom) scoring files; writes parquet, prints a summary."""
    from genolake_prs import PrsSettings, ReferenceDistribution, score_vcf
    from genolake_prs.pipeline import is_path_source
    from pydantic import ValidationError

    if (vcf is None) == (normalized is None):
        raise fail("give exactly one of --vcf and --normalized", EXIT_USAGE)
    try:
        settings = PrsSettings(
            keep_ambiguous=keep_ambiguous,
            keep_multiallelic=keep_multiallelic,
            skip_flip=skip_flip,
            duplicates=duplicates,  # type: ignore[arg-type]
            absent_is_ref=absent_is_ref,
            min_overlap=min_overlap,
            on_low_overlap=on_low_overlap,  # type: ignore[arg-type]
            require_build=require_build,
        )
    except ValidationError as exc:
        raise invalid_option(exc) from exc
    if absent_is_ref and fasta is None:
        raise fail("--absent-is-ref needs --fasta (the reference allele of absent loci)", EXIT_USAGE)
    tokens = [t.strip() for t in scoring.split(",") if t.strip()]
    if build is None and not all(is_path_source(t) for t in tokens):
        raise typer.BadParameter("fetching a PGS Catalog score needs --build", param_hint="--build")

    result = score_vcf(
        scoring=[Path(t) if is_path_source(t) else t for t in tokens],
        vcf=vcf,
        normalized=normalized,
        sample=sample,
        build=build,
        settings=settings,
        reference=ReferenceDistribution.from_parquet(reference) if reference is not None else None,
        fasta=fasta,
        keep_match_log=match_log is not None,
        cache_dir=cache_dir,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    result.scores.write_parquet(out)
    if match_log is not None and result.match_log is not None:
        match_log.parent.mkdir(parents=True, exist_ok=True)
        result.match_log.write_parquet(match_log)
    for row in result.scores.iter_rows(named=True):
        pct = (
            f"percentile {row['percentile']:.1f} ({row['percentile_method']})"
            if row["percentile"] is not None
            else f"no percentile: {row['percentile_reason']}"
        )
        typer.echo(
            f"{row['sample']}\t{row['pgs_id']}\tsum={row['score_sum']:.6g}\t"
            f"matched={row['variants_matched']}/{row['variants_total']}\t{pct}"
        )
    typer.echo(f"wrote {out}")
