"""Partitions (`{user}/{sample}`): what exists, rows, downloads, deletion (the report: routes/reports.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from genolake_api.deps import Asset, CurrentUser, FilterValue, Sample, StateDep, User, UserQuery
from genolake_api.schemas import DeletedOut, DownloadOut, PartitionDetailOut, PartitionOut, TablePageOut
from genolake_api.services import objects, tables
from genolake_api.services import partitions as service

router = APIRouter(prefix="/partitions", tags=["partitions"])
PAGING = frozenset({"offset", "limit"})


@router.get("", response_model=list[PartitionOut])
def list_partitions(state: StateDep, principal: CurrentUser, user: UserQuery = None) -> list[PartitionOut]:
    """Your partitions (an admin sees everyone's, or one user's with `user`)."""
    return service.visible_partitions(state, principal, user)


@router.get("/{user}/{sample}", response_model=PartitionDetailOut)
def get_partition(user: User, sample: Sample, state: StateDep, principal: CurrentUser) -> PartitionDetailOut:
    return service.get_partition(state, principal, user, sample)


@router.delete("/{user}/{sample}", response_model=DeletedOut)
def delete_partition(user: User, sample: Sample, state: StateDep, principal: CurrentUser) -> DeletedOut:
    """Delete the sample everywhere (lake, uploads, documents; Dagster's partition shortly after). Audited."""
    return service.delete_partition(state, principal, user, sample)


@router.get(
    "/{user}/{sample}/tables/{table}",
    response_model=TablePageOut,
    responses={400: {"description": "A filter the table does not allow (the allowed ones are named)"}},
)
def table_rows(
    request: Request,
    user: User,
    sample: Sample,
    table: Asset,
    state: StateDep,
    principal: CurrentUser,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    chrom: FilterValue = None,
    rsid: FilterValue = None,
    filter: FilterValue = None,
    module: FilterValue = None,
    gene: FilterValue = None,
    category: FilterValue = None,
) -> TablePageOut:
    """Rows of a table (variants, annotations, prs) in a stable order; equality filters on the columns the
    table allows (annotations: module, gene, category, chrom, rsid; sorted by module, category, gene,
    position). Any other query parameter is refused (400), never ignored."""
    given = {
        "chrom": chrom,
        "rsid": rsid,
        "filter": filter,
        "module": module,
        "gene": gene,
        "category": category,
    }
    filters = {name: value for name, value in given.items() if value is not None}
    others = set(request.query_params) - set(given) - PAGING  # refused by the service, naming the allowed
    filters.update({name: request.query_params[name] for name in others})
    return tables.read_page(state, principal, table, user, sample, filters, offset, limit)


@router.get("/{user}/{sample}/assets/{asset}/download", response_model=DownloadOut)
def download(
    user: User, sample: Sample, asset: Asset, state: StateDep, principal: CurrentUser
) -> DownloadOut:
    """A presigned GET URL for the asset's parquet."""
    return objects.presign_download(state, principal, user, sample, asset)
