"""Micro-cache for the polled read paths: manifest status, run status, the report.

Clients poll these (a status page, a script waiting for a batch), so the same request arrives many
times a second. This ASGI middleware keeps each successful GET response of those routes for
`GENOLAKE_API_CACHE_SECONDS` (default 1 s; 0 turns it off), keyed by path, query string and the
`Authorization` header: a response is only ever replayed to the same token that got it, after that
token was authenticated and authorized once. What it changes, stated plainly:
- a status may be up to that many seconds old (Dagster and Mongo are the truth; they move on);
- a revoked key may read what it read in the last second (the token cache already allows 30 s);
- any successful non-GET request (DELETE of a partition, POST of a manifest) empties this worker's
  cache, so a deleted sample's report is not replayed by the worker that deleted it.
Responses larger than MAX_ENTRY_BYTES and non-200 responses are never kept.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHED_ROUTES = (
    re.compile(r"^/manifests/[^/]+$"),
    re.compile(r"^/runs/[^/]+$"),
    re.compile(r"^/partitions/[^/]+/[^/]+/report$"),
)
MAX_ENTRIES = 512
MAX_ENTRY_BYTES = 4 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True)
class Entry:
    expires: float
    created: float
    headers: list[tuple[bytes, bytes]]
    body: bytes


class MicroCache:
    def __init__(self, app: ASGIApp, ttl_seconds: float | None = None) -> None:
        """`ttl_seconds` None: read GENOLAKE_API_CACHE_SECONDS at the first request (never at import)."""
        self.app = app
        self._ttl = ttl_seconds
        self.entries: OrderedDict[tuple[str, bytes, bytes], Entry] = OrderedDict()
        self.total_bytes = 0

    @property
    def ttl(self) -> float:
        if self._ttl is None:
            from genolake_core.settings import get_settings

            self._ttl = get_settings().api_cache_seconds
        return self._ttl

    def clear(self) -> None:
        self.entries.clear()
        self.total_bytes = 0

    def _store(self, key: tuple[str, bytes, bytes], entry: Entry) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.total_bytes -= len(old.body)
        self.entries[key] = entry
        self.total_bytes += len(entry.body)
        while len(self.entries) > MAX_ENTRIES or self.total_bytes > MAX_TOTAL_BYTES:
            _, evicted = self.entries.popitem(last=False)
            self.total_bytes -= len(evicted.body)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.ttl <= 0:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "GET":
            await self._pass_mutating(scope, receive, send)
            return
        path: str = scope["path"]
        if not any(route.match(path) for route in CACHED_ROUTES):
            await self.app(scope, receive, send)
            return
        auth = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        key = (path, scope.get("query_string", b""), auth)
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and entry.expires > now:
            age = str(int(now - entry.created)).encode()
            await send({"type": "http.response.start", "status": 200, "headers": [*entry.headers, (b"age", age)]})
            await send({"type": "http.response.body", "body": entry.body})
            return
        await self._fill(key, scope, receive, send)

    async def _fill(self, key: tuple[str, bytes, bytes], scope: Scope, receive: Receive, send: Send) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        size = 0
        started = time.monotonic()

        async def capture(message: Message) -> None:
            nonlocal status, headers, size
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body" and size <= MAX_ENTRY_BYTES:
                body = message.get("body", b"")
                chunks.append(body)
                size += len(body)
            await send(message)

        await self.app(scope, receive, capture)
        if status == 200 and size <= MAX_ENTRY_BYTES:
            self._store(key, Entry(started + self.ttl, started, headers, b"".join(chunks)))

    async def _pass_mutating(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.clear()
            await send(message)

        await self.app(scope, receive, watch)
