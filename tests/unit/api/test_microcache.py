"""The micro-cache in front of the polled routes, driven over real ASGI calls (httpx ASGITransport)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from genolake_api.microcache import MicroCache
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


def _app(counter: dict[str, int]) -> Starlette:
    async def status(request: Request) -> Response:
        counter["calls"] += 1
        code = 404 if request.path_params["batch"] == "missing" else 200
        return PlainTextResponse(
            f"{request.headers.get('authorization')}:{counter['calls']}", status_code=code
        )

    async def delete(request: Request) -> Response:
        return PlainTextResponse("deleted")

    async def other(request: Request) -> Response:
        counter["calls"] += 1
        return PlainTextResponse(str(counter["calls"]))

    return Starlette(
        routes=[
            Route("/manifests/{batch}", status),
            Route("/partitions/{u}/{s}", delete, methods=["DELETE"]),
            Route("/partitions", other),
        ]
    )


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
        return [
            (await client.get(path)).text
            for path in ("/manifests/missing", "/manifests/missing", "/partitions", "/partitions")
        ]

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


def test_entries_expire_after_twice_the_ttl() -> None:
    async def steps(client: httpx.AsyncClient) -> list[str]:
        first = (await client.get("/manifests/b1")).text
        await asyncio.sleep(0.25)
        return [first, (await client.get("/manifests/b1")).text]

    assert _run(0.1, steps) == ["None:1", "None:2"]


def test_stale_entry_is_replayed_at_once_and_refreshed_in_the_background() -> None:
    async def steps(client: httpx.AsyncClient) -> list[str]:
        first = (await client.get("/manifests/b1")).text
        await asyncio.sleep(0.12)  # stale, not expired
        stale = (await client.get("/manifests/b1")).text
        await asyncio.sleep(0.02)  # the refresh ran meanwhile
        return [first, stale, (await client.get("/manifests/b1")).text]

    assert _run(0.1, steps) == ["None:1", "None:1", "None:2"]


def test_refresh_that_is_refused_drops_the_entry() -> None:
    """The refresh goes through the application again: once it stops answering 200 (here: the batch
    became 'missing'), the old answer is not replayed any more."""
    state = {"calls": 0, "gone": False}

    async def status(request: Request) -> Response:
        state["calls"] += 1
        return PlainTextResponse("gone" if state["gone"] else "ok", status_code=404 if state["gone"] else 200)

    async def main() -> list[tuple[int, str]]:
        cache = MicroCache(Starlette(routes=[Route("/manifests/{batch}", status)]), ttl_seconds=0.1)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cache), base_url="http://api"
        ) as client:
            answers = [await client.get("/manifests/b1")]
            state["gone"] = True
            await asyncio.sleep(0.12)
            answers.append(await client.get("/manifests/b1"))  # stale replay; its refresh gets 404
            await asyncio.sleep(0.02)
            assert not cache.entries
            answers.append(await client.get("/manifests/b1"))
        return [(r.status_code, r.text) for r in answers]

    assert asyncio.run(main()) == [(200, "ok"), (200, "ok"), (404, "gone")]


def test_concurrent_misses_make_one_backend_call() -> None:
    state = {"calls": 0}

    async def slow(request: Request) -> Response:
        state["calls"] += 1
        await asyncio.sleep(0.05)
        return PlainTextResponse(f"answer {state['calls']}")

    async def main() -> list[str]:
        cache = MicroCache(Starlette(routes=[Route("/runs/{run}", slow)]), ttl_seconds=60)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cache), base_url="http://api"
        ) as client:
            answers = await asyncio.gather(*(client.get("/runs/r1") for _ in range(10)))
        return [r.text for r in answers]

    assert asyncio.run(main()) == ["answer 1"] * 10
    assert state["calls"] == 1


def test_fill_that_started_before_a_mutation_is_not_stored() -> None:
    async def status(request: Request) -> Response:
        await asyncio.sleep(0.05)
        return PlainTextResponse("before the delete")

    async def delete(request: Request) -> Response:
        return PlainTextResponse("deleted")

    async def main() -> dict[tuple[str, bytes, bytes], object]:
        app = Starlette(
            routes=[
                Route("/partitions/{u}/{s}/report", status),
                Route("/partitions/{u}/{s}", delete, methods=["DELETE"]),
            ]
        )
        cache = MicroCache(app, ttl_seconds=60)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cache), base_url="http://api"
        ) as client:
            read = asyncio.create_task(client.get("/partitions/u/s/report"))
            await asyncio.sleep(0.01)
            assert (await client.delete("/partitions/u/s")).status_code == 200
            assert (await read).text == "before the delete"
        return dict(cache.entries)

    assert asyncio.run(main()) == {}


def test_refresh_is_conditional_and_a_304_keeps_the_entry() -> None:
    """An entry with an ETag is refreshed with If-None-Match: the app's 304 renews it without a body;
    a client that sends the current ETag gets 304 from the cache."""
    state = {"full": 0, "conditional": 0, "version": "v1"}

    async def report(request: Request) -> Response:
        etag = f'"{state["version"]}"'
        if request.headers.get("if-none-match") == etag:
            state["conditional"] += 1
            return Response(status_code=304, headers={"etag": etag})
        state["full"] += 1
        return PlainTextResponse(f"report {state['version']}", headers={"etag": etag})

    async def main() -> list[tuple[int, str, str | None]]:
        cache = MicroCache(Starlette(routes=[Route("/partitions/{u}/{s}/report", report)]), ttl_seconds=0.1)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cache), base_url="http://api"
        ) as client:
            url = "/partitions/u/s/report"
            answers = [await client.get(url)]
            await asyncio.sleep(0.12)
            answers.append(await client.get(url))  # stale replay; the refresh gets 304
            await asyncio.sleep(0.02)
            answers.append(await client.get(url, headers={"If-None-Match": '"v1"'}))
            state["version"] = "v2"
            await asyncio.sleep(0.12)
            answers.append(await client.get(url))  # stale v1; the refresh gets v2 in full
            await asyncio.sleep(0.02)
            answers.append(await client.get(url))
        return [(r.status_code, r.text, r.headers.get("etag")) for r in answers]

    assert asyncio.run(main()) == [
        (200, "report v1", '"v1"'),
        (200, "report v1", '"v1"'),
        (304, "", '"v1"'),
        (200, "report v1", '"v1"'),
        (200, "report v2", '"v2"'),
    ]
    assert (state["full"], state["conditional"]) == (2, 1)
