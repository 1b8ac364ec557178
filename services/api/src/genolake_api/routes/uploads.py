"""Uploads without S3 credentials: presigned PUT URLs into your own landing-zone area."""

from __future__ import annotations

from fastapi import APIRouter

from genolake_api.deps import CurrentUser, StateDep
from genolake_api.schemas import UploadOut, UploadRequest
from genolake_api.services import objects

router = APIRouter(prefix="/uploads", tags=["uploads"])


@router.post("", response_model=UploadOut)
def presign(request: UploadRequest, state: StateDep, principal: CurrentUser) -> UploadOut:
    """PUT the VCF to `file.url`, then a manifest naming `file.key` to `manifest.url`."""
    return objects.presign_upload(state, principal, request.filename, request.manifest_name)
