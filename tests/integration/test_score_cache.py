"""The PGS score cache on the real S3 server: a missing object is a miss, refused credentials are an error
naming the object (issue #14: they used to be a silent miss)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from genolake_core.settings import Settings
from genolake_prs import CatalogError, ScoreCache, read_scoring_file

pytestmark = pytest.mark.integration


def _options(settings: Settings, secret: str | None = None) -> dict[str, str]:
    return {
        "aws_endpoint_url": settings.s3_endpoint_url,
        "aws_access_key_id": settings.s3_access_key.get_secret_value(),
        "aws_secret_access_key": secret or settings.s3_secret_key.get_secret_value(),
        "aws_region": settings.s3_region,
        "aws_allow_http": "true",
    }


def test_s3_cache_misses_only_what_is_not_there(settings: Settings, test_data: Path) -> None:
    root = f"s3://{settings.lake_bucket}/test-score-cache/{uuid.uuid4().hex[:8]}"
    cache = ScoreCache(root, storage_options=_options(settings))
    assert cache.get("PGS000001", "GRCh37") is None
    scoring = read_scoring_file(test_data / "pgs" / "PGS000001_hmPOS_GRCh37.txt.gz")
    path = cache.put(scoring, "GRCh37")
    cached = cache.get("PGS000001", "GRCh37")
    assert cached is not None and cached.variants.equals(scoring.variants)

    refused = ScoreCache(root, storage_options=_options(settings, secret="not-the-secret"))
    with pytest.raises(CatalogError, match=path):
        refused.get("PGS000001", "GRCh37")
