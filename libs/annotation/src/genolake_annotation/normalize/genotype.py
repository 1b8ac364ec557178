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
  Sorting is by byte value (``"*" < "<DEL>" < "A"``).
- ``dp``: FORMAT DP of the sample (found by its position in this record's FORMAT, which varies), else
  INFO DP, else null.

Speed: polars does not share a sub-expression used several times inside one ``when/then`` chain, so the
genotype is built in steps (:func:`with_genotype` adds intermediate columns) and haploid/diploid calls
(nearly all) avoid per-row list sorting; only calls of ploidy > 2 take the generic list path.
"""

from __future__ import annotations

import polars as pl

from genolake_annotation.normalize.fields import missing_to_null, split_or_empty

_BAD = "<bad GT allele index>"


def sample_parts(sample: pl.Expr) -> pl.Expr:
    return sample.str.split(":")


def gt(raw_format: pl.Expr, parts: pl.Expr) -> pl.Expr:
    has_gt = (raw_format == "GT") | raw_format.str.starts_with("GT:")
    return pl.when(has_gt).then(parts.list.first()).otherwise(pl.lit(None, dtype=pl.String))


def format_key_index(raw_format: pl.Expr, key: str) -> pl.Expr:
    """0-based position of ``key`` in this record's FORMAT (null when absent)."""
    prefix = raw_format.str.extract(rf"^((?:[^:]*:)*?){key}(?::|$)", 1)
    return prefix.str.count_matches(":").cast(pl.Int64)


def format_int(raw_format: pl.Expr, parts: pl.Expr, key: str) -> pl.Expr:
    value = parts.list.get(format_key_index(raw_format, key), null_on_oob=True)
    return missing_to_null(value).cast(pl.Int64, strict=True)


def allele_indices(gt_expr: pl.Expr) -> pl.Expr:
    return (
        gt_expr.str.replace_all("|", "/", literal=True)
        .str.split("/")
        .list.eval(pl.element().filter(pl.element() != ".").cast(pl.Int64, strict=True))
    )


def genotype_generic(gt_expr: pl.Expr, ref: pl.Expr, alts: pl.Expr) -> pl.Expr:
    """Any ploidy, with per-row lists (slow: used only for ploidy > 2)."""
    called = pl.concat_list(ref, alts).list.gather(allele_indices(gt_expr)).list.sort()
    return pl.when(called.list.len() > 0).then(called).otherwise(pl.lit(None, dtype=pl.List(pl.String)))


def _bad_index(index: pl.Expr, alt: pl.Expr, multi: pl.Expr) -> pl.Expr:
    """True where ``index`` (``0``, ``1``, ``.`` ...) is not a valid allele index of the record (for
    multi-allelic records the upper bound is checked by ``list.get`` instead)."""
    called = index.is_not_null() & (index != ".")
    return called & (
        ~index.str.contains(r"^[0-9]+$")
        | (~multi & ~index.is_in(["0", "1"]))
        | ((alt == ".") & (index != "0"))
    )


def _allele(index: pl.Expr, ref: pl.Expr, alt: pl.Expr, multi: pl.Expr) -> pl.Expr:
    """Sequence of allele ``index`` (a string: ``0``, ``1``, ``.`` ...), valid indices assumed."""
    called = index.is_not_null() & (index != ".")
    k = (
        pl.when(multi & called & (index != "0"))
        .then(index)
        .otherwise(pl.lit(None, dtype=pl.String))
        .cast(pl.Int64, strict=False)
        - 1
    )
    from_multi = pl.when(multi).then(alt).otherwise(pl.lit(None, dtype=pl.String))
    from_multi = from_multi.str.split(",").list.get(k, null_on_oob=False)
    return (
        pl.when(index == "0")
        .then(ref)
        .when(~called)
        .then(pl.lit(None, dtype=pl.String))
        .when(~multi)
        .then(alt)
        .otherwise(from_multi)
    )


def with_genotype(
    frame: pl.LazyFrame, gt_col: str, ref_col: str, alt_col: str, out: str, tmp: str
) -> pl.LazyFrame:
    """Add column ``out`` (the genotype of ``gt_col``) using scratch columns prefixed ``tmp`` (dropped)."""
    c = pl.col
    i, x, y, n, a, b, sw, ok = (f"{tmp}_{s}" for s in ("idx", "x", "y", "n", "a", "b", "swap", "ok"))
    multi = f"{tmp}_multi"
    frame = frame.with_columns(
        c(gt_col).str.replace_all("|", "/", literal=True).str.split("/").alias(i),
        c(alt_col).str.contains(",", literal=True).alias(multi),
    )
    frame = frame.with_columns(
        c(i).list.get(0, null_on_oob=True).alias(x),
        c(i).list.get(1, null_on_oob=True).alias(y),
        c(i).list.len().alias(n),
    )
    # Invalid indices fail a strict cast evaluated for every row (a failing cast nested in a when/then
    # branch may never be evaluated: polars evaluates branches only on the rows that reach them).
    bad = _bad_index(c(x), c(alt_col), c(multi)) | _bad_index(c(y), c(alt_col), c(multi))
    frame = frame.with_columns(
        pl.when(bad).then(pl.lit(_BAD)).otherwise(pl.lit("1")).cast(pl.Int8, strict=True).alias(ok)
    )
    valid = c(ok) == 1
    frame = frame.with_columns(
        pl.when(valid).then(_allele(c(x), c(ref_col), c(alt_col), c(multi))).alias(a),
        pl.when(valid).then(_allele(c(y), c(ref_col), c(alt_col), c(multi))).alias(b),
    )
    frame = frame.with_columns((c(b).is_not_null() & (c(b) < c(a))).alias(sw))
    low = pl.when(c(sw)).then(c(b)).otherwise(c(a))
    high = pl.when(c(sw)).then(c(a)).otherwise(c(b))
    joined = pl.concat_str([low, high], separator="\t", ignore_nulls=True)
    diploid = (
        pl.when(c(a).is_null() & c(b).is_null())
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(joined)
        .str.split("\t")
    )
    poly = c(n) > 2
    generic = genotype_generic(
        pl.when(poly).then(c(gt_col)),
        pl.when(poly).then(c(ref_col)),
        split_or_empty(pl.when(poly).then(c(alt_col)), ","),
    )
    frame = frame.with_columns(pl.when(poly).then(generic).otherwise(diploid).alias(out))
    return frame.drop(i, x, y, n, a, b, sw, ok, multi)
