"""Annotate one sample's normalized parquet with compiled modules: ``annotate(parquet, modules, out_dir)``.

Rules:

- **Keys.** A module row is matched by position (chrom, start, ref: the normalized ``chrom``/``start``/
  ``ref``) when it has all three and the module's genome build agrees with the sample's (read from the
  normalization metadata; an unknown sample build is assumed to agree when the sample has no rsIDs;
  when it has some, rows with an rsID are matched by rsID, which does not depend on the build), else by
  ``rsid`` (the normalized
  ``rsid``, the record's first ``rs`` ID). A module compiled with a variant-position reference also
  carries positions per build (``positions.parquet``): a row with a resolved position on the sample's
  build is matched by that position (palindromic and other undecided rows have none: rsID). A
  position-only row of a module whose build differs is skipped (``build_mismatch``): positions of
  different builds are not comparable.
- **Genotypes, statuses, outcomes**: :mod:`genolake_annotation.modules.match_common`.
- **Outputs** (written to temporary names in ``out_dir`` and moved into place together):

  ``annotations.parquet``  one row per (matched record, matching module row): module name/version, the
                           module row index, ``match_key``, rsid, chrom, start, ref, alts, gt, genotype,
                           zygosity (hom/het/hemi, from the called genotype), filter, weight, state,
                           category, gene, phenotype, conclusion, priority, curator, method.
  ``studies.parquet``      the modules' study rows of the matched rsids (``module`` column set).
  ``summary.json``         per module: loci, matched/unmatched/skipped locus counts, the count per reason,
                           annotation rows and the sum of their weights.
  ``lineage.json``         run id, engine, code version, the input (path, sha256, rows, sample, build),
                           the normalization settings and counts (``read_normalize_metadata``), each
                           module's manifest (version, source, file digests) and how it was keyed, and
                           the sha256 of the other outputs.

Both engines (``polars``, ``duckdb``) produce identical ``annotations.parquet`` and ``summary.json``.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict

from genolake_annotation.errors import InvalidInputError, MissingInputError
from genolake_annotation.modules.manifest import (
    STUDIES_SCHEMA,
    CompiledModule,
    open_module,
    sha256_of,
    tool_version,
)
from genolake_annotation.modules.match_common import (
    LOCI_SCHEMA,
    OUTCOME_OF_REASON,
    REASONS,
    WEIGHTS_MATCH_SCHEMA,
)
from genolake_annotation.normalize import read_normalize_metadata
from genolake_annotation.normalize.writer import AtomicOutputs

Engine = Literal["polars", "duckdb"]
ENGINES: tuple[str, ...] = ("polars", "duckdb")
ANNOTATIONS_FILE = "annotations.parquet"
STUDIES_FILE = "studies.parquet"
SUMMARY_FILE = "summary.json"
LINEAGE_FILE = "lineage.json"


class ModuleSummary(BaseModel):
    """Per-module counts of loci (a locus = a position or an rsid of the module)."""

    model_config = ConfigDict(frozen=True)

    module: str
    version: str
    key_used: Literal["position", "rsid", "mixed", "none"]
    build_mismatch: bool
    loci: int
    matched: int
    unmatched: int
    skipped: int
    reasons: dict[str, int]
    annotation_rows: int
    weight_total: float


class AnnotateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    out_dir: Path
    engine: str
    run_id: str
    files: dict[str, Path]
    modules: list[ModuleSummary]


class PreparedModules(BaseModel):
    """The engines' inputs (see match_common) plus the loci no engine can match."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    loci: pl.DataFrame
    weights: pl.DataFrame
    unmatchable: pl.DataFrame  # module, locus_id, reason
    key_used: dict[str, str]
    build_mismatch: dict[str, bool]


def _match_rows(module: CompiledModule) -> pl.DataFrame:
    """The module's weights rows, normalized for matching (annotations fill missing gene/phenotype/...)."""
    w = module.weights().with_row_index("module_row").with_columns(pl.col("module_row").cast(pl.Int64))
    annotations = module.annotations()
    if annotations.height:
        first = annotations.unique("rsid", keep="first", maintain_order=True).select(
            "rsid", a_gene="gene", a_phenotype="phenotype", a_category="category"
        )
        w = w.join(first, on="rsid", how="left", maintain_order="left").with_columns(
            pl.coalesce("gene", "a_gene").alias("gene"),
            pl.coalesce("phenotype", "a_phenotype").alias("phenotype"),
            pl.coalesce("category", "a_category").alias("category"),
        )
    # just-dna-lite writes a het genotype with an unknown reference allele as [X, "?"].
    unknown = pl.col("genotype").list.contains("?").fill_null(False) & (pl.col("genotype").list.len() == 2)
    return w.with_columns(
        pl.when(unknown)
        .then(pl.col("genotype").list.set_difference(pl.lit(["?"])).list.first())
        .otherwise(pl.col("allele"))
        .alias("allele"),
        pl.when(unknown).then(pl.lit("het")).otherwise(pl.col("zygosity")).alias("zygosity"),
        pl.when(unknown)
        .then(pl.lit(None, dtype=pl.List(pl.String)))
        .otherwise(pl.col("genotype"))
        .alias("genotype"),
    )


def _resolved_positions(module: CompiledModule, sample_build: str | None) -> pl.DataFrame | None:
    """The module's reference-resolved positions on the sample's build (module_row, r_chrom, r_start,
    r_ref), or None when it has none for that build (or the sample's build is unknown)."""
    if sample_build is None or sample_build not in module.manifest.references:
        return None
    positions = module.positions()
    if positions is None:
        return None
    return positions.filter(pl.col("build") == sample_build).select(
        pl.col("module_row").cast(pl.Int64),
        pl.col("chrom").alias("r_chrom"),
        pl.col("start").cast(pl.Int64).alias("r_start"),
        pl.col("ref").alias("r_ref"),
    )


def prepare_modules(
    modules: Sequence[CompiledModule], sample_build: str | None, sample_has_ids: bool = False
) -> PreparedModules:
    """Assign every module row to a locus and a key (position or rsid); see the module docstring."""
    names = [m.name for m in modules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidInputError(f"module(s) given twice: {', '.join(duplicates)}")
    loci_frames, weight_frames, unmatchable_frames = [], [], []
    key_used: dict[str, str] = {}
    mismatch: dict[str, bool] = {}
    next_id = 0
    for module in modules:
        w = _match_rows(module)
        build = module.manifest.genome_build
        own_build_agrees = not (build and sample_build and build != sample_build)
        has_own = pl.col("chrom").is_not_null() & pl.col("start").is_not_null() & pl.col("ref").is_not_null()
        if sample_build is None and sample_has_ids:  # rsIDs do not depend on the build: the safer key
            use_own = has_own & pl.col("rsid").is_null()
        else:
            use_own = has_own & pl.lit(own_build_agrees)
        resolved = _resolved_positions(module, sample_build)
        if resolved is not None:
            w = w.join(resolved, on="module_row", how="left", maintain_order="left")
        else:
            w = w.with_columns(
                pl.lit(None, dtype=pl.String).alias("r_chrom"),
                pl.lit(None, dtype=pl.Int64).alias("r_start"),
                pl.lit(None, dtype=pl.String).alias("r_ref"),
            )
        w = w.with_columns(
            pl.when(use_own).then(pl.col("chrom")).otherwise(pl.col("r_chrom")).alias("p_chrom"),
            pl.when(use_own).then(pl.col("start")).otherwise(pl.col("r_start")).alias("p_start"),
            pl.when(use_own).then(pl.col("ref")).otherwise(pl.col("r_ref")).alias("p_ref"),
        )
        mismatch[module.name] = not own_build_agrees and resolved is None
        has_pos = (
            pl.col("p_chrom").is_not_null() & pl.col("p_start").is_not_null() & pl.col("p_ref").is_not_null()
        )
        kind = (
            pl.when(has_pos)
            .then(pl.lit("position"))
            .when(pl.col("rsid").is_not_null())
            .then(pl.lit("rsid"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )
        w = w.with_columns(kind.alias("kind"))
        w = w.with_columns(
            pl.when(pl.col("kind") == "position")
            .then(
                pl.concat_str(
                    [pl.lit("p"), "p_chrom", pl.col("p_start").cast(pl.String), "p_ref"], separator=":"
                )
            )
            .when(pl.col("kind") == "rsid")
            .then(pl.concat_str([pl.lit("r"), "rsid"], separator=":"))
            .otherwise(pl.concat_str([pl.lit("x"), pl.col("module_row").cast(pl.String)], separator=":"))
            .alias("locus_key")
        )
        keys = w.select("locus_key").unique(maintain_order=True).with_row_index("local_id")
        w = w.join(keys, on="locus_key", maintain_order="left").with_columns(
            (pl.col("local_id").cast(pl.Int64) + next_id).alias("locus_id")
        )
        next_id += keys.height
        kinds = set(w.filter(pl.col("kind").is_not_null())["kind"].unique())
        key_used[module.name] = "mixed" if len(kinds) > 1 else (kinds.pop() if kinds else "none")
        first = w.unique("locus_id", keep="first", maintain_order=True)
        matchable = first.filter(pl.col("kind").is_not_null())
        loci_frames.append(
            matchable.select(
                pl.lit(module.name).alias("module"),
                "locus_id",
                "kind",
                pl.when(pl.col("kind") == "position").then(pl.col("p_chrom")).alias("l_chrom"),
                pl.when(pl.col("kind") == "position").then(pl.col("p_start")).alias("l_start"),
                pl.when(pl.col("kind") == "position").then(pl.col("p_ref")).alias("l_ref"),
                pl.when(pl.col("kind") == "rsid").then(pl.col("rsid")).alias("l_rsid"),
            )
        )
        unmatchable_frames.append(
            first.filter(pl.col("kind").is_null()).select(
                pl.lit(module.name).alias("module"), "locus_id", pl.lit("build_mismatch").alias("reason")
            )
        )
        weight_frames.append(
            w.filter(pl.col("kind").is_not_null()).select(
                "locus_id",
                pl.lit(module.name).alias("module"),
                pl.lit(module.version).alias("module_version"),
                "module_row",
                pl.col("rsid").alias("w_rsid"),
                *[
                    c
                    for c in WEIGHTS_MATCH_SCHEMA
                    if c not in ("w_idx", "locus_id", "module", "module_version", "module_row", "w_rsid")
                ],
            )
        )
    loci_schema = pl.Schema(LOCI_SCHEMA)
    loci = (
        pl.concat([f.cast(loci_schema) for f in loci_frames])
        if loci_frames
        else pl.DataFrame(schema=loci_schema)
    )
    match_schema = pl.Schema({k: v for k, v in WEIGHTS_MATCH_SCHEMA.items() if k != "w_idx"})
    weights = (
        pl.concat([f.cast(match_schema) for f in weight_frames])
        if weight_frames
        else pl.DataFrame(schema=match_schema)
    )
    weights = weights.with_row_index("w_idx").cast(WEIGHTS_MATCH_SCHEMA)  # type: ignore[arg-type]
    unmatch_schema = {"module": pl.String, "locus_id": pl.Int64, "reason": pl.String}
    unmatchable = (
        pl.concat([f.cast(unmatch_schema) for f in unmatchable_frames])  # type: ignore[arg-type]
        if unmatchable_frames
        else pl.DataFrame(schema=unmatch_schema)
    )
    return PreparedModules(
        loci=loci, weights=weights, unmatchable=unmatchable, key_used=key_used, build_mismatch=mismatch
    )


def summarize(
    modules: Sequence[CompiledModule],
    prepared: PreparedModules,
    outcomes: pl.DataFrame,
    annotations: pl.DataFrame,
    sample_has_ids: bool = True,
) -> list[ModuleSummary]:
    """Per-module counts from the engine's locus statuses (loci without a candidate: ``no_record``, or
    ``not_searchable`` for an rsID locus when the sample has no rsIDs; see match_common)."""
    absent = pl.lit("no_record")
    if not sample_has_ids:
        absent = pl.when(pl.col("kind") == "rsid").then(pl.lit("not_searchable")).otherwise(absent)
    status = (
        prepared.loci.select("module", "locus_id", "kind")
        .join(outcomes, on="locus_id", how="left")
        .with_columns(pl.coalesce(pl.col("status"), absent).alias("reason"))
        .select("module", "reason")
    )
    reasons = pl.concat([status, prepared.unmatchable.select("module", "reason")])
    counts = {(m, r): n for m, r, n in reasons.group_by("module", "reason").len().iter_rows()}
    out = []
    for module in modules:
        per_reason = {r: counts.get((module.name, r), 0) for r in REASONS}
        totals = {"matched": 0, "unmatched": 0, "skipped": 0}
        for reason, n in per_reason.items():
            totals[OUTCOME_OF_REASON[reason]] += n
        rows = annotations.filter(pl.col("module") == module.name)
        out.append(
            ModuleSummary(
                module=module.name,
                version=module.version,
                key_used=prepared.key_used[module.name],  # type: ignore[arg-type]
                build_mismatch=prepared.build_mismatch[module.name],
                loci=sum(per_reason.values()),
                reasons=per_reason,
                annotation_rows=rows.height,
                weight_total=float(rows["weight"].sum() or 0.0),
                **totals,
            )
        )
    return out


def _matched_studies(modules: Sequence[CompiledModule], annotations: pl.DataFrame) -> pl.DataFrame:
    frames = []
    for module in modules:
        rsids = annotations.filter(pl.col("module") == module.name)["rsid"].drop_nulls().unique()
        studies = module.studies()
        if studies.height and rsids.len():
            frames.append(
                studies.filter(pl.col("rsid").is_in(rsids.implode())).with_columns(
                    pl.lit(module.name).alias("module")
                )
            )
    if not frames:
        return pl.DataFrame(schema=STUDIES_SCHEMA)
    return pl.concat(frames).cast(STUDIES_SCHEMA).sort(["module", "rsid", "pmid"])  # type: ignore[arg-type]


def _run_engine(
    engine: str,
    sample: Path,
    prepared: PreparedModules,
    out: Path,
    workdir: Path,
    memory_limit: str,
    threads: int | None,
) -> pl.DataFrame:
    if engine == "polars":
        from genolake_annotation.modules.match_polars import match_polars

        return match_polars(sample, prepared.loci, prepared.weights, out)
    if engine == "duckdb":
        from genolake_annotation.modules.match_duckdb import match_duckdb

        return match_duckdb(
            sample,
            prepared.loci,
            prepared.weights,
            out,
            workdir=workdir,
            memory_limit=memory_limit,
            threads=threads,
        )
    raise InvalidInputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")


def _has_rsids(sample: Path) -> bool:
    """Whether any record of the normalized parquet has an rsID (one column, streamed; stops early)."""
    found = pl.scan_parquet(sample).select("rsid").filter(pl.col("rsid").is_not_null()).head(1).collect()
    return found.height > 0


def _json_bytes(payload: object) -> bytes:
    return (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode()


def annotate(
    normalized_parquet: Path,
    modules: Sequence[CompiledModule | Path],
    out_dir: Path,
    engine: Engine = "polars",
    *,
    run_id: str | None = None,
    code_version: str | None = None,
    memory_limit: str = "1GB",
    threads: int | None = None,
) -> AnnotateResult:
    """Annotate one normalized parquet with ``modules`` (compiled modules or their folders) into ``out_dir``.

    ``engine`` picks the matcher (identical results); ``memory_limit``/``threads`` bound DuckDB.
    ``code_version`` (default: the genolake-annotation version) and ``run_id`` (default: random) go to the
    lineage. Existing outputs in ``out_dir`` are replaced only when every output is written.
    """
    if engine not in ENGINES:
        raise InvalidInputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    sample = Path(normalized_parquet)
    if not sample.is_file():
        raise MissingInputError(f"normalized parquet {sample} does not exist")
    opened = [m if isinstance(m, CompiledModule) else open_module(Path(m)) for m in modules]
    if not opened:
        raise InvalidInputError("no modules given")
    out_dir = Path(out_dir)
    run_id = run_id or uuid.uuid4().hex
    metadata = read_normalize_metadata(sample) or {}
    sample_build = metadata.get("build") if isinstance(metadata.get("build"), str) else None
    has_ids = _has_rsids(sample)
    prepared = prepare_modules(opened, sample_build, has_ids)  # type: ignore[arg-type]

    out_dir.mkdir(parents=True, exist_ok=True)
    with AtomicOutputs() as atomic, tempfile.TemporaryDirectory(prefix=".annotate-", dir=out_dir) as tmp:
        paths = {
            name: out_dir / name for name in (ANNOTATIONS_FILE, STUDIES_FILE, SUMMARY_FILE, LINEAGE_FILE)
        }
        temps = {name: atomic.temp_for(path) for name, path in paths.items()}
        outcomes = _run_engine(
            engine, sample, prepared, temps[ANNOTATIONS_FILE], Path(tmp), memory_limit, threads
        )
        annotations = pl.read_parquet(temps[ANNOTATIONS_FILE])
        summaries = summarize(opened, prepared, outcomes, annotations, has_ids)
        _matched_studies(opened, annotations).write_parquet(temps[STUDIES_FILE], compression="zstd")
        temps[SUMMARY_FILE].write_bytes(_json_bytes({"modules": [s.model_dump() for s in summaries]}))
        lineage = {
            "run_id": run_id,
            "engine": engine,
            "code_version": code_version or tool_version(),
            "tool": {"name": "genolake-annotation", "version": tool_version()},
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "input": {
                "path": str(sample),
                "sha256": sha256_of(sample),
                "rows": pl.scan_parquet(sample).select(pl.len()).collect().item(),
                "sample": metadata.get("sample"),
                "build": sample_build,
            },
            "normalize": metadata or None,
            "modules": [
                {
                    **json.loads(m.manifest.model_dump_json()),
                    "key_used": prepared.key_used[m.name],
                    "build_mismatch": prepared.build_mismatch[m.name],
                }
                for m in opened
            ],
            "outputs": {
                name: sha256_of(temps[name]) for name in (ANNOTATIONS_FILE, STUDIES_FILE, SUMMARY_FILE)
            },
        }
        temps[LINEAGE_FILE].write_bytes(_json_bytes(lineage))
        atomic.commit()
    return AnnotateResult(out_dir=out_dir, engine=engine, run_id=run_id, files=paths, modules=summaries)


def read_summary(out_dir: Path) -> list[ModuleSummary]:
    """The per-module summaries of an annotation output folder."""
    data = json.loads((Path(out_dir) / SUMMARY_FILE).read_text())
    return [ModuleSummary.model_validate(m) for m in data["modules"]]


__all__ = [
    "ANNOTATIONS_FILE",
    "ENGINES",
    "LINEAGE_FILE",
    "STUDIES_FILE",
    "SUMMARY_FILE",
    "AnnotateResult",
    "Engine",
    "ModuleSummary",
    "PreparedModules",
    "annotate",
    "prepare_modules",
    "read_summary",
    "summarize",
]
