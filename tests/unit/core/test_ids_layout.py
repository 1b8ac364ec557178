"""Identifiers and the object-key layout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from genolake_core.ids import InvalidIdentifierError, partition_key, split_partition_key
from genolake_core.layout import (
    ArchiveOutcome,
    archive_key,
    manifest_owner,
    normalized_key,
    score_key,
    staging_key,
)


@pytest.mark.parametrize("bad", ["", "..", "a/../b", "Alice", "a b", "-a", "a" * 64])
def test_bad_users_are_refused(bad: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        partition_key(bad, "s1")


@pytest.mark.parametrize("bad", ["", "..", "a..b", "s/1", ".hidden", "x" * 129])
def test_bad_samples_are_refused(bad: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        partition_key("alice", bad)


def test_partition_keys_round_trip() -> None:
    assert split_partition_key(partition_key("alice", "NA12878.v2")) == ("alice", "NA12878.v2")
    with pytest.raises(InvalidIdentifierError):
        split_partition_key("no-slash")


def test_manifest_owner() -> None:
    assert manifest_owner("manifests/alice/x.json") == "alice"
    assert manifest_owner("manifests/x.json") is None
    assert manifest_owner("uploads/alice/x.json") is None


def test_archive_key_is_deterministic_per_object_version() -> None:
    when = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
    first = archive_key(ArchiveOutcome.REJECTED, "manifests/alice/run.json", '"abcdef0123456789ffff"', when)
    assert first == archive_key(
        ArchiveOutcome.REJECTED, "manifests/alice/run.json", "abcdef0123456789ffff", when
    )
    assert first == "archive/rejected/alice/2026-11-21/run.json.abcdef0123456789.json"


def test_lake_keys() -> None:
    assert normalized_key("alice", "s1") == "users/alice/s1/normalized/variants.parquet"
    assert (
        staging_key("users/alice/s1/normalized/variants.parquet", "r1")
        == "users/alice/s1/normalized/.staging/r1/variants.parquet"
    )


def test_score_keys() -> None:
    assert score_key("PGS000001", "GRCh38") == "reference/scores/PGS000001/GRCh38/scoring.txt.gz"
    assert score_key("CUSTOM_ANTKU", "GRCh37").startswith("reference/scores/CUSTOM_ANTKU/GRCh37/")
    for bad_id in ("../PGS000001", "a/b", "", ".hidden", "x" * 129):
        with pytest.raises(InvalidIdentifierError):
            score_key(bad_id, "GRCh38")
    with pytest.raises(ValueError, match="genome build"):
        score_key("PGS000001", "hg19")


def test_archive_key_is_bounded_whatever_the_source_key() -> None:
    when = datetime(2026, 11, 21, tzinfo=UTC)
    long_name = "manifests/alice/" + "n" * 1000 + ".json"
    key = archive_key(ArchiveOutcome.REJECTED, long_name, "e" * 32, when)
    assert len(key) < 250 and key.startswith("archive/rejected/alice/2026-11-21/")
    other = archive_key(ArchiveOutcome.REJECTED, long_name.replace("n", "m", 1), "e" * 32, when)
    assert other != key  # cut names stay unique
    odd_folder = archive_key(ArchiveOutcome.REJECTED, "manifests/" + "F" * 900 + "/x.json", "e" * 32, when)
    assert odd_folder.startswith("archive/rejected/_unknown/")
