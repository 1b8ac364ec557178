"""The `prs` lane's contract: polygenic risk scores of an already normalized partition."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from genolake_core.ids import SampleId, ScoreId
from genolake_core.lanes.contract import AssetContract, LaneContract, TableContract
from genolake_core.lanes.normalize import NORMALIZED_VARIANTS
from genolake_core.layout import prs_scores_key
from genolake_core.manifest import MAX_FILES, ManifestBase, ManifestFile


class PrsOptions(BaseModel):
    """Matching rules of the PRS lane (see genolake_prs.settings.PrsSettings for their meaning)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_overlap: float = Field(default=0.75, ge=0, le=1)
    keep_ambiguous: bool = False
    keep_multiallelic: bool = False
    skip_flip: bool = False
    scores: list[ScoreId] = Field(
        default_factory=list,
        description="Installed scores (`genolake scores install`, GET /scores) to compute, on the manifest's "
        "genome_build, besides any uploaded 'scoring' files.",
    )

    @field_validator("scores")
    @classmethod
    def _distinct(cls, scores: list[str]) -> list[str]:
        repeated = sorted({s for s in scores if scores.count(s) > 1})
        if repeated:
            raise ValueError(f"scores named twice: {', '.join(repeated)}")
        return scores


class PrsManifest(ManifestBase):
    """Polygenic risk scores of an existing partition (`{user}/{sample}`, already normalized)."""

    intent: Literal["prs"]
    sample: SampleId = Field(description="The partition's sample; it must have normalized variants.")
    files: list[ManifestFile] = Field(
        default_factory=list,
        max_length=MAX_FILES,
        description="Uploaded scoring files (role 'scoring'); may be empty with options.scores.",
    )
    options: PrsOptions = Field(default_factory=PrsOptions)

    @model_validator(mode="after")
    def _scoring_files(self) -> PrsManifest:
        roles = {f.role for f in self.files}
        if roles - {"scoring"} or not (self.files or self.options.scores):
            raise ValueError(
                "a prs manifest names scoring files (role 'scoring', nothing else) and/or installed "
                "scores (options.scores), at least one"
            )
        return self


PRS_SCORES = AssetContract(
    name="prs_scores", code_version="prs-1", key=prs_scores_key, upstream=(NORMALIZED_VARIANTS.name,)
)

CONTRACT = LaneContract(
    name="prs",
    intents={"prs": PrsManifest},
    assets=(PRS_SCORES,),
    tables={"prs": TableContract(key=prs_scores_key)},
    description="normalized sample + scoring files -> PRS per score",
)
