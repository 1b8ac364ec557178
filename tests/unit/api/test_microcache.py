"""The micro-cache in front of the polled routes, driven over real ASGI calls (httpx ASGITransport)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from genolake_api.microcache import MicroCache


def _app(counter: dict[str, int]) -> Starlette:
    async def status(request: Request) -> Response:
        counter["calls"] += 1
        code = 404 if request.path_params["batch"] == "missing" else 200
        return PlainTextResponse(f"{request.headers.get('authorization')}:{counter['calls']}", status_code=code)

    async def delete(request: Request) -> Response:
        return PlainTextResponse("deleted")

    async def other(request: Request) -> Response:
        counter["calls"] += 1
        return PlainTextResponse(str(counter["calls"]))

    return Starlette(routes=[
        Route("/manifests/{batch}", status),
        Route("/partitions/{u}/{s}", delete, methods=["DELETE"]),
        Route("/partitions", other),
    ])


def _run(ttl: float, steps: Callable[[httpx.AsyncClient], object]) -> object:
    async def main() -> object:
        transport = httpx.ASGITransport(app=MicroCache(_app({"calls": 0}), ttl_seconds=ttl))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await steps(client)  # type: ignore[misc]

    return asyncio.run(main())


def test_repeats_within_ttl_are_replayed_per_token_only() -> None:
    async def steps(client: httpx.AsyncClient) -> list[str]:
        alice, bob = {"Authorization": "Bearer a"}, {"Authorization": "Bearer b"}
        first = await client.get("/manifests/b1", headers=alice)
        again = await client.get("/manifests/b1", headers=alice)
        other_token = await client.get("/manifests/b1", headers=bob)
        assert again.headers["age"] == "0"
        return [first.text, again.text, other_token.text]

    assert _run(60, steps) == ["Bearer a:1", "Bearer a:1", "Bearer b:2"]


def test_errors_uncached_routes_and_zero_ttl_go_through() -> None:
    async def steps(client: httpx.AsyncClient) -> list[str]:
        return [(await client.get(path)).text for path in ("/manifests/missing", "/manifests/missing", "/partitions", "/partitions")]

    assert _run(60, steps) == ["None:1", "None:2", "3", "4"]

    async def zero(client: httpx.AsyncClient) -> list[str]:
        return [(await client.get("/manifests/b1")).text for _ in range(2)]

    assert _run(0, zero) == ["None:1", "None:2"]


def test_successful_mutation_empties_the_cache() -> None:
    async def steps(client: httpx.AsyncClient) -> list[str]:
        first = (await client.get("/manifests/b1")).text
        assert (await client.delete("/partitions/u/s")).status_code == 200
        return [first, (await client.get("/manifests/b1")).text]

    assert _run(60, steps) == ["None:1", "None:2"]


def test_entries_expire() -> None:
    async def steps(client: httpx.AsyncClient) -> list[str]:
        first = (await client.get("/manifests/b1")).text
        await asyncio.sleep(0.15)
        return [first, (await client.get("/manifests/b1")).text]

    assert _run(0.1, steps) == ["None:1", "None:2"]
