"""The normalized-variants contract: the parquet every pipeline after normalization reads
(`users/{user}/{sample}/normalized/variants.parquet`, `genolake normalize --out`).

`NORMALIZED_SCHEMA` is its columns, in order, with their types; the rule of each column is documented by
its producer, `genolake_annotation.normalize`. Later versions may append columns, never reorder or
retype these; `rsid_filled` (Boolean) follows them only when a variant-position reference filled rsIDs.
Readers: `genolake_prs.genotypes` (scoring), `genolake_annotation.modules` (matching), the API's
`variants` table.
"""

from __future__ import annotations

from typing import Final

import polars as pl

NORMALIZED_SCHEMA: Final = pl.Schema(
    {
        "chrom": pl.String(),
        "start": pl.Int64(),
        "rsid": pl.String(),
        "ref": pl.String(),
        "alts": pl.List(pl.String()),
        "gt": pl.String(),
        "genotype": pl.List(pl.String()),
        "filter": pl.String(),
        "qual": pl.Float64(),
        "dp": pl.Int64(),
        "af": pl.List(pl.Float64()),
        "ids": pl.List(pl.String()),
        "end": pl.Int64(),
    }
)
