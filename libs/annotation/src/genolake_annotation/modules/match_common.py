"""What both matching engines share: the prepared inputs, the statuses and the output schema.

The engines (:mod:`match_polars`, :mod:`match_duckdb`) receive two small tables built by
:func:`genolake_annotation.modules.annotate.prepare_modules`:

- ``loci``: one row per module locus that can be matched: ``module``, ``locus_id`` (unique across
  modules), ``kind`` (``position`` or ``rsid``), ``l_chrom``, ``l_start``, ``l_ref`` (position loci),
  ``l_rsid`` (rsid loci).
- ``weights``: one row per module row of those loci: ``w_idx`` (0..n-1), ``locus_id``, ``module``,
  ``module_version``,
``module_row`` (0-based row of the module's weights.parquet), ``w_rsid``, ``genotype``,
  ``allele``, ``zygosity`` and the interpretation columns.

A *candidate* is a (sample record, locus) pair: a record is at a position locus when its chrom and start
equal the locus's, at an rsid locus when its ``rsid`` equals it. Each candidate gets the first status
that applies (:data:`STATUSES`):

1. ``ref_block``: the record is a gVCF reference block (its ALTs are all ``<NON_REF>``/``<*>``);
2. ``ref_differs``: position locus and the record's REF is not the locus's ``ref`` (another variant at
   the same position);
3. ``no_call``: the record's genotype is null (``./.``);
4. ``matched``: at least one weights row of the locus matches the record's genotype: an explicit
   ``genotype`` equal to the record's sorted called alleles, or a reference-relative row (``genotype``
   null, ``zygosity`` het) whose ``allele`` differs from the record's REF and whose two alleles are
   exactly the record's genotype (``sorted([allele, REF]) == genotype``);
5. ``genotype_differs``: otherwise.

A locus's status is the best (lowest :data:`STATUS_RANK`) of its candidates. A locus without candidates
is ``no_record`` ("no record at this position", or with this rsID, in the VCF), except an rsID locus of a
sample whose records carry no rsID at all: that one is ``not_searchable`` ("could not be looked for": the
locus is known by rsID only; install a variant-position reference and reinstall the modules, or fill the
IDs at normalization). Outcomes: ``matched``; ``unmatched`` (``genotype_differs``, ``ref_differs``,
``no_record``); ``skipped`` (``no_call``: a record but no call, ``ref_block``, ``not_searchable``, and
``build_mismatch``: a position-only row of a module whose genome build differs from the sample's).

Every (matched candidate, matching weights row) pair is one output row (:data:`ANNOTATION_SCHEMA`),
sorted by :data:`SORT_KEYS` with nulls first. FILTER is not re-applied: normalization decides which
records exist.
"""

from __future__ import annotations

import polars as pl

REF_BLOCK_ALTS = ("<NON_REF>", "<*>")
STATUSES = ("matched", "genotype_differs", "no_call", "ref_block", "ref_differs")
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES)}
OUTCOME_OF_REASON = {
    "matched": "matched",
    "genotype_differs": "unmatched",
    "ref_differs": "unmatched",
    "no_record": "unmatched",
    "no_call": "skipped",
    "ref_block": "skipped",
    "not_searchable": "skipped",
    "build_mismatch": "skipped",
}
REASONS = tuple(OUTCOME_OF_REASON)

SAMPLE_COLUMNS = ("chrom", "start", "rsid", "ref", "alts", "gt", "genotype", "filter")

LOCI_SCHEMA: dict[str, pl.DataType] = {
    "module": pl.String(),
    "locus_id": pl.Int64(),
    "kind": pl.String(),
    "l_chrom": pl.String(),
    "l_start": pl.Int64(),
    "l_ref": pl.String(),
    "l_rsid": pl.String(),
}
# Interpretation columns copied from the weights row to the output row (last in both, in this order).
_CARRIED_COLUMNS: dict[str, pl.DataType] = {
    "weight": pl.Float64(),
    "state": pl.String(),
    "category": pl.String(),
    "gene": pl.String(),
    "phenotype": pl.String(),
    "conclusion": pl.String(),
    "priority": pl.String(),
    "curator": pl.String(),
    "method": pl.String(),
}
WEIGHTS_MATCH_SCHEMA: dict[str, pl.DataType] = {
    "w_idx": pl.Int64(),
    "locus_id": pl.Int64(),
    "module": pl.String(),
    "module_version": pl.String(),
    "module_row": pl.Int64(),
    "w_rsid": pl.String(),
    "genotype": pl.List(pl.String()),
    "allele": pl.String(),
    "zygosity": pl.String(),
    **_CARRIED_COLUMNS,
}
ANNOTATION_SCHEMA: dict[str, pl.DataType] = {
    "module": pl.String(),
    "module_version": pl.String(),
    "module_row": pl.Int64(),
    "match_key": pl.String(),
    "rsid": pl.String(),
    "chrom": pl.String(),
    "start": pl.Int64(),
    "ref": pl.String(),
    "alts": pl.List(pl.String()),
    "gt": pl.String(),
    "genotype": pl.List(pl.String()),
    "zygosity": pl.String(),
    "filter": pl.String(),
    **_CARRIED_COLUMNS,
}
SORT_KEYS = ("module", "chrom", "start", "ref", "rsid", "module_row", "gt", "filter")
CARRIED = tuple(_CARRIED_COLUMNS)

OUTCOMES_SCHEMA: dict[str, pl.DataType] = {"locus_id": pl.Int64(), "status": pl.String()}

__all__ = [
    "ANNOTATION_SCHEMA",
    "CARRIED",
    "LOCI_SCHEMA",
    "OUTCOMES_SCHEMA",
    "OUTCOME_OF_REASON",
    "REASONS",
    "REF_BLOCK_ALTS",
    "SAMPLE_COLUMNS",
    "SORT_KEYS",
    "STATUSES",
    "STATUS_RANK",
    "WEIGHTS_MATCH_SCHEMA",
]
