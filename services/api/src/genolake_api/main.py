"""The GenoLake API application: one router per resource; no pipeline work happens here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from genolake_core.logs import configure_logging
from genolake_core.settings import get_settings

from genolake_api import problems
from genolake_api.microcache import MicroCache
from genolake_api.routes import catalog, health, manifests, partitions, reports, runs, uploads
from genolake_api.state import AppState


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    configure_logging()  # JSON lines on stderr, per worker
    state = AppState.connect(get_settings())
    app.state.genolake = state
    try:
        yield
    finally:
        await state.close()


def create_app() -> FastAPI:
    app = FastAPI(title="GenoLake API", version="0.1.0", lifespan=lifespan)
    problems.install(app)
    app.add_middleware(MicroCache)
    for module in (health, manifests, runs, partitions, reports, uploads, catalog):
        app.include_router(module.router)
    return app


app = create_app()
