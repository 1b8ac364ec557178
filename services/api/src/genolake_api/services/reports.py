"""Partition reports: streamed from the lake on the event loop, one S3 request, nothing buffered.

The API signs a GET for its own S3 endpoint (signatures are reused for a minute, so most requests
sign nothing) and relays the body chunk by chunk as the S3 server sends it; a missing object is the
S3 server's 404, so there is no separate HEAD. `If-None-Match` is passed to the S3 server: an unchanged
report answers 304 without a body (clients revalidating, and the micro-cache's refreshes).
"""

from __future__ import annotations

import time

import httpx
from genolake_core.accounts import Principal
from genolake_core.layout import report_key
from genolake_core.logs import get_logger
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from genolake_api.auth import require_access
from genolake_api.errors import NotFoundError, UnavailableError
from genolake_api.state import AppState

log = get_logger(__name__)
SIGNED_SECONDS = 300  # validity of the internal signed URL
REUSE_SECONDS = 60.0  # sign again after this long (well before expiry, whatever the request takes)
_SIGNED_MAX = 10_000
_signed: dict[tuple[str, str], tuple[float, str]] = {}
PASSED_HEADERS = ("content-length", "etag", "last-modified")


def signed_get(state: AppState, bucket: str, key: str) -> str:
    """A presigned GET on the API's own S3 endpoint, cached per object for REUSE_SECONDS."""
    now = time.monotonic()
    cached = _signed.get((bucket, key))
    if cached is not None and cached[0] > now:
        return cached[1]
    url: str = state.store.client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=SIGNED_SECONDS
    )
    if len(_signed) >= _SIGNED_MAX:
        _signed.clear()
    _signed[(bucket, key)] = (now + REUSE_SECONDS, url)
    return url


async def stream_report(
    state: AppState, principal: Principal, user: str, sample: str, if_none_match: str | None = None
) -> Response:
    """The report streamed from the lake; `304 Not Modified` when `if_none_match` names its current ETag
    (the S3 server decides: the body is not even read)."""
    require_access(principal, user)
    bucket, key = state.settings.lake_bucket, report_key(user, sample)
    conditional = {"If-None-Match": if_none_match} if if_none_match else None
    request = state.http.build_request("GET", signed_get(state, bucket, key), headers=conditional)
    try:
        response = await state.http.send(request, stream=True)
    except httpx.HTTPError as exc:
        log.error(
            "api.report.s3_unreachable", bucket=bucket, key=key, error=f"{exc.__class__.__name__}: {exc}"
        )
        raise UnavailableError("the object store is not reachable; retry later") from exc
    if response.status_code == 304:
        await response.aclose()
        return Response(
            status_code=304, headers={n: response.headers[n] for n in ("etag",) if n in response.headers}
        )
    if response.status_code != 200:
        await response.aclose()
        if response.status_code == 404:
            raise NotFoundError(f"no report for {user}/{sample} yet")
        log.error("api.report.s3_error", bucket=bucket, key=key, status=response.status_code)
        raise UnavailableError("the object store refused the read; retry later")
    headers = {name: response.headers[name] for name in PASSED_HEADERS if name in response.headers}
    return StreamingResponse(
        response.aiter_raw(),
        media_type="text/html; charset=utf-8",
        headers=headers,
        background=BackgroundTask(response.aclose),
    )
