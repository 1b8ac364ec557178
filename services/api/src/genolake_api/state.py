"""Clients the API holds for its lifetime, and the dependency that hands them to routes (`deps.StateDep`).

Hot read paths (status, report) use the asyncio clients (`mongo`, `http`) and run on the event loop;
the blocking clients (`docs`, `store`) serve the rest through FastAPI's threadpool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import Request
from genolake_core.docstore import DocStore
from genolake_core.objectstore import ObjectStore, make_s3_client
from genolake_core.settings import Settings
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MONGO_TIMEOUT_MS = 5000
# Connections per worker: beyond this, requests queue in the client instead of piling onto the
# database (the sync client was bounded by the 40-thread pool the same way).
MONGO_POOL = 20
S3_CONNECTIONS = 32


@dataclass
class AppState:
    settings: Settings
    docs: DocStore
    store: ObjectStore
    public_s3: S3Client  # signs presigned URLs for the endpoint users reach
    mongo: AsyncDatabase[dict[str, Any]]  # same database as `docs`, for async handlers
    http: httpx.AsyncClient  # streams lake objects from the S3 server (presigned GETs)

    @classmethod
    def connect(cls, settings: Settings) -> AppState:
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            settings.mongo_url.get_secret_value(),
            serverSelectionTimeoutMS=MONGO_TIMEOUT_MS,
            connectTimeoutMS=MONGO_TIMEOUT_MS,
            maxPoolSize=MONGO_POOL,
            tz_aware=True,
            uuidRepresentation="standard",
        )
        limits = httpx.Limits(max_connections=S3_CONNECTIONS, max_keepalive_connections=S3_CONNECTIONS)
        return cls(
            settings=settings,
            docs=DocStore.from_settings(settings),
            store=ObjectStore.from_settings(settings),
            public_s3=make_s3_client(settings, public=True),
            mongo=mongo[settings.mongo_db],
            http=httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60, connect=5), trust_env=False),
        )

    async def close(self) -> None:
        await self.http.aclose()
        await self.mongo.client.close()
        self.docs.close()


async def get_state(request: Request) -> AppState:
    """Async so FastAPI calls it on the event loop instead of a threadpool hop per request."""
    return request.app.state.genolake  # type: ignore[no-any-return]
