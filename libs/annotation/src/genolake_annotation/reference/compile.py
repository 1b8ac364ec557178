"""Compiling a module against variant-position references (used by the spec compiler and the
LongevityMap builder): resolve the weights rows (:func:`~genolake_annotation.reference.resolve.resolve_rows`),
write ``positions.parquet`` and ``compile_report.json`` beside the tables, and record the references in
the manifest.

The version of a module compiled with references is its version plus ``-r`` and the first 8 hex digits
of a digest of the references' (build, positions sha256) and :data:`RESOLVE_VERSION`: the same source
compiled with another reference (or none, or another resolver) is another version, so a published
version never changes content. A flipped row's conclusion says how it was authored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from genolake_annotation.reference.resolve import resolve_rows
from genolake_annotation.reference.table import VariantReference

RESOLVE_VERSION = "1"  # bump when resolve_rows writes other content for the same inputs


def reference_tag(references: Sequence[VariantReference]) -> str:
    digest = hashlib.sha256(f"resolve-{RESOLVE_VERSION}\0".encode())
    for ref in sorted(references, key=lambda r: r.build):
        digest.update(f"{ref.build}\0{ref.manifest.positions_sha256}\0".encode())
    return digest.hexdigest()[:8]


def apply_references(
    tables: Mapping[str, pl.DataFrame],
    fields: Mapping[str, Any],
    references: Sequence[VariantReference],
) -> tuple[dict[str, pl.DataFrame], dict[str, Any], pl.DataFrame, dict[str, Any]]:
    """(tables, manifest fields, positions, compile report) of a module compiled with ``references``."""
    module_build = fields.get("genome_build") if fields.get("key") != "rsid" else None
    resolved = resolve_rows(tables["weights"], references, module_build)
    new_tables = dict(tables)
    new_tables["weights"] = resolved.weights
    counts = resolved.counts()
    new_fields = dict(fields)
    new_fields["version"] = f"{fields['version']}-r{reference_tag(references)}"
    new_fields["references"] = resolved.references
    new_fields["strand"] = counts
    report = {
        "module": fields["name"],
        "version": new_fields["version"],
        "references": resolved.references,
        "primary_build": resolved.decisions[0]["build"] if resolved.decisions else None,
        "counts": counts,
        "positions": {
            build: int((resolved.positions["build"] == build).sum()) for build in resolved.references
        },
        "decisions": resolved.decisions,
    }
    return new_tables, new_fields, resolved.positions, report


__all__ = ["apply_references", "reference_tag"]
