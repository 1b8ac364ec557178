"""Filling missing rsIDs of normalized records from a variant-position reference.

A record whose ``rsid`` is null gets the reference's rsID of the same site: same ``chrom``, ``start``
(= the reference's ``pos``) and ``ref``, and, when the record has ALTs, at least one ALT among the
reference's ALTs (a record without ALTs, e.g. a reference call, needs the site only). When several rsIDs
share a site the smallest (by string) is used. ``rsid_filled`` is true exactly on the records filled;
``ids`` keeps the VCF's IDs as written. The reference is joined once per run (a left join with
``maintain_order="left"``: records stay in file order and are never duplicated: the reference side is
made unique per site first).
"""

from __future__ import annotations

import polars as pl

from genolake_annotation.reference.table import VariantReference


def site_table(reference: VariantReference) -> pl.LazyFrame:
    """One row per (chrom, pos, ref): the smallest rsID and the union of ALTs."""
    return (
        reference.scan()
        .sort("rsid")
        .group_by("chrom", "pos", "ref")
        .agg(
            pl.col("rsid").first().alias("_ref_rsid"),
            pl.col("alts").list.explode(keep_nulls=False, empty_as_null=False).alias("_ref_alts"),
        )
        .rename({"pos": "start"})
    )


def fill_rsids(frame: pl.LazyFrame, reference: VariantReference) -> pl.LazyFrame:
    """``frame`` (with chrom, start, ref, alts, rsid) with missing rsIDs filled and ``rsid_filled``."""
    sites = site_table(reference)
    joined = frame.join(sites, on=["chrom", "start", "ref"], how="left", maintain_order="left")
    alt_ok = (pl.col("alts").list.len() == 0) | (
        pl.col("alts").list.set_intersection(pl.col("_ref_alts")).list.len() > 0
    )
    filled = pl.col("rsid").is_null() & pl.col("_ref_rsid").is_not_null() & alt_ok.fill_null(False)
    return joined.with_columns(
        pl.when(filled).then(pl.col("_ref_rsid")).otherwise(pl.col("rsid")).alias("rsid"),
        filled.alias("rsid_filled"),
    ).drop("_ref_rsid", "_ref_alts")


__all__ = ["fill_rsids", "site_table"]
