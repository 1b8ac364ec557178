"""Users and API keys (Mongo `users`, `api_keys`). Keys are stored hashed; the token is shown once.

Token format: `glk_{key_id}_{secret}`; `key_id` is 12 hex characters (the document id), `secret`
43 URL-safe characters (256 bits). Only sha256(secret) is stored: with 256-bit random secrets a
slow hash adds nothing, and verification stays cheap on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from genolake_core.docstore import DocStore, utcnow
from genolake_core.errors import GenoLakeError
from genolake_core.ids import check_user

TOKEN_PATTERN = re.compile(r"^glk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


class AccountError(GenoLakeError, KeyError):
    """A user or key that does not exist."""

    def __str__(self) -> str:  # KeyError's own str() quotes the message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Principal:
    user: str
    is_admin: bool
    key_id: str

    def may_access(self, owner: str) -> bool:
        return self.is_admin or owner == self.user


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(docs: DocStore, user: str, *, is_admin: bool = False) -> bool:
    """Create the user if missing (idempotent); True if created."""
    check_user(user)
    result = docs.users.update_one(
        {"_id": user}, {"$setOnInsert": {"is_admin": is_admin, "created_at": utcnow()}}, upsert=True
    )
    return result.upserted_id is not None


def create_key(docs: DocStore, user: str) -> str:
    """A new API key for an existing user; returns the token (never stored)."""
    if docs.users.find_one({"_id": user}) is None:
        raise AccountError(f"no user {user!r}; create it first")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    docs.api_keys.insert_one(
        {"_id": key_id, "user": user, "hash": _hash(secret), "created_at": utcnow(), "revoked": False}
    )
    return f"glk_{key_id}_{secret}"


def revoke_key(docs: DocStore, key_id: str) -> bool:
    return bool(docs.api_keys.update_one({"_id": key_id}, {"$set": {"revoked": True}}).modified_count)


def authenticate(docs: DocStore, token: str) -> Principal | None:
    """The principal behind a token, or None (malformed, unknown, revoked or wrong secret)."""
    match = TOKEN_PATTERN.fullmatch(token)
    if match is None:
        return None
    key_id, secret = match.groups()
    key: dict[str, Any] | None = docs.api_keys.find_one({"_id": key_id})
    if key is None or key.get("revoked") or not hmac.compare_digest(key["hash"], _hash(secret)):
        return None
    user = docs.users.find_one({"_id": key["user"]})
    if user is None:
        return None
    return Principal(user=key["user"], is_admin=bool(user.get("is_admin")), key_id=key_id)
