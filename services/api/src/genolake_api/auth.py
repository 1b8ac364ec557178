"""Bearer-token authentication and per-user access rules.

Verified principals are cached in-process for 30 s per token (per worker): a revoked key, or a
user whose admin flag changed, keeps its old rights for at most 30 s. A cache hit costs no I/O and
no threadpool hop (the dependency is async); a miss runs the blocking lookup in the threadpool.
Failed lookups are never cached, so a new key works at once.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from genolake_core.accounts import Principal, authenticate
from starlette.concurrency import run_in_threadpool

from genolake_api.errors import NotFoundError, UnauthorizedError
from genolake_api.state import AppState, get_state

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer glk_...`")
_CACHE_SECONDS = 30.0
_CACHE_MAX = 10_000
_cache: dict[str, tuple[float, Principal]] = {}


async def current_principal(
    state: Annotated[AppState, Depends(get_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller (routes declare it as `deps.CurrentUser`)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UnauthorizedError("missing bearer token")
    token = credentials.credentials
    cached = _cache.get(token)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    principal = await run_in_threadpool(authenticate, state.docs, token)
    if principal is None:
        _cache.pop(token, None)
        raise UnauthorizedError("invalid or revoked token")
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[token] = (time.monotonic() + _CACHE_SECONDS, principal)
    return principal


def require_access(principal: Principal, owner: str | None) -> None:
    """Refuse with 404 (not 403) so that other users' resources are not even confirmed to exist."""
    if owner is None or not principal.may_access(owner):
        raise NotFoundError("not found")


def forget_token_cache() -> None:
    _cache.clear()
