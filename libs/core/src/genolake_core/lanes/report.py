"""The `report` lane's contract: one partition's HTML report from its annotations (and PRS results if any)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from genolake_core.ids import SampleId
from genolake_core.lanes.annotate import SAMPLE_ANNOTATIONS
from genolake_core.lanes.contract import AssetContract, LaneContract
from genolake_core.lanes.prs import PRS_SCORES
from genolake_core.layout import report_key
from genolake_core.manifest import MAX_FILES, ManifestBase, ManifestFile, require_no_files


class ReportManifest(ManifestBase):
    """Render (again) the HTML report of an annotated partition (with its PRS results if any)."""

    intent: Literal["report"]
    sample: SampleId = Field(description="The partition's sample; it must have annotations.")
    files: list[ManifestFile] = Field(default_factory=list, max_length=MAX_FILES)

    @model_validator(mode="after")
    def _files(self) -> ReportManifest:
        require_no_files(self, "report")
        return self


SAMPLE_REPORT = AssetContract(
    name="sample_report",
    code_version="report-3",
    key=report_key,
    upstream=(SAMPLE_ANNOTATIONS.name, PRS_SCORES.name),
)

CONTRACT = LaneContract(
    name="report",
    intents={"report": ReportManifest},
    assets=(SAMPLE_REPORT,),
    description="annotations (+ PRS) -> HTML report",
)
