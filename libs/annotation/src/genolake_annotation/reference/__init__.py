"""The variant-position reference: rsID -> (chrom, pos, ref, alts) per genome build.

- :mod:`~genolake_annotation.reference.table`: the reference folder (``positions.parquet`` +
  ``reference.json``), built from a dbSNP/Ensembl VCF or an Ensembl variation parquet (or any slice).
- :mod:`~genolake_annotation.reference.sources`: the source file from a local path, S3 or Hugging Face.
- :mod:`~genolake_annotation.reference.lake`: installed versions in the lake (``reference/variants/``) and
  the Mongo ``references`` index (``genolake reference install``).
- :mod:`~genolake_annotation.reference.resolve` / :mod:`~genolake_annotation.reference.compile`: compiling
  modules to positions with strand checks and a compile report.
- :mod:`~genolake_annotation.reference.fill`: filling missing rsIDs at normalization.

Without a reference everything still works: rsID-keyed module rows are matched by rsID.
"""

from __future__ import annotations

from genolake_annotation.reference.table import (
    ReferenceError,
    ReferenceManifest,
    VariantReference,
    build_reference,
    load_reference,
    open_reference,
)

__all__ = [
    "ReferenceError",
    "ReferenceManifest",
    "VariantReference",
    "build_reference",
    "load_reference",
    "open_reference",
]
