"""Build the ``longevitymap`` module from the LongevityMap SQLite database (just-dna-lite's source).

The database (tables ``allele_weights``, ``categories``, ``variant``, ``gene``, ``population``) is
rsid-keyed and carries no positions and no reference alleles. Each ``allele_weights`` row is
(rsid, allele, state, zygosity, weight, priority, category_id) and becomes one ``weights.parquet`` row:

============================= =================================================================
database row                  compiled row
============================= =================================================================
zygosity ``hom``              ``genotype = [allele, allele]`` (two copies of the allele)
state ``spec``, ``het``       ``allele`` holds a whole genotype (``TC``): ``genotype = sorted``
                              ``(["T", "C"])``
state ``alt``/``ref``, het    reference-relative: ``genotype`` null, ``allele`` = the allele,
                              ``zygosity = "het"`` — one copy of the allele and one of the
                              reference allele *at the sample's site* (resolved while matching)
============================= =================================================================

``weight`` and ``priority`` are copied; ``state`` is derived from the weight's sign (``protective`` > 0,
``risk`` < 0, else ``neutral``); ``category`` is the category's name; ``gene`` is the most frequent gene
symbol of the rsid's study rows (ties: the earliest row); ``phenotype`` is ``longevity``; ``conclusion``
states the genotype, weight, pathway and how many of the rsid's studies report a significant association.
Rows are ordered by rsid, then database id.

``annotations.parquet``: one row per rsid (gene, phenotype, category). ``studies.parquet``: every
``variant`` row of a weighted rsid (pmid = ``quickpubmed``, population name, conclusion, study design,
``association``). The manifest lists the 12 categories in database id order, ``layout = categories``,
``key = rsid``, no genome build (rsids are build-independent), and as version (unless given)
``0+`` and the first 12 hex digits of the database file's sha256.

A database whose tables/columns are missing, or with a row shape outside the table above (a ``spec``
allele that is not two bases, a ``ref`` het row, an unknown zygosity, a duplicate (rsid, allele,
zygosity)), raises :class:`LongevityMapError` listing every problem: the builder never guesses.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from genolake_annotation.errors import MissingInputError, ModuleError
from genolake_annotation.modules.manifest import (
    ANNOTATIONS_SCHEMA,
    STUDIES_SCHEMA,
    WEIGHTS_SCHEMA,
    BuildInfo,
    CompiledModule,
    sha256_of,
    tool_version,
    write_compiled,
)

if TYPE_CHECKING:
    from genolake_annotation.reference.table import VariantReference

LONGEVITY_MODULE = "longevitymap"
REQUIRED_COLUMNS = {
    "allele_weights": ("id", "rsid", "allele", "state", "zygosity", "weight", "priority", "category_id"),
    "categories": ("id", "name"),
    "variant": (
        "id",
        "identifier",
        "quickpubmed",
        "conclusions",
        "study_design",
        "association",
        "gene_id",
        "population_id",
    ),
    "gene": ("id", "symbol"),
    "population": ("id", "name"),
}
CURATOR = "LongevityMap (just-dna-seq curation)"
METHOD = "literature-review"


class LongevityMapError(ModuleError):
    """The LongevityMap database is not what the builder expects; ``problems`` lists why."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = Path(path)
        self.problems = problems
        body = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{self.path} is not a usable LongevityMap database:\n{body}")


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise MissingInputError(f"LongevityMap database {path} does not exist")
    return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)


def _check_schema(con: sqlite3.Connection, path: Path) -> None:
    problems = []
    for table, columns in REQUIRED_COLUMNS.items():
        have = {row[1] for row in con.execute(f"PRAGMA table_info('{table}')")}
        if not have:
            problems.append(f"table {table!r} missing")
            continue
        missing = [c for c in columns if c not in have]
        if missing:
            problems.append(f"table {table!r} lacks column(s) {', '.join(missing)}")
    if problems:
        raise LongevityMapError(path, problems)


def _state(weight: float) -> str:
    return "protective" if weight > 0 else "risk" if weight < 0 else "neutral"


def _genes(con: sqlite3.Connection) -> dict[str, str]:
    rows = con.execute(
        """SELECT v.identifier, g.symbol FROM variant v JOIN gene g ON g.id = v.gene_id
           WHERE v.identifier IN (SELECT rsid FROM allele_weights) AND g.symbol <> '' ORDER BY v.id"""
    ).fetchall()
    counts: dict[str, Counter[str]] = {}
    order: dict[tuple[str, str], int] = {}
    for i, (rsid, symbol) in enumerate(rows):
        counts.setdefault(rsid, Counter())[symbol] += 1
        order.setdefault((rsid, symbol), i)
    return {
        rsid: min(c, key=lambda s, r=rsid, c=c: (-c[s], order[(r, s)]))  # type: ignore[misc]
        for rsid, c in counts.items()
    }


def _evidence(con: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for rsid, total, significant in con.execute(
        """SELECT identifier, count(*), sum(association = 'significant') FROM variant
           WHERE identifier IN (SELECT rsid FROM allele_weights) GROUP BY identifier"""
    ):
        out[rsid] = (int(total), int(significant or 0))
    return out


def _conclusion(
    kind: str,
    alleles: tuple[str, ...],
    rsid: str,
    gene: str | None,
    weight: float,
    category: str,
    ev: tuple[int, int],
) -> str:
    where = f"{rsid} ({gene})" if gene else rsid
    if kind == "hom":
        what = f"Two copies of {alleles[0]}"
    elif kind == "spec":
        what = f"Genotype {'/'.join(alleles)}"
    else:
        what = f"One copy of {alleles[0]} (with the reference allele)"
    total, significant = ev
    studies = (
        f" {significant} of {total} LongevityMap {'study reports' if total == 1 else 'studies report'} a "
        "significant association with longevity."
        if total
        else ""
    )
    return f"{what} at {where}: longevity weight {weight:+g} ({category} pathway).{studies}"


def longevity_tables(sqlite_path: Path) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """The three tables and the ordered category names built from the database (see module docstring)."""
    path = Path(sqlite_path)
    con = _connect(path)
    try:
        _check_schema(con, path)
        categories = {int(i): str(n) for i, n in con.execute("SELECT id, name FROM categories ORDER BY id")}
        genes = _genes(con)
        evidence = _evidence(con)
        raw = con.execute(
            """SELECT id, rsid, allele, state, zygosity, weight, priority, category_id
               FROM allele_weights ORDER BY rsid, id"""
        ).fetchall()
        studies_raw = con.execute(
            """SELECT v.identifier, v.quickpubmed, p.name, v.conclusions, v.study_design, v.association
               FROM variant v LEFT JOIN population p ON p.id = v.population_id
               WHERE v.identifier IN (SELECT rsid FROM allele_weights) ORDER BY v.identifier, v.id"""
        ).fetchall()
    finally:
        con.close()

    problems: list[str] = []
    weights: list[dict[str, object]] = []
    seen: set[tuple[str, str, str]] = set()
    for row_id, rsid, allele, state, zygosity, weight, priority, category_id in raw:
        where = f"allele_weights id {row_id} ({rsid})"
        if (rsid, allele, zygosity) in seen:
            problems.append(f"{where}: duplicate (rsid, allele, zygosity)")
            continue
        seen.add((rsid, allele, zygosity))
        if category_id not in categories:
            problems.append(f"{where}: category_id {category_id} not in categories")
            continue
        if not allele or not allele.isalpha() or allele != allele.upper():
            problems.append(f"{where}: allele {allele!r} is not upper-case bases")
            continue
        genotype: list[str] | None
        if zygosity == "hom" and state in ("alt", "ref"):
            kind, genotype, ref_allele, alleles = "hom", [allele, allele], None, (allele,)
        elif zygosity == "het" and state == "spec":
            if len(allele) != 2:
                problems.append(f"{where}: spec genotype {allele!r} is not two bases")
                continue
            kind, genotype, ref_allele, alleles = "spec", sorted(allele), None, tuple(sorted(allele))
        elif zygosity == "het" and state == "alt":
            kind, genotype, ref_allele, alleles = "het", None, allele, (allele,)
        else:
            problems.append(f"{where}: unsupported state/zygosity {state!r}/{zygosity!r}")
            continue
        w = float(weight or 0.0)
        category = categories[category_id]
        gene = genes.get(rsid)
        weights.append(
            {
                "rsid": rsid,
                "chrom": None,
                "start": None,
                "ref": None,
                "alts": None,
                "genotype": genotype,
                "weight": w,
                "state": _state(w),
                "conclusion": _conclusion(kind, alleles, rsid, gene, w, category, evidence.get(rsid, (0, 0))),
                "priority": str(priority) if priority is not None else None,
                "module": LONGEVITY_MODULE,
                "curator": CURATOR,
                "method": METHOD,
                "clinvar": False,
                "pathogenic": False,
                "benign": False,
                "likely_pathogenic": False,
                "likely_benign": False,
                "gene": gene,
                "phenotype": "longevity",
                "category": category,
                "allele": ref_allele,
                "zygosity": "het" if kind == "het" else None,
            }
        )
    if problems:
        raise LongevityMapError(path, problems)
    weights_df = pl.DataFrame(weights, schema=WEIGHTS_SCHEMA)
    annotations = (
        weights_df.unique("rsid", keep="first", maintain_order=True)
        .select("rsid", "module", "gene", "phenotype", "category")
        .cast(ANNOTATIONS_SCHEMA)  # type: ignore[arg-type]
    )
    studies = pl.DataFrame(
        [
            {
                "rsid": rsid,
                "module": LONGEVITY_MODULE,
                "pmid": str(pmid) if pmid else None,
                "population": population,
                "p_value": None,
                "conclusion": conclusion,
                "study_design": design,
                "association": association or None,
            }
            for rsid, pmid, population, conclusion, design, association in studies_raw
        ],
        schema=STUDIES_SCHEMA,
    )
    return {"weights": weights_df, "annotations": annotations, "studies": studies}, list(categories.values())


def build_longevity_module(
    sqlite_path: Path,
    out_dir: Path,
    *,
    version: str | None = None,
    source: str | None = None,
    references: Sequence[VariantReference] = (),
) -> CompiledModule:
    """Build the compiled ``longevitymap`` module from the LongevityMap SQLite database into ``out_dir``."""
    path = Path(sqlite_path)
    tables, categories = longevity_tables(path)
    digest = sha256_of(path)
    fields = {
        "name": LONGEVITY_MODULE,
        "version": version or f"0+{digest[:12]}",
        "title": "LongevityMap",
        "description": "Longevity-associated variants from LongevityMap (genomics.senescence.info), with "
        "per-genotype weights grouped into 12 pathway categories",
        "report_title": "Longevity (LongevityMap)",
        "icon": "heartbeat",
        "color": "#21ba45",
        "layout": "categories",
        "categories": categories,
        "genome_build": None,
        "key": "rsid",
        "source": source or f"file://{path.resolve()}",
        "build": BuildInfo(tool_version=tool_version(), builder="longevitymap-sqlite", source_sha256=digest),
    }
    if references:
        from genolake_annotation.reference.compile import apply_references

        tables, fields, positions, report = apply_references(tables, fields, references)
        return write_compiled(Path(out_dir), tables, fields, positions=positions, compile_report=report)
    return write_compiled(Path(out_dir), tables, fields)


__all__ = ["LONGEVITY_MODULE", "LongevityMapError", "build_longevity_module", "longevity_tables"]
