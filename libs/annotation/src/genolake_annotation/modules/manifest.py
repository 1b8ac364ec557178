"""Compiled modules: a folder of parquet tables plus a ``module.json`` manifest.

Layout (just-dna-lite compatible: the three parquet tables are what its annotators read)::

    <module dir>/
      weights.parquet       one row per (variant, genotype): the score and its interpretation
      annotations.parquet   one row per rsid: gene, phenotype, category (first row of the rsid wins)
      studies.parquet       one row per (rsid, pmid): literature evidence (may have zero rows)
      module.json           ModuleManifest: name, version, source, sha256/rows/bytes of every file, build

``weights.parquet`` columns (:data:`WEIGHTS_SCHEMA`): just-dna-lite's 18 (``rsid chrom start ref alts
genotype weight state conclusion priority module curator method clinvar pathogenic benign
likely_pathogenic likely_benign``) plus GenoLake's ``gene phenotype category`` (per genotype, so the
annotation of a matched row is exact) and ``allele zygosity``. ``genotype`` is a sorted list of allele
strings; ``start`` is the 1-based VCF POS. A row whose ``genotype`` is null and whose ``zygosity`` is
``het`` is *reference-relative*: it means "one copy of ``allele`` and one copy of the reference allele at
the sample's site" (LongevityMap states het weights that way; its database has no reference alleles).

A manifest's ``files`` digests are checked by :func:`open_module` (``verify=True``), so a module is used
only as it was built. Folders holding only the parquet tables (just-dna-lite's Hugging Face layout) are
adopted by :func:`adopt_module_dir`, which writes the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from genolake_annotation.errors import ModuleError

FORMAT: Final = "genolake.module/1"
MANIFEST_FILE = "module.json"
TABLES = ("weights", "annotations", "studies")
POSITIONS_FILE = "positions.parquet"  # optional: positions per build from a variant-position reference
COMPILE_REPORT_FILE = "compile_report.json"  # optional: every strand decision of that compilation

WEIGHTS_SCHEMA: dict[str, pl.DataType] = {
    "rsid": pl.String(),
    "chrom": pl.String(),
    "start": pl.Int64(),
    "ref": pl.String(),
    "alts": pl.List(pl.String()),
    "genotype": pl.List(pl.String()),
    "weight": pl.Float64(),
    "state": pl.String(),
    "conclusion": pl.String(),
    "priority": pl.String(),
    "module": pl.String(),
    "curator": pl.String(),
    "method": pl.String(),
    "clinvar": pl.Boolean(),
    "pathogenic": pl.Boolean(),
    "benign": pl.Boolean(),
    "likely_pathogenic": pl.Boolean(),
    "likely_benign": pl.Boolean(),
    "gene": pl.String(),
    "phenotype": pl.String(),
    "category": pl.String(),
    "allele": pl.String(),
    "zygosity": pl.String(),
}
ANNOTATIONS_SCHEMA: dict[str, pl.DataType] = {
    "rsid": pl.String(),
    "module": pl.String(),
    "gene": pl.String(),
    "phenotype": pl.String(),
    "category": pl.String(),
}
STUDIES_SCHEMA: dict[str, pl.DataType] = {
    "rsid": pl.String(),
    "module": pl.String(),
    "pmid": pl.String(),
    "population": pl.String(),
    "p_value": pl.String(),
    "conclusion": pl.String(),
    "study_design": pl.String(),
    "association": pl.String(),
}
SCHEMAS = {"weights": WEIGHTS_SCHEMA, "annotations": ANNOTATIONS_SCHEMA, "studies": STUDIES_SCHEMA}


class ModuleIntegrityError(ModuleError):
    """A compiled module folder is incomplete, or a file's sha256 differs from its manifest."""


class FileEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha256: str
    bytes: int
    rows: int


class BuildInfo(BaseModel):
    """What produced the folder (``tool`` + ``tool_version``) and from what (``source_sha256``)."""

    model_config = ConfigDict(frozen=True)

    tool: str = "genolake-annotation"
    tool_version: str
    builder: str
    source_sha256: str | None = None


class ModuleManifest(BaseModel):
    """``module.json``. ``genome_build`` is the build of the module's positions (None: rsid-only).

    ``key`` says how the module's rows are matched: ``position`` (every row has chrom/start/ref),
    ``rsid`` (none has), ``mixed``. ``layout`` tells the report how to show the module (``categories``:
    grouped by ``categories``, in that order, with per-category weight totals; ``table``: one table).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: Literal["genolake.module/1"] = FORMAT
    name: str
    version: str
    title: str | None = None
    description: str | None = None
    report_title: str | None = None
    icon: str | None = None
    color: str | None = None
    layout: Literal["table", "categories"] = "table"
    categories: list[str] = Field(default_factory=list)
    genome_build: str | None = None
    key: Literal["position", "rsid", "mixed"]
    source: str
    files: dict[str, FileEntry]
    build: BuildInfo
    references: dict[str, dict[str, str]] = Field(default_factory=dict)
    strand: dict[str, int] | None = None

    @property
    def position_builds(self) -> list[str]:
        """Builds with positions: the module's own (rows with chrom/start) and those of its references."""
        builds = [self.genome_build] if self.genome_build and self.key != "rsid" else []
        return list(dict.fromkeys([*builds, *self.references]))

    @property
    def display_title(self) -> str:
        return self.report_title or self.title or self.name


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("genolake-annotation")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0+unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class CompiledModule:
    """A compiled module folder with its manifest; the tables are read on demand."""

    def __init__(self, path: Path, manifest: ModuleManifest) -> None:
        self.path = Path(path)
        self.manifest = manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    def table(self, name: str) -> pl.DataFrame:
        """``weights``/``annotations``/``studies`` with the GenoLake schema (missing columns as nulls)."""
        schema = SCHEMAS[name]
        path = self.path / f"{name}.parquet"
        frame = pl.read_parquet(path) if path.exists() else pl.DataFrame(schema=schema)
        return conform(frame, schema)

    def weights(self) -> pl.DataFrame:
        return self.table("weights")

    def annotations(self) -> pl.DataFrame:
        return self.table("annotations")

    def studies(self) -> pl.DataFrame:
        return self.table("studies")

    def positions(self) -> pl.DataFrame | None:
        """Positions per build resolved from a variant-position reference (None: compiled without one)."""
        path = self.path / POSITIONS_FILE
        return pl.read_parquet(path) if POSITIONS_FILE in self.manifest.files else None

    def compile_report(self) -> dict[str, object] | None:
        path = self.path / COMPILE_REPORT_FILE
        if COMPILE_REPORT_FILE not in self.manifest.files:
            return None
        return json.loads(path.read_text())  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"CompiledModule({self.name!r}, {self.version!r}, {str(self.path)!r})"


def conform(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with exactly ``schema``'s columns, in order, cast; absent columns are nulls."""
    columns = []
    for column, dtype in schema.items():
        if column in frame.columns:
            source = frame[column]
            if isinstance(dtype, pl.List) and source.dtype == pl.String:  # "A/G" strings from other tools
                columns.append(source.str.split("/").list.sort().alias(column))
            else:
                columns.append(source.cast(dtype).alias(column))
        else:
            columns.append(pl.Series(column, [None] * frame.height, dtype=dtype))
    return pl.DataFrame(columns) if columns else frame


def _write_table(frame: pl.DataFrame, path: Path) -> FileEntry:
    frame.write_parquet(path, compression="zstd", statistics=True)
    return FileEntry(sha256=sha256_of(path), bytes=path.stat().st_size, rows=frame.height)


def replace_dir(tmp: Path, final: Path) -> None:
    """Move the finished folder ``tmp`` to ``final`` (an existing ``final`` is swapped out, then removed)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:12]}"
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_compiled(
    out_dir: Path,
    tables: Mapping[str, pl.DataFrame],
    manifest_fields: Mapping[str, object],
    *,
    positions: pl.DataFrame | None = None,
    compile_report: Mapping[str, object] | None = None,
) -> CompiledModule:
    """Write ``tables`` (conformed to the GenoLake schemas) and ``module.json`` to ``out_dir``.

    Everything is written into a temporary sibling folder first and swapped into place at the end, so a
    reader never sees a half-written module. Output is deterministic (no timestamps).
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        files = {}
        for name in TABLES:
            frame = conform(tables.get(name, pl.DataFrame()), SCHEMAS[name])
            files[f"{name}.parquet"] = _write_table(frame, tmp / f"{name}.parquet")
        if positions is not None:
            files[POSITIONS_FILE] = _write_table(positions, tmp / POSITIONS_FILE)
        if compile_report is not None:
            report = tmp / COMPILE_REPORT_FILE
            report.write_text(json.dumps(compile_report, indent=1, sort_keys=True, default=str) + "\n")
            rows = len(compile_report.get("decisions", []))  # type: ignore[arg-type]
            files[COMPILE_REPORT_FILE] = FileEntry(
                sha256=sha256_of(report), bytes=report.stat().st_size, rows=rows
            )
        manifest = ModuleManifest.model_validate({**manifest_fields, "files": files})
        (tmp / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n")
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return CompiledModule(out_dir, manifest)


def open_module(path: Path, *, verify: bool = True) -> CompiledModule:
    """Open a compiled module folder; ``verify`` re-hashes every file listed in its manifest."""
    path = Path(path)
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ModuleIntegrityError(f"{path} is not a compiled module: {MANIFEST_FILE} missing")
    try:
        manifest = ModuleManifest.model_validate_json(manifest_path.read_text())
    except ValueError as exc:
        raise ModuleIntegrityError(f"{manifest_path} is not a valid module manifest: {exc}") from exc
    if "weights.parquet" not in manifest.files:
        raise ModuleIntegrityError(f"{manifest_path} lists no weights.parquet")
    if verify:
        for name, entry in manifest.files.items():
            file = path / name
            if not file.is_file():
                raise ModuleIntegrityError(f"{file} is listed in {MANIFEST_FILE} but missing")
            actual = sha256_of(file)
            if actual != entry.sha256:
                raise ModuleIntegrityError(
                    f"{file} has sha256 {actual}, but {MANIFEST_FILE} says {entry.sha256} "
                    "(modified or corrupt)"
                )
    return CompiledModule(path, manifest)


def module_key(weights: pl.DataFrame) -> Literal["position", "rsid", "mixed"]:
    has_pos = weights["chrom"].is_not_null() & weights["start"].is_not_null()
    if has_pos.all():
        return "position"
    return "rsid" if not has_pos.any() else "mixed"


def adopt_module_dir(
    path: Path, *, name: str, version: str, source: str, genome_build: str | None = "GRCh38"
) -> CompiledModule:
    """Write a ``module.json`` for a folder of just-dna-lite tables (e.g. downloaded from Hugging Face).

    The tables are kept byte for byte; the manifest records their sha256, rows and sizes. just-dna-lite
    writes a het genotype whose reference allele it could not resolve as ``[X, "?"]``: such rows are read
    as reference-relative (``allele`` X, ``zygosity`` het) by the matcher.
    """
    path = Path(path)
    if not (path / "weights.parquet").is_file():
        raise ModuleIntegrityError(f"{path} has no weights.parquet")
    files = {}
    weights = None
    for table in TABLES:
        file = path / f"{table}.parquet"
        if file.is_file():
            frame = pl.read_parquet(file)
            if table == "weights":
                weights = conform(frame, WEIGHTS_SCHEMA)
            files[file.name] = FileEntry(sha256=sha256_of(file), bytes=file.stat().st_size, rows=frame.height)
    assert weights is not None
    categories = _categories(path)
    key = module_key(weights)
    manifest = ModuleManifest(
        name=name,
        version=version,
        genome_build=None if key == "rsid" else genome_build,
        key=key,
        source=source,
        categories=categories,
        files=files,
        build=BuildInfo(tool_version=tool_version(), builder="adopt"),
    )
    tmp = path / f".{MANIFEST_FILE}.{uuid.uuid4().hex[:12]}.tmp"
    tmp.write_text(manifest.model_dump_json(indent=2) + "\n")
    os.replace(tmp, path / MANIFEST_FILE)
    return CompiledModule(path, manifest)


def _categories(path: Path) -> list[str]:
    seen: dict[str, None] = {}
    for table in ("weights", "annotations"):
        file = path / f"{table}.parquet"
        if file.is_file():
            frame = pl.read_parquet(file)
            if "category" in frame.columns:
                for value in frame["category"].drop_nulls().cast(pl.String):
                    seen.setdefault(value, None)
    return list(seen)


def manifest_json(module: CompiledModule) -> dict[str, object]:
    data: dict[str, object] = json.loads(module.manifest.model_dump_json())
    return data


__all__ = [
    "ANNOTATIONS_SCHEMA",
    "COMPILE_REPORT_FILE",
    "FORMAT",
    "MANIFEST_FILE",
    "POSITIONS_FILE",
    "STUDIES_SCHEMA",
    "WEIGHTS_SCHEMA",
    "BuildInfo",
    "CompiledModule",
    "FileEntry",
    "ModuleIntegrityError",
    "ModuleManifest",
    "adopt_module_dir",
    "conform",
    "open_module",
    "sha256_of",
    "write_compiled",
]
