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
- ``dp``: FORMAT DP of the sample (found by its position in this record's FORMAT, which varies), else
  INFO DP, else null.
"""

from __future__ import annotations

import polars as pl

from genolake_annotation.normalize.fields import missing_to_null


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


def genotype(gt_expr: pl.Expr, ref: pl.Expr, alts: pl.Expr) -> pl.Expr:
    called = pl.concat_list(ref, alts).list.gather(allele_indices(gt_expr)).list.sort()
    return pl.when(called.list.len() > 0).then(called).otherwise(pl.lit(None, dtype=pl.List(pl.String)))
