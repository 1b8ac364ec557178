"""Bearer-token authentication and per-user access rules."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from genolake_api.state import StateDep
from genolake_core.accounts import Principal, authenticate

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer glk_...`")
_CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, Principal]] = {}


def current_principal(
    state: StateDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(status_code=401, detail="missing bearer token")
    token = credentials.credentials
    cached = _cache.get(token)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    principal = authenticate(state.docs, token)
    if principal is None:
        _cache.pop(token, None)
        raise HTTPException(status_code=401, detail="invalid or revoked token")
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[token] = (time.monotonic() + _CACHE_SECONDS, principal)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_access(principal: Principal, owner: str | None) -> None:
    """Refuse with 404 (not 403) so that other users' resources are not even confirmed to exist."""
    if owner is None or not principal.may_access(owner):
        raise HTTPException(status_code=404, detail="not found")


def forget_token_cache() -> None:
    _cache.clear()
