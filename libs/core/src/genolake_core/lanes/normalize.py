"""The `normalize` lane's contract: a VCF in the landing zone becomes one normalized parquet per sample."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from genolake_core.lanes.contract import AssetContract, LaneContract, TableContract
from genolake_core.layout import normalized_key
from genolake_core.manifest import ManifestBase


class QualityFilters(BaseModel):
    """Which VCF records survive normalization (recorded with the output)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    filters: list[str] | None = Field(
        default=None, description="FILTER values to keep (e.g. ['PASS', '.']); null keeps all."
    )
    min_dp: int | None = Field(
        default=None, ge=0, description="Minimum read depth (FORMAT DP, else INFO DP)."
    )
    min_qual: float | None = Field(default=None, ge=0, description="Minimum QUAL.")


class NormalizeManifest(ManifestBase):
    """VCF -> normalized parquet per sample."""

    intent: Literal["normalize"]
    options: QualityFilters = Field(default_factory=QualityFilters)

    @model_validator(mode="after")
    def _one_vcf(self) -> NormalizeManifest:
        if sum(1 for f in self.files if f.role == "vcf") != 1:
            raise ValueError("a normalize manifest names exactly one file with role 'vcf'")
        return self


NORMALIZED_VARIANTS = AssetContract(
    name="normalized_variants",
    code_version="normalize-4",  # 2: rsIDs filled from a reference; 3: plink names (23, 24, 26) -> X, Y, MT;
    # 4: the parquet metadata counts chromosome naming (chrom_naming)
    key=normalized_key,
)

CONTRACT = LaneContract(
    name="normalize",
    intents={"normalize": NormalizeManifest},
    assets=(NORMALIZED_VARIANTS,),
    tables={"variants": TableContract(key=normalized_key, filters=frozenset({"chrom", "rsid", "filter"}))},
    description="VCF -> normalized parquet per sample",
)
