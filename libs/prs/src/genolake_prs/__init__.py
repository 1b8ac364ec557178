"""genolake_prs: polygenic risk scores from PGS Catalog scoring files on normalized genotypes.

`score_vcf` does it all in one call (what `genolake prs` and the platform's asset run): scoring files
read (`read_scoring_file`) or fetched from the PGS Catalog (`PgsCatalogClient`, cached by `ScoreCache`),
the VCF normalized (`genolake_annotation.normalize`), each sample scored against all of them in one pass
(`score_sample`). The rules live in the module docstrings:
`genolake_prs.scoring_file` (parsing), `genolake_prs.match` (matching, exclusions),
`genolake_prs.dosage` (dosage, missing calls), `genolake_prs.percentile`,
`genolake_prs.settings` (what is configurable).
"""

from __future__ import annotations

from genolake_prs.catalog import PgsCatalogClient, ScoreCache, ScoreMetadata
from genolake_prs.errors import (
    BuildMismatchError,
    CatalogError,
    LowOverlapError,
    PrsError,
    ReferenceDistributionError,
    SampleDataError,
    ScoringFileError,
)
from genolake_prs.genome_build import GenomeBuild, detect_vcf_build, normalize_build
from genolake_prs.genotypes import scan_genotypes
from genolake_prs.match import (
    MATCH_LOG_COLUMNS,
    MATCH_TYPES,
    REASONS,
    STATUSES,
    PreparedScores,
    classify,
    match_variants,
    prepare_scores,
)
from genolake_prs.percentile import PercentileResult, ReferenceDistribution
from genolake_prs.pipeline import ScoringSource, load_scoring, score_vcf
from genolake_prs.reference import reference_alleles_from_fasta
from genolake_prs.score import (
    SCORE_SCHEMA,
    PrsResult,
    ScoreSummary,
    check_builds,
    score_sample,
    score_samples,
)
from genolake_prs.scoring_file import (
    VARIANT_SCHEMA,
    ScoringFile,
    ScoringFileHeader,
    read_scoring_file,
    read_scoring_files,
    read_scoring_parquet,
    write_scoring_parquet,
)
from genolake_prs.settings import PrsSettings

__all__ = [
    "MATCH_LOG_COLUMNS",
    "MATCH_TYPES",
    "REASONS",
    "SCORE_SCHEMA",
    "STATUSES",
    "VARIANT_SCHEMA",
    "BuildMismatchError",
    "CatalogError",
    "GenomeBuild",
    "LowOverlapError",
    "PercentileResult",
    "PgsCatalogClient",
    "PreparedScores",
    "PrsError",
    "PrsResult",
    "PrsSettings",
    "ReferenceDistribution",
    "ReferenceDistributionError",
    "SampleDataError",
    "ScoreCache",
    "ScoreMetadata",
    "ScoreSummary",
    "ScoringFile",
    "ScoringFileError",
    "ScoringFileHeader",
    "ScoringSource",
    "check_builds",
    "classify",
    "detect_vcf_build",
    "load_scoring",
    "match_variants",
    "normalize_build",
    "prepare_scores",
    "read_scoring_file",
    "read_scoring_files",
    "read_scoring_parquet",
    "reference_alleles_from_fasta",
    "scan_genotypes",
    "score_sample",
    "score_samples",
    "score_vcf",
    "write_scoring_parquet",
]
