"""The ``#key=value`` header of a scoring file and the column-name row after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from genolake_prs.errors import ScoringFileError
from genolake_prs.genome_build import GenomeBuild, normalize_build


class ScoringFileHeader(BaseModel):
    """The ``#key=value`` header of a scoring file. Unknown keys are kept as extra fields."""

    model_config = ConfigDict(extra="allow")

    format_version: str | None = None
    pgs_id: str | None = None
    pgs_name: str | None = None
    trait_reported: str | None = None
    trait_mapped: str | None = None
    trait_efo: str | None = None
    genome_build: str | None = None
    variants_number: int | None = None
    weight_type: str | None = None
    pgp_id: str | None = None
    citation: str | None = None
    license: str | None = None
    HmPOS_build: str | None = None
    HmPOS_date: str | None = None

    @field_validator("variants_number", mode="before")
    @classmethod
    def _int_or_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().replace(",", "")
            return int(text) if text.isdigit() else None
        return value

    @property
    def harmonized(self) -> bool:
        """True for a PGS Catalog harmonized (HmPOS) file."""
        return self.HmPOS_build is not None

    @property
    def build(self) -> GenomeBuild | None:
        """The build of the positions used: ``HmPOS_build`` if harmonized, else ``genome_build``."""
        return normalize_build(self.HmPOS_build if self.harmonized else self.genome_build)

    def as_dict(self) -> dict[str, Any]:
        """All header keys, including unknown ones, without unset values."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


def split_header(path: Path, data: bytes) -> tuple[dict[str, str], list[str], int, bytes]:
    """Metadata, column names, 1-based line number of the column-name row, and the data bytes."""
    metadata: dict[str, str] = {}
    offset = 0
    line_no = 0
    while offset < len(data):
        end = data.find(b"\n", offset)
        end = len(data) if end == -1 else end
        line_no += 1
        line = data[offset:end].decode("utf-8", errors="replace").rstrip("\r")
        offset = end + 1
        if line.startswith("#"):
            body = line.lstrip("#")
            if line.startswith("##") or "=" not in body:
                continue  # section title / banner
            key, _, value = body.partition("=")
            metadata[key.strip()] = value.strip()
            continue
        if not line.strip():
            continue
        columns = line.split("\t")
        seen: set[str] = set()
        for name in columns:
            if not name:
                raise ScoringFileError(path, "empty column name in the column-name row", line=line_no)
            if name in seen:
                raise ScoringFileError(path, "duplicated column name", line=line_no, column=name)
            seen.add(name)
        return metadata, columns, line_no, data[offset:]
    raise ScoringFileError(path, "no column-name row after the header", line=line_no or None)
