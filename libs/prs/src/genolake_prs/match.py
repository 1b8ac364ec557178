"""Matching scoring-file variants to a sample's records by position and alleles.

Order of preference (pgsc_calc's), first that holds wins, per score row:

==================  =========================================================
``refalt``          effect allele is an ALT and the other allele is REF
``altref``          effect allele is REF and the other allele an ALT
``refalt_flip``     the same on the opposite strand (complemented alleles)
``altref_flip``
``no_oa_ref``       no usable other allele: effect allele is REF
``no_oa_alt``       ... effect allele is an ALT
``no_oa_ref_flip``  ... complemented effect allele is REF
``no_oa_alt_flip``  ... complemented effect allele is an ALT
``absent_ref``      ``absent_is_ref``: the locus is absent, taken as REF/REF (REF from a
``absent_ref_flip`` reference-allele table), REF is one of the score's alleles (or their complement)
==================  =========================================================

The other allele is the reported ``other_allele`` or, when missing, a single
``hm_inferOtherAllele`` (see `genolake_prs.scoring_file`). When a locus has several sample records
(e.g. a SNP and an indel at one POS), the best match type wins, then the first record.

Each score row ends with a ``status`` and a ``reason``:

- ``matched`` (reason = match type): contributes ``contribution``;
- ``missing_call`` (``missing_genotype`` / ``ploidy_above_2``): matched, contributes 0, counted;
- ``excluded``: matched but not used: ``unsupported_effect_type`` (haplotype/interaction rows),
  ``multiallelic``, ``ambiguous_palindrome`` (A/T, C/G; for effect-allele-only matches, a
  complementary REF/ALT pair), ``strand_flip_skipped``, ``duplicate``;
- ``unmatched``: ``no_position``, ``invalid_allele`` (not [ACGT]+), ``absent_locus``,
  ``absent_reference_unknown`` (absent_is_ref without a reference allele there),
  ``absent_not_snv_or_mismatch`` (absent_is_ref applies to SNVs whose alleles include REF),
  ``allele_mismatch`` (the locus exists with other alleles).

Implementation: the distinct variants (locus, effect allele, other allele) of all scoring files
are matched once, on an integer locus key (chromosome code << 32 | position), against the sample
records at those loci; every score row then takes its variant's outcome through a 128-bit key
(two independent 64-bit hashes of the variant; a collision is astronomically unlikely) and adds
the row-level rules. Statuses and reasons are small integer codes until the log is decoded
(`decode_match_log`).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from genolake_prs._match.codes import (
    EXCLUDED,
    MATCH_TYPES,
    MATCHED,
    MISSING_CALL,
    P_SOURCES,
    REASONS,
    STATUSES,
    UNMATCHED,
    complement,
)
from genolake_prs._match.log import CLASSIFIED_COLUMNS, MATCH_LOG_COLUMNS, decode_match_log
from genolake_prs._match.prepare import PreparedScores, chrom_codes, locus_key, prepare_scores, stack_scores
from genolake_prs._match.rows import classify
from genolake_prs.scoring_file import ScoringFile
from genolake_prs.settings import PrsSettings

__all__ = [
    "CLASSIFIED_COLUMNS",
    "EXCLUDED",
    "MATCHED",
    "MATCH_LOG_COLUMNS",
    "MATCH_TYPES",
    "MISSING_CALL",
    "P_SOURCES",
    "REASONS",
    "STATUSES",
    "UNMATCHED",
    "PreparedScores",
    "chrom_codes",
    "classify",
    "complement",
    "decode_match_log",
    "locus_key",
    "match_variants",
    "prepare_scores",
    "stack_scores",
]


def match_variants(
    scoring_files: Sequence[ScoringFile],
    genotypes: pl.LazyFrame,
    settings: PrsSettings | None = None,
    *,
    sample: str = "sample",
    reference_alleles: pl.LazyFrame | pl.DataFrame | None = None,
    sample_af_usable: bool = True,
) -> pl.DataFrame:
    """The decoded per-variant match log of one sample against ``scoring_files``."""
    chosen = settings or PrsSettings()
    for exact_keys in (False, True):
        classified = classify(
            scoring_files,
            genotypes,
            chosen,
            reference_alleles=reference_alleles,
            sample_af_usable=sample_af_usable,
            exact_keys=exact_keys,
        ).collect()
        if not bool(classified["key_collision"].any()):
            break
    return decode_match_log(classified, [sf.score_id for sf in scoring_files], sample)
