"""PGS Catalog client: score metadata, harmonized scoring-file download, and a parquet cache.

- Metadata: ``GET {rest_url}/score/{pgs_id}`` (default ``https://www.pgscatalog.org/rest``). An
  empty answer or 404 means the id does not exist (`CatalogError`).
- Scoring file: the harmonized-positions file of the requested build, from the metadata's
  ``ftp_harmonized_scoring_files[build]["positions"]``. ``ftp://`` links are fetched over HTTPS
  from the same host (httpx speaks no FTP). The download is streamed to a temporary file and
  renamed into place; it must be gzip and parse as a scoring file of that id and build.
- Retries: transport errors, 429 and 5xx are retried ``max_retries`` times with exponential
  backoff (``Retry-After`` seconds honoured); other 4xx fail at once.
- `ScoreCache` keeps parsed scores as parquet at ``{root}/{pgs_id}/{build}/scoring.parquet``
  (header in the parquet metadata), so the platform can point ``root`` at its reference area
  (a local path or an ``s3://`` URL with ``storage_options``).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import polars as pl
from pydantic import BaseModel, ConfigDict, ValidationError

from genolake_prs.errors import CatalogError, ScoringFileError
from genolake_prs.genome_build import GenomeBuild, normalize_build
from genolake_prs.scoring_file import (
    ScoringFile,
    read_scoring_file,
    read_scoring_parquet,
    write_scoring_parquet,
)

logger = logging.getLogger(__name__)

DEFAULT_REST_URL = "https://www.pgscatalog.org/rest"
PGS_ID_RE = re.compile(r"^PGS\d{6}$")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class ScoreMetadata(BaseModel):
    """The parts of ``/rest/score/{id}`` used here (everything else is kept as extra fields)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str | None = None
    trait_reported: str | None = None
    variants_number: int | None = None
    weight_type: str | None = None
    license: str | None = None
    ftp_scoring_file: str | None = None
    ftp_harmonized_scoring_files: dict[str, dict[str, str | None]] | None = None

    def harmonized_url(self, build: GenomeBuild) -> str:
        """HTTPS URL of the harmonized-positions file for ``build``."""
        files = self.ftp_harmonized_scoring_files or {}
        url = (files.get(build) or {}).get("positions")
        if not url:
            raise CatalogError(f"{self.id}: the catalog lists no harmonized {build} scoring file")
        return https_url(url)


def https_url(url: str) -> str:
    """``ftp://host/path`` -> ``https://host/path``; other URLs unchanged."""
    return "https://" + url.removeprefix("ftp://") if url.startswith("ftp://") else url


def check_pgs_id(pgs_id: str) -> str:
    """``pgs_id`` if it looks like ``PGS000001``; `CatalogError` otherwise."""
    if not PGS_ID_RE.match(pgs_id):
        raise CatalogError(f"{pgs_id!r} is not a PGS Catalog score id (PGS + 6 digits)")
    return pgs_id


class ScoreCache:
    """Parsed scoring files as parquet, keyed by PGS id and genome build."""

    def __init__(self, root: Path | str, *, storage_options: dict[str, Any] | None = None) -> None:
        self.root = str(root).rstrip("/")
        self.storage_options = storage_options

    def _is_local(self) -> bool:
        return "://" not in self.root

    def path_for(self, pgs_id: str, build: GenomeBuild) -> str:
        """Where the parquet of ``pgs_id`` on ``build`` lives."""
        return f"{self.root}/{check_pgs_id(pgs_id)}/{build}/scoring.parquet"

    def get(self, pgs_id: str, build: GenomeBuild) -> ScoringFile | None:
        """The cached score, or None when it is not cached.

        Only "not there" is a miss: a file that cannot be read (corrupt, unreachable, refused credentials)
        raises `CatalogError` naming it, instead of being fetched again behind the caller's back.
        """
        path = self.path_for(pgs_id, build)
        options = {"storage_options": self.storage_options} if self.storage_options else {}
        if self._is_local() and not Path(path).is_file():
            return None
        try:
            return read_scoring_parquet(path, **options)
        except FileNotFoundError:
            return None
        except ScoringFileError as exc:
            raise CatalogError(f"score cache: {exc}") from exc
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise CatalogError(f"score cache: cannot read {path}: {type(exc).__name__}: {exc}") from exc

    def put(self, scoring: ScoringFile, build: GenomeBuild) -> str:
        """Store ``scoring`` (local writes are atomic: temp file + rename)."""
        path = self.path_for(scoring.score_id, build)
        if self._is_local():
            final = Path(path)
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".scoring-", suffix=".tmp")
            os.close(fd)
            try:
                write_scoring_parquet(scoring, tmp)
                os.replace(tmp, final)
            finally:
                Path(tmp).unlink(missing_ok=True)
        else:
            write_scoring_parquet(scoring, path, storage_options=self.storage_options)
        return path


class PgsCatalogClient:
    """Synchronous PGS Catalog client (httpx). Use as a context manager or call `close`."""

    def __init__(
        self,
        *,
        rest_url: str = DEFAULT_REST_URL,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rest_url = rest_url.rstrip("/")
        self._own_client = client is None
        self._client = client or httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=True,
            headers={"User-Agent": "genolake-prs/0.1 (+https://www.pgscatalog.org/rest/)"},
        )
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep

    def close(self) -> None:
        """Close the underlying client if this object created it."""
        if self._own_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _send(self, method: str, url: str, *, stream: bool = False) -> httpx.Response:
        attempt = 0
        while True:
            try:
                request = self._client.build_request(method, url)
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries:
                    raise CatalogError(f"{url}: {type(exc).__name__}: {exc}") from exc
                delay = self.backoff_seconds * 2**attempt
            else:
                if response.status_code not in _RETRY_STATUS:
                    return response
                if attempt >= self.max_retries:
                    response.close()
                    raise CatalogError(f"{url}: HTTP {response.status_code} after {attempt + 1} attempts")
                retry_after = response.headers.get("Retry-After", "")
                delay = float(retry_after) if retry_after.isdigit() else self.backoff_seconds * 2**attempt
                response.close()
            attempt += 1
            logger.info("retrying %s in %.1fs (attempt %d)", url, delay, attempt + 1)
            self._sleep(delay)

    def score_metadata(self, pgs_id: str) -> ScoreMetadata:
        """Metadata of one score (``/rest/score/{pgs_id}``)."""
        url = f"{self.rest_url}/score/{check_pgs_id(pgs_id)}"
        response = self._send("GET", url)
        if response.status_code == 404:
            raise CatalogError(f"{pgs_id}: not found in the PGS Catalog")
        if response.status_code != 200:
            raise CatalogError(f"{url}: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise CatalogError(f"{url}: answer is not JSON") from exc
        if not payload:
            raise CatalogError(f"{pgs_id}: not found in the PGS Catalog (empty answer)")
        try:
            meta = ScoreMetadata.model_validate(payload)
        except ValidationError as exc:
            raise CatalogError(f"{url}: unexpected metadata: {exc}") from exc
        if meta.id != pgs_id:
            raise CatalogError(f"{url}: asked for {pgs_id}, got {meta.id}")
        return meta

    def download_scoring_file(self, pgs_id: str, build: str, dest_dir: Path | str) -> Path:
        """Download the harmonized scoring file of ``pgs_id`` on ``build`` into ``dest_dir``."""
        canonical = _build(build)
        url = self.score_metadata(pgs_id).harmonized_url(canonical)
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        final = dest_dir / f"{pgs_id}_hmPOS_{canonical}.txt.gz"
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=f".{pgs_id}-", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                response = self._send("GET", url, stream=True)
                try:
                    if response.status_code != 200:
                        raise CatalogError(f"{url}: HTTP {response.status_code}")
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                finally:
                    response.close()
            with tmp.open("rb") as probe:
                if probe.read(2) != b"\x1f\x8b":
                    raise CatalogError(f"{url}: downloaded file is not gzip")
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    def fetch_scoring_file(
        self,
        pgs_id: str,
        build: str,
        *,
        cache: ScoreCache | None = None,
        download_dir: Path | str | None = None,
    ) -> ScoringFile:
        """The parsed harmonized score, from ``cache`` when present, else downloaded (and cached).

        The file must declare ``pgs_id`` and ``HmPOS_build == build``.
        """
        canonical = _build(build)
        if cache is not None:
            cached = cache.get(pgs_id, canonical)
            if cached is not None:
                return cached
        with tempfile.TemporaryDirectory(prefix="genolake-pgs-") as scratch:
            path = self.download_scoring_file(pgs_id, canonical, download_dir or scratch)
            try:
                scoring = read_scoring_file(path)
            except ScoringFileError as exc:
                raise CatalogError(f"{pgs_id}: downloaded scoring file is malformed: {exc}") from exc
        if scoring.header.pgs_id != pgs_id or scoring.build != canonical:
            raise CatalogError(
                f"{pgs_id}: downloaded file declares pgs_id={scoring.header.pgs_id}, "
                f"HmPOS_build={scoring.header.HmPOS_build}; expected {pgs_id} on {canonical}"
            )
        if cache is not None:
            cache.put(scoring, canonical)
        return scoring


def _build(build: str) -> GenomeBuild:
    canonical = normalize_build(build)
    if canonical not in ("GRCh37", "GRCh38"):
        raise CatalogError(f"harmonized files exist for GRCh37 and GRCh38, not {build!r}")
    return canonical
