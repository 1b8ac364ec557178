"""Settings of a normalization run (what to keep)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Build = Literal["GRCh37", "GRCh38"]


class NormalizeSettings(BaseModel):
    """Which records to keep, and which genome build to insist on.

    Rules (checked in this order; a dropped record is counted once, under the first reason that applies):

    - ``ref_block``: a gVCF reference block (every ALT is ``<NON_REF>`` or ``<*>``) is dropped when
      ``drop_ref_blocks`` is true (the default).
    - ``filter``: when ``filters`` is a set, a record is kept if any of its FILTER values (``;``-separated)
      is in the set; a record whose FILTER is ``.`` is kept only if ``"."`` is in the set.
      ``None`` keeps every FILTER value.
    - ``min_qual``: QUAL must be ``>= min_qual``; a missing QUAL (``.``) fails the check.
    - ``min_dp``: the sample's depth (FORMAT DP, else INFO DP) must be ``>= min_dp``; a missing depth
      fails the check.
    - ``expected_build``: if the build detected from the header (or, failing that, from positions beyond a
      chromosome's end) differs, :class:`VcfBuildMismatchError` is raised; an undetectable build passes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    filters: frozenset[str] | None = None
    min_dp: int | None = Field(default=None, ge=0)
    min_qual: float | None = Field(default=None, ge=0)
    expected_build: Build | None = None
    drop_ref_blocks: bool = True

    @field_validator("filters", mode="before")
    @classmethod
    def _filters_as_set(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part]
        if value is not None and not isinstance(value, frozenset):
            value = frozenset(value) if isinstance(value, Iterable) else value
        return value

    def active_checks(self) -> list[str]:
        """The drop reasons this configuration can produce, in the order they are applied."""
        checks = []
        if self.drop_ref_blocks:
            checks.append("ref_block")
        if self.filters is not None:
            checks.append("filter")
        if self.min_qual is not None:
            checks.append("min_qual")
        if self.min_dp is not None:
            checks.append("min_dp")
        return checks
