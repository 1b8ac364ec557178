"""One self-contained HTML report per partition, from an annotation output folder (or its frames).

Rules:

- **Self-contained, offline**: one HTML file, inline CSS, inline SVG charts, no ``<script>``, no external
  stylesheet, font or image; a Content-Security-Policy meta tag (``default-src 'none'``) makes a browser
  refuse any external load. PubMed ids are plain ``<a href>`` links (followed only when clicked).
- **Escaping**: Jinja2 with autoescape on; every value from modules, annotations or provenance is text.
  Module colours are used only if they are ``#rrggbb``; links are built only from digit-only PubMed ids.
- **Content**: summary statistics (input, build, normalization counts, per-module loci: matched,
  genotype differs, no record at this position, a record but no call, could not be looked for (with a
  one-line hint on how to fix it when any), other reasons, a stacked bar each); each ``layout:
  categories`` module (LongevityMap) as its categories in manifest order (all of them, empty ones
  included) with the per-category total weight (sum of the matched rows' weights), the module total and
  a diverging bar chart of the category totals; every other module as one table (with its total weight);
  each variant row with an expandable ``<details>`` of its studies; a PRS section when ``prs`` has rows
  (columns ``pgs_id``, ``score_sum``, ``variants_matched``, ``variants_total``, ``match_rate``,
  ``percentile``, ``percentile_reason``: matched variants shown as a count of the total and a
  rate); provenance (the caller's ``provenance`` mapping, run id, engine, code version, normalization
  filters, build, module versions, sources and file digests).
- **Machine-readable totals**: category total rows carry ``data-module``, ``data-category`` and
  ``data-total`` (the full-precision sum), module totals ``data-module-total``.

:func:`write_report` writes to a temporary file beside ``out_path`` and moves it into place.
"""

from __future__ import annotations

import functools
import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from genolake_annotation.errors import InvalidInputError, MissingInputError
from genolake_annotation.modules.annotate import ANNOTATIONS_FILE, LINEAGE_FILE, STUDIES_FILE, SUMMARY_FILE
from genolake_annotation.modules.manifest import STUDIES_SCHEMA
from genolake_annotation.modules.match_common import ANNOTATION_SCHEMA, OUTCOME_OF_REASON, REASONS
from genolake_annotation.report.charts import outcome_bar, percentile_bars, weight_bars

TEMPLATE = "report.html.j2"
PRS_COLUMNS = (
    "pgs_id",
    "score_sum",
    "variants_matched",
    "variants_total",
    "match_rate",
    "percentile",
    "percentile_reason",
)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PMID = re.compile(r"^[0-9]{1,9}$")
DEFAULT_COLOR = "#4a6fa5"


@dataclass(frozen=True)
class AnnotationFrames:
    """What an annotation output folder holds (``annotate`` writes it)."""

    annotations: pl.DataFrame
    studies: pl.DataFrame
    summary: list[dict[str, Any]]
    lineage: dict[str, Any]


def load_annotation_frames(out_dir: Path) -> AnnotationFrames:
    out_dir = Path(out_dir)
    missing = [f for f in (ANNOTATIONS_FILE, SUMMARY_FILE, LINEAGE_FILE) if not (out_dir / f).is_file()]
    if missing:
        raise MissingInputError(f"{out_dir} is not an annotation output folder: {', '.join(missing)} missing")
    studies_path = out_dir / STUDIES_FILE
    return AnnotationFrames(
        annotations=pl.read_parquet(out_dir / ANNOTATIONS_FILE),
        studies=pl.read_parquet(studies_path)
        if studies_path.is_file()
        else pl.DataFrame(schema=STUDIES_SCHEMA),
        summary=json.loads((out_dir / SUMMARY_FILE).read_text())["modules"],
        lineage=json.loads((out_dir / LINEAGE_FILE).read_text()),
    )


@functools.cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["weight"] = lambda v: "" if v is None else f"{v:+.3f}"
    env.filters["full"] = lambda v: repr(float(v)) if v is not None else ""
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v: "" if v is None else f"{v:.4g}"
    env.filters["alleles"] = lambda v: "/".join(v) if v else "no call"
    return env


def _studies_by_rsid(studies: pl.DataFrame) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    frame = studies.select([c for c in STUDIES_SCHEMA if c in studies.columns])
    for study in frame.iter_rows(named=True):
        pmid = str(study.get("pmid") or "")
        study["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if _PMID.fullmatch(pmid) else None
        out.setdefault((study.get("module") or "", study.get("rsid") or ""), []).append(study)
    return out


def _variant_rows(
    frame: pl.DataFrame, studies: dict[tuple[str, str], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    rows = []
    for row in frame.iter_rows(named=True):
        row["studies"] = studies.get((row["module"], row["rsid"] or ""), [])
        rows.append(row)
    return rows


def _module_sections(frames: AnnotationFrames) -> list[dict[str, Any]]:
    annotations = frames.annotations
    for column, dtype in ANNOTATION_SCHEMA.items():
        if column not in annotations.columns:
            annotations = annotations.with_columns(pl.lit(None, dtype=dtype).alias(column))
    studies = _studies_by_rsid(frames.studies)
    summaries = {s["module"]: s for s in frames.summary}
    metas = {m["name"]: m for m in frames.lineage.get("modules", [])}
    names = list(dict.fromkeys([*metas, *summaries, *annotations["module"].unique(maintain_order=True)]))
    sections = []
    for name in names:
        meta = metas.get(name, {"name": name})
        summary = summaries.get(name)
        rows = annotations.filter(pl.col("module") == name)
        color = (
            meta.get("color")
            if isinstance(meta.get("color"), str) and _COLOR.fullmatch(meta["color"])
            else None
        )
        section: dict[str, Any] = {
            "name": name,
            "anchor": "module-" + re.sub(r"[^a-z0-9_-]", "-", name.lower()),
            "title": meta.get("report_title") or meta.get("title") or name,
            "description": meta.get("description"),
            "version": meta.get("version") or (summary or {}).get("version"),
            "color": color or DEFAULT_COLOR,
            "layout": meta.get("layout", "table"),
            "summary": summary,
            "total": float(rows["weight"].sum() or 0.0),
            "count": rows.height,
        }
        if section["layout"] == "categories":
            listed = [c for c in meta.get("categories", []) if isinstance(c, str)]
            present = [c for c in rows["category"].unique(maintain_order=True).to_list() if c is not None]
            order = list(dict.fromkeys([*listed, *present]))
            categories = []
            for category in order:
                sub = rows.filter(pl.col("category") == category).sort(
                    ["weight", "rsid"], descending=[True, False], nulls_last=True
                )
                categories.append(
                    {
                        "name": category,
                        "total": float(sub["weight"].sum() or 0.0),
                        "count": sub.height,
                        "rows": _variant_rows(sub, studies),
                    }
                )
            uncategorized = rows.filter(pl.col("category").is_null())
            if uncategorized.height:
                categories.append(
                    {
                        "name": "(none)",
                        "total": float(uncategorized["weight"].sum() or 0.0),
                        "count": uncategorized.height,
                        "rows": _variant_rows(uncategorized, studies),
                    }
                )
            section["categories"] = categories
            section["chart"] = weight_bars(
                [(c["name"], c["total"]) for c in categories],
                title=f"{section['title']}: total weight per category",
            )
        else:
            ordered = rows.sort(["category", "chrom", "start", "rsid"], nulls_last=True)
            section["rows"] = _variant_rows(ordered, studies)
        sections.append(section)
    return sections


# The summary table's columns: what a reader needs to tell apart for each locus (see match_common).
LOCUS_COLUMNS = (
    ("genotype_differs", "genotype differs"),
    ("no_record", "no record at this position"),
    ("no_call", "record but no call"),
    ("not_searchable", "could not be looked for"),
)
NOT_SEARCHABLE_HINT = (
    "Loci that could not be looked for are known to their module by rsID only, and this sample's VCF has "
    "no rsIDs: install a variant-position reference (genolake reference install) and reinstall the "
    "modules, or fill the IDs at normalization (GENOLAKE_NORMALIZE_FILL_IDS=true)."
)


def _summary_rows(frames: AnnotationFrames) -> list[dict[str, Any]]:
    out = []
    shown = {key for key, _ in LOCUS_COLUMNS}
    for s in frames.summary:
        given = dict(s.get("reasons", {}))
        if "not_in_sample" in given:  # summaries written before no_record/not_searchable existed
            given["no_record"] = given.get("no_record", 0) + given.pop("not_in_sample")
        order = [r for r in REASONS if r != "matched" and r not in shown] + sorted(set(given) - set(REASONS))
        reasons = [
            (OUTCOME_OF_REASON.get(r, "other"), r.replace("_", " "), given[r]) for r in order if given.get(r)
        ]
        out.append(
            {
                **s,
                "columns": [given.get(key, 0) for key, _ in LOCUS_COLUMNS],
                "reason_list": reasons,
                "bar": outcome_bar(s.get("matched", 0), s.get("unmatched", 0), s.get("skipped", 0)),
            }
        )
    return out


def _prs_rows(prs: pl.DataFrame | None) -> list[dict[str, Any]] | None:
    if prs is None or prs.height == 0:
        return None
    missing = [c for c in PRS_COLUMNS if c not in prs.columns]
    if missing:
        raise InvalidInputError(
            f"prs frame lacks column(s) {', '.join(missing)} (expected {', '.join(PRS_COLUMNS)})"
        )
    return list(prs.select(PRS_COLUMNS).iter_rows(named=True))


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _provenance(frames: AnnotationFrames, provenance: Mapping[str, object]) -> dict[str, Any]:
    lineage = frames.lineage
    normalize = lineage.get("normalize") or {}
    settings = normalize.get("settings") or {}
    filters = settings.get("filters")
    run = [
        ("run id", lineage.get("run_id")),
        ("engine", lineage.get("engine")),
        ("code version", lineage.get("code_version")),
        ("annotated at", lineage.get("created_at")),
        ("input", (lineage.get("input") or {}).get("path")),
        ("input sha256", (lineage.get("input") or {}).get("sha256")),
        ("genome build", (lineage.get("input") or {}).get("build") or "unknown"),
        ("FILTER values kept", ", ".join(sorted(filters)) if filters else "all"),
        ("minimum depth", settings.get("min_dp")),
        ("minimum QUAL", settings.get("min_qual")),
        ("reference blocks dropped", settings.get("drop_ref_blocks")),
        ("expected build", settings.get("expected_build")),
    ]
    modules = []
    for m in lineage.get("modules", []):
        files = m.get("files") or {}
        modules.append(
            {
                "name": m.get("name"),
                "version": m.get("version"),
                "source": m.get("source"),
                "genome_build": m.get("genome_build") or "—",
                "key_used": m.get("key_used"),
                "references": ", ".join(
                    f"{build} {info.get('version')} ({info.get('source')})"
                    for build, info in sorted((m.get("references") or {}).items())
                )
                or "—",
                "strand": ", ".join(f"{k} {v}" for k, v in (m.get("strand") or {}).items() if v) or "—",
                "files": [(f, (e or {}).get("sha256", "")) for f, e in sorted(files.items())],
            }
        )
    return {
        "given": [(str(k), _text(v)) for k, v in provenance.items()],
        "run": [(k, _text(v)) for k, v in run if v is not None],
        "modules": modules,
    }


def _stats(frames: AnnotationFrames) -> list[tuple[str, str]]:
    lineage = frames.lineage
    normalize = lineage.get("normalize") or {}
    source = lineage.get("input") or {}
    stats = [
        ("sample", normalize.get("sample") or source.get("sample")),
        ("genome build", source.get("build") or "unknown"),
        ("VCF records read", normalize.get("records_in")),
        ("records kept by normalization", source.get("rows")),
        ("no-calls among them", normalize.get("no_calls")),
    ]
    for reason, count in sorted((normalize.get("filtered") or {}).items()):
        stats.append((f"dropped by normalization: {reason.replace('_', ' ')}", count))
    stats.append(("annotation rows", frames.annotations.height))
    stats.append(("modules", len(frames.summary)))
    return [(k, _text(v)) for k, v in stats if v is not None]


def render_report(
    source: Path | str | AnnotationFrames,
    provenance: Mapping[str, object] | None = None,
    prs: pl.DataFrame | None = None,
) -> str:
    """The report HTML for an annotation output folder (or its frames); see the module docstring."""
    frames = source if isinstance(source, AnnotationFrames) else load_annotation_frames(Path(source))
    provenance = dict(provenance or {})
    sample = str(provenance.get("sample") or (frames.lineage.get("input") or {}).get("sample") or "sample")
    user = provenance.get("user")
    title = str(provenance.get("title") or f"GenoLake report — {f'{user}/' if user else ''}{sample}")
    prs_rows = _prs_rows(prs)
    summary = _summary_rows(frames)
    context = {
        "title": title,
        "stats": _stats(frames),
        "summary": summary,
        "locus_columns": [label for _, label in LOCUS_COLUMNS],
        "not_searchable_hint": NOT_SEARCHABLE_HINT if any(row["columns"][3] for row in summary) else None,
        "sections": _module_sections(frames),
        "prs": prs_rows,
        "prs_chart": percentile_bars([(r["pgs_id"], r["percentile"]) for r in prs_rows])
        if prs_rows
        else None,
        "provenance": _provenance(frames, provenance),
    }
    return str(_environment().get_template(TEMPLATE).render(**context))


def write_report(
    source: Path | str | AnnotationFrames,
    provenance: Mapping[str, object] | None,
    prs: pl.DataFrame | None,
    out_path: Path,
) -> Path:
    """Render and write the report to ``out_path`` (temporary file beside it, then ``os.replace``)."""
    out_path = Path(out_path)
    html = render_report(source, provenance, prs)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.parent / f".{out_path.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


__all__ = ["PRS_COLUMNS", "AnnotationFrames", "load_annotation_frames", "render_report", "write_report"]
