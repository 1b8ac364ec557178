"""Module source specs (just-dna-lite's DSL): ``module_spec.yaml`` + ``variants.csv`` (+ ``studies.csv``).

:func:`load_spec` reads and validates a spec folder and returns a :class:`ModuleSpec`; every problem
found (not just the first) is raised together as one :class:`ModuleSpecError`, each with its file, line
and column. :func:`validate_spec` returns the same problems as a list instead of raising.

``module_spec.yaml``::

    schema_version: "1.0"            # required, exactly "1.0"
    module:
      name: mthfr_nad                # required, ^[a-z][a-z0-9_]*$
      version: "1.2.0"               # optional; absent -> "0+<first 12 hex of the sha256 of the spec files>"
      title / description / report_title / icon: text (optional)
      color: "#6435c9"               # optional, #rrggbb
      layout: table                  # optional: table (default) | categories (report groups by category)
    defaults: {curator, method, priority}   # optional; priority low|medium|high
    genome_build: GRCh38             # GRCh37 | GRCh38 (default GRCh38); applies to chrom/start

Unknown keys are errors (a typo must not be silently ignored).

``variants.csv`` (header row required; one row per (variant, genotype)):

=========== ======== ==========================================================================
column      required rule
=========== ======== ==========================================================================
rsid        yes*     ``rs<digits>``; may be empty only if the row has a position
chrom       no       with ``start`` and ``ref`` (all three or none); ``chr`` stripped, 1-22/X/Y/MT
start       no       1-based VCF POS, integer >= 1
ref         no       upper-case A/C/G/T/N sequence
alts        no       comma-separated alleles (A/C/G/T/N); needs a position
genotype    yes      alleles joined by ``/`` and sorted (``A/G``, not ``G/A``); 1 or 2 alleles; with a
                     position, each allele must be the ref or one of the alts (when alts are given)
weight      yes      a finite number, or empty (no score)
state       yes      risk | protective | neutral | significant | not_significant | alt | ref
conclusion  yes      non-empty text
gene        yes      non-empty
phenotype   yes      non-empty
category    yes      non-empty (report grouping)
priority    no       low | medium | high (default: ``defaults.priority``)
clinvar, pathogenic, benign  no   true/false/1/0/yes/no or empty (false)
curator, method              no   override ``defaults``
=========== ======== ==========================================================================

Across rows: every row of one rsid has the same chrom/start/ref/alts; a (variant, genotype) pair
appears once. Warnings (not errors): ``state=risk`` with a positive weight, ``state=protective`` with a
negative one, a study whose rsid has no variant row.

``studies.csv`` (optional): ``rsid`` (``rs<digits>``), ``pmid`` (digits), ``conclusion`` (non-empty)
required; ``population``, ``p_value`` (kept as text), ``study_design`` optional; (rsid, pmid) unique.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from genolake_core.chromosomes import PRIMARY as PRIMARY_CHROMOSOMES
from genolake_core.chromosomes import normalize_chrom
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from genolake_annotation.errors import ModuleError

SCHEMA_VERSION = "1.0"
SPEC_FILE = "module_spec.yaml"
VARIANTS_FILE = "variants.csv"
STUDIES_FILE = "studies.csv"

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")
RSID_RE = re.compile(r"^rs[0-9]+$")
PMID_RE = re.compile(r"^[0-9]{1,9}$")
ALLELE_RE = re.compile(r"^[ACGTN]+$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
STATES = frozenset({"risk", "protective", "neutral", "significant", "not_significant", "alt", "ref"})
PRIORITIES = ("low", "medium", "high")

VARIANT_REQUIRED = ("rsid", "genotype", "weight", "state", "conclusion", "gene", "phenotype", "category")
VARIANT_OPTIONAL = (
    "chrom",
    "start",
    "ref",
    "alts",
    "priority",
    "clinvar",
    "pathogenic",
    "benign",
    "curator",
    "method",
)
STUDY_REQUIRED = ("rsid", "pmid", "conclusion")
STUDY_OPTIONAL = ("population", "p_value", "study_design")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass(frozen=True)
class SpecProblem:
    """One thing wrong with a spec: ``file:line:column: message`` (line 1-based; None = whole file)."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class ModuleSpecError(ModuleError):
    """A spec folder failed validation; ``problems`` lists every problem found."""

    def __init__(self, spec_dir: Path, problems: list[SpecProblem]) -> None:
        self.spec_dir = Path(spec_dir)
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        count = len(self.problems)
        super().__init__(
            f"module spec {self.spec_dir} is invalid ({count} problem{'s' * (count != 1)}):\n{lines}"
        )


class ModuleInfo(BaseModel):
    """The ``module:`` block."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str | None = None
    title: str | None = None
    description: str | None = None
    report_title: str | None = None
    icon: str | None = None
    color: str | None = None
    layout: Literal["table", "categories"] = "table"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.fullmatch(value):
            raise ValueError(f"{value!r} must be lower-case letters, digits and '_', starting with a letter")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and not VERSION_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a version (letters, digits, '.', '+', '_', '-'; max 64)")
        return value

    @field_validator("color")
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        if value is not None and not COLOR_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a #rrggbb colour")
        return value


class Defaults(BaseModel):
    """The ``defaults:`` block (applied to rows that leave the column empty)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    curator: str = "ai-module-creator"
    method: str = "literature-review"
    priority: Literal["low", "medium", "high"] | None = None


class ModuleSpecConfig(BaseModel):
    """``module_spec.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal["1.0"]
    module: ModuleInfo
    defaults: Defaults = Field(default_factory=Defaults)
    genome_build: Literal["GRCh37", "GRCh38"] = "GRCh38"

    @field_validator("schema_version", mode="before")
    @classmethod
    def _schema_version(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


@dataclass(frozen=True)
class VariantRow:
    """One validated ``variants.csv`` row (defaults applied, genotype as a sorted list)."""

    line: int
    rsid: str | None
    chrom: str | None
    start: int | None
    ref: str | None
    alts: tuple[str, ...] | None
    genotype: tuple[str, ...]
    weight: float | None
    state: str
    conclusion: str
    priority: str | None
    gene: str
    phenotype: str
    category: str
    clinvar: bool
    pathogenic: bool
    benign: bool
    curator: str
    method: str

    @property
    def locus(self) -> tuple[str, ...]:
        """Position (chrom, start, ref) when the row has one, else (rsid,)."""
        if self.chrom is not None:
            return (self.chrom, str(self.start), self.ref or "")
        return (self.rsid or "",)


@dataclass(frozen=True)
class StudyRow:
    """One validated ``studies.csv`` row."""

    line: int
    rsid: str
    pmid: str
    population: str | None
    p_value: str | None
    conclusion: str
    study_design: str | None


@dataclass(frozen=True)
class ModuleSpec:
    """A validated spec folder."""

    path: Path
    config: ModuleSpecConfig
    variants: tuple[VariantRow, ...]
    studies: tuple[StudyRow, ...]
    sha256: str
    warnings: tuple[SpecProblem, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.config.module.name

    @property
    def version(self) -> str:
        """``module.version``, else ``0+`` and the first 12 hex digits of the spec files' sha256."""
        return self.config.module.version or f"0+{self.sha256[:12]}"


# ---------------------------------------------------------------------------------------------- YAML


def _yaml_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """1-based line of the YAML node at ``loc`` (or of its deepest existing ancestor)."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                line, node = key.start_mark.line + 1, value
                break
        else:
            break
    return line


def _load_config(path: Path, problems: list[SpecProblem]) -> ModuleSpecConfig | None:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(
            SpecProblem(name, None, None, "file not found (a spec folder needs module_spec.yaml)")
        )
        return None
    except UnicodeDecodeError as exc:
        problems.append(SpecProblem(name, None, None, f"not UTF-8 text: {exc}"))
        return None
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = None if mark is None else mark.line + 1
        column = None if mark is None else f"col {mark.column + 1}"
        problems.append(SpecProblem(name, line, column, f"invalid YAML: {exc.problem or exc}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(SpecProblem(name, None, None, f"invalid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        problems.append(SpecProblem(name, 1, None, "must be a mapping with schema_version, module, ..."))
        return None
    try:
        return ModuleSpecConfig.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            msg = error["msg"].removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                msg = "unknown key"
            elif error["type"] == "literal_error":
                msg = f"{msg} (got {error.get('input')!r})"
            problems.append(SpecProblem(name, _yaml_line(root, loc), ".".join(map(str, loc)), msg))
        return None


# ----------------------------------------------------------------------------------------------- CSV


def _read_csv(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...], problems: list[SpecProblem]
) -> list[tuple[int, dict[str, str]]] | None:
    """Rows as (first line of the record, {column: stripped text}); None if unusable."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(SpecProblem(name, None, None, "file not found"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(SpecProblem(name, None, None, f"not UTF-8 text: {exc}"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(SpecProblem(name, None, None, "empty file (a header row is required)"))
        return None
    except csv.Error as exc:
        problems.append(SpecProblem(name, 1, None, f"malformed CSV: {exc}"))
        return None
    columns = [c.strip() for c in header]
    ok = True
    for i, column in enumerate(columns, start=1):
        if column not in required and column not in optional:
            problems.append(
                SpecProblem(
                    name, 1, column or f"#{i}", f"unknown column (allowed: {', '.join(required + optional)})"
                )
            )
            ok = False
        elif columns.index(column) != i - 1:
            problems.append(SpecProblem(name, 1, column, "duplicate column"))
            ok = False
    for column in required:
        if column not in columns:
            problems.append(SpecProblem(name, 1, column, "required column missing"))
            ok = False
    rows: list[tuple[int, dict[str, str]]] = []
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(SpecProblem(name, line, None, f"malformed CSV: {exc}"))
            return None
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(columns):
            problems.append(
                SpecProblem(name, start, None, f"{len(record)} fields, but the header has {len(columns)}")
            )
            continue
        rows.append((start, {c: v.strip() for c, v in zip(columns, record, strict=True)}))
    return rows if ok else None


def _bool(value: str) -> bool | None:
    low = value.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def _variant_row(
    line: int, cells: dict[str, str], defaults: Defaults, problems: list[SpecProblem]
) -> VariantRow | None:
    file = VARIANTS_FILE
    before = len(problems)

    def bad(column: str, message: str) -> None:
        problems.append(SpecProblem(file, line, column, message))

    rsid = cells.get("rsid") or None
    if rsid is not None and not RSID_RE.fullmatch(rsid):
        bad("rsid", f"{rsid!r} is not an rsid (rs<digits>)")
    chrom_raw, start_raw, ref = cells.get("chrom", ""), cells.get("start", ""), cells.get("ref", "") or None
    given = [c for c, v in (("chrom", chrom_raw), ("start", start_raw), ("ref", ref)) if v]
    chrom: str | None = None
    start: int | None = None
    if given and len(given) != 3:
        missing = [c for c in ("chrom", "start", "ref") if c not in given]
        bad(missing[0], f"chrom, start and ref go together: {', '.join(missing)} missing")
    if chrom_raw:
        chrom = normalize_chrom(chrom_raw)
        if chrom not in PRIMARY_CHROMOSOMES:
            bad("chrom", f"{chrom_raw!r} is not a chromosome (1-22, X, Y, MT; 'chr' is stripped)")
    if start_raw:
        try:
            start = int(start_raw)
        except ValueError:
            bad("start", f"{start_raw!r} is not an integer (1-based VCF POS)")
        else:
            if start < 1:
                bad("start", f"{start} is not a 1-based position (must be >= 1)")
    if ref is not None and not ALLELE_RE.fullmatch(ref):
        bad("ref", f"{ref!r} is not an allele (upper-case A, C, G, T, N)")
    alts: tuple[str, ...] | None = None
    if cells.get("alts"):
        alts = tuple(a.strip() for a in cells["alts"].split(","))
        for alt in alts:
            if not ALLELE_RE.fullmatch(alt):
                bad("alts", f"{alt!r} is not an allele (upper-case A, C, G, T, N; comma-separated)")
        if not given:
            bad("alts", "alts need a position (chrom, start, ref)")
    if rsid is None and not given:
        bad("rsid", "a row needs an rsid or a position (chrom, start, ref)")

    genotype: tuple[str, ...] = ()
    raw_gt = cells.get("genotype", "")
    if not raw_gt:
        bad("genotype", "required (alleles joined by '/', e.g. A/G)")
    else:
        alleles = [a.strip() for a in raw_gt.split("/")]
        if len(alleles) > 2:
            bad("genotype", f"{raw_gt!r} has {len(alleles)} alleles; 1 (haploid) or 2 expected")
        elif not all(ALLELE_RE.fullmatch(a) for a in alleles):
            bad("genotype", f"{raw_gt!r}: alleles must be upper-case A, C, G, T, N joined by '/' (e.g. A/G)")
        elif alleles != sorted(alleles):
            bad("genotype", f"{raw_gt!r} is not sorted: write {'/'.join(sorted(alleles))!r}")
        else:
            genotype = tuple(alleles)
            if ref is not None and alts is not None and ALLELE_RE.fullmatch(ref):
                known = {ref, *alts}
                for allele in dict.fromkeys(alleles):
                    if allele not in known:
                        bad(
                            "genotype",
                            f"allele {allele!r} of {raw_gt!r} is neither the ref {ref!r} nor an alt "
                            f"({', '.join(alts)})",
                        )
    weight: float | None = None
    if cells.get("weight"):
        try:
            weight = float(cells["weight"])
        except ValueError:
            bad("weight", f"{cells['weight']!r} is not a number")
        else:
            if not math.isfinite(weight):
                bad("weight", f"{cells['weight']!r} is not a finite number")
    state = cells.get("state", "")
    if state not in STATES:
        bad("state", f"{state!r} is not one of {', '.join(sorted(STATES))}")
    for column in ("conclusion", "gene", "phenotype", "category"):
        if not cells.get(column):
            bad(column, "required (non-empty)")
    priority = cells.get("priority") or defaults.priority
    if priority is not None and priority not in PRIORITIES:
        bad("priority", f"{priority!r} is not one of {', '.join(PRIORITIES)}")
    flags: dict[str, bool] = {}
    for column in ("clinvar", "pathogenic", "benign"):
        value = _bool(cells.get(column, ""))
        if value is None:
            bad(column, f"{cells[column]!r} is not a boolean (true/false)")
        flags[column] = bool(value)
    if len(problems) != before:
        return None
    return VariantRow(
        line=line,
        rsid=rsid,
        chrom=chrom,
        start=start,
        ref=ref,
        alts=alts,
        genotype=genotype,
        weight=weight,
        state=state,
        conclusion=cells["conclusion"],
        priority=priority,
        gene=cells["gene"],
        phenotype=cells["phenotype"],
        category=cells["category"],
        clinvar=flags["clinvar"],
        pathogenic=flags["pathogenic"],
        benign=flags["benign"],
        curator=cells.get("curator") or defaults.curator,
        method=cells.get("method") or defaults.method,
    )


def _cross_checks(rows: list[VariantRow], problems: list[SpecProblem], warnings: list[SpecProblem]) -> None:
    by_rsid: dict[str, VariantRow] = {}
    seen: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    for row in rows:
        if row.rsid is not None:
            first = by_rsid.setdefault(row.rsid, row)
            mine = (row.chrom, row.start, row.ref, row.alts)
            theirs = (first.chrom, first.start, first.ref, first.alts)
            if mine != theirs:
                problems.append(
                    SpecProblem(
                        VARIANTS_FILE,
                        row.line,
                        "chrom",
                        f"{row.rsid} has chrom/start/ref/alts {_pos(mine)} here but {_pos(theirs)} on line "
                        f"{first.line}",
                    )
                )
        key = (row.locus, row.genotype)
        if key in seen:
            what = row.rsid or ":".join(row.locus)
            problems.append(
                SpecProblem(
                    VARIANTS_FILE,
                    row.line,
                    "genotype",
                    f"duplicate genotype {'/'.join(row.genotype)} for {what} (first on line {seen[key]})",
                )
            )
        else:
            seen[key] = row.line
        if row.weight is not None and row.state == "risk" and row.weight > 0:
            warnings.append(
                SpecProblem(VARIANTS_FILE, row.line, "weight", "state is risk but the weight is positive")
            )
        if row.weight is not None and row.state == "protective" and row.weight < 0:
            warnings.append(
                SpecProblem(
                    VARIANTS_FILE, row.line, "weight", "state is protective but the weight is negative"
                )
            )


def _pos(values: tuple[object, ...]) -> str:
    chrom, start, ref, alts = values
    if chrom is None:
        return "(none)"
    return f"{chrom}:{start}:{ref}>{','.join(alts) if alts else '?'}"  # type: ignore[arg-type]


def _study_rows(rows: list[tuple[int, dict[str, str]]], problems: list[SpecProblem]) -> list[StudyRow]:
    out: list[StudyRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        before = len(problems)
        rsid, pmid = cells.get("rsid", ""), cells.get("pmid", "")
        if not RSID_RE.fullmatch(rsid):
            problems.append(SpecProblem(STUDIES_FILE, line, "rsid", f"{rsid!r} is not an rsid (rs<digits>)"))
        if not PMID_RE.fullmatch(pmid):
            problems.append(SpecProblem(STUDIES_FILE, line, "pmid", f"{pmid!r} is not a PubMed id (digits)"))
        if not cells.get("conclusion"):
            problems.append(SpecProblem(STUDIES_FILE, line, "conclusion", "required (non-empty)"))
        if (rsid, pmid) in seen:
            problems.append(
                SpecProblem(
                    STUDIES_FILE,
                    line,
                    "pmid",
                    f"duplicate study {rsid}/{pmid} (first on line {seen[rsid, pmid]})",
                )
            )
        seen.setdefault((rsid, pmid), line)
        if len(problems) == before:
            out.append(
                StudyRow(
                    line=line,
                    rsid=rsid,
                    pmid=pmid,
                    population=cells.get("population") or None,
                    p_value=cells.get("p_value") or None,
                    conclusion=cells["conclusion"],
                    study_design=cells.get("study_design") or None,
                )
            )
    return out


def _digest(spec_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in (SPEC_FILE, VARIANTS_FILE, STUDIES_FILE):
        path = spec_dir / name
        if path.is_file():
            data = path.read_bytes()
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
    return digest.hexdigest()


def _load(spec_dir: Path) -> tuple[ModuleSpec | None, list[SpecProblem]]:
    spec_dir = Path(spec_dir)
    problems: list[SpecProblem] = []
    if not spec_dir.is_dir():
        return None, [SpecProblem(str(spec_dir), None, None, "not a directory")]
    config = _load_config(spec_dir / SPEC_FILE, problems)
    defaults = config.defaults if config is not None else Defaults()
    variants: list[VariantRow] = []
    warnings: list[SpecProblem] = []
    raw = _read_csv(spec_dir / VARIANTS_FILE, VARIANT_REQUIRED, VARIANT_OPTIONAL, problems)
    if raw is not None:
        if not raw:
            problems.append(SpecProblem(VARIANTS_FILE, None, None, "no variant rows"))
        for line, cells in raw:
            row = _variant_row(line, cells, defaults, problems)
            if row is not None:
                variants.append(row)
        _cross_checks(variants, problems, warnings)
    studies: list[StudyRow] = []
    if (spec_dir / STUDIES_FILE).exists():
        raw_studies = _read_csv(spec_dir / STUDIES_FILE, STUDY_REQUIRED, STUDY_OPTIONAL, problems)
        if raw_studies is not None:
            studies = _study_rows(raw_studies, problems)
            known = {v.rsid for v in variants}
            for study in studies:
                if study.rsid not in known:
                    warnings.append(
                        SpecProblem(STUDIES_FILE, study.line, "rsid", f"{study.rsid} has no variant row")
                    )
    if problems or config is None:
        return None, problems
    spec = ModuleSpec(
        path=spec_dir,
        config=config,
        variants=tuple(variants),
        studies=tuple(studies),
        sha256=_digest(spec_dir),
        warnings=tuple(warnings),
    )
    return spec, []


def validate_spec(spec_dir: Path) -> list[SpecProblem]:
    """Every problem of a spec folder (empty list: valid). Warnings are not included."""
    return _load(spec_dir)[1]


def load_spec(spec_dir: Path) -> ModuleSpec:
    """Read and validate a spec folder; raises :class:`ModuleSpecError` listing every problem."""
    spec, problems = _load(spec_dir)
    if spec is None:
        raise ModuleSpecError(Path(spec_dir), problems)
    return spec


__all__ = [
    "SCHEMA_VERSION",
    "Defaults",
    "ModuleInfo",
    "ModuleSpec",
    "ModuleSpecConfig",
    "ModuleSpecError",
    "SpecProblem",
    "StudyRow",
    "VariantRow",
    "load_spec",
    "validate_spec",
]
