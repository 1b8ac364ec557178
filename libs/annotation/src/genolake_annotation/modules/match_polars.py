"""The polars matching engine (rules: :mod:`genolake_annotation.modules.match_common`).

One streaming pass over the normalized parquet: only the eight needed columns are read, and records are
pre-filtered to those whose ``start`` is a position of a locus or whose ``rsid`` is an rsid of a locus,
so the parquet reader decodes the wide columns only for candidate rows. The candidate pairs (a few per
module locus) are then joined with the module rows in memory and the annotation rows are written with
``sink_parquet``. Memory is bounded by the candidates, not by the sample.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from genolake_annotation.modules.match_common import (
    ANNOTATION_SCHEMA,
    CARRIED,
    OUTCOMES_SCHEMA,
    REF_BLOCK_ALTS,
    SAMPLE_COLUMNS,
    SORT_KEYS,
    STATUS_RANK,
    STATUSES,
)

_CANDIDATE_COLUMNS = (*SAMPLE_COLUMNS, "locus_id", "kind", "l_ref")


def _zygosity(genotype: pl.Expr) -> pl.Expr:
    return (
        pl.when(genotype.list.len() == 1)
        .then(pl.lit("hemi"))
        .when(genotype.list.n_unique() == 1)
        .then(pl.lit("hom"))
        .otherwise(pl.lit("het"))
    )


def candidates(sample: Path, loci: pl.DataFrame) -> pl.DataFrame:
    """(record, locus) pairs: records at a position locus (chrom, start) or an rsid locus (rsid)."""
    pos = loci.filter(pl.col("kind") == "position")
    rs = loci.filter(pl.col("kind") == "rsid")
    records = (
        pl.scan_parquet(sample)
        .select(SAMPLE_COLUMNS)
        .filter(
            pl.col("start").is_in(pos["l_start"].unique().implode())
            | pl.col("rsid").is_in(rs["l_rsid"].unique().implode())
        )
    )
    by_pos = records.join(
        pos.lazy().select("locus_id", "kind", "l_ref", chrom="l_chrom", start="l_start"),
        on=["chrom", "start"],
        how="inner",
    )
    by_rsid = records.filter(pl.col("rsid").is_not_null()).join(
        rs.lazy().select("locus_id", "kind", "l_ref", rsid="l_rsid"), on="rsid", how="inner"
    )
    return pl.concat([by_pos.select(_CANDIDATE_COLUMNS), by_rsid.select(_CANDIDATE_COLUMNS)]).collect(
        engine="streaming"
    )


def match_polars(sample: Path, loci: pl.DataFrame, weights: pl.DataFrame, out: Path) -> pl.DataFrame:
    """Write the annotation rows of ``sample`` to ``out`` (parquet); return each candidate locus's status."""
    cand = candidates(Path(sample), loci).with_row_index("pair_id")
    is_ref_block = (pl.col("alts").list.len() > 0) & pl.col("alts").list.eval(
        pl.element().is_in(list(REF_BLOCK_ALTS))
    ).list.all()
    cand = cand.with_columns(
        pl.when(is_ref_block)
        .then(pl.lit("ref_block"))
        .when((pl.col("kind") == "position") & (pl.col("ref") != pl.col("l_ref")))
        .then(pl.lit("ref_differs"))
        .when(pl.col("genotype").is_null())
        .then(pl.lit("no_call"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("pre")
    )
    # 1. (candidate, module row) hits on slim columns only
    slim = weights.select("w_idx", "locus_id", w_genotype="genotype", allele="allele", w_zygosity="zygosity")
    g0, g1 = (
        pl.col("genotype").list.get(0, null_on_oob=True),
        pl.col("genotype").list.get(1, null_on_oob=True),
    )
    explicit = pl.col("w_genotype").is_not_null() & (pl.col("w_genotype") == pl.col("genotype"))
    relative = (
        pl.col("w_genotype").is_null()
        & (pl.col("w_zygosity") == "het")
        & (pl.col("allele") != pl.col("ref"))
        & (pl.col("genotype").list.len() == 2)
        & (
            ((g0 == pl.col("allele")) & (g1 == pl.col("ref")))
            | ((g0 == pl.col("ref")) & (g1 == pl.col("allele")))
        )
    )
    hits = (
        cand.filter(pl.col("pre").is_null())
        .select("pair_id", "locus_id", "ref", "genotype")
        .join(slim, on="locus_id", how="inner")
        .filter((explicit | relative).fill_null(False))
        .select("pair_id", "w_idx")
    )
    # 2. the output rows: hits + the record's columns + the module row's interpretation
    rows = (
        hits.lazy()
        .join(cand.lazy(), on="pair_id", how="inner")
        .join(weights.lazy().drop("genotype", "zygosity", "allele", "locus_id"), on="w_idx", how="inner")
        .select(
            "module",
            "module_version",
            "module_row",
            pl.col("kind").alias("match_key"),
            pl.coalesce("w_rsid", "rsid").alias("rsid"),
            "chrom",
            "start",
            "ref",
            "alts",
            "gt",
            "genotype",
            _zygosity(pl.col("genotype")).alias("zygosity"),
            "filter",
            *CARRIED,
        )
        .cast(ANNOTATION_SCHEMA)  # type: ignore[arg-type]
    )
    rows.sort(list(SORT_KEYS), nulls_last=False).sink_parquet(out, compression="zstd")

    # 3. each candidate's status, then the best status per locus
    ranks = pl.DataFrame({"status": list(STATUSES), "rank": [STATUS_RANK[s] for s in STATUSES]})
    status = (
        pl.when(pl.col("pre").is_not_null())
        .then(pl.col("pre"))
        .when(pl.col("pair_id").is_in(hits["pair_id"].unique().implode()))
        .then(pl.lit("matched"))
        .otherwise(pl.lit("genotype_differs"))
    )
    outcomes = (
        cand.select("locus_id", status.alias("status"))
        .join(ranks, on="status")
        .group_by("locus_id")
        .agg(pl.col("rank").min())
        .join(ranks, on="rank")
        .select("locus_id", "status")
        .sort("locus_id")
    )
    return outcomes.cast(OUTCOMES_SCHEMA)  # type: ignore[arg-type]


__all__ = ["candidates", "match_polars"]
