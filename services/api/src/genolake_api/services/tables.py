"""Paginated rows of a partition's parquet assets, read lazily from the lake (no whole-file download).

Rows are filtered by equality on the columns a table allows, then ordered: by the table's sort
columns with the file's row index as the tie-breaker (a stable order for paging), or by row index alone.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from fastapi import HTTPException
from genolake_core.lanes import table_contracts
from genolake_core.settings import Settings

from genolake_api.state import AppState


def storage_options(settings: Settings) -> dict[str, str]:
    return {
        "aws_endpoint_url": settings.s3_endpoint_url,
        "aws_access_key_id": settings.s3_access_key.get_secret_value(),
        "aws_secret_access_key": settings.s3_secret_key.get_secret_value(),
        "aws_region": settings.s3_region,
        "aws_allow_http": "true",
    }


def read_page(
    state: AppState, table: str, user: str, sample: str, filters: dict[str, str], offset: int, limit: int
) -> dict[str, Any]:
    settings = state.settings
    tables = table_contracts()  # each lane's contract declares its tables (genolake_core.lanes)
    spec = tables.get(table)
    if spec is None:
        raise HTTPException(
            status_code=404, detail=f"unknown table {table!r}; known: {', '.join(sorted(tables))}"
        )
    unknown = set(filters) - spec.filters
    if unknown:
        raise HTTPException(
            status_code=400,
            detail=f"cannot filter {table} on {sorted(unknown)}; allowed: {sorted(spec.filters)}",
        )
    key = spec.key(user, sample)
    if state.store.head(settings.lake_bucket, key) is None:
        raise HTTPException(status_code=404, detail=f"{table} of {user}/{sample} not found")
    uri = f"s3://{settings.lake_bucket}/{key}"
    frame = pl.scan_parquet(uri, storage_options=storage_options(settings)).with_row_index("row")
    for column, value in filters.items():
        frame = frame.filter(pl.col(column) == value)
    if spec.order:
        frame = frame.sort([*spec.order, "row"], nulls_last=True, maintain_order=True)
    total = frame.select(pl.len()).collect().item()
    rows = frame.slice(offset, limit).collect().to_dicts()
    return {
        "table": table,
        "partition": f"{user}/{sample}",
        "offset": offset,
        "limit": limit,
        "total": total,
        "rows": rows,
    }
