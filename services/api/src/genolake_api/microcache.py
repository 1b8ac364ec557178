"""Micro-cache for the polled read paths: manifest status, run status, the report.

Clients poll these (a status page, a script waiting for a batch), so the same request arrives many
times a second. This ASGI middleware keeps each successful GET response of those routes, keyed by path,
query string and the `Authorization` header: a response is only ever replayed to the same token that
got it, after that token was authenticated and authorized by the application.

With `ttl` = `GENOLAKE_API_CACHE_SECONDS` (default 1 s; 0 turns the cache off):
- an entry younger than `ttl` is replayed as is;
- an entry between `ttl` and `2 * ttl` old is still replayed at once, and one background request
  (through the whole application again: authentication, authorization, Mongo, S3) refreshes it,
  conditionally when the entry has an ETag (the report: an unchanged object answers 304 and the
  entry is kept, nothing is transferred); if that request answers anything else than 200 or 304 (the
  sample was deleted, the key revoked), the entry is dropped;
- a request whose `If-None-Match` names the entry's ETag gets `304 Not Modified`;
- while that refresh is still running (Mongo or S3 slow), the entry keeps being replayed, up to
  `SLOW_BACKEND_LIMIT * ttl` old: requests do not queue behind a slow backend, and the `Age` header
  says how old the answer is;
- an older entry, or none, is filled by the first request; concurrent requests for the same key wait
  for that one instead of all going to Mongo/S3 (single flight), so a slow backend is not hit harder
  at the moment it is slow.

What it changes, stated plainly:
- a status may be up to `2 * ttl` seconds old, `SLOW_BACKEND_LIMIT * ttl` while the backend is too slow to
  refresh it (Dagster and Mongo are the truth; they move on);
- a revoked key may read what it read that long ago (the token cache already allows 30 s);
- any successful non-GET request (DELETE of a partition, POST of a manifest) empties this worker's
  cache, and a fill or refresh that started before it is not stored, so a deleted sample's report is
  not replayed by the worker that deleted it.
Responses larger than MAX_ENTRY_BYTES and non-200 responses are never kept.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from genolake_core.logs import get_logger
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHED_ROUTES = (
    re.compile(r"^/manifests/[^/]+$"),
    re.compile(r"^/runs/[^/]+$"),
    re.compile(r"^/partitions/[^/]+/[^/]+/report$"),
)
MAX_ENTRIES = 512
MAX_ENTRY_BYTES = 4 * 1024 * 1024
MAX_TOTAL_BYTES = 128 * 1024 * 1024
SLOW_BACKEND_LIMIT = 10  # x ttl: how old an entry may be replayed while its refresh is still running

Key = tuple[str, bytes, bytes]
log = get_logger(__name__)


@dataclass(frozen=True)
class Entry:
    created: float
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class Captured:
    """A response as the application sent it (`body` only while it stays under MAX_ENTRY_BYTES)."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] | None = None
    chunks: list[bytes] | None = None
    size: int = 0

    def take(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            self.chunks = []
        elif message["type"] == "http.response.body" and self.chunks is not None:
            body = message.get("body", b"")
            self.size += len(body)
            if self.size <= MAX_ENTRY_BYTES:
                self.chunks.append(body)

    def entry(self, created: float) -> Entry | None:
        if self.status != 200 or self.size > MAX_ENTRY_BYTES or self.chunks is None:
            return None
        return Entry(created, self.headers or [], b"".join(self.chunks))


def _find(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key == name), None)


def _header(scope: Scope, name: bytes) -> bytes | None:
    return _find(scope["headers"], name)


async def _request_without_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class MicroCache:
    def __init__(self, app: ASGIApp, ttl_seconds: float | None = None) -> None:
        """`ttl_seconds` None: read GENOLAKE_API_CACHE_SECONDS at the first request (never at import)."""
        self.app = app
        self._ttl = ttl_seconds
        self.entries: OrderedDict[Key, Entry] = OrderedDict()
        self.total_bytes = 0
        self.generation = 0  # bumped by clear(): fills started before a clear are not stored
        self._inflight: dict[Key, asyncio.Future[Entry | None]] = {}
        self._refreshing: set[asyncio.Task[None]] = set()

    @property
    def ttl(self) -> float:
        if self._ttl is None:
            from genolake_core.settings import get_settings

            self._ttl = get_settings().api_cache_seconds
        return self._ttl

    def clear(self) -> None:
        self.entries.clear()
        self.total_bytes = 0
        self.generation += 1

    def _drop(self, key: Key) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.total_bytes -= len(old.body)

    def _store(self, key: Key, entry: Entry, generation: int) -> None:
        if generation != self.generation:
            return
        self._drop(key)
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
        auth = _header(scope, b"authorization") or b""
        key = (path, scope.get("query_string", b""), auth)
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None:
            age, busy = now - entry.created, key in self._inflight
            if age < 2 * self.ttl or (busy and age < SLOW_BACKEND_LIMIT * self.ttl):
                if age >= self.ttl and not busy:
                    self._start_refresh(key, scope, entry)
                await self._replay(entry, now, send, _header(scope, b"if-none-match"))
                return
        leader = self._inflight.get(key)
        if leader is not None:
            shared = await asyncio.shield(leader)
            if shared is not None:
                await self._replay(shared, time.monotonic(), send, _header(scope, b"if-none-match"))
                return
            await self.app(scope, receive, send)  # the leader's answer was not cacheable: ask ourselves
            return
        await self._fill(key, scope, receive, send)

    @staticmethod
    async def _replay(entry: Entry, now: float, send: Send, if_none_match: bytes | None) -> None:
        age = (b"age", str(int(now - entry.created)).encode())
        etag = _find(entry.headers, b"etag")
        if etag is not None and if_none_match == etag:  # the client has this version already
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag), age]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [*entry.headers, age]})
        await send({"type": "http.response.body", "body": entry.body})

    async def _fill(self, key: Key, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer this request through the application, keeping a cacheable answer for the others."""
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        generation, started = self.generation, time.monotonic()
        captured = Captured()
        entry: Entry | None = None

        async def capture(message: Message) -> None:
            captured.take(message)
            await send(message)

        try:
            await self.app(scope, receive, capture)
            entry = captured.entry(started)
            if entry is not None:
                self._store(key, entry, generation)
        finally:
            del self._inflight[key]
            future.set_result(entry)

    def _start_refresh(self, key: Key, scope: Scope, entry: Entry) -> None:
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        task = asyncio.create_task(self._refresh(key, self._detached_scope(scope, entry), future, entry))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    @staticmethod
    def _detached_scope(scope: Scope, entry: Entry) -> Scope:
        """A copy of the request's scope for a request that has no client connection behind it; it asks
        for the entry's version conditionally (`If-None-Match`) when the entry has an ETag."""
        copy = dict(scope)
        if isinstance(scope.get("state"), dict):
            copy["state"] = dict(scope["state"])
        headers = [(name, value) for name, value in scope["headers"] if name != b"if-none-match"]
        etag = _find(entry.headers, b"etag")
        copy["headers"] = headers if etag is None else [*headers, (b"if-none-match", etag)]
        return copy

    async def _refresh(
        self, key: Key, scope: Scope, future: asyncio.Future[Entry | None], old: Entry
    ) -> None:
        generation, started = self.generation, time.monotonic()
        captured = Captured()
        delivered = asyncio.Event()
        entry: Entry | None = None

        async def receive() -> Message:
            if not delivered.is_set():
                delivered.set()
                return await _request_without_body()
            await asyncio.Event().wait()  # no client to disconnect: wait until the response is done
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            captured.take(message)

        try:
            await self.app(scope, receive, capture)
            entry = (
                Entry(started, old.headers, old.body) if captured.status == 304 else captured.entry(started)
            )
            if entry is None:
                self._drop(key)  # deleted, revoked or failing now: stop replaying the old answer
            else:
                self._store(key, entry, generation)
        except Exception:
            log.exception("microcache.refresh_failed", path=key[0])
            self._drop(key)
        finally:
            del self._inflight[key]
            future.set_result(entry)

    async def _pass_mutating(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                self.clear()
            await send(message)

        await self.app(scope, receive, watch)
