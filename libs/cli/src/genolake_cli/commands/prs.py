"""`genolake prs`: polygenic risk scores for one or more samples.

Input is either a VCF (normalized first, through `genolake_annotation.normalize`, into a temporary
directory; every sample unless ``--sample``) or a normalized genotype parquet. ``--scoring`` takes
comma-separated scoring files and/or PGS Catalog ids (``PGS000001``: the harmonized file of
``--build`` is fetched, cached under ``--cache-dir``). The scores go to ``--out`` as parquet, one
row per sample and score; ``--match-log`` also writes the per-variant match log.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from genolake_prs import ScoringFile


def _scoring_files(tokens: list[str], build: str | None, cache_dir: Path | None) -> list[ScoringFile]:
    from genolake_prs import PgsCatalogClient, ScoreCache, read_scoring_file
    from genolake_prs.catalog import PGS_ID_RE

    files: list[ScoringFile] = []
    for token in tokens:
        path = Path(token)
        if path.is_file() or not PGS_ID_RE.match(token):
            files.append(read_scoring_file(path))
            continue
        if build is None:
            raise typer.BadParameter(
                f"{token}: fetching a PGS Catalog score needs --build", param_hint="--build"
            )
        cache = ScoreCache(cache_dir) if cache_dir is not None else None
        with PgsCatalogClient() as client:
            files.append(client.fetch_scoring_file(token, build, cache=cache))
    return files


def prs(
    scoring: Annotated[
        str, typer.Option(help="Scoring files and/or PGS ids, comma-separated (FILE[,FILE...]).")
    ],
    out: Annotated[Path, typer.Option(help="Output parquet: one row per sample and score.")],
    vcf: Annotated[Path | None, typer.Option(help="Input VCF (normalized into a temp dir first).")] = None,
    normalized: Annotated[
        Path | None, typer.Option(help="A normalized genotype parquet (instead of --vcf).")
    ] = None,
    sample: Annotated[
        str | None, typer.Option(help="Sample to score (VCF: default all; parquet: name to report).")
    ] = None,
    build: Annotated[
        str | None, typer.Option(help="Sample genome build, GRCh37 or GRCh38 (default: detected).")
    ] = None,
    match_log: Annotated[Path | None, typer.Option(help="Also write the per-variant match log here.")] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Reference-panel scores parquet (pgs_id, score_sum) for percentiles.")
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache of parsed PGS Catalog scores.")] = None,
    absent_is_ref: Annotated[
        bool, typer.Option(help="Absent loci are REF/REF (variant-only VCFs; needs --fasta).")
    ] = False,
    fasta: Annotated[
        Path | None, typer.Option(help="Indexed reference FASTA (.fai) for --absent-is-ref.")
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
    import polars as pl
    from genolake_prs import (
        PrsError,
        PrsSettings,
        ReferenceDistribution,
        prepare_scores,
        reference_alleles_from_fasta,
        score_sample,
    )
    from pydantic import ValidationError

    if (vcf is None) == (normalized is None):
        typer.echo("error: give exactly one of --vcf and --normalized", err=True)
        raise typer.Exit(code=2)
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
        err = exc.errors()[0]
        typer.echo(f"error: invalid option --{str(err['loc'][0]).replace('_', '-')}: {err['msg']}", err=True)
        raise typer.Exit(code=2) from exc
    if absent_is_ref and fasta is None:
        typer.echo("error: --absent-is-ref needs --fasta (the reference allele of absent loci)", err=True)
        raise typer.Exit(code=2)

    tokens = [t.strip() for t in scoring.split(",") if t.strip()]
    try:
        scoring_files = _scoring_files(tokens, build, cache_dir)
        ref_dist = ReferenceDistribution.from_parquet(reference) if reference is not None else None
        ref_alleles = None
        if fasta is not None:
            loci = pl.concat([sf.variants.select("chrom", "pos") for sf in scoring_files])
            ref_alleles = reference_alleles_from_fasta(fasta, loci.drop_nulls())
        with tempfile.TemporaryDirectory(prefix="genolake-prs-") as scratch:
            inputs: dict[str, Path] = {}
            if vcf is not None:
                from genolake_annotation.normalize import NormalizeError, normalize_vcf, read_vcf_header

                try:
                    samples = [sample] if sample else list(read_vcf_header(vcf).samples)
                    if not samples:
                        typer.echo(f"error: {vcf} has no samples (sites-only VCF)", err=True)
                        raise typer.Exit(code=1)
                    outputs = {s: Path(scratch) / f"sample-{i}.parquet" for i, s in enumerate(samples)}
                    normalize_vcf(vcf, outputs)
                except NormalizeError as exc:
                    typer.echo(f"error: {exc}", err=True)
                    raise typer.Exit(code=1) from exc
                inputs = outputs
            else:
                assert normalized is not None
                inputs = {sample or "": normalized}
            prepared = prepare_scores(scoring_files)
            results = [
                score_sample(
                    path,
                    prepared,
                    sample=name or None,
                    sample_build=build,
                    settings=settings,
                    reference=ref_dist,
                    reference_alleles=ref_alleles,
                    keep_match_log=match_log is not None,
                )
                for name, path in inputs.items()
            ]
    except (PrsError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc

    scores = pl.concat([r.scores for r in results], how="vertical")
    out.parent.mkdir(parents=True, exist_ok=True)
    scores.write_parquet(out)
    if match_log is not None:
        logs = [r.match_log for r in results if r.match_log is not None]
        match_log.parent.mkdir(parents=True, exist_ok=True)
        pl.concat(logs, how="vertical").write_parquet(match_log)
    for row in scores.iter_rows(named=True):
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
