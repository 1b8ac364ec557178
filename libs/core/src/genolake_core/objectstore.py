"""Object storage through the plain S3 API (MinIO here; any S3 server by changing the endpoint).

Writes are single PUTs (multipart above 8 MiB), which S3 makes visible atomically: a reader sees
the whole new object or the old one, never a part. Every object the pipelines write carries its
sha256 in user metadata (`x-amz-meta-sha256`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from genolake_core.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
else:
    S3Client = Any

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    etag: str
    size: int
    last_modified: datetime
    metadata: dict[str, str]


def make_s3_client(settings: Settings, *, public: bool = False) -> S3Client:
    """A boto3 client that works against MinIO and other S3 servers (path style, no default CRC32).

    `public=True` signs for the endpoint users reach (presigned URLs), which may differ from ours.
    """
    endpoint = (
        (settings.s3_public_endpoint_url or settings.s3_endpoint_url) if public else settings.s3_endpoint_url
    )
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key.get_secret_value(),
        aws_secret_access_key=settings.s3_secret_key.get_secret_value(),
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        ),
    )


def sha256_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_stream(handle)


class ObjectStore:
    """The few S3 operations GenoLake needs, with errors that name the bucket and key."""

    def __init__(self, client: S3Client) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
        return cls(make_s3_client(settings))

    def head(self, bucket: str, key: str) -> ObjectInfo | None:
        try:
            response = self.client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return ObjectInfo(
            key=key,
            etag=response["ETag"].strip('"'),
            size=response["ContentLength"],
            last_modified=response["LastModified"],
            metadata=response.get("Metadata", {}),
        )

    def list(self, bucket: str, prefix: str, limit: int | None = None) -> Iterator[ObjectInfo]:
        """Objects under `prefix` in key order (at most `limit`)."""
        paginator = self.client.get_paginator("list_objects_v2")
        count = 0
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield ObjectInfo(
                    key=item["Key"],
                    etag=item["ETag"].strip('"'),
                    size=item["Size"],
                    last_modified=item["LastModified"],
                    metadata={},
                )
                count += 1
                if limit is not None and count >= limit:
                    return

    def get_bytes(self, bucket: str, key: str, max_bytes: int) -> tuple[bytes, str]:
        """The object's bytes and ETag; refuses objects larger than `max_bytes`."""
        response = self.client.get_object(Bucket=bucket, Key=key)
        if response["ContentLength"] > max_bytes:
            response["Body"].close()
            raise ValueError(
                f"s3://{bucket}/{key} is {response['ContentLength']} bytes; limit is {max_bytes}"
            )
        return response["Body"].read(), response["ETag"].strip('"')

    def open(self, bucket: str, key: str) -> BinaryIO:
        """A streaming, non-seekable reader of the object."""
        return self.client.get_object(Bucket=bucket, Key=key)["Body"]  # type: ignore[return-value]

    def sha256(self, bucket: str, key: str) -> str:
        body = self.open(bucket, key)
        try:
            return sha256_stream(body)
        finally:
            body.close()

    def download(self, bucket: str, key: str, path: Path) -> ObjectInfo:
        """Download to `path` (written to a temporary name first, then moved into place)."""
        info = self.head(bucket, key)
        if info is None:
            raise FileNotFoundError(f"s3://{bucket}/{key} does not exist")
        partial = path.with_name(path.name + ".partial")
        self.client.download_file(bucket, key, str(partial))
        partial.replace(path)
        return info

    def put_file(
        self,
        path: Path,
        bucket: str,
        key: str,
        metadata: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> str:
        """Upload a local file; returns its sha256 (also stored as object metadata)."""
        digest = sha256_file(path)
        extra: dict[str, Any] = {"Metadata": {**(metadata or {}), "sha256": digest}}
        if content_type is not None:
            extra["ContentType"] = content_type
        self.client.upload_file(str(path), bucket, key, ExtraArgs=extra)
        return digest

    def put_bytes(
        self, data: bytes, bucket: str, key: str, content_type: str = "application/octet-stream"
    ) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self.client.put_object(
            Bucket=bucket, Key=key, Body=data, ContentType=content_type, Metadata={"sha256": digest}
        )

    def copy(
        self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, metadata: dict[str, str]
    ) -> None:
        """Server-side copy (multipart for large objects) with replaced metadata."""
        self.client.copy(
            {"Bucket": src_bucket, "Key": src_key},
            dst_bucket,
            dst_key,
            ExtraArgs={"Metadata": metadata, "MetadataDirective": "REPLACE"},
        )

    def delete(self, bucket: str, key: str) -> None:
        self.client.delete_object(Bucket=bucket, Key=key)

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        keys = [info.key for info in self.list(bucket, prefix)]
        for start in range(0, len(keys), 1000):
            batch = keys[start : start + 1000]
            self.client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
        return len(keys)

    def ensure_bucket(self, bucket: str) -> bool:
        """Create the bucket if missing; True if created."""
        try:
            self.client.head_bucket(Bucket=bucket)
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
                raise
        self.client.create_bucket(Bucket=bucket)
        return True

    def ping(self, bucket: str) -> None:
        self.client.head_bucket(Bucket=bucket)
