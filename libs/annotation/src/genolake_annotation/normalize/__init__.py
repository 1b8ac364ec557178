"""VCF normalization: a VCF (plain, gzip or bgzip) -> one parquet file per sample, in GenoLake's layout.

Public API: :func:`read_vcf_header`, :func:`normalize_vcf`, :func:`normalize_single`,
:class:`NormalizeSettings`, :class:`NormalizeResult`, :class:`VcfHeader`, and the errors
:class:`NormalizeError` > :class:`VcfFormatError` (also a ``ValueError``), :class:`VcfBuildMismatchError`.
The product needs no bcftools/htslib: polars reads the records (streaming, gzip/bgzip included).

Output columns (in this order; later versions may append columns, never reorder these):

=========== ================ ==============================================================================
column      type             rule
=========== ================ ==============================================================================
chrom       String           the platform's naming rule (:mod:`genolake_core.chromosomes`): CHROM without
                             ``chr`` (any case: ``chr1``/``CHR1``/``Chr1`` -> ``1``); ``X``/``x``/``23``
                             -> ``X``, ``Y``/``y``/``24`` -> ``Y``, ``chrM``/``M``/``MT``/``26`` -> ``MT``;
                             other contigs as written minus the prefix (``chrUn_xyz`` -> ``Un_xyz``)
start       Int64            POS, 1-based, as written
rsid        String           first ID of the form ``rs<digits>`` (IDs are ``;``-separated), else null
ref         String           REF as written (no left-alignment, no splitting of multi-allelic records)
alts        List(String)     ALT split on ``,``; ``[]`` for ``.``; ``*`` and ``<...>`` kept as written
gt          String           the sample's raw GT (``0|1``, ``./.``, ``1``); null if FORMAT has no GT
genotype    List(String)     sorted sequences of the called alleles from ``[REF] + alts``; missing
                             indices dropped (``./1`` -> ``["G"]``); null when nothing is called;
                             ``*`` and symbolic alleles kept literally (``["*", "T"]``, ``["<DEL>", "A"]``)
filter      String           FILTER as written (``PASS``, ``RefCall``, ``q10;s50``); null for ``.``
qual        Float64          QUAL; null for ``.``
dp          Int64            FORMAT DP of the sample (its position in FORMAT may vary per record), else
                             INFO DP (read only when the header declares INFO DP), else null
af          List(Float64)    INFO AF (Number=A) when the header declares INFO AF, else null; a value
                             that is not a number (``.``) is a null element
ids         List(String)     every ID (``;``-separated); ``[]`` for ``.``
end         Int64            INFO END (when declared in the header and present), else
                             ``start + len(ref) - 1``
rsid_filled Boolean          only when normalized with ``id_reference=`` (genolake_annotation.reference.fill;
                             absent otherwise, so normalization without it costs nothing more): true
                             when ``rsid`` was filled from the reference (the VCF's ID had no rsID)
=========== ================ ==============================================================================

Records: one output row per kept VCF record, in file order. A record is dropped (and counted in
``NormalizeResult.filtered`` under the first reason that applies) when:

- ``ref_block``: it is a gVCF reference block: every ALT is ``<NON_REF>`` or ``<*>`` (such blocks carry
  INFO ``END``). Dropped by default (``drop_ref_blocks=True``); ``ref_blocks`` counts them either way.
  A gVCF *variant* record (ALT ``G,<NON_REF>``) is kept, with ``<NON_REF>`` left in ``alts``.
- ``filter``: ``settings.filters`` is a set and none of the record's FILTER values is in it (a ``.``
  FILTER is kept only if ``"."`` is in the set). ``None`` keeps all.
- ``min_qual``: QUAL below ``settings.min_qual`` or missing.
- ``min_dp``: the sample's ``dp`` below ``settings.min_dp`` or missing.

No-calls (``./.``) are kept (``genotype`` null) and counted in ``no_calls``.

Genome build: from the header's contig lengths (chromosomes 1-22, X, Y), else its ``##reference`` /
``##assembly`` line, else (during normalization) positions beyond a chromosome's end in one build.
``settings.expected_build`` raises :class:`VcfBuildMismatchError` on a mismatch; an undetectable build passes
and is then recorded as the declared one (``build_source = "declared"``).

Files: each output is written to ``.<name>.part-<random>.tmp`` beside it and moved into place with
``os.replace`` only after every requested output succeeded; any error removes the temporary files and
leaves existing outputs untouched. Output directories are created. One streaming pass over the VCF feeds
every requested sample's output (memory stays flat: a few hundred MB whatever the genome size). Each
parquet file carries the run's ``NormalizeResult`` (settings and counts) as JSON under the key-value
metadata key ``genolake.normalize`` (see :func:`read_normalize_metadata`).

Errors: non-VCF input, a header without ``##fileformat`` or ``#CHROM``, and malformed records raise
:class:`VcfFormatError` with the line number and field (``POS``, ``QUAL``, ``INFO/DP``, ``FORMAT/GT``,
``columns`` for a wrong column count or truncated line, ``line`` for a record line of 1 MiB or more, as
header lines). Unknown sample names raise it too, listing the samples the VCF has. CR LF line ends read
as LF. Records may name a chromosome ``chr1`` or ``1`` (both become ``1``);
``NormalizeResult.chrom_naming`` counts each style, so a caller can refuse a file mixing them (the
platform does). Not supported: BCF, and bzip2/xz/zstd compression (rejected with a message).
"Normalize" here means reshaping, not variant normalization: records are neither left-aligned nor split
(run ``bcftools norm`` upstream if that is needed).
"""

from __future__ import annotations

from genolake_annotation.normalize.errors import NormalizeError, VcfBuildMismatchError, VcfFormatError
from genolake_annotation.normalize.header import FieldDef, VcfHeader, read_vcf_header
from genolake_annotation.normalize.pipeline import OUTPUT_COLUMNS, normalize_single, normalize_vcf
from genolake_annotation.normalize.result import NormalizeResult
from genolake_annotation.normalize.settings import NormalizeSettings
from genolake_annotation.normalize.writer import read_normalize_metadata

__all__ = [
    "OUTPUT_COLUMNS",
    "FieldDef",
    "NormalizeError",
    "NormalizeResult",
    "NormalizeSettings",
    "VcfBuildMismatchError",
    "VcfFormatError",
    "VcfHeader",
    "normalize_single",
    "normalize_vcf",
    "read_normalize_metadata",
    "read_vcf_header",
]
