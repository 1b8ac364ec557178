"""Paginated rows of a partition's parquet assets, read lazily from the lake (no whole-file download).

Tables are declared by the lanes' contracts (`genolake_core.lanes.table_contracts`). Rows are filtered by
equality on the columns a table allows (a filter it does not allow is a 400 naming the allowed ones, never
ignored), then ordered: by the table's sort
columns with the file's row index as the tie-breaker (a stable order for paging), or by row index alone.
"""

from __future__ import annotations

import polars as pl
from genolake_core.accounts import Principal
from genolake_core.lanes import table_contracts
from genolake_core.settings import Settings

from genolake_api.auth import require_access
from genolake_api.errors import InvalidRequestError, NotFoundError
from genolake_api.schemas import TablePageOut
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
    state: AppState,
    principal: Principal,
    table: str,
    user: str,
    sample: str,
    filters: dict[str, str],
    offset: int,
    limit: int,
) -> TablePageOut:
    """One page of `table`'s rows for partition `{user}/{sample}`; `filters` are column -> value (any name the
    request gave: one the table does not allow is refused, naming the allowed ones)."""
    require_access(principal, user)
    tables = table_contracts()  # each lane's contract declares its tables (genolake_core.lanes)
    spec = tables.get(table)
    if spec is None:
        raise NotFoundError(f"unknown table {table!r}; known: {', '.join(sorted(tables))}")
    unknown = set(filters) - spec.filters
    if unknown:
        raise InvalidRequestError(
            f"cannot filter {table} on {sorted(unknown)}; allowed: {sorted(spec.filters)}"
        )
    settings, key = state.settings, spec.key(user, sample)
    if state.store.head(settings.lake_bucket, key) is None:
        raise NotFoundError(f"{table} of {user}/{sample} not found")
    uri = f"s3://{settings.lake_bucket}/{key}"
    frame = pl.scan_parquet(uri, storage_options=storage_options(settings)).with_row_index("row")
    for column, value in filters.items():
        frame = frame.filter(pl.col(column) == value)
    if spec.order:
        frame = frame.sort([*spec.order, "row"], nulls_last=True, maintain_order=True)
    total = frame.select(pl.len()).collect().item()
    rows = frame.slice(offset, limit).collect().to_dicts()
    return TablePageOut(
        table=table, partition=f"{user}/{sample}", offset=offset, limit=limit, total=total, rows=rows
    )
