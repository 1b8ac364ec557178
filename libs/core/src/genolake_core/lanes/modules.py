"""The `modules` lane's contract: a module spec uploaded with a `register_module` manifest becomes a
published module version."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from genolake_core.lanes.contract import AssetContract, LaneContract
from genolake_core.manifest import GenomeBuild, ManifestBase


class RegisterModuleManifest(ManifestBase):
    """Publish an annotation module (a just-dna-lite spec) as a new version in the lake (admins only)."""

    intent: Literal["register_module"]
    genome_build: GenomeBuild | None = Field(  # type: ignore[assignment]
        default=None, description="Ignored for modules: the spec's genome_build applies."
    )

    @model_validator(mode="after")
    def _spec_files(self) -> RegisterModuleManifest:
        roles = [f.role for f in self.files]
        if (
            sorted(set(roles)) != sorted(roles)
            or not {"module_spec", "variants"} <= set(roles)
            or (set(roles) - {"module_spec", "variants", "studies"})
        ):
            raise ValueError(
                "a register_module manifest names one 'module_spec' and one 'variants' file, "
                "optionally one 'studies'"
            )
        if self.sample is not None:
            raise ValueError("a register_module manifest has no sample")
        return self


ANNOTATION_MODULES = AssetContract(name="annotation_modules", code_version="modules-2")  # not per partition

CONTRACT = LaneContract(
    name="modules",
    intents={"register_module": RegisterModuleManifest},
    assets=(ANNOTATION_MODULES,),
    description="module spec -> published module version in reference/modules/",
)
