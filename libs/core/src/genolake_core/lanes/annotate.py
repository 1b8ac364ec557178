"""The `annotate` lane's contract: match a normalized partition against the installed annotation modules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from genolake_core.ids import SampleId
from genolake_core.lanes.contract import AssetContract, LaneContract, TableContract
from genolake_core.lanes.normalize import NORMALIZED_VARIANTS
from genolake_core.layout import annotations_key
from genolake_core.manifest import MAX_FILES, ManifestBase, ManifestFile, require_no_files


class AnnotateOptions(BaseModel):
    """Which installed annotation modules to match, and with which engine (identical results)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    modules: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] | None = Field(
        default=None, description="Module names (installed in the lake); null: every enabled module."
    )
    engine: Literal["polars", "duckdb"] = "polars"


class AnnotateManifest(ManifestBase):
    """Annotate an already normalized partition with installed modules."""

    intent: Literal["annotate"]
    sample: SampleId = Field(description="The partition's sample; it must have normalized variants.")
    files: list[ManifestFile] = Field(default_factory=list, max_length=MAX_FILES)
    options: AnnotateOptions = Field(default_factory=AnnotateOptions)

    @model_validator(mode="after")
    def _files(self) -> AnnotateManifest:
        require_no_files(self, "annotate")
        return self


SAMPLE_ANNOTATIONS = AssetContract(
    name="sample_annotations",
    code_version="annotate-2",
    key=annotations_key,
    upstream=(NORMALIZED_VARIANTS.name,),  # and annotation_modules: staleness by module version
)

CONTRACT = LaneContract(
    name="annotate",
    intents={"annotate": AnnotateManifest},
    assets=(SAMPLE_ANNOTATIONS,),
    tables={
        "annotations": TableContract(
            key=annotations_key,
            filters=frozenset({"module", "gene", "category", "chrom", "rsid"}),
            order=("module", "category", "gene", "chrom", "start", "module_row"),
        )
    },
    description="normalized sample -> annotation rows per installed module",
)
