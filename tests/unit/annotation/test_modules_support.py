"""Helpers (no tests) for the annotation-module tests: expectations computed from `bcftools query`.

The matching rules of `genolake_annotation.modules.match_common` are re-implemented here in plain
Python over bcftools' view of the VCF, so the engines are compared with an independent computation,
never with typed-in values. Synthetic modules are written as spec folders whose rows are *derived* from
the VCF's records (so that real records match, mismatch, are no-calls ...).
"""

from __future__ import annotations

import csv
import re
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml
from genolake_annotation.normalize import normalize_single

from tests.unit.annotation.normalize_testlib import expected_chrom, expected_genotype, need, run

PLAIN = re.compile(r"^[ACGTN]+$")
VARIANT_COLUMNS = (
    "rsid",
    "chrom",
    "start",
    "ref",
    "alts",
    "genotype",
    "weight",
    "state",
    "conclusion",
    "priority",
    "gene",
    "phenotype",
    "category",
)


@dataclass(frozen=True)
class Record:
    chrom: str
    pos: int
    rsid: str | None
    ref: str
    alts: tuple[str, ...]
    gt: str
    genotype: tuple[str, ...] | None

    @property
    def ref_block(self) -> bool:
        return bool(self.alts) and all(a in ("<NON_REF>", "<*>") for a in self.alts)


def bcftools_records(vcf: Path, sample: str) -> list[Record]:
    bcftools = need("bcftools")
    out = run([bcftools, "query", "-s", sample, "-f", r"%CHROM\t%POS\t%ID\t%REF\t%ALT\t[%GT]\n", str(vcf)])
    records = []
    for line in out.splitlines():
        chrom, pos, ident, ref, alt, gt = line.split("\t")
        alts = [] if alt == "." else alt.split(",")
        rs = [i for i in ident.split(";") if re.fullmatch(r"rs[0-9]+", i)]
        genotype = expected_genotype(gt, ref, alts)
        records.append(
            Record(
                expected_chrom(chrom),
                int(pos),
                rs[0] if rs else None,
                ref,
                tuple(alts),
                gt,
                tuple(genotype) if genotype else None,
            )
        )
    return records


def vcf_samples(vcf: Path) -> list[str]:
    return run([need("bcftools"), "query", "-l", str(vcf)]).split()


def normalized(vcf: Path, sample: str, out: Path) -> Path:
    path = out / f"{sample}.parquet"
    if not path.exists():
        normalize_single(vcf, path, sample=sample)
    return path


# ------------------------------------------------------------------------------------ spec writing


def write_spec(
    folder: Path,
    name: str,
    rows: list[dict[str, object]],
    *,
    genome_build: str = "GRCh38",
    studies: list[dict[str, object]] | None = None,
    layout: str | None = None,
    version: str | None = None,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    module: dict[str, object] = {"name": name, "title": f"Test {name}"}
    if layout:
        module["layout"] = layout
    if version:
        module["version"] = version
    spec = {"schema_version": "1.0", "module": module, "genome_build": genome_build}
    (folder / "module_spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    with (folder / "variants.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=VARIANT_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in VARIANT_COLUMNS})
    if studies is not None:
        with (folder / "studies.csv").open("w", newline="") as handle:
            cols = ("rsid", "pmid", "population", "p_value", "conclusion", "study_design")
            writer = csv.DictWriter(handle, fieldnames=cols)
            writer.writeheader()
            for study in studies:
                writer.writerow({k: study.get(k, "") for k in cols})
    return folder


def _row(
    record: Record, genotype: list[str], weight: float, *, rsid: bool, position: bool, **extra: object
) -> dict:
    row: dict[str, object] = {
        "rsid": record.rsid if rsid else None,
        "chrom": record.chrom if position else None,
        "start": record.pos if position else None,
        "ref": record.ref if position else None,
        "genotype": "/".join(sorted(genotype)),
        "weight": weight,
        "state": "risk" if weight < 0 else "protective",
        "conclusion": f"test row for {record.chrom}:{record.pos}",
        "priority": "low",
        "gene": f"GENE{record.pos % 97}",
        "phenotype": "test phenotype",
        "category": f"cat{record.pos % 3}",
    }
    row.update(extra)
    return row


def derived_rows(records: list[Record], *, every: int, rsid: bool, position: bool) -> list[dict[str, object]]:
    """Module rows derived from every `every`-th usable record: its own genotype (a match), another
    genotype of its alleles (a mismatch), sometimes a wrong REF or a position absent from the VCF."""
    present = {(r.chrom, r.pos) for r in records}
    usable = [
        r
        for r in records
        if PLAIN.fullmatch(r.ref)
        and r.alts
        and all(PLAIN.fullmatch(a) for a in r.alts)
        and (r.rsid or not rsid)
    ]
    seen: set[object] = set()
    rows: list[dict[str, object]] = []
    for i, record in enumerate(usable[::every]):
        key = record.rsid if rsid and not position else (record.chrom, record.pos)
        if key in seen:
            continue
        seen.add(key)
        weight = round(((i % 7) - 3) / 4, 2) or 0.5
        alt = record.alts[0]
        if record.genotype is not None and i % 4 != 3:  # every 4th locus: only a genotype it does not have
            rows.append(_row(record, list(record.genotype), weight, rsid=rsid, position=position))
        other = [alt, alt] if record.genotype != tuple(sorted([alt, alt])) else [record.ref, record.ref]
        rows.append(_row(record, other, -abs(weight) or -0.25, rsid=rsid, position=position))
        if position and i % 5 == 1:  # same position, another REF: no record of that variant
            wrong = next(b for b in "ACGT" if b != record.ref[0])
            rows.append(
                _row(
                    record, [wrong, wrong], 0.75, rsid=False, position=True, ref=wrong, conclusion="wrong ref"
                )
            )
        if position and i % 5 == 2 and (record.chrom, record.pos + 1) not in present:
            absent = Record(record.chrom, record.pos + 1, None, record.ref, record.alts, "", None)
            rows.append(_row(absent, [record.ref, record.ref], 0.1, rsid=False, position=True))
    return rows


# ------------------------------------------------------------------------------- expectations


def _key(row: dict[str, object], by_position: bool) -> tuple[object, ...]:
    if by_position:
        return ("p", str(row["chrom"]), int(row["start"]), str(row["ref"]))  # type: ignore[arg-type]
    return ("r", row["rsid"])


def row_key_mode(row: dict[str, object], mismatch: bool) -> str | None:
    if row.get("chrom") not in (None, "") and not mismatch:
        return "position"
    if row.get("rsid") not in (None, ""):
        return "rsid"
    return None


def _records_at(row: dict[str, object], mode: str, records: list[Record]) -> list[Record]:
    if mode == "position":
        return [r for r in records if r.chrom == str(row["chrom"]) and r.pos == int(row["start"])]  # type: ignore[arg-type]
    return [r for r in records if r.rsid is not None and r.rsid == row["rsid"]]


def _row_matches(row: dict[str, object], mode: str, record: Record) -> bool:
    if record.ref_block or record.genotype is None:
        return False
    if mode == "position" and record.ref != row["ref"]:
        return False
    genotype = row.get("genotype")
    if genotype not in (None, ""):
        return "/".join(record.genotype) == genotype
    allele = row["allele"]
    return (
        row.get("zygosity") == "het"
        and allele != record.ref
        and tuple(sorted([allele, record.ref])) == record.genotype
    )


def expected_annotations(
    module: str, rows: list[dict[str, object]], records: list[Record], *, mismatch: bool = False
) -> Counter[tuple[object, ...]]:
    """Multiset of (module, module_row, chrom, start, gt, weight) the annotation must contain."""
    out: Counter[tuple[object, ...]] = Counter()
    for index, row in enumerate(rows):
        mode = row_key_mode(row, mismatch)
        if mode is None:
            continue
        for record in _records_at(row, mode, records):
            if _row_matches(row, mode, record):
                out[(module, index, record.chrom, record.pos, record.gt, float(row["weight"]))] += 1  # type: ignore[arg-type]
    return out


def expected_reasons(
    rows: list[dict[str, object]], records: list[Record], *, mismatch: bool = False
) -> Counter[str]:
    """Locus reasons (first status that applies per record, best over the locus's records)."""
    order = ("matched", "genotype_differs", "no_call", "ref_block", "ref_differs")
    loci: dict[tuple[object, ...], list[dict[str, object]]] = {}
    skipped = Counter()
    for index, row in enumerate(rows):
        mode = row_key_mode(row, mismatch)
        if mode is None:
            loci.setdefault(("x", index), [])
            skipped[("x", index)] = 1
            continue
        loci.setdefault(_key(row, mode == "position"), []).append({**row, "_mode": mode})
    reasons: Counter[str] = Counter()
    has_ids = any(r.rsid for r in records)  # no rsID anywhere: rsID loci could not be looked for
    for key, members in loci.items():
        if key in skipped:
            reasons["build_mismatch"] += 1
            continue
        mode = str(members[0]["_mode"])
        statuses = []
        for record in _records_at(members[0], mode, records):
            if record.ref_block:
                statuses.append("ref_block")
            elif mode == "position" and record.ref != members[0]["ref"]:
                statuses.append("ref_differs")
            elif record.genotype is None:
                statuses.append("no_call")
            elif any(_row_matches(m, mode, record) for m in members):
                statuses.append("matched")
            else:
                statuses.append("genotype_differs")
        absent = "not_searchable" if mode == "rsid" and not has_ids else "no_record"
        reasons[min(statuses, key=order.index) if statuses else absent] += 1
    return reasons


def actual_annotations(path: Path) -> Counter[tuple[object, ...]]:
    frame = pl.read_parquet(path)
    return Counter(frame.select("module", "module_row", "chrom", "start", "gt", "weight").iter_rows())


def spec_rows(spec_dir: Path) -> list[dict[str, object]]:
    with (spec_dir / "variants.csv").open(newline="") as handle:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]


def derived_longevity_db(sqlite_path: Path, target: Path, records: list[Record]) -> Path:
    """A copy whose weight groups are re-pointed at chr22 rsids (and their alleles), keeping each group's
    structure (alt het+hom; ref hom + alt het; spec het + alt hom): real genotypes then meet every rule."""
    shutil.copy(sqlite_path, target)
    target.chmod(0o644)
    snvs = [
        r
        for r in records
        if r.rsid and len(r.ref) == 1 and len(r.alts) == 1 and len(r.alts[0]) == 1 and r.genotype
    ]
    by_gt = {gt: [r for r in snvs if r.genotype == gt] for gt in {r.genotype for r in snvs}}
    het = [r for r in snvs if r.genotype[0] != r.genotype[1]]
    hom_alt = [r for r in snvs if r.genotype == (r.alts[0], r.alts[0])]
    hom_ref = [r for r in snvs if r.genotype == (r.ref, r.ref)]
    assert het and hom_alt and hom_ref and by_gt
    con = sqlite3.connect(target)
    groups = {
        "alt": [
            r
            for (r,) in con.execute(
                """SELECT rsid FROM allele_weights GROUP BY rsid
               HAVING count(*) = 2 AND sum(state = 'alt' AND zygosity = 'het') = 1
                  AND sum(zygosity = 'hom') = 1"""
            )
        ],
        "ref": [
            r
            for (r,) in con.execute(
                "SELECT rsid FROM allele_weights GROUP BY rsid HAVING sum(state = 'ref') = 1 AND count(*) = 2"
            )
        ],
        "spec": [
            r
            for (r,) in con.execute(
                """SELECT rsid FROM allele_weights GROUP BY rsid
                   HAVING sum(state = 'spec') = 1 AND count(*) = 2"""
            )
        ],
    }
    picks = [
        ("alt", het[::7][:6]),
        ("alt", hom_alt[::5][:6]),
        ("alt", hom_ref[::50][:4]),
        ("ref", hom_ref[::40][:4]),
        ("ref", het[::9][:4]),
        ("spec", het[::11][:4]),
        ("spec", hom_alt[::13][:3]),
    ]
    used: Counter[str] = Counter()
    taken: set[str] = set()
    for kind, chosen in picks:
        for record in chosen:
            if record.rsid in taken:
                continue
            taken.add(record.rsid)
            old = groups[kind][used[kind]]
            used[kind] += 1
            alt, ref = record.alts[0], record.ref
            con.execute("UPDATE allele_weights SET allele = ? WHERE rsid = ? AND state = 'alt'", (alt, old))
            con.execute("UPDATE allele_weights SET allele = ? WHERE rsid = ? AND state = 'ref'", (ref, old))
            con.execute(
                "UPDATE allele_weights SET allele = ? WHERE rsid = ? AND state = 'spec'", (ref + alt, old)
            )
            con.execute("UPDATE allele_weights SET rsid = ? WHERE rsid = ?", (record.rsid, old))
            con.execute("UPDATE variant SET identifier = ? WHERE identifier = ?", (record.rsid, old))
    con.commit()
    con.close()
    return target
