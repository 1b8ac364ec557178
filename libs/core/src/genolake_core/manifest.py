"""Manifest v1: what a user uploads to ask GenoLake for work.

A manifest is a JSON object at `manifests/{uploader}/{name}.json` in the landing zone. Its
`intent` selects the model (and so the lane); `INTENT_MODELS` is the registry. The JSON Schema
in `manifests/schema.json` is generated from these models (`genolake manifest schema`).

Rules checked here (no I/O): the shape, identifiers, that `user` equals `uploader`, that every
file key lies under `uploads/{uploader}/`, the sha256 format. Rules needing storage (files exist,
checksums match) are intake's (`genolake_dagster.intake.process`); each lane's planner checks what
the partition must already have.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genolake_core.errors import GenoLakeError
from genolake_core.ids import BatchId, SampleId, ScoreId, UserId
from genolake_core.layout import uploads_prefix

MANIFEST_VERSION: Final = 1
MAX_MANIFEST_BYTES: Final = 1024 * 1024  # larger objects are rejected unread (intake, POST /manifests)
GenomeBuild = Literal["GRCh37", "GRCh38"]


class ManifestError(GenoLakeError, ValueError):
    """A manifest that cannot be accepted; `reasons` lists every problem found."""

    def __init__(self, reasons: list[str], *, batch_id: str | None = None, intent: str | None = None) -> None:
        self.reasons = reasons
        self.batch_id = batch_id
        self.intent = intent
        super().__init__("; ".join(reasons))


class ManifestFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="Object key in the landing zone, under uploads/{uploader}/.")
    role: Literal["vcf", "scoring", "module_spec", "variants", "studies"] = Field(
        default="vcf",
        description=(
            "What the file is for: a VCF, a PGS scoring file (prs, analyze), or one file of an annotation "
            "module spec (register_module: module_spec.yaml, variants.csv, studies.csv)."
        ),
    )
    sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$", description="Hex sha256 of the object; verified if given."
    )


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


class ManifestBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    manifest_version: Literal[1] = MANIFEST_VERSION
    batch_id: BatchId = Field(description="Globally unique, immutable id of this submission.")
    uploader: UserId = Field(description="Who uploaded; must own the manifest's landing-zone area.")
    user: UserId | None = Field(
        default=None, description="Owner of the resulting partitions (default: uploader)."
    )
    sample: SampleId | None = Field(
        default=None,
        description=(
            "Sample id of the partition. With a one-sample VCF it names that sample (renaming it); "
            "with several it selects one VCF sample; null: every VCF sample becomes a partition."
        ),
    )
    genome_build: GenomeBuild
    files: list[ManifestFile] = Field(min_length=1)
    tags: dict[str, str] = Field(default_factory=dict)
    created_at: datetime | None = None

    @property
    def owner(self) -> str:
        return self.user or self.uploader

    @model_validator(mode="after")
    def _check_areas(self) -> ManifestBase:
        if self.user is not None and self.user != self.uploader:
            raise ValueError(f"uploader {self.uploader!r} may not submit for user {self.user!r}")
        area = uploads_prefix(self.uploader)
        for item in self.files:
            if not item.key.startswith(area) or ".." in item.key.split("/") or "//" in item.key:
                raise ValueError(f"file key {item.key!r} is outside the uploader's area {area!r}")
        return self

    def file(self, role: str) -> ManifestFile:
        matches = [f for f in self.files if f.role == role]
        if len(matches) != 1:
            raise ManifestError([f"expected exactly one file with role {role!r}, found {len(matches)}"])
        return matches[0]


class NormalizeManifest(ManifestBase):
    """VCF -> normalized parquet per sample."""

    intent: Literal["normalize"]
    options: QualityFilters = Field(default_factory=QualityFilters)

    @model_validator(mode="after")
    def _one_vcf(self) -> NormalizeManifest:
        if sum(1 for f in self.files if f.role == "vcf") != 1:
            raise ValueError("a normalize manifest names exactly one file with role 'vcf'")
        return self


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


class AnnotateOptions(BaseModel):
    """Which installed annotation modules to match, and with which engine (identical results)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    modules: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]] | None = Field(
        default=None, description="Module names (installed in the lake); null: every enabled module."
    )
    engine: Literal["polars", "duckdb"] = "polars"


def _no_files(manifest: ManifestBase, intent: str) -> None:
    if manifest.files:
        raise ValueError(f"a {intent} manifest names no files (it works on the partition's lake data)")


class AnnotateManifest(ManifestBase):
    """Annotate an already normalized partition with installed modules."""

    intent: Literal["annotate"]
    sample: SampleId = Field(description="The partition's sample; it must have normalized variants.")
    files: list[ManifestFile] = Field(default_factory=list)
    options: AnnotateOptions = Field(default_factory=AnnotateOptions)

    @model_validator(mode="after")
    def _files(self) -> AnnotateManifest:
        _no_files(self, "annotate")
        return self


class ReportManifest(ManifestBase):
    """Render (again) the HTML report of an annotated partition (with its PRS results if any)."""

    intent: Literal["report"]
    sample: SampleId = Field(description="The partition's sample; it must have annotations.")
    files: list[ManifestFile] = Field(default_factory=list)

    @model_validator(mode="after")
    def _files(self) -> ReportManifest:
        _no_files(self, "report")
        return self


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


Manifest = (
    NormalizeManifest
    | PrsManifest
    | AnnotateManifest
    | ReportManifest
    | AnalyzeManifest
    | RegisterModuleManifest
)
INTENT_MODELS: dict[str, type[ManifestBase]] = {
    "normalize": NormalizeManifest,
    "prs": PrsManifest,
    "annotate": AnnotateManifest,
    "report": ReportManifest,
    "analyze": AnalyzeManifest,
    "register_module": RegisterModuleManifest,
}


def _format_errors(error: ValidationError) -> list[str]:
    reasons = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "manifest"
        reasons.append(f"{where}: {item['msg']}")
    return reasons


def peek_intent(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Parse JSON and return (object, intent) without validating; (None, None) if not a JSON object."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    intent = data.get("intent")
    return data, intent if isinstance(intent, str) else None


def parse_manifest(raw: bytes) -> ManifestBase:
    """Validate manifest bytes; raises ManifestError with every reason found."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError([f"not valid JSON: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ManifestError([f"a manifest is a JSON object, got {type(data).__name__}"])
    batch_id = data.get("batch_id") if isinstance(data.get("batch_id"), str) else None
    intent = data.get("intent")
    model = INTENT_MODELS.get(intent) if isinstance(intent, str) else None
    if model is None:
        known = ", ".join(sorted(INTENT_MODELS))
        raise ManifestError([f"intent: unknown intent {intent!r}; known intents: {known}"], batch_id=batch_id)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(_format_errors(exc), batch_id=batch_id, intent=intent) from exc


def manifest_json_schema() -> dict[str, Any]:
    """JSON Schema of every intent's manifest, discriminated by `intent`."""
    defs: dict[str, Any] = {}
    variants = []
    for intent, model in sorted(INTENT_MODELS.items()):
        schema = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[model.__name__] = schema
        variants.append({"$ref": f"#/$defs/{model.__name__}"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://genolake.dev/schemas/manifest-v1.json",
        "title": "GenoLake manifest v1",
        "oneOf": variants,
        "discriminator": {"propertyName": "intent"},
        "$defs": defs,
    }
