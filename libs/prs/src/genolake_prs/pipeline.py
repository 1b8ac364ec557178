"""`score_vcf`: polygenic risk scores of a VCF (or of its normalized parquet) in one call.

What `genolake prs` and the platform's `prs_scores` asset both run, so the command line and the
pipeline cannot drift apart:

1. the scoring files are loaded (`load_scoring`: parsed files, file paths read in parallel, PGS Catalog
   ids fetched as the harmonized file of ``build``, through a parquet cache when ``cache_dir`` is given);
2. with ``fasta``, the reference allele of every scored locus is read (``absent_is_ref``);
3. a VCF is normalized first (`genolake_annotation.normalize`, into a temporary folder): every sample,
   or only ``sample``; a normalized parquet is scored as it is, ``sample`` naming it;
4. the scores are prepared once and every sample is scored (`score_sample`), the results concatenated.

Errors are `PrsError`s (the VCF's own are the normalizer's `NormalizeError`); both are GenoLakeErrors.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from genolake_prs.catalog import PGS_ID_RE, PgsCatalogClient, ScoreCache
from genolake_prs.errors import PrsError
from genolake_prs.match import prepare_scores
from genolake_prs.percentile import ReferenceDistribution
from genolake_prs.reference import reference_alleles_from_fasta
from genolake_prs.score import PrsResult, score_sample, score_samples
from genolake_prs.scoring_file import ScoringFile, read_scoring_files
from genolake_prs.settings import PrsSettings

#: A parsed scoring file, a scoring file's path, or a PGS Catalog id (``PGS000001``).
ScoringSource = ScoringFile | Path | str


def load_scoring(
    sources: Sequence[ScoringSource], *, build: str | None = None, cache_dir: Path | None = None
) -> list[ScoringFile]:
    """The scoring files of ``sources``, in order. A string is a path when such a file exists or it does
    not look like a PGS id; a PGS id is fetched from the Catalog (its harmonized file of ``build``)."""
    if not sources:
        raise PrsError("no scoring files given")
    paths = [
        source
        for source in sources
        if isinstance(source, Path) or (isinstance(source, str) and is_path_source(source))
    ]
    read = iter(read_scoring_files(paths))
    loaded: list[ScoringFile] = []
    client: PgsCatalogClient | None = None
    try:
        for source in sources:
            if isinstance(source, ScoringFile):
                loaded.append(source)
            elif isinstance(source, Path) or is_path_source(source):
                loaded.append(next(read))
            else:
                if build is None:
                    raise PrsError(f"{source}: fetching a PGS Catalog score needs the genome build")
                client = client or PgsCatalogClient()
                cache = ScoreCache(cache_dir) if cache_dir is not None else None
                loaded.append(client.fetch_scoring_file(source, build, cache=cache))
    finally:
        if client is not None:
            client.close()
    return loaded


def is_path_source(token: str) -> bool:
    """Whether a scoring source given as text is a file path (else a PGS Catalog id)."""
    return Path(token).is_file() or not PGS_ID_RE.match(token)


def score_vcf(
    *,
    scoring: Sequence[ScoringSource],
    vcf: Path | None = None,
    normalized: Path | None = None,
    sample: str | None = None,
    build: str | None = None,
    settings: PrsSettings | None = None,
    reference: ReferenceDistribution | None = None,
    fasta: Path | None = None,
    keep_match_log: bool = True,
    cache_dir: Path | None = None,
) -> PrsResult:
    """Score ``vcf`` (every sample, or ``sample``) or the ``normalized`` parquet of one sample (named
    ``sample``, default: its metadata) against ``scoring``; see the module docstring for the steps.

    ``build``: the sample's genome build (default: what the normalized data records); ``reference``:
    reference-panel scores for empirical percentiles; ``fasta``: an indexed reference FASTA, needed
    with ``settings.absent_is_ref``; ``cache_dir``: where fetched PGS Catalog scores are cached.
    """
    if (vcf is None) == (normalized is None):
        raise PrsError("give exactly one of a VCF and a normalized parquet")
    settings = settings or PrsSettings()
    scoring_files = load_scoring(scoring, build=build, cache_dir=cache_dir)
    reference_alleles = None
    if fasta is not None:
        loci = pl.concat([sf.variants.select("chrom", "pos") for sf in scoring_files]).drop_nulls()
        reference_alleles = reference_alleles_from_fasta(fasta, loci)
    prepared = prepare_scores(scoring_files)
    if normalized is not None:
        return score_sample(
            normalized,
            prepared,
            sample=sample,
            sample_build=build,
            settings=settings,
            reference=reference,
            reference_alleles=reference_alleles,
            keep_match_log=keep_match_log,
        )
    assert vcf is not None
    from genolake_annotation.normalize import normalize_vcf, read_vcf_header

    samples = [sample] if sample else list(read_vcf_header(vcf).samples)
    if not samples:
        raise PrsError(f"{vcf} has no samples (sites-only VCF)")
    with tempfile.TemporaryDirectory(prefix="genolake-prs-") as scratch:
        outputs = {name: Path(scratch) / f"sample-{i}.parquet" for i, name in enumerate(samples)}
        normalize_vcf(vcf, outputs)
        return score_samples(
            outputs,
            prepared,
            sample_build=build,
            settings=settings,
            reference=reference,
            reference_alleles=reference_alleles,
            keep_match_log=keep_match_log,
        )
