"""The API's request and response bodies (pydantic models): what services return and routes answer.

`from_doc` builds a model from its Mongo document (`genolake_core.docstore` describes the documents).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field


class RunOut(BaseModel):
    run_id: str
    status: str
    batch_id: str | None = None
    lane: str | None = None
    partition: str | None = None
    job: str | None = None
    parent_run_id: str | None = None
    root_run_id: str | None = None
    created_at: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration_seconds: float | None = None
    error: str | None = None
    dagster_url: str | None = None
    assets: dict[str, dict[str, Any]] = Field(
        default={}, description="What the run materialized (metadata; sample_annotations: its lineage)."
    )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> RunOut:
        fields = {key: value for key, value in doc.items() if key in cls.model_fields and key != "run_id"}
        start, end = doc.get("start_time"), doc.get("end_time")
        fields["duration_seconds"] = (end - start).total_seconds() if start and end else None
        return cls(run_id=doc["_id"], **fields)


class AttemptOut(BaseModel):
    root_run_id: str
    runs: list[RunOut]


class FailureOut(BaseModel):
    """One failed run of the batch and why (`retried`: Dagster re-executes it automatically)."""

    run_id: str
    root_run_id: str
    attempt: int
    reason: str | None = None
    error: str | None = None
    retried: bool = False


class ManifestStatusOut(BaseModel):
    id: str
    batch_id: str | None = None
    status: str
    lane: str | None = None
    intent: str | None = None
    uploader: str | None = None
    partitions: list[str] = []
    reasons: list[str] = []
    errors: list[str] = []
    attempt_count: int = 0
    failures: list[FailureOut] = []
    run_ids: list[str] = []
    latest_run_ids: list[str] = []
    archive_key: str | None = None
    received_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: list[AttemptOut] = []

    @classmethod
    def from_doc(cls, doc: dict[str, Any], runs: list[dict[str, Any]] | None = None) -> ManifestStatusOut:
        """The manifest document, with `runs` (its batch's run documents) grouped by attempt (root run)."""
        fields = {
            key: value
            for key, value in doc.items()
            if key in cls.model_fields and key not in {"id", "attempts"}
        }
        attempts: dict[str, list[RunOut]] = {}
        for run in runs or []:
            attempts.setdefault(run.get("root_run_id") or run["_id"], []).append(RunOut.from_doc(run))
        grouped = [AttemptOut(root_run_id=root, runs=items) for root, items in attempts.items()]
        return cls(id=doc["_id"], attempts=grouped, **fields)


class SubmittedOut(BaseModel):
    batch_id: str
    key: str
    status_url: str


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


class UploadRequest(BaseModel):
    filename: Annotated[str, Field(max_length=200, description="Name of the VCF, e.g. sample.vcf.gz")]
    manifest_name: Annotated[str | None, Field(default=None, max_length=200)] = None


class PresignedPut(BaseModel):
    key: str
    url: str


class UploadOut(BaseModel):
    file: PresignedPut
    manifest: PresignedPut
    expires_in: int


class ModuleOut(BaseModel):
    name: str
    version: str
    enabled: bool
    title: str | None = None
    key: str | None = None
    genome_build: str | None = None
    source: str | None = None
    lake_prefix: str | None = None
    published_at: datetime | None = None
    versions: list[str] = []


class ReadyOut(BaseModel):
    status: str
    checks: dict[str, str]
