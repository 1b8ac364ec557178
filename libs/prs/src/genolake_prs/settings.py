"""`PrsSettings`: every rule of matching, dosage and percentile that a caller can change."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DuplicatePolicy = Literal["keep_first", "sum", "exclude", "error"]


class PrsSettings(BaseModel):
    """Rules for matching, dosage and percentiles (defaults follow pgsc_calc where it has one).

    Matching:
    - ``keep_ambiguous``: keep palindromic SNPs (A/T, C/G), whose strand cannot be told from the
      alleles. Default False: they are excluded (reason ``ambiguous_palindrome``).
    - ``keep_multiallelic``: keep matches to multi-allelic sample records (``len(alts) > 1``).
      Default False (reason ``multiallelic``).
    - ``skip_flip``: refuse strand-flipped matches (reason ``strand_flip_skipped``). Default False.
    - ``duplicates``: several rows of one score matching the same sample record (e.g. the same
      variant listed twice): ``keep_first`` (default; the lowest file row counts, the others are
      excluded as ``duplicate``), ``sum`` (every row counts), ``exclude`` (none counts) or ``error``.
      Duplicates are always logged.
    Dosage:
    - ``absent_is_ref``: a locus absent from the sample is homozygous reference (only true for
      variant-only calls over the whole genome). Needs the reference allele at the locus (a
      reference-allele table or FASTA); default False: absent loci are not matched and contribute 0
      (reason ``absent_locus``), as in all-sites / gVCF input. Missing calls (any ``.`` in GT)
      always contribute 0 and are counted (status ``missing_call``), like plink2's
      ``no-mean-imputation``.
    Overlap and build:
    - ``min_overlap``: minimum match rate (matched / variants in the score). Below it the score is
      flagged ``low_overlap`` and gets no percentile; with ``on_low_overlap="error"`` it raises.
    - ``require_build``: refuse to score when the scoring file's or the sample's build is unknown
      (a known mismatch is always refused).
    Percentile:
    - ``min_reference_size``: fewest reference-panel scores for an empirical percentile.
    - ``min_af_coverage``: fewest (fraction of called, matched variants) with an allele frequency
      for the theoretical percentile.
    - ``use_sample_af``: use the sample's INFO AF when the scoring file has no
      ``allelefrequency_effect`` (ignored when it looks like the sample's own genotype frequency).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    keep_ambiguous: bool = False
    keep_multiallelic: bool = False
    skip_flip: bool = False
    duplicates: DuplicatePolicy = "keep_first"
    absent_is_ref: bool = False
    min_overlap: float = Field(default=0.75, ge=0.0, le=1.0)
    on_low_overlap: Literal["flag", "error"] = "flag"
    require_build: bool = False
    min_reference_size: int = Field(default=100, ge=1)
    min_af_coverage: float = Field(default=0.95, ge=0.0, le=1.0)
    use_sample_af: bool = True
