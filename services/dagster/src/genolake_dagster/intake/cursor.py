"""The intake sensors' cursor: versioned JSON, bounded in size.

It remembers, per manifest object (key + ETag), which intent it declared, so a sensor does not
download manifests that belong to other lanes on every tick, and how many ticks in a row failed on
it unexpectedly (intake rejects an object after `MAX_OBJECT_FAILURES`). Losing it only costs
re-reads and restarts those counts.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError

CURSOR_VERSION = 1
MAX_ENTRIES = 5000


class IntakeCursor(BaseModel):
    v: int = CURSOR_VERSION
    seen: dict[str, tuple[str, str | None]] = {}  # key -> (etag, intent or None if unreadable)
    failures: dict[str, tuple[str, int]] = {}  # key -> (etag, unexpected failures of that version)

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

    def record_failure(self, key: str, etag: str) -> int:
        """Count one more unexpected failure on this object version; returns the count."""
        previous_etag, count = self.failures.get(key, (etag, 0))
        count = count + 1 if previous_etag == etag else 1
        self.failures[key] = (etag, count)
        return count

    def dump(self, listed_keys: set[str]) -> str:
        def bounded(entries: dict[str, Any]) -> dict[str, Any]:
            kept = {key: value for key, value in entries.items() if key in listed_keys}
            return dict(sorted(kept.items())[:MAX_ENTRIES]) if len(kept) > MAX_ENTRIES else kept

        data: dict[str, Any] = {"v": CURSOR_VERSION, "seen": bounded(self.seen)}
        failures = bounded(self.failures)
        if failures:
            data["failures"] = failures
        return json.dumps(data, separators=(",", ":"))
