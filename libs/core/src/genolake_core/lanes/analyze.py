"""The `analyze` lane's contract: the whole pipeline per sample in one run (normalize -> annotate -> PRS ->
report), over the other lanes' assets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from genolake_core.lanes.annotate import AnnotateOptions
from genolake_core.lanes.contract import LaneContract
from genolake_core.lanes.normalize import QualityFilters
from genolake_core.lanes.prs import PrsOptions
from genolake_core.manifest import ManifestBase


class AnalyzeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    normalize: QualityFilters = Field(default_factory=QualityFilters)
    annotate: AnnotateOptions = Field(default_factory=AnnotateOptions)
    prs: PrsOptions = Field(default_factory=PrsOptions)


class AnalyzeManifest(ManifestBase):
    """The whole pipeline per sample: normalize -> annotate -> PRS (when scoring files or options.prs.scores
    are given) -> report."""

    intent: Literal["analyze"]
    options: AnalyzeOptions = Field(default_factory=AnalyzeOptions)

    @model_validator(mode="after")
    def _roles(self) -> AnalyzeManifest:
        roles = [f.role for f in self.files]
        if roles.count("vcf") != 1 or set(roles) - {"vcf", "scoring"}:
            raise ValueError(
                "an analyze manifest names exactly one 'vcf' file and optionally 'scoring' files"
            )
        return self


CONTRACT = LaneContract(
    name="analyze",
    intents={"analyze": AnalyzeManifest},
    description="VCF (+ scoring files) -> normalized, annotated, scored, reported",
)
