"""Manifest v1: what a user uploads to ask GenoLake for work.

A manifest is a JSON object at `manifests/{uploader}/{name}.json` in the landing zone. Its
`intent` selects the model (and so the lane): each lane's contract (`genolake_core.lanes`) declares the
models of its intents, on the common base here (`ManifestBase`). The JSON Schema in
`manifests/schema.json` is generated from them (`genolake manifest schema`).

Rules checked here (no I/O): the shape, identifiers, that `user` equals `uploader`, that every
file key lies under `uploads/{uploader}/`, the sha256 format. Rules needing storage (files exist,
checksums match) are intake's (`genolake_dagster.intake.process`); each lane's planner checks what
the partition must already have.

Any bytes at all may arrive, so parsing itself is bounded and total: the text must be UTF-8 (a
UTF-8 BOM is dropped), nested at most `MAX_NESTING` levels, and no string (key or value) may hold a
NUL or an unpaired surrogate (neither can be stored in Mongo or Postgres); every failure is a
`ManifestError` whose reasons name the problem, cut to `MAX_REASON_CHARS`. A `batch_id` or `intent`
read from a manifest that fails validation is only reported back when it is a valid one.
"""

from __future__ import annotations

import codecs
import json
import re
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from genolake_core.errors import GenoLakeError
from genolake_core.ids import BATCH_PATTERN, BatchId, SampleId, UserId, clipped_repr
from genolake_core.layout import uploads_prefix

MANIFEST_VERSION: Final = 1
MAX_MANIFEST_BYTES: Final = 1024 * 1024  # larger objects are rejected unread (intake, POST /manifests)
GenomeBuild = Literal["GRCh37", "GRCh38"]
MAX_NESTING: Final = 32  # a manifest needs 5 levels; JSON nested deeper is refused before it is parsed
MAX_FILES: Final = 100
MAX_REASONS: Final = 20
MAX_REASON_CHARS: Final = 500
MAX_KEY_BYTES: Final = 1024  # the S3 limit on object keys
# Characters no manifest string may hold (Mongo/Postgres cannot store them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Characters no object key may hold (control characters, DEL, unpaired surrogates).
_UNSAFE_KEY = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
# JSON strings (skipped) and brackets, to measure nesting without parsing.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


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

    @field_validator("key")
    @classmethod
    def _storable_key(cls, key: str) -> str:
        if _UNSAFE_KEY.search(key):
            raise ValueError(
                f"file key {clipped_repr(key)} holds control characters or unpaired surrogates; "
                "object keys are printable UTF-8"
            )
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise ValueError(f"file key is longer than {MAX_KEY_BYTES} bytes, the limit of object keys")
        return key


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
    files: list[ManifestFile] = Field(min_length=1, max_length=MAX_FILES)
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


def _clip(text: str, limit: int = MAX_REASON_CHARS) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _format_errors(error: ValidationError) -> list[str]:
    reasons = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        parts = [str(p) if isinstance(p, int) else clipped_repr(p, 60).strip("'\"") for p in item["loc"]]
        where = ".".join(parts) or "manifest"
        reasons.append(_clip(f"{where}: {item['msg']}"))
    return reasons


def decode_manifest(raw: bytes) -> str:
    """The manifest's text: UTF-8 (a UTF-8 BOM is dropped); anything else is a ManifestError."""
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or (len(raw) >= 2 and 0 in (raw[0], raw[1])):
        raise ManifestError(["manifest: the file is UTF-16 or UTF-32 encoded; manifests are UTF-8 JSON"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            [f"manifest: not UTF-8 text (byte {exc.start}: {exc.reason}); manifests are UTF-8 JSON"]
        ) from exc


def _nesting_exceeds(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                return True
        elif token in "]}":
            depth -= 1
    return False


def _unstorable_strings(data: Any) -> list[str]:
    """Reasons for every string (key or value) holding a NUL or an unpaired surrogate (at most a few)."""
    reasons: list[str] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack and len(reasons) < 5:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{clipped_repr(key, 60)}" if where else clipped_repr(key, 60)
                if _UNSTORABLE.search(key):
                    reasons.append(f"{path}: a field name holds a NUL character or an unpaired surrogate")
                stack.append((path, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{index}", item) for index, item in enumerate(value))
        elif isinstance(value, str) and _UNSTORABLE.search(value):
            reasons.append(
                f"{where or 'manifest'}: {clipped_repr(value, 60)} holds a NUL character or an unpaired "
                "surrogate"
            )
    return reasons


def _load(raw: bytes) -> Any:
    """The JSON value of manifest bytes, within the limits above; ManifestError otherwise."""
    text = decode_manifest(raw)
    if _nesting_exceeds(text, MAX_NESTING):
        raise ManifestError([f"manifest: JSON nested deeper than {MAX_NESTING} levels"])
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ManifestError([_clip(f"not valid JSON: {exc}")]) from exc


def readable_batch_id(data: Any) -> str | None:
    """The manifest's batch_id when it is a valid one (so it may name documents), else None."""
    value = data.get("batch_id") if isinstance(data, dict) else None
    if isinstance(value, str) and BATCH_PATTERN.fullmatch(value) and ".." not in value:
        return value
    return None


def peek_intent(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The JSON object and its intent, without validating; the intent only if it is a known one,
    (None, None) if the bytes are not a readable JSON object."""
    try:
        data = _load(raw)
    except ManifestError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    intent = data.get("intent")
    return data, intent if isinstance(intent, str) and intent in _intent_models() else None


def parse_manifest(raw: bytes) -> ManifestBase:
    """Validate manifest bytes; raises ManifestError with every reason found (never anything else)."""
    data = _load(raw)
    if not isinstance(data, dict):
        raise ManifestError([f"a manifest is a JSON object, got {type(data).__name__}"])
    batch_id = readable_batch_id(data)
    intent = data.get("intent")
    models = _intent_models()
    known = intent if isinstance(intent, str) and intent in models else None
    unstorable = _unstorable_strings(data)
    if unstorable:
        raise ManifestError(unstorable, batch_id=batch_id, intent=known)
    if known is None:
        names = ", ".join(sorted(models))
        raise ManifestError(
            [f"intent: unknown intent {clipped_repr(intent, 60)}; known intents: {names}"], batch_id=batch_id
        )
    try:
        return models[known].model_validate(data)
    except ValidationError as exc:
        reasons = _format_errors(exc)
        if len(reasons) > MAX_REASONS:
            reasons = [*reasons[:MAX_REASONS], f"... and {len(reasons) - MAX_REASONS} more problems"]
        raise ManifestError(reasons, batch_id=batch_id, intent=known) from exc


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
