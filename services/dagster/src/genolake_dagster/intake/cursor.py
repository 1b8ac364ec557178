"""The intake sensors' cursor: versioned JSON, bounded in size.

It remembers, per manifest object (key + ETag), which intent it declared, so a sensor does not
download manifests that belong to other lanes on every tick. Losing it only costs re-reads.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError

CURSOR_VERSION = 1
MAX_ENTRIES = 5000


class IntakeCursor(BaseModel):
    v: int = CURSOR_VERSION
    seen: dict[str, tuple[str, str | None]] = {}  # key -> (etag, intent or None if unreadable)

    @classmethod
    def load(cls, raw: str | None) -> tuple[IntakeCursor, str | None]:
        """The cursor and, if it had to be reset, why (the caller logs it)."""
        if not raw:
            return cls(), None
        try:
            cursor = cls.model_validate(json.loads(raw))
        except (json.JSONDecodeError, ValidationError) as exc:
            return cls(), f"unreadable cursor reset: {exc.__class__.__name__}"
        if cursor.v != CURSOR_VERSION:
            return cls(), f"cursor version {cursor.v} reset to {CURSOR_VERSION}"
        return cursor, None

    def intent_of(self, key: str, etag: str) -> tuple[bool, str | None]:
        entry = self.seen.get(key)
        if entry is None or entry[0] != etag:
            return False, None
        return True, entry[1]

    def remember(self, key: str, etag: str, intent: str | None) -> None:
        self.seen[key] = (etag, intent)

    def dump(self, listed_keys: set[str]) -> str:
        kept = {key: value for key, value in self.seen.items() if key in listed_keys}
        if len(kept) > MAX_ENTRIES:
            kept = dict(sorted(kept.items())[:MAX_ENTRIES])
        return json.dumps({"v": CURSOR_VERSION, "seen": kept}, separators=(",", ":"))
