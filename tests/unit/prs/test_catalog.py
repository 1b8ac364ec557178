"""The PGS Catalog client, against httpx.MockTransport standing in for the external service."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx
import pytest
from genolake_prs import CatalogError, PgsCatalogClient, ScoreCache, read_scoring_file

FTP = "https://ftp.ebi.ac.uk/pub/databases/spot/pgs/scores"


def metadata(pgs_id: str) -> dict[str, object]:
    """Shaped like the REST answer (abridged), harmonized links as the catalog lists them."""
    return {
        "id": pgs_id,
        "name": "PRS77_BC",
        "trait_reported": "Breast cancer",
        "variants_number": 77,
        "weight_type": "NR",
        "license": "PGS obtained from the Catalog should be cited appropriately",
        "ftp_scoring_file": f"{FTP}/{pgs_id}/ScoringFiles/{pgs_id}.txt.gz",
        "ftp_harmonized_scoring_files": {
            "GRCh37": {"positions": f"{FTP}/{pgs_id}/ScoringFiles/Harmonized/{pgs_id}_hmPOS_GRCh37.txt.gz"},
            "GRCh38": {
                "positions": f"ftp://ftp.ebi.ac.uk/pub/databases/spot/pgs/scores/{pgs_id}/ScoringFiles/Harmonized/"
                f"{pgs_id}_hmPOS_GRCh38.txt.gz"
            },
        },
        "publication": {"id": "PGP000001", "firstauthor": "Mavaddat N"},
    }


class FakeCatalog:
    """Serves metadata and the shared harmonized files; records every request."""

    def __init__(self, pgs_dir: Path) -> None:
        self.pgs_dir = pgs_dir
        self.requests: list[str] = []
        self.fail_next: list[httpx.Response] = []
        self.overrides: dict[str, httpx.Response] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        if self.fail_next:
            return self.fail_next.pop(0)
        if url in self.overrides:
            return self.overrides[url]
        if url.startswith("https://www.pgscatalog.org/rest/score/"):
            pgs_id = url.rsplit("/", 1)[1]
            if (self.pgs_dir / f"{pgs_id}_hmPOS_GRCh37.txt.gz").exists():
                return httpx.Response(200, json=metadata(pgs_id))
            return httpx.Response(200, json={})  # the catalog answers {} for unknown ids
        if url.startswith(FTP):
            name = url.rsplit("/", 1)[1]
            path = self.pgs_dir / name
            if path.exists():
                return httpx.Response(200, content=path.read_bytes())
        return httpx.Response(404, text="not found")

    def client(self, **options: object) -> PgsCatalogClient:
        return PgsCatalogClient(transport=httpx.MockTransport(self), sleep=lambda s: None, **options)  # type: ignore[arg-type]


@pytest.fixture
def catalog(test_data: Path) -> FakeCatalog:
    return FakeCatalog(test_data / "pgs")


def test_metadata(catalog: FakeCatalog) -> None:
    with catalog.client() as client:
        meta = client.score_metadata("PGS000001")
    assert meta.id == "PGS000001" and meta.variants_number == 77
    assert meta.harmonized_url("GRCh37").endswith("/Harmonized/PGS000001_hmPOS_GRCh37.txt.gz")
    assert meta.harmonized_url("GRCh38").startswith("https://ftp.ebi.ac.uk/")  # ftp:// fetched over https
    assert meta.model_extra is not None and meta.model_extra["publication"]["id"] == "PGP000001"
    assert catalog.requests == ["https://www.pgscatalog.org/rest/score/PGS000001"]


def test_unknown_and_invalid_ids(catalog: FakeCatalog) -> None:
    with catalog.client() as client:
        with pytest.raises(CatalogError, match="not found"):
            client.score_metadata("PGS999999")
        with pytest.raises(CatalogError, match="not a PGS Catalog score id"):
            client.score_metadata("rs123")
    assert catalog.requests == ["https://www.pgscatalog.org/rest/score/PGS999999"]  # no request for a bad id
    catalog.overrides["https://www.pgscatalog.org/rest/score/PGS000002"] = httpx.Response(404)
    with catalog.client() as client, pytest.raises(CatalogError, match="not found"):
        client.score_metadata("PGS000002")


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_download_is_the_catalog_file(
    catalog: FakeCatalog, test_data: Path, tmp_path: Path, build: str
) -> None:
    with catalog.client() as client:
        path = client.download_scoring_file("PGS000002", build, tmp_path / "dl")
    assert path.name == f"PGS000002_hmPOS_{build}.txt.gz"
    assert path.read_bytes() == (test_data / "pgs" / path.name).read_bytes()
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == [path.name]  # no temp files left
    assert catalog.requests[-1] == metadata("PGS000002")["ftp_harmonized_scoring_files"][build][
        "positions"
    ].replace(  # type: ignore[index]
        "ftp://", "https://"
    )


def test_fetch_caches_parsed_parquet(catalog: FakeCatalog, test_data: Path, tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path / "reference" / "pgs")
    with catalog.client() as client:
        first = client.fetch_scoring_file("PGS000001", "hg19", cache=cache)
        n_requests = len(catalog.requests)
        second = client.fetch_scoring_file("PGS000001", "GRCh37", cache=cache)
    assert n_requests == 2  # metadata + file
    assert len(catalog.requests) == n_requests  # the second came from the cache
    cached = Path(cache.path_for("PGS000001", "GRCh37"))
    assert cached == tmp_path / "reference" / "pgs" / "PGS000001" / "GRCh37" / "scoring.parquet"
    expected = read_scoring_file(test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz")
    for got in (first, second):
        assert got.score_id == "PGS000001" and got.header == expected.header
        assert got.variants.equals(expected.variants)
    assert sorted(p.name for p in cached.parent.iterdir()) == ["scoring.parquet"]


def test_retries_transient_errors(catalog: FakeCatalog) -> None:
    delays: list[float] = []
    catalog.fail_next = [
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "7"}),
    ]
    client = PgsCatalogClient(
        transport=httpx.MockTransport(catalog), sleep=delays.append, backoff_seconds=0.5
    )
    with client:
        assert client.score_metadata("PGS000001").id == "PGS000001"
    assert delays == [0.5, 7.0]
    assert len(catalog.requests) == 3

    catalog.fail_next = [httpx.Response(500)] * 3
    with (
        catalog.client(max_retries=2) as client,
        pytest.raises(CatalogError, match="HTTP 500 after 3 attempts"),
    ):
        client.score_metadata("PGS000001")


def test_transport_errors_are_retried_then_reported() -> None:
    calls: list[str] = []

    def broken(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        raise httpx.ConnectError("no route to host", request=request)

    client = PgsCatalogClient(transport=httpx.MockTransport(broken), sleep=lambda s: None, max_retries=1)
    with client, pytest.raises(CatalogError, match="ConnectError"):
        client.score_metadata("PGS000001")
    assert len(calls) == 2


def test_bad_downloads_are_refused(catalog: FakeCatalog, test_data: Path, tmp_path: Path) -> None:
    url37 = metadata("PGS000001")["ftp_harmonized_scoring_files"]["GRCh37"]["positions"]  # type: ignore[index]
    catalog.overrides[url37] = httpx.Response(200, content=b"<html>maintenance</html>")
    with catalog.client() as client, pytest.raises(CatalogError, match="not gzip"):
        client.download_scoring_file("PGS000001", "GRCh37", tmp_path)
    assert list(tmp_path.iterdir()) == []
    # a file of another build behind the GRCh37 link
    catalog.overrides[url37] = httpx.Response(
        200, content=(test_data / "pgs" / "PGS000001_hmPOS_GRCh38.txt.gz").read_bytes()
    )
    with catalog.client() as client, pytest.raises(CatalogError, match="HmPOS_build=GRCh38"):
        client.fetch_scoring_file("PGS000001", "GRCh37")
    # a malformed file
    broken = gzip.compress(b"#pgs_id=PGS000001\n#HmPOS_build=GRCh37\nchr_name\teffect_allele\n1\tA\n")
    catalog.overrides[url37] = httpx.Response(200, content=broken)
    with catalog.client() as client, pytest.raises(CatalogError, match="malformed"):
        client.fetch_scoring_file("PGS000001", "GRCh37")
    with catalog.client() as client, pytest.raises(CatalogError, match="GRCh37 and GRCh38"):
        client.fetch_scoring_file("PGS000001", "NCBI36")


def test_missing_harmonized_link(catalog: FakeCatalog) -> None:
    meta = metadata("PGS000001")
    meta["ftp_harmonized_scoring_files"] = {"GRCh37": {"positions": None}}
    catalog.overrides["https://www.pgscatalog.org/rest/score/PGS000001"] = httpx.Response(
        200, text=json.dumps(meta)
    )
    with catalog.client() as client, pytest.raises(CatalogError, match="no harmonized GRCh38"):
        client.download_scoring_file("PGS000001", "GRCh38", Path("/nonexistent"))


@pytest.mark.parametrize("remote", [False, True], ids=["local", "object-store"])
def test_cache_misses_only_what_is_not_there(test_data: Path, tmp_path: Path, remote: bool) -> None:
    """A missing file is a miss; a file that cannot be read is an error naming it, never a silent miss
    (issue #14: corrupt files and bad credentials used to be logged at DEBUG and fetched again)."""
    root = tmp_path / "cache"
    cache = ScoreCache(f"file://{root}" if remote else root)
    assert cache.get("PGS000001", "GRCh37") is None
    scoring = read_scoring_file(test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz")
    written = cache.put(scoring, "GRCh37") if not remote else ScoreCache(root).put(scoring, "GRCh37")
    cached = cache.get("PGS000001", "GRCh37")
    assert cached is not None and cached.variants.equals(scoring.variants)
    local = Path(written.removeprefix("file://"))
    local.write_bytes(local.read_bytes()[: local.stat().st_size // 2])  # truncated: not a parquet any more
    with pytest.raises(CatalogError, match=str(local)):
        cache.get("PGS000001", "GRCh37")
