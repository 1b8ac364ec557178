"""The variant-position reference table: rsID -> (chrom, pos, ref, alts) on one genome build.

A reference folder holds ``positions.parquet`` and ``reference.json`` (written last, so a folder with a
``reference.json`` is complete):

``positions.parquet`` (:data:`POSITIONS_SCHEMA`), one row per (rsid, chrom, pos, ref), sorted by rsid,
chrom, pos: ``chrom`` normalized like the normalized parquet (no ``chr``; ``MT``; RefSeq accessions of
dbSNP VCFs such as ``NC_000001.11`` -> ``1``, ``NC_000023.11`` -> ``X``, ``NC_012920.1`` -> ``MT``),
``pos`` the 1-based VCF POS, ``ref`` as written, ``alts`` every listed ALT (records of one site and ref
merged, alleles deduplicated in order). Only IDs of the form ``rs<digits>`` are kept; a record with
several IDs (``rs1;rs2``) gives one row per rsID.

``reference.json`` (:class:`ReferenceManifest`): build, version, the source (name or URI, its sha256,
its format), row and rsID counts, and the sha256 of ``positions.parquet``.

Sources (:func:`build_reference`): a VCF (plain/gzip/bgzip; dbSNP's, Ensembl variation's or any slice of
them: columns CHROM, POS, ID, REF, ALT are read, samples ignored) or a parquet table with columns for the
rsID (``rsid``/``id``/``variant_id``/``name``), chromosome (``chrom``/``chromosome``/``chr``/``seqid``),
position (``pos``/``start``/``position``, 1-based), ``ref`` and ``alt``/``alts`` (a list, or a string
separated by ``,``, ``|`` or ``/``), such as Ensembl variation parquet exports. The version is given or
``0+`` and the first 12 hex digits of the source's sha256.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Final, Literal

import polars as pl
from genolake_core.chromosomes import normalize_chrom
from pydantic import BaseModel, ConfigDict

from genolake_annotation.errors import AnnotationError
from genolake_annotation.modules.manifest import sha256_of, tool_version
from genolake_annotation.normalize.header import read_vcf_header

FORMAT: Final = "genolake.reference/1"
POSITIONS_FILE = "positions.parquet"
MANIFEST_FILE = "reference.json"
BUILDS = ("GRCh37", "GRCh38")
POSITIONS_SCHEMA: dict[str, pl.DataType] = {
    "rsid": pl.String(),
    "chrom": pl.String(),
    "pos": pl.Int64(),
    "ref": pl.String(),
    "alts": pl.List(pl.String()),
}
_REFSEQ = re.compile(r"^NC_0000(\d\d)\.\d+$")
_COLUMN_NAMES = {
    "rsid": ("rsid", "id", "variant_id", "name", "rs_id"),
    "chrom": ("chrom", "chromosome", "chr", "seqid", "seqname", "chrom_name"),
    "pos": ("pos", "start", "position", "pos_1based"),
    "ref": ("ref", "reference", "ref_allele"),
    "alt": ("alts", "alt", "alt_allele", "alt_alleles"),
}


class ReferenceError(AnnotationError, ValueError):
    """A reference source or folder is unusable; the message names the file and what is wrong."""


class ReferenceManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    format: Literal["genolake.reference/1"] = FORMAT
    build: Literal["GRCh37", "GRCh38"]
    version: str
    source: str
    source_sha256: str
    source_format: Literal["vcf", "parquet"]
    rows: int
    rsids: int
    positions_sha256: str
    tool_version: str

    def lineage(self) -> dict[str, str]:
        """What a module or normalization run records about the reference it used."""
        return {
            "build": self.build,
            "version": self.version,
            "source": self.source,
            "source_sha256": self.source_sha256,
            "positions_sha256": self.positions_sha256,
        }


class VariantReference:
    """An opened reference folder (``positions.parquet`` + ``reference.json``)."""

    def __init__(self, path: Path, manifest: ReferenceManifest) -> None:
        self.path = Path(path)
        self.manifest = manifest

    @property
    def build(self) -> str:
        return self.manifest.build

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def positions_path(self) -> Path:
        return self.path / POSITIONS_FILE

    def scan(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.positions_path)

    def lookup(self, rsids: list[str]) -> pl.DataFrame:
        """The rows of ``rsids`` (a few thousand at most: a module's)."""
        wanted = pl.Series(sorted(set(rsids)), dtype=pl.String)
        return self.scan().filter(pl.col("rsid").is_in(wanted.implode())).collect()

    def __repr__(self) -> str:
        return f"VariantReference({self.build!r}, {self.version!r}, {str(self.path)!r})"


def reference_chrom(name: str) -> str:
    """A chromosome name as the normalized parquet spells it (RefSeq accessions of dbSNP included)."""
    match = _REFSEQ.match(name)
    if match:
        number = int(match.group(1))
        return {23: "X", 24: "Y"}.get(number, str(number))
    if name.startswith("NC_012920"):
        return "MT"
    return normalize_chrom(name)  # the platform's rule (genolake_core.chromosomes)


def _chrom_expr(column: pl.Expr) -> pl.Expr:
    return column.map_elements(reference_chrom, return_dtype=pl.String)


def _from_vcf(path: Path) -> pl.LazyFrame:
    try:
        header = read_vcf_header(path)
    except Exception as exc:  # the header reader raises VcfFormatError/OSError with a clear message
        raise ReferenceError(f"{path}: not a readable VCF: {exc}") from exc
    names = ["c", "p", "i", "r", "a", "q", "f", "n"]
    if header.samples:
        names += ["fmt", *(f"s{k}" for k in range(len(header.samples)))]
    raw = pl.scan_csv(
        path,
        has_header=False,
        separator="\t",
        skip_lines=header.header_lines,
        quote_char=None,
        schema={n: pl.String for n in names},
        raise_if_empty=False,
    )
    return raw.select(
        pl.col("i").str.split(";").alias("rsid"),
        pl.col("c").alias("chrom"),
        pl.col("p").cast(pl.Int64, strict=True).alias("pos"),
        pl.col("r").alias("ref"),
        pl.when(pl.col("a") == ".")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col("a").str.split(","))
        .alias("alts"),
    ).explode("rsid")


def _pick(columns: list[str], role: str, path: Path) -> str:
    lower = {c.lower(): c for c in columns}
    for name in _COLUMN_NAMES[role]:
        if name in lower:
            return lower[name]
    raise ReferenceError(
        f"{path}: no {role} column (looked for {', '.join(_COLUMN_NAMES[role])}; has {', '.join(columns)})"
    )


def _from_parquet(path: Path) -> pl.LazyFrame:
    frame = pl.scan_parquet(path)
    columns = frame.collect_schema().names()
    rsid, chrom, pos, ref, alt = (_pick(columns, r, path) for r in ("rsid", "chrom", "pos", "ref", "alt"))
    alt_type = frame.collect_schema()[alt]
    alts = (
        pl.col(alt).cast(pl.List(pl.String))
        if isinstance(alt_type, pl.List)
        else pl.col(alt).str.replace_all(r"[|/]", ",").str.split(",")
    )
    return frame.select(
        pl.col(rsid).cast(pl.String).str.split(";").alias("rsid"),
        pl.col(chrom).cast(pl.String).alias("chrom"),
        pl.col(pos).cast(pl.Int64).alias("pos"),
        pl.col(ref).cast(pl.String).alias("ref"),
        alts.alias("alts"),
    ).explode("rsid")


def _detect_format(path: Path) -> Literal["vcf", "parquet"]:
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        return "parquet"
    return "vcf"


def reference_table(source: Path) -> tuple[pl.DataFrame, Literal["vcf", "parquet"]]:
    """The positions table of a source file (see the module docstring)."""
    source = Path(source)
    if not source.is_file():
        raise ReferenceError(f"reference source {source} does not exist")
    kind = _detect_format(source)
    lazy = _from_parquet(source) if kind == "parquet" else _from_vcf(source)
    try:
        raw = lazy.filter(pl.col("rsid").str.contains(r"^rs[0-9]+$")).collect()
    except pl.exceptions.PolarsError as exc:
        raise ReferenceError(f"{source}: cannot read the {kind} records: {exc}") from exc
    if raw.height == 0:
        raise ReferenceError(f"{source}: no record with an rsID (rs<digits>) in the ID column")
    chroms = raw.select(pl.col("chrom").unique())
    mapping = chroms.with_columns(_chrom_expr(pl.col("chrom")).alias("norm"))
    table = (
        raw.join(mapping, on="chrom", how="left")
        .drop("chrom")
        .rename({"norm": "chrom"})
        .group_by("rsid", "chrom", "pos", "ref", maintain_order=True)
        .agg(pl.col("alts").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True))
        .sort("rsid", "chrom", "pos")
        .select(list(POSITIONS_SCHEMA))
        .cast(POSITIONS_SCHEMA)  # type: ignore[arg-type]
    )
    return table, kind


def build_reference(
    source: Path,
    build: str,
    out_dir: Path,
    *,
    version: str | None = None,
    source_name: str | None = None,
) -> VariantReference:
    """Build a reference folder from a VCF or parquet ``source`` (positions on ``build``) into ``out_dir``.

    Written into a temporary sibling folder and moved into place; the same source gives the same bytes.
    """
    if build not in BUILDS:
        raise ReferenceError(f"genome build {build!r} is not one of {', '.join(BUILDS)}")
    source = Path(source)
    table, kind = reference_table(source)
    digest = sha256_of(source)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{uuid.uuid4().hex[:12]}"
    tmp.mkdir()
    try:
        table.write_parquet(tmp / POSITIONS_FILE, compression="zstd", statistics=True)
        manifest = ReferenceManifest(
            build=build,  # type: ignore[arg-type]
            version=version or f"0+{digest[:12]}",
            source=source_name or source.name,
            source_sha256=digest,
            source_format=kind,
            rows=table.height,
            rsids=table["rsid"].n_unique(),
            positions_sha256=sha256_of(tmp / POSITIONS_FILE),
            tool_version=tool_version(),
        )
        (tmp / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return VariantReference(out_dir, manifest)


def open_reference(path: Path, *, verify: bool = True) -> VariantReference:
    """Open a reference folder; ``verify`` re-hashes ``positions.parquet`` against ``reference.json``."""
    path = Path(path)
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ReferenceError(f"{path} is not a variant-position reference: {MANIFEST_FILE} missing")
    try:
        manifest = ReferenceManifest.model_validate(json.loads(manifest_path.read_text()))
    except ValueError as exc:
        raise ReferenceError(f"{manifest_path} is not a valid reference manifest: {exc}") from exc
    positions = path / POSITIONS_FILE
    if not positions.is_file():
        raise ReferenceError(f"{positions} is listed in {MANIFEST_FILE} but missing")
    if verify and sha256_of(positions) != manifest.positions_sha256:
        raise ReferenceError(f"{positions} differs from its {MANIFEST_FILE} (modified or corrupt)")
    return VariantReference(path, manifest)


def load_reference(path: Path, build: str | None, cache_dir: Path) -> VariantReference:
    """A reference folder as is, or a source file (VCF/parquet) built into ``cache_dir`` (needs ``build``)."""
    path = Path(path)
    if path.is_dir():
        return open_reference(path)
    if build is None:
        raise ReferenceError(f"{path} is a source file: say which genome build its positions are on")
    digest = sha256_of(path)
    target = Path(cache_dir) / "references" / build / digest[:16]
    if (target / MANIFEST_FILE).is_file():
        try:
            cached = open_reference(target)
            if cached.manifest.source_sha256 == digest:
                return cached
        except ReferenceError:
            pass
    return build_reference(path, build, target, source_name=path.name)


__all__ = [
    "BUILDS",
    "MANIFEST_FILE",
    "POSITIONS_FILE",
    "POSITIONS_SCHEMA",
    "ReferenceError",
    "ReferenceManifest",
    "VariantReference",
    "build_reference",
    "load_reference",
    "open_reference",
    "reference_chrom",
    "reference_table",
]
