"""Compile a module spec folder into a compiled module folder (parquet tables + ``module.json``).

Rules (on top of :mod:`genolake_annotation.modules.spec`, which validates first and writes nothing on
error):

- ``weights.parquet``: one row per ``variants.csv`` row, in file order. ``genotype`` ``"A/G"`` ->
  ``["A", "G"]``; ``alts`` ``"A,T"`` -> ``["A", "T"]``; ``chrom`` without ``chr``; empty priority /
  curator / method take the spec's ``defaults``; ClinVar flags default to false;
  ``likely_pathogenic``/``likely_benign`` false; ``module`` = the module name; ``allele``/``zygosity``
  null (every spec row states its full genotype).
- ``annotations.parquet``: one row per rsid (first row of the rsid wins), rows without rsid omitted.
- ``studies.parquet``: one row per ``studies.csv`` row (zero rows when the file is absent).
- ``module.json``: name and version from the spec (see :attr:`ModuleSpec.version`), ``source``
  (default ``file://<spec folder>``), the spec's sha256 as ``build.source_sha256``, the categories in
  order of first appearance, ``genome_build`` and ``key`` (position/rsid/mixed).

With variant-position references (``references=``), rows are resolved to positions per build and checked
against the references' alleles (:mod:`genolake_annotation.reference.compile`): ``positions.parquet`` and
``compile_report.json`` join the tables and the version gets a ``-r<8 hex>`` suffix.

Compiling the same spec twice gives byte-identical files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from genolake_annotation.modules.manifest import (
    ANNOTATIONS_SCHEMA,
    STUDIES_SCHEMA,
    WEIGHTS_SCHEMA,
    BuildInfo,
    CompiledModule,
    module_key,
    tool_version,
    write_compiled,
)
from genolake_annotation.modules.spec import ModuleSpec, load_spec

if TYPE_CHECKING:
    from genolake_annotation.reference.table import VariantReference


def spec_tables(spec: ModuleSpec) -> dict[str, pl.DataFrame]:
    """The three tables of a validated spec (GenoLake schemas)."""
    name = spec.name
    weights = pl.DataFrame(
        [
            {
                "rsid": v.rsid,
                "chrom": v.chrom,
                "start": v.start,
                "ref": v.ref,
                "alts": list(v.alts) if v.alts is not None else None,
                "genotype": list(v.genotype),
                "weight": v.weight,
                "state": v.state,
                "conclusion": v.conclusion,
                "priority": v.priority,
                "module": name,
                "curator": v.curator,
                "method": v.method,
                "clinvar": v.clinvar,
                "pathogenic": v.pathogenic,
                "benign": v.benign,
                "likely_pathogenic": False,
                "likely_benign": False,
                "gene": v.gene,
                "phenotype": v.phenotype,
                "category": v.category,
                "allele": None,
                "zygosity": None,
            }
            for v in spec.variants
        ],
        schema=WEIGHTS_SCHEMA,
    )
    first: dict[str, dict[str, object]] = {}
    for v in spec.variants:
        if v.rsid is not None and v.rsid not in first:
            first[v.rsid] = {
                "rsid": v.rsid,
                "module": name,
                "gene": v.gene,
                "phenotype": v.phenotype,
                "category": v.category,
            }
    annotations = pl.DataFrame(list(first.values()), schema=ANNOTATIONS_SCHEMA)
    studies = pl.DataFrame(
        [
            {
                "rsid": s.rsid,
                "module": name,
                "pmid": s.pmid,
                "population": s.population,
                "p_value": s.p_value,
                "conclusion": s.conclusion,
                "study_design": s.study_design,
            }
            for s in spec.studies
        ],
        schema=STUDIES_SCHEMA,
    )
    return {"weights": weights, "annotations": annotations, "studies": studies}


def compile_spec(
    spec: ModuleSpec,
    out_dir: Path,
    *,
    source: str | None = None,
    references: Sequence[VariantReference] = (),
) -> CompiledModule:
    """Compile an already validated spec (see :func:`compile_module`)."""
    tables = spec_tables(spec)
    info = spec.config.module
    categories = list(dict.fromkeys(v.category for v in spec.variants))
    key = module_key(tables["weights"])
    fields = {
        "name": spec.name,
        "version": spec.version,
        "title": info.title,
        "description": info.description,
        "report_title": info.report_title,
        "icon": info.icon,
        "color": info.color,
        "layout": info.layout,
        "categories": categories,
        "genome_build": None if key == "rsid" else spec.config.genome_build,
        "key": key,
        "source": source or f"file://{spec.path.resolve()}",
        "build": BuildInfo(tool_version=tool_version(), builder="spec", source_sha256=spec.sha256),
    }
    if references:
        from genolake_annotation.reference.compile import apply_references

        tables, fields, positions, report = apply_references(tables, fields, references)
        return write_compiled(Path(out_dir), tables, fields, positions=positions, compile_report=report)
    return write_compiled(Path(out_dir), tables, fields)


def compile_module(
    spec_dir: Path,
    out_dir: Path,
    *,
    source: str | None = None,
    references: Sequence[VariantReference] = (),
) -> CompiledModule:
    """Validate ``spec_dir`` and compile it into ``out_dir`` (replaced as a whole when it exists).

    Raises :class:`~genolake_annotation.modules.spec.ModuleSpecError` (listing every problem, with
    file/line/column) before writing anything if the spec is invalid.
    """
    return compile_spec(load_spec(Path(spec_dir)), Path(out_dir), source=source, references=references)


__all__ = ["compile_module", "compile_spec", "spec_tables"]
