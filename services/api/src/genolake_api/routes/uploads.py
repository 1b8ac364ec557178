"""Uploads without S3 credentials: presigned PUT URLs into your own landing-zone area."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from genolake_api.auth import CurrentUser
from genolake_api.services import objects
from genolake_api.state import StateDep

router = APIRouter(prefix="/uploads", tags=["uploads"])


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


@router.post("", response_model=UploadOut)
def presign(request: UploadRequest, state: StateDep, principal: CurrentUser) -> UploadOut:
    """PUT the VCF to `file.url`, then a manifest naming `file.key` to `manifest.url`."""
    return UploadOut(**objects.presign_upload(state, principal, request.filename, request.manifest_name))
