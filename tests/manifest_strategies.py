"""Hypothesis strategies for manifest bytes: valid manifests mutated in every way a user (or a broken
client) can get them wrong. Shared by the unit property tests and the intake fuzz tests."""

from __future__ import annotations

import codecs
import json
from typing import Any

from hypothesis import strategies as st

INTENTS = ["normalize", "prs", "annotate", "report", "analyze", "register_module"]
FIELDS = ["manifest_version", "batch_id", "uploader", "user", "intent", "sample", "genome_build", "files"]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=10,
)


def nasty_strings(user: str) -> st.SearchStrategy[str]:
    """Strings that have broken parsers, stores or object keys before."""
    return st.sampled_from(
        [
            "",
            "\x00",
            "ab\x00cd",
            "ab\ud800cd",
            "\udc00",
            "x" * 10_000,
            "..",
            "../../etc/passwd",
            "/etc/passwd",
            f"uploads/{user}/../someone-else/x.vcf",
            f"/uploads/{user}/x.vcf",
            f"uploads/{user}//x.vcf",
            f"uploads/{user}/\x01x.vcf",
            f"uploads/{user}/" + "y" * 1100,
            "é😀\u202e",
            "normalize ",
            "NORMALIZE",
        ]
    ) | st.text(max_size=40)


def valid_manifest(batch_id: str, user: str, vcf_key: str, sha256: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": vcf_key, "role": "vcf"}
    if sha256:
        entry["sha256"] = sha256
    return {
        "manifest_version": 1,
        "batch_id": batch_id,
        "uploader": user,
        "intent": "normalize",
        "sample": "antku",
        "genome_build": "GRCh38",
        "files": [entry],
    }


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any], user: str) -> dict[str, Any]:
    """`base` with one to three mutations: missing, extra, wrongly typed or nasty fields."""
    manifest: dict[str, Any] = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["drop", "extra", "wrong_type", "nasty", "intent", "file_key", "files"]))
        if kind == "drop" and manifest:
            manifest.pop(draw(st.sampled_from(sorted(manifest))), None)
        elif kind == "extra":
            manifest[draw(st.text(max_size=12) | st.sampled_from(["options", "tags", "\x00", "x" * 500]))] = (
                draw(json_values)
            )
        elif kind == "wrong_type":
            manifest[draw(st.sampled_from(FIELDS))] = draw(json_values)
        elif kind == "nasty":
            manifest[draw(st.sampled_from(FIELDS))] = draw(nasty_strings(user))
        elif kind == "intent":
            manifest["intent"] = draw(st.sampled_from(INTENTS) | nasty_strings(user))
        elif kind == "file_key":
            manifest["files"] = [{"key": draw(nasty_strings(user)), "role": "vcf"}]
        elif kind == "files":
            manifest["files"] = draw(st.lists(json_values, max_size=3) | json_values)
    return manifest


def nested(depth: int) -> bytes:
    return b'{"manifest_version": 1, "intent": "normalize", "tags": ' + b"[" * depth + b"]" * depth + b"}"


@st.composite
def manifest_bytes(draw: st.DrawFn, base: dict[str, Any], user: str) -> bytes:
    """Bytes of a mutated (or intact) manifest, in a good or a bad encoding, or not JSON at all."""
    manifest = draw(st.one_of(st.just(base), mutated(base, user)))
    text = json.dumps(manifest)
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8", "utf-8", "bom", "utf-16", "utf-32", "latin-1", "truncated", "raw"])
    )
    if encoding == "bom":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if encoding in {"utf-16", "utf-32"}:
        return text.encode(encoding, "surrogatepass")
    if encoding == "latin-1":
        return text.replace("GRCh38", "GRCh38\xe9").encode("latin-1", "replace")
    if encoding == "truncated":
        raw = text.encode("utf-8", "surrogatepass")
        return raw[: draw(st.integers(min_value=0, max_value=max(len(raw) - 1, 0)))]
    if encoding == "raw":
        return draw(
            st.binary(max_size=200)
            | st.sampled_from([nested(40), nested(2_000), nested(100_000), b"[]", b"null", b'"x"', b"{}"])
        )
    # json.dumps escapes NUL and surrogates (\u0000, \ud800): the raw bytes stay valid UTF-8
    return text.encode("utf-8")
