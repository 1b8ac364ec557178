"""Staleness of a partition's assets: newer upstream materializations and newer module versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from genolake_api.services.partitions import staleness

T0 = datetime(2026, 11, 22, tzinfo=UTC)


def _assets(**ages: int) -> dict[str, dict[str, object]]:
    return {name: {"materialized_at": T0 + timedelta(minutes=minutes)} for name, minutes in ages.items()}


def test_upstream_materialized_later_makes_downstream_stale() -> None:
    assets = _assets(normalized_variants=5, sample_annotations=1, prs_scores=6, sample_report=2)
    stale = staleness(assets, {})
    assert stale == {
        "normalized_variants": [],
        "sample_annotations": ["normalized_variants"],
        "prs_scores": [],
        "sample_report": ["prs_scores"],
    }


def test_new_module_version_makes_annotations_stale() -> None:
    assets = _assets(normalized_variants=0, sample_annotations=1)
    assets["sample_annotations"]["modules"] = {"cyp_panel": "1.0.0", "mthfr_nad": "2.0"}
    stale = staleness(assets, {"cyp_panel": "1.1.0", "mthfr_nad": "2.0", "unused": "9"})
    assert stale["sample_annotations"] == ["module:cyp_panel@1.1.0"]
