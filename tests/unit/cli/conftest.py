"""Fixtures of the CLI tests: the PRS command scores the normalized chr22 samples the PRS tests use."""

from __future__ import annotations

from tests.unit.prs.conftest import chr22_parquets

__all__ = ["chr22_parquets"]
