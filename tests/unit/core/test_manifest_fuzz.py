"""Property tests of manifest parsing: whatever the bytes, parsing answers with a manifest or a
ManifestError whose reasons can be stored and shown (no NUL, no surrogate, bounded), and never
reports an invalid batch_id or intent back. The inputs that broke intake in issue #13 are pinned."""

from __future__ import annotations

import json
import re

import pytest
from genolake_core.ids import BATCH_PATTERN
from genolake_core.lanes import intent_models
from genolake_core.manifest import (
    MAX_REASON_CHARS,
    ManifestError,
    parse_manifest,
    peek_intent,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.manifest_strategies import manifest_bytes, nested, valid_manifest

INTENT_MODELS = intent_models()
USER = "alice"
BASE = valid_manifest("b-0001", USER, "uploads/alice/x.vcf")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
CONTROL = re.compile("[\x00-\x1f\x7f]")


def _check_outcome(raw: bytes) -> None:
    _, intent = peek_intent(raw)  # never raises
    assert intent is None or intent in INTENT_MODELS
    try:
        manifest = parse_manifest(raw)
    except ManifestError as exc:
        assert exc.reasons and all(isinstance(reason, str) for reason in exc.reasons)
        for reason in exc.reasons:
            assert not UNSTORABLE.search(reason), reason
            assert len(reason) <= 2 * MAX_REASON_CHARS, len(reason)
        assert exc.batch_id is None or BATCH_PATTERN.fullmatch(exc.batch_id)
        assert exc.intent is None or exc.intent in INTENT_MODELS
        return
    assert intent == manifest.intent  # type: ignore[attr-defined]
    for item in manifest.files:
        assert item.key.startswith(f"uploads/{manifest.uploader}/")
        assert ".." not in item.key.split("/") and not CONTROL.search(item.key)
        assert len(item.key.encode()) <= 1024


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifest_bytes(BASE, USER))
def test_any_bytes_parse_to_a_manifest_or_a_clear_error(raw: bytes) -> None:
    _check_outcome(raw)


@given(st.binary(max_size=300))
def test_random_bytes(raw: bytes) -> None:
    _check_outcome(raw)


def _reasons(raw: bytes) -> list[str]:
    with pytest.raises(ManifestError) as info:
        parse_manifest(raw)
    return info.value.reasons


def _with(**changes: object) -> bytes:
    return json.dumps({**BASE, **changes}).encode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (nested(100_000), "nested deeper than"),  # RecursionError in peek_intent before
        (nested(500), "nested deeper than"),
        (_with(batch_id="ab\x00cd"), "batch_id"),  # reached the document id before
        (_with(batch_id="ab\ud800cd"), "batch_id"),
        (_with(intent="norm\x00alize"), "intent"),
        (_with(intent="norm\udc00alize"), "intent"),
        (_with(batch_id="x" * 10_000), "batch_id"),  # archive metadata too large before
        (json.dumps(BASE).encode("utf-16"), "UTF-16"),  # json.loads accepted it, then UTF-8 decode failed
        (json.dumps(BASE).encode("utf-32"), "UTF-16 or UTF-32"),
        (b'{"batch_id": "caf\xe9"}', "not UTF-8"),
        (_with(files=[{"key": "uploads/alice/a\x00b.vcf", "role": "vcf"}]), "NUL"),  # HeadObject 400 before
        (_with(files=[{"key": "uploads/alice/a\x01b.vcf", "role": "vcf"}]), "control characters"),
        (_with(files=[{"key": "uploads/alice/" + "y" * 1100, "role": "vcf"}]), "1024 bytes"),
        (_with(files=[{"key": "uploads/alice/x.vcf", "role": "vcf"}] * 101), "at most 100"),
        (_with(tags={"k\x00": "v"}), "field name"),
    ],
)
def test_inputs_that_broke_intake_are_clear_rejections(raw: bytes, expected: str) -> None:
    reasons = _reasons(raw)
    assert any(expected in reason for reason in reasons), reasons
    _check_outcome(raw)


def test_invalid_batch_id_and_intent_are_not_reported_back() -> None:
    with pytest.raises(ManifestError) as info:
        parse_manifest(_with(batch_id="x" * 10_000, intent="fly\x00"))
    assert info.value.batch_id is None and info.value.intent is None
    assert all(len(reason) < 300 for reason in info.value.reasons), info.value.reasons


def test_a_utf8_bom_is_accepted() -> None:
    assert parse_manifest(b"\xef\xbb\xbf" + json.dumps(BASE).encode()).batch_id == "b-0001"
