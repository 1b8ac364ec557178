"""Compile a module's rows against variant-position references: positions per build and strand checks.

:func:`resolve_rows` takes a module's ``weights`` table and one or more references (one per build). The
*primary* reference (the module's own build when it has one, else the first given) decides each row;
every row gets exactly one decision (:data:`ACTIONS`), all of them listed in the compile report:

================== ============================================================================
action             rule
================== ============================================================================
``forward``        the row's alleles are all alleles of the site (REF + ALTs): kept as authored
``flipped``        they fit only after complementing (A<->T, C<->G): the genotype (or the
                   reference-relative ``allele``) is complemented and re-sorted
``palindromic``    the site's alleles are their own complement (A/T, C/G): the strand cannot be
                   decided, the row is kept as authored, matched by rsID only (no position), flagged
``ambiguous``      the alleles fit both ways with different results (multi-allelic site): as palindromic
``refused``        the alleles fit neither way, the flipped row duplicates another row of the rsID,
                   or a reference-relative row's allele is the site's REF: the row is left out
``not_in_reference`` the rsID is not in the reference: kept, matched by rsID
``multiple_positions`` the rsID maps to several sites: kept, matched by rsID
``no_rsid``        the row has a position and no rsID: kept as authored
================== ============================================================================

A reference-relative row (``genotype`` null, ``allele`` X, ``zygosity`` het: one copy of X and one of the
site's REF) fits forward when X is an ALT, flipped when complement(X) is an ALT; X equal to REF (or, after
complementing, complement(X) equal to REF) has no consistent reading and is refused. Rows of indels and
other multi-base alleles are compared literally (no complementing). Forward rows are decided before
flipped ones, so a flipped row that duplicates a forward row of the same rsID (same genotype, or same
het allele) is the one refused.

Positions: every kept row decided ``forward`` or ``flipped`` gets, for each reference's build, the site's
chrom/pos/ref/alts when its final alleles are alleles of that build's site (one row in
:data:`POSITIONS_SCHEMA` per row and build). A row that carries its own position keeps it for the
module's build (the spec is authoritative there; a differing reference position is noted in the
decision's reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from genolake_annotation.reference.table import VariantReference

ACTIONS = (
    "forward",
    "flipped",
    "palindromic",
    "ambiguous",
    "refused",
    "not_in_reference",
    "multiple_positions",
    "no_rsid",
)
KEEPS_POSITION = frozenset({"forward", "flipped"})
POSITIONS_SCHEMA: dict[str, pl.DataType] = {
    "module_row": pl.Int64(),
    "build": pl.String(),
    "chrom": pl.String(),
    "start": pl.Int64(),
    "ref": pl.String(),
    "alts": pl.List(pl.String()),
}
_COMPLEMENT = {"A": "T", "T": "A", "C": "G", "G": "C"}


def complement(allele: str) -> str | None:
    """The complement of a single-base allele (None for anything else: indels are not flipped)."""
    return _COMPLEMENT.get(allele)


@dataclass(frozen=True)
class Site:
    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]

    @property
    def alleles(self) -> frozenset[str]:
        return frozenset((self.ref, *self.alts))

    @property
    def palindromic(self) -> bool:
        comp = {complement(a) for a in self.alleles}
        return None not in comp and comp == set(self.alleles)

    def text(self) -> str:
        return f"{self.chrom}:{self.pos} {self.ref}>{','.join(self.alts) or '.'}"


@dataclass
class Resolved:
    """The outcome of :func:`resolve_rows`: the kept rows, their positions and every decision."""

    weights: pl.DataFrame
    positions: pl.DataFrame
    decisions: list[dict[str, Any]]
    references: dict[str, dict[str, str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(ACTIONS, 0)
        for d in self.decisions:
            out[d["action"]] += 1
        return out


def _sites(reference: VariantReference, rsids: list[str]) -> dict[str, list[Site]]:
    table = reference.lookup(rsids)
    out: dict[str, list[Site]] = {}
    for rsid, chrom, pos, ref, alts in table.iter_rows():
        out.setdefault(rsid, []).append(Site(chrom, pos, ref, tuple(alts or ())))
    return out


def _row_alleles(row: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    """(explicit genotype alleles, reference-relative het allele)."""
    genotype = row.get("genotype")
    if genotype is not None:
        return tuple(genotype), None
    return (), row.get("allele")


def _fits(genotype: tuple[str, ...], het: str | None, site: Site) -> bool:
    if het is not None:
        return het in site.alts and het != site.ref
    return bool(genotype) and set(genotype) <= site.alleles


def _flip(genotype: tuple[str, ...], het: str | None) -> tuple[tuple[str, ...], str | None] | None:
    if het is not None:
        comp = complement(het)
        return None if comp is None else ((), comp)
    flipped = [complement(a) for a in genotype]
    if not genotype or any(a is None for a in flipped):
        return None
    return tuple(sorted(a for a in flipped if a is not None)), None


def _label(genotype: tuple[str, ...], het: str | None) -> str:
    return f"{het}/(ref)" if het is not None else "/".join(genotype)


def resolve_rows(
    weights: pl.DataFrame, references: Sequence[VariantReference], module_build: str | None
) -> Resolved:
    """Decide every row of ``weights`` against ``references`` (see the module docstring)."""
    if not references:
        raise ValueError("resolve_rows needs at least one reference")
    builds = [r.build for r in references]
    if len(set(builds)) != len(builds):
        raise ValueError(f"one reference per genome build, got {builds}")
    primary = next((r for r in references if r.build == module_build), references[0])
    rows = weights.to_dicts()
    rsids = sorted({r["rsid"] for r in rows if r.get("rsid")})
    sites = {ref.build: _sites(ref, rsids) for ref in references}
    decisions: list[dict[str, Any] | None] = [None] * len(rows)
    final: list[tuple[tuple[str, ...], str | None] | None] = [None] * len(rows)
    seen: dict[tuple[str, tuple[str, ...], str | None], int] = {}

    def decide(i: int, action: str, reason: str, site: Site | None = None) -> None:
        row = rows[i]
        genotype, het = _row_alleles(row)
        out = final[i]
        decisions[i] = {
            "row": i,
            "rsid": row.get("rsid"),
            "genotype": _label(genotype, het),
            "result": _label(*out) if out is not None and action != "refused" else None,
            "action": action,
            "reason": reason,
            "build": primary.build,
            "site": site.text() if site is not None else None,
            "weight": row.get("weight"),
        }

    pending_flips: list[tuple[int, tuple[tuple[str, ...], str | None], Site]] = []
    for i, row in enumerate(rows):
        genotype, het = _row_alleles(row)
        rsid = row.get("rsid")
        if not rsid:
            final[i] = (genotype, het)
            decide(i, "no_rsid", "no rsID: kept as authored (its own position, if any)")
            continue
        found = sites[primary.build].get(rsid, [])
        if not found:
            final[i] = (genotype, het)
            decide(i, "not_in_reference", f"{rsid} is not in the {primary.build} reference: matched by rsID")
            continue
        if len({(s.chrom, s.pos) for s in found}) > 1:
            final[i] = (genotype, het)
            where = "; ".join(s.text() for s in found)
            decide(i, "multiple_positions", f"{rsid} maps to several sites ({where}): matched by rsID")
            continue
        site = found[0]
        if len(found) > 1:  # one position, several REF spellings: merge the alleles
            site = Site(
                site.chrom, site.pos, site.ref, tuple(dict.fromkeys(a for s in found for a in s.alts))
            )
        forward = _fits(genotype, het, site)
        flipped = _flip(genotype, het)
        backward = flipped is not None and _fits(*flipped, site)
        if het is not None and het == site.ref:
            final[i] = (genotype, het)
            decide(
                i,
                "refused",
                f"the reference-relative allele {het} is the site's REF: one copy of REF 'with the reference "
                "allele' has no consistent reading",
                site,
            )
            continue
        if not forward and not backward:
            final[i] = (genotype, het)
            decide(
                i,
                "refused",
                f"alleles {_label(genotype, het)} fit neither strand of {site.text()}",
                site,
            )
            continue
        if site.palindromic:
            final[i] = (genotype, het)
            decide(
                i,
                "palindromic",
                f"{site.text()} is palindromic (its alleles are their own complement): strand undecidable, "
                "kept as authored and matched by rsID only",
                site,
            )
            continue
        if forward and backward and flipped != (genotype, het):
            final[i] = (genotype, het)
            decide(
                i,
                "ambiguous",
                f"alleles {_label(genotype, het)} fit {site.text()} on both strands with different "
                "genotypes: kept as authored, matched by rsID only",
                site,
            )
            continue
        if forward:
            final[i] = (genotype, het)
            key = (rsid, genotype, het)
            seen.setdefault(key, i)
            decide(i, "forward", f"alleles are alleles of {site.text()}", site)
            continue
        assert flipped is not None
        pending_flips.append((i, flipped, site))
    for i, flipped, site in pending_flips:
        row = rows[i]
        rsid = row["rsid"]
        key = (rsid, *flipped)
        final[i] = flipped
        if key in seen:
            other = seen[key]
            decide(
                i,
                "refused",
                f"complemented to {_label(*flipped)}, which duplicates row {other} of {rsid} (weight "
                f"{rows[other].get('weight')} there, {row.get('weight')} here): a strand duplicate",
                site,
            )
            continue
        seen[key] = i
        decide(
            i,
            "flipped",
            f"alleles fit {site.text()} only after complementing (authored on the minus strand)",
            site,
        )
    kept_rows: list[dict[str, Any]] = []
    positions: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        decision = decisions[i]
        assert decision is not None
        if decision["action"] == "refused":
            continue
        genotype, het = final[i] or ((), None)
        new = dict(row)
        if decision["action"] == "flipped":
            if het is not None:
                new["allele"] = het
            else:
                new["genotype"] = list(genotype)
            if new.get("conclusion"):
                new["conclusion"] = (
                    f"{new['conclusion']} [Authored on the minus strand as {decision['genotype']}; forward "
                    f"genotype {decision['result']}.]"
                )
        index = len(kept_rows)
        kept_rows.append(new)
        if decision["action"] not in KEEPS_POSITION:
            continue
        for ref in references:
            if row.get("chrom") is not None and ref.build == module_build:
                site_here = sites[ref.build].get(row["rsid"], [])
                if site_here and (site_here[0].chrom, site_here[0].pos) != (row["chrom"], row["start"]):
                    decision["reason"] += (
                        f"; the spec's {module_build} position {row['chrom']}:{row['start']} differs "
                        f"from the reference's {site_here[0].text()} (the spec's is used)"
                    )
                continue
            found = sites[ref.build].get(row["rsid"], [])
            if len({(s.chrom, s.pos) for s in found}) != 1:
                continue
            site = found[0]
            if not _fits(
                genotype, het, Site(site.chrom, site.pos, site.ref, tuple(a for s in found for a in s.alts))
            ):
                continue
            positions.append(
                {
                    "module_row": index,
                    "build": ref.build,
                    "chrom": site.chrom,
                    "start": site.pos,
                    "ref": site.ref,
                    "alts": list(dict.fromkeys(a for s in found for a in s.alts)),
                }
            )
    schema = weights.schema
    new_weights = pl.DataFrame(kept_rows, schema=schema) if kept_rows else weights.clear()
    return Resolved(
        weights=new_weights,
        positions=pl.DataFrame(positions, schema=POSITIONS_SCHEMA),
        decisions=[d for d in decisions if d is not None],
        references={r.build: r.manifest.lineage() for r in references},
    )


__all__ = ["ACTIONS", "POSITIONS_SCHEMA", "Resolved", "Site", "complement", "resolve_rows"]
