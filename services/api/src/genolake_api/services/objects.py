"""Presigned URLs: uploads into the caller's landing-zone area, downloads of the caller's lake objects."""

from __future__ import annotations

import re
import uuid

from genolake_core.accounts import Principal
from genolake_core.ids import partition_key
from genolake_core.layout import manifests_prefix, uploads_prefix

from genolake_api.auth import require_access
from genolake_api.errors import InvalidRequestError, NotFoundError
from genolake_api.schemas import DownloadOut, PresignedPut, UploadOut
from genolake_api.state import AppState

FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


def presign_upload(
    state: AppState, principal: Principal, filename: str, manifest_name: str | None
) -> UploadOut:
    if not FILENAME.fullmatch(filename) or ".." in filename:
        raise InvalidRequestError(f"invalid filename {filename!r}: letters, digits, '.', '_', '-'")
    folder = uuid.uuid4().hex[:12]
    data_key = f"{uploads_prefix(principal.user)}{folder}/{filename}"
    name = manifest_name or folder
    if not FILENAME.fullmatch(name):
        raise InvalidRequestError(f"invalid manifest name {name!r}")
    manifest_key = f"{manifests_prefix(principal.user)}{name}.json"
    expires = state.settings.presign_seconds
    bucket = state.settings.landing_bucket

    def put(key: str) -> str:
        return state.public_s3.generate_presigned_url(
            "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires
        )

    return UploadOut(
        file=PresignedPut(key=data_key, url=put(data_key)),
        manifest=PresignedPut(key=manifest_key, url=put(manifest_key)),
        expires_in=expires,
    )


def presign_download(
    state: AppState, principal: Principal, user: str, sample: str, asset: str
) -> DownloadOut:
    key = partition_key(user, sample)
    require_access(principal, user)
    doc = state.docs.partitions.find_one({"_id": key}, {f"assets.{asset}": 1})
    lake_key = ((doc or {}).get("assets", {}).get(asset) or {}).get("lake_key")
    if lake_key is None:
        raise NotFoundError(f"asset {asset!r} of {key} not found")
    url = state.public_s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": state.settings.lake_bucket, "Key": lake_key},
        ExpiresIn=state.settings.presign_seconds,
    )
    return DownloadOut(asset=asset, key=lake_key, url=url, expires_in=state.settings.presign_seconds)
