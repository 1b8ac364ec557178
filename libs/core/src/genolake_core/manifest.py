"""Manifest v1: what a user uploads to ask GenoLake for work.

A manifest is a JSON object at `manifests/{uploader}/{name}.json` in the landing zone. Its
`intent` selects the model (and so the lane): each lane's contract (`genolake_core.lanes`) declares the
models of its intents, on the common base here (`ManifestBase`). The JSON Schema in
`manifests/schema.json` is generated from them (`genolake manifest schema`).

Rules checked here (no I/O): the shape, identifiers, that `user` equals `uploader`, that every
file key lies under `uploads/{uploader}/`, the sha256 format. Rules needing storage (files exist,
checksums match) are intake's (`genolake_dagster.intake.process`); each lane's planner checks what
the partition must already have.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from genolake_core.errors import GenoLakeError
from genolake_core.ids import BatchId, SampleId, UserId
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


def require_no_files(manifest: ManifestBase, intent: str) -> None:
    if manifest.files:
        raise ValueError(f"a {intent} manifest names no files (it works on the partition's lake data)")


def _intent_models() -> dict[str, type[ManifestBase]]:
    # The lane contracts build on this module, so their registry is imported when first needed.
    from genolake_core.lanes import intent_models

    return intent_models()


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
    models = _intent_models()
    model = models.get(intent) if isinstance(intent, str) else None
    if model is None:
        known = ", ".join(sorted(models))
        raise ManifestError([f"intent: unknown intent {intent!r}; known intents: {known}"], batch_id=batch_id)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(_format_errors(exc), batch_id=batch_id, intent=intent) from exc


def manifest_json_schema() -> dict[str, Any]:
    """JSON Schema of every intent's manifest, discriminated by `intent`."""
    defs: dict[str, Any] = {}
    variants = []
    for _, model in sorted(_intent_models().items()):
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
