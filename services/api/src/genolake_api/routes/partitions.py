"""Partitions (`{user}/{sample}`): what exists, rows, downloads, deletion (the report: routes/reports.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from genolake_core.ids import SAMPLE_PATTERN, USER_PATTERN
from pydantic import BaseModel

from genolake_api.auth import CurrentUser, require_access
from genolake_api.routes.runs import RunOut
from genolake_api.services import objects, tables
from genolake_api.services import partitions as service
from genolake_api.state import StateDep

router = APIRouter(prefix="/partitions", tags=["partitions"])
User = Annotated[str, Path(pattern=USER_PATTERN.pattern, max_length=63)]
Sample = Annotated[str, Path(pattern=SAMPLE_PATTERN.pattern, max_length=128)]
Asset = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
FILTER_VALUE = r"^[A-Za-z0-9._;:/+() -]{1,100}$"


class PartitionOut(BaseModel):
    key: str
    user: str
    sample: str
    batch_ids: list[str] = []
    assets: dict[str, dict[str, Any]] = {}
    created_at: datetime | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> PartitionOut:
        return cls(
            key=doc["_id"],
            user=doc["user"],
            sample=doc["sample"],
            batch_ids=doc.get("batch_ids", []),
            assets=doc.get("assets", {}),
            created_at=doc.get("created_at"),
        )


class PartitionDetailOut(PartitionOut):
    stale: dict[str, list[str]] = {}
    runs: list[RunOut] = []


class TablePageOut(BaseModel):
    table: str
    partition: str
    offset: int
    limit: int
    total: int
    rows: list[dict[str, Any]]


class DownloadOut(BaseModel):
    asset: str
    key: str
    url: str
    expires_in: int


class DeletedOut(BaseModel):
    audit_id: str
    partition: str
    deleted: dict[str, Any]


@router.get("", response_model=list[PartitionOut])
def list_partitions(
    state: StateDep,
    principal: CurrentUser,
    user: Annotated[str | None, Query(pattern=USER_PATTERN.pattern)] = None,
) -> list[PartitionOut]:
    """Your partitions (an admin sees everyone's, or one user's with `user`)."""
    return [PartitionOut.from_doc(doc) for doc in service.visible_partitions(state, principal, user)]


@router.get("/{user}/{sample}", response_model=PartitionDetailOut)
def get_partition(user: User, sample: Sample, state: StateDep, principal: CurrentUser) -> PartitionDetailOut:
    doc = service.get_partition(state, principal, user, sample)
    base = PartitionOut.from_doc(doc).model_dump()
    return PartitionDetailOut(**base, stale=doc["stale"], runs=[RunOut.from_doc(run) for run in doc["runs"]])


@router.delete("/{user}/{sample}", response_model=DeletedOut)
def delete_partition(user: User, sample: Sample, state: StateDep, principal: CurrentUser) -> DeletedOut:
    """Delete the sample everywhere (lake, uploads, documents; Dagster's partition shortly after). Audited."""
    return DeletedOut(**service.delete_partition(state, principal, user, sample))


@router.get("/{user}/{sample}/tables/{table}", response_model=TablePageOut)
def table_rows(
    user: User,
    sample: Sample,
    table: Asset,
    state: StateDep,
    principal: CurrentUser,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    chrom: Annotated[str | None, Query(pattern=FILTER_VALUE)] = None,
    rsid: Annotated[str | None, Query(pattern=FILTER_VALUE)] = None,
    filter: Annotated[str | None, Query(pattern=FILTER_VALUE)] = None,
    module: Annotated[str | None, Query(pattern=FILTER_VALUE)] = None,
    gene: Annotated[str | None, Query(pattern=FILTER_VALUE)] = None,
    category: Annotated[str | None, Query(pattern=FILTER_VALUE)] = None,
) -> TablePageOut:
    """Rows of a table (variants, annotations, prs) in a stable order; equality filters on the columns the
    table allows (annotations: module, gene, category, chrom, rsid; sorted by module, category, gene,
    position)."""
    require_access(principal, user)
    given = {
        "chrom": chrom,
        "rsid": rsid,
        "filter": filter,
        "module": module,
        "gene": gene,
        "category": category,
    }
    filters = {name: value for name, value in given.items() if value is not None}
    return TablePageOut(**tables.read_page(state, table, user, sample, filters, offset, limit))


@router.get("/{user}/{sample}/assets/{asset}/download", response_model=DownloadOut)
def download(
    user: User, sample: Sample, asset: Asset, state: StateDep, principal: CurrentUser
) -> DownloadOut:
    """A presigned GET URL for the asset's parquet."""
    return DownloadOut(**objects.presign_download(state, principal, user, sample, asset))
