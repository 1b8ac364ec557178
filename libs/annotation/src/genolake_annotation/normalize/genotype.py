"""The sample's genotype: raw ``gt`` and the called allele sequences (``genotype``).

Rules:

- ``gt`` is the sample's GT exactly as written (``0|1``, ``./.``, ``1``), taken from the first FORMAT key
  (the VCF spec requires GT to come first); a record whose FORMAT does not start with GT has a null ``gt``.
- ``genotype`` is the sorted list of the called alleles' sequences: indices split on ``/`` and ``|``,
  missing (``.``) indices dropped, the rest looked up in ``[REF] + ALT``. So ``0/1`` (A>G) -> ``["A","G"]``,
  ``1|1`` -> ``["G","G"]``, haploid ``1`` -> ``["G"]``, partial ``./1`` -> ``["G"]``, ``1/2`` (ALT ``C,T``)
  -> ``["C","T"]``; a fully missing call (``./.``, ``.``) or no GT -> null. The spanning deletion ``*`` and
  symbolic alleles (``<DEL>``, ``<NON_REF>``) are kept literally (``["*","T"]``): the call is then not a
  plain sequence genotype, and matching it against sequence genotypes fails, which is the intent.
  Sorting is by byte value (``"*" < "<DEL>" < "A"``). An index that is not a number, or that points past
  the record's alleles, fails the query (the caller then names the line; see ``validate``).
- ``dp``: FORMAT DP of the sample (found by its position in this record's FORMAT, which varies), else
  INFO DP, else null.

Speed: nearly every call is haploid or diploid over alleles 0 and 1 (``0|0``, ``0/1``, ``1``, ``./.`` ...).
Those GT strings are recognised by whole-string equality with the 21 entries of :data:`SIMPLE_CALLS`
(comparisons of short strings are nearly free; no per-row parsing), whose code says which of REF / first
ALT / the smaller or larger of the two each called allele is; the genotype is then assembled with a
few column-wise selections and one ``concat_str`` + ``split``. Only the
other calls (allele index 2 and up, ploidy above 2, anything malformed) take the generic per-row list
path, on columns masked to those rows (so it costs almost nothing when there are none).
"""

from __future__ import annotations

import polars as pl

from genolake_annotation.normalize.fields import equals_any, first_match

_BAD = "<bad GT allele index>"
_VALID_GT = r"^(?:[0-9]+|\.)(?:[/|](?:[0-9]+|\.))*$"

# Which alleles a simple call holds, as (low, high) after sorting, low never null unless both are:
# "R" = REF, "A" = first ALT, "lo"/"hi" = the smaller/larger (by bytes) of REF and first ALT.
_PAIRS: dict[tuple[str | None, str | None], tuple[str, ...]] = {
    ("R", "R"): ("0/0", "0|0"),
    ("lo", "hi"): ("0/1", "0|1", "1/0", "1|0"),
    ("A", "A"): ("1/1", "1|1"),
    ("R", None): ("0", "./0", "0/.", ".|0", "0|."),
    ("A", None): ("1", "./1", "1/.", ".|1", "1|."),
    (None, None): (".", "./.", ".|."),
}
SIMPLE_CALLS: dict[str, int] = {call: code for code, calls in enumerate(_PAIRS.values()) for call in calls}
_NONE_CALLED = SIMPLE_CALLS["./."]
_USES_ALT = [code for code, pair in enumerate(_PAIRS) if "A" in pair or "lo" in pair]


def sample_gt_field(sample: pl.Expr) -> pl.Expr:
    """The first ``:``-separated field of a sample column (the whole value when it has no ``:``)."""
    # find() counts bytes and head() characters: they differ only if a non-ASCII character precedes the
    # first ':', and such a GT is invalid (it then fails the allele-index check) whatever is cut.
    return sample.str.head(sample.str.find(":", literal=True).fill_null(1 << 30).cast(pl.Int64))


def gt(raw_format: pl.Expr, sample: pl.Expr) -> pl.Expr:
    has_gt = (raw_format == "GT") | raw_format.str.starts_with("GT:")
    return pl.when(has_gt).then(sample_gt_field(sample)).otherwise(pl.lit(None, dtype=pl.String))


def format_key_index(raw_format: pl.Expr, key: str) -> pl.Expr:
    """0-based position of ``key`` in this record's FORMAT (null when absent); the regex runs only on the
    FORMAT strings that contain ``key`` at all."""
    candidates = pl.when(raw_format.str.contains(key, literal=True)).then(raw_format)
    prefix = candidates.str.extract(rf"^((?:[^:]*:)*?){key}(?::|$)", 1)
    return prefix.str.count_matches(":").cast(pl.Int64)


def format_value(sample: pl.Expr, index: pl.Expr) -> pl.Expr:
    """The sample's FORMAT value at ``index`` (null when ``index`` is null or past the sample's fields).

    The sample is split only on the rows that need it (null elsewhere: splitting nulls is free)."""
    needed = pl.when(index.is_not_null()).then(sample)
    return needed.str.split(":").list.get(index, null_on_oob=True)


def simple_call_code(gt_expr: pl.Expr) -> pl.Expr:
    """Int8 code of a call listed in :data:`SIMPLE_CALLS` (index into ``_PAIRS``), else null."""
    cases = [
        (equals_any(gt_expr, calls), pl.lit(code, pl.Int8)) for code, calls in enumerate(_PAIRS.values())
    ]
    return first_match(cases, pl.lit(None, dtype=pl.Int8))


def _choose(code: pl.Expr, slot: int, alleles: dict[str, pl.Expr]) -> pl.Expr:
    """The allele in ``slot`` (0 = low, 1 = high) of a simple call with table ``code``; ``alleles`` maps
    ``R``/``A``/``lo``/``hi`` to their columns."""
    codes: dict[str, list[int]] = {}
    for number, pair in enumerate(_PAIRS):
        name = pair[slot]
        if name is not None:
            codes.setdefault(name, []).append(number)
    cases = [(code.is_in(numbers), alleles[name]) for name, numbers in codes.items()]
    return first_match(cases, pl.lit(None, dtype=pl.String))


def with_genotype(
    frame: pl.LazyFrame, gt_col: str, ref_col: str, alts_col: str, out: str, tmp: str
) -> pl.LazyFrame:
    """Add column ``out`` (the genotype of ``gt_col``; ``alts_col`` is the ALT list) using scratch
    columns prefixed ``tmp`` (dropped)."""
    c = pl.col
    code, alt1, slow, ok, low, high = (f"{tmp}_{s}" for s in ("code", "alt1", "slow", "ok", "lo", "hi"))
    frame = frame.with_columns(
        simple_call_code(c(gt_col)).alias(code),
        c(alts_col).list.first().alias(alt1),
    )
    # Simple calls that need an ALT on a record without one (ALT '.') go the generic way, which fails.
    simple = c(code).is_not_null() & (c(alt1).is_not_null() | ~c(code).is_in(_USES_ALT))
    frame = frame.with_columns((c(gt_col).is_not_null() & ~simple).alias(slow))
    # Malformed indices fail a strict cast evaluated for every row (a failing cast nested in a when/then
    # branch may never be evaluated: polars evaluates branches only on the rows that reach them).
    bad = c(slow) & ~pl.when(c(slow)).then(c(gt_col)).str.contains(_VALID_GT)  # regex on slow rows only
    frame = frame.with_columns(
        pl.when(bad).then(pl.lit(_BAD)).otherwise(pl.lit("1")).cast(pl.Int8, strict=True).alias(ok),
        pl.when(c(ref_col) <= c(alt1)).then(c(ref_col)).otherwise(c(alt1)).alias(low),
        pl.when(c(ref_col) <= c(alt1)).then(c(alt1)).otherwise(c(ref_col)).alias(high),
    )
    alleles = {"R": c(ref_col), "A": c(alt1), "lo": c(low), "hi": c(high)}
    joined = pl.concat_str(
        [_choose(c(code), 0, alleles), _choose(c(code), 1, alleles)], separator="\t", ignore_nulls=True
    )
    fast = (
        pl.when(c(code).is_null() | (c(code) == _NONE_CALLED))
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(joined)
        .str.split("\t")
    )
    generic = genotype_generic(
        pl.when(c(slow)).then(c(gt_col)),
        pl.when(c(slow)).then(c(ref_col)),
        pl.when(c(slow)).then(c(alts_col)),
    )
    frame = frame.with_columns(
        pl.when(c(ok) != 1)
        .then(pl.lit(None, dtype=pl.List(pl.String)))
        .when(c(slow))
        .then(generic)
        .otherwise(fast)
        .alias(out)
    )
    return frame.drop(code, alt1, slow, ok, low, high)


def allele_indices(gt_expr: pl.Expr) -> pl.Expr:
    return (
        gt_expr.str.replace_all("|", "/", literal=True)
        .str.split("/")
        .list.eval(pl.element().filter(pl.element() != ".").cast(pl.Int64, strict=True))
    )


def genotype_generic(gt_expr: pl.Expr, ref: pl.Expr, alts: pl.Expr) -> pl.Expr:
    """Any ploidy and allele index, with per-row lists (slow: used only for the calls that are not in
    :data:`SIMPLE_CALLS`). An index past the alleles fails (``list.gather`` out of bounds)."""
    called = pl.concat_list(ref, alts).list.gather(allele_indices(gt_expr)).list.sort()
    return pl.when(called.list.len() > 0).then(called).otherwise(pl.lit(None, dtype=pl.List(pl.String)))
