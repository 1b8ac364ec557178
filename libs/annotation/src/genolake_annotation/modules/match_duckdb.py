"""The DuckDB matching engine (rules: :mod:`genolake_annotation.modules.match_common`).

Same rules and output as :mod:`match_polars`, in SQL, out of core: the connection runs with
``memory_limit`` (spilling to ``workdir``), ``threads`` and ``preserve_insertion_order = false``; the
normalized parquet is scanned once (the eight needed columns, records pre-filtered to candidate
positions/rsids), the module tables are read from parquet files in ``workdir`` (no pyarrow needed), and
the annotation rows are written with ``COPY ... TO`` (parquet, zstd), sorted like the polars engine.
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
    STATUSES,
)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def match_duckdb(
    sample: Path,
    loci: pl.DataFrame,
    weights: pl.DataFrame,
    out: Path,
    *,
    workdir: Path,
    memory_limit: str = "1GB",
    threads: int | None = None,
) -> pl.DataFrame:
    """Write the annotation rows of ``sample`` to ``out`` (parquet); return each candidate locus's status."""
    import duckdb

    workdir = Path(workdir)
    loci_path, weights_path = workdir / "loci.parquet", workdir / "weights.parquet"
    loci.write_parquet(loci_path)
    weights.write_parquet(weights_path)
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": memory_limit,
        "temp_directory": str(workdir / "spill"),
        "preserve_insertion_order": False,
    }
    if threads is not None:
        config["threads"] = threads
    ref_block_alts = ", ".join(_literal(a) for a in REF_BLOCK_ALTS)
    sample_columns = ", ".join(SAMPLE_COLUMNS)
    ranks = " ".join(f"WHEN {_literal(s)} THEN {i}" for i, s in enumerate(STATUSES))
    order = ", ".join(f"{k} ASC NULLS FIRST" for k in SORT_KEYS)  # output column names
    carried = ", ".join(f"w.{c}" for c in CARRIED)
    con = duckdb.connect(":memory:", config=config)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TEMP TABLE loci AS SELECT * FROM read_parquet({_literal(str(loci_path))})")
        con.execute(f"CREATE TEMP TABLE w AS SELECT * FROM read_parquet({_literal(str(weights_path))})")
        # candidates: (record, locus) pairs; a record is identified by its row number in the file
        con.execute(
            f"""
            CREATE TEMP TABLE cand AS
            WITH s AS (
              SELECT file_row_number AS rec, {sample_columns}
              FROM read_parquet({_literal(str(sample))}, file_row_number = true)
            )
            SELECT *,
                   CASE
                     WHEN len(alts) > 0
                          AND len(list_filter(alts, lambda a: a NOT IN ({ref_block_alts}))) = 0
                       THEN 'ref_block'
                     WHEN kind = 'position' AND ref <> l_ref THEN 'ref_differs'
                     WHEN genotype IS NULL THEN 'no_call'
                   END AS pre
            FROM (
              SELECT s.*, l.locus_id, l.kind, l.l_ref FROM s
              JOIN loci l ON l.kind = 'position' AND s.chrom = l.l_chrom AND s.start = l.l_start
              UNION ALL
              SELECT s.*, l.locus_id, l.kind, l.l_ref FROM s
              JOIN loci l ON l.kind = 'rsid' AND s.rsid = l.l_rsid
            )
            """
        )
        con.execute(
            """
            CREATE TEMP TABLE hits AS
            SELECT c.rec, c.locus_id, w.w_idx
            FROM (SELECT rec, locus_id, ref, genotype FROM cand WHERE pre IS NULL) c
            JOIN (SELECT w_idx, locus_id, genotype, allele, zygosity FROM w) w ON c.locus_id = w.locus_id
            WHERE (w.genotype IS NOT NULL AND w.genotype = c.genotype)
               OR (w.genotype IS NULL AND w.zygosity = 'het' AND w.allele <> c.ref AND len(c.genotype) = 2
                   AND ((c.genotype[1] = w.allele AND c.genotype[2] = c.ref)
                     OR (c.genotype[1] = c.ref AND c.genotype[2] = w.allele)))
            """
        )
        con.execute(
            f"""
            COPY (SELECT * FROM (
              SELECT w.module, w.module_version, w.module_row, c.kind AS match_key,
                     coalesce(w.w_rsid, c.rsid) AS rsid, c.chrom, c.start, c.ref, c.alts, c.gt, c.genotype,
                     CASE WHEN len(c.genotype) = 1 THEN 'hemi'
                          WHEN len(list_distinct(c.genotype)) = 1 THEN 'hom' ELSE 'het' END AS zygosity,
                     c.filter, {carried}
              FROM hits h
              JOIN cand c ON c.rec = h.rec AND c.locus_id = h.locus_id
              JOIN w ON w.w_idx = h.w_idx
            ) ORDER BY {order}) TO {_literal(str(out))} (FORMAT parquet, COMPRESSION zstd)
            """
        )
        rows = con.execute(
            f"""
            SELECT c.locus_id,
                   min(CASE coalesce(c.pre, CASE WHEN m.rec IS NOT NULL THEN 'matched'
                                                 ELSE 'genotype_differs' END)
                       {ranks} END) AS rank
            FROM cand c LEFT JOIN (SELECT DISTINCT rec, locus_id FROM hits) m
              ON m.rec = c.rec AND m.locus_id = c.locus_id
            GROUP BY c.locus_id ORDER BY c.locus_id
            """
        ).fetchall()
    finally:
        con.close()
    outcomes = pl.DataFrame(
        {"locus_id": [r[0] for r in rows], "status": [STATUSES[r[1]] for r in rows]}, schema=OUTCOMES_SCHEMA
    )
    _check_schema(out)
    return outcomes


def _check_schema(path: Path) -> None:
    """DuckDB writes the same types as the polars engine; fail loudly if that ever changes."""
    schema = dict(pl.read_parquet_schema(path))
    if schema != ANNOTATION_SCHEMA:
        raise RuntimeError(f"duckdb wrote {schema}, expected {ANNOTATION_SCHEMA}")


__all__ = ["match_duckdb"]
