"""A table refuses a filter it does not allow, naming the allowed ones (issue #14: `?ref=A` used to be
ignored, answering unfiltered rows with 200). The refusal comes before any storage access, so the
routes run here on a state object that has none."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from genolake_api import problems
from genolake_api.auth import current_principal
from genolake_api.routes import partitions
from genolake_api.state import get_state
from genolake_core.accounts import Principal
from genolake_core.lanes import table_contracts


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    problems.install(app)
    app.include_router(partitions.router)
    app.dependency_overrides[get_state] = lambda: object()
    app.dependency_overrides[current_principal] = lambda: Principal(user="alice", is_admin=False, key_id="k")
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("table", "params"),
    [
        ("variants", {"ref": "A"}),  # not a filter of any table
        ("variants", {"chrom": "1", "ref": "A"}),
        ("variants", {"module": "mthfr_nad"}),  # a filter of another table
        ("prs", {"chrom": "1"}),
    ],
)
def test_a_filter_the_table_does_not_allow_is_refused(
    client: TestClient, table: str, params: dict[str, str]
) -> None:
    response = client.get(f"/partitions/alice/s1/tables/{table}", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    refused = sorted(set(params) - table_contracts()[table].filters)
    assert str(refused) in detail and f"allowed: {sorted(table_contracts()[table].filters)}" in detail


def test_other_users_tables_are_not_found(client: TestClient) -> None:
    response = client.get("/partitions/bob/s1/tables/variants", params={"ref": "A"})
    assert response.status_code == 404
