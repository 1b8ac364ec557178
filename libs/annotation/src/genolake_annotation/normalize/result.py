"""What a normalization run reports (also stored as JSON in the parquet key-value metadata)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from genolake_annotation.normalize.builds import BuildSource
from genolake_annotation.normalize.settings import Build, NormalizeSettings


class NormalizeResult(BaseModel):
    """Counts for one sample. ``records_in == records_out + sum(filtered.values())`` always holds.

    ``filtered`` has one key per active check (``ref_block``, ``filter``, ``min_qual``, ``min_dp``), zero
    included; ``ref_blocks`` counts the reference-block records of the input whether dropped or kept;
    ``no_calls`` counts written records whose genotype is null (``./.``); ``chrom_naming`` counts the
    input records on chromosomes 1-22, X, Y, MT by how they name it (``chr``: ``chr1``, ``bare``: ``1``).
    """

    model_config = ConfigDict(frozen=True)

    sample: str
    source: Path
    output: Path
    records_in: int
    records_out: int
    filtered: dict[str, int]
    ref_blocks: int
    no_calls: int
    build: Build | None
    build_source: BuildSource | None
    settings: NormalizeSettings
    id_reference: dict[str, str] | None = None  # the variant-position reference that filled rsIDs
    ids_filled: int | None = None  # how many (in the returned result; the parquet's column says which)
    chrom_naming: dict[str, int] = {}
