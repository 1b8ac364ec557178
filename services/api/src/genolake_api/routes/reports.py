"""The partition report (`GET /partitions/{user}/{sample}/report`), streamed from the lake.

A router of its own (same prefix and tag as routes/partitions.py) because it is a hot path: async end to
end, one presigned GET relayed by the async HTTP client (services/reports.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response, StreamingResponse

from genolake_api.deps import CurrentUser, Sample, StateDep, User
from genolake_api.services import reports as service

router = APIRouter(prefix="/partitions", tags=["partitions"])


@router.get(
    "/{user}/{sample}/report",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/html": {}}}, 304: {"description": "unchanged (If-None-Match)"}},
)
async def report(
    user: User,
    sample: Sample,
    state: StateDep,
    principal: CurrentUser,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """The partition's HTML report, streamed from the lake (ETag; If-None-Match answers 304)."""
    return await service.stream_report(state, principal, user, sample, if_none_match)
