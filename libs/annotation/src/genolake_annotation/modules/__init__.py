"""Annotation modules: an "app store" of curated variant annotations, and matching a sample against them.

A *module* (just-dna-lite compatible) is authored as a spec folder (``module_spec.yaml`` +
``variants.csv`` + ``studies.csv``; rules in :mod:`~genolake_annotation.modules.spec`) and compiled into a
folder of parquet tables with a ``module.json`` manifest (name, version, source, sha256 of each file,
build; :mod:`~genolake_annotation.modules.manifest`). Modules come from the Hugging Face dataset
``just-dna-seq/annotators``, any S3 prefix, or a local folder (:mod:`~genolake_annotation.modules.sources`),
listed in a ``modules.yaml`` registry with version pins (:mod:`~genolake_annotation.modules.registry`).
The LongevityMap module is built from its SQLite database (:func:`build_longevity_module`); the two
example specs ``mthfr_nad`` and ``cyp_panel`` ship with the package (:func:`builtin_spec_dirs`).

:func:`annotate` matches one normalized parquet against modules (by position where a module row has
one, by rsid otherwise) with either engine (``polars`` or ``duckdb``: identical outputs), writing the
annotation rows, the matched studies, a per-module summary and the lineage
(:mod:`~genolake_annotation.modules.annotate`; the matching rules are in
:mod:`~genolake_annotation.modules.match_common`).

Nothing heavy runs at import: DuckDB, huggingface-hub and boto3 are imported when used.
"""

from __future__ import annotations

from genolake_annotation.modules.annotate import (
    ENGINES,
    AnnotateResult,
    ModuleSummary,
    annotate,
    read_summary,
)
from genolake_annotation.modules.compile import compile_module
from genolake_annotation.modules.longevity import LONGEVITY_MODULE, LongevityMapError, build_longevity_module
from genolake_annotation.modules.manifest import (
    CompiledModule,
    ModuleIntegrityError,
    ModuleManifest,
    adopt_module_dir,
    open_module,
)
from genolake_annotation.modules.registry import (
    ModuleRegistry,
    RegistryEntry,
    builtin_spec_dirs,
    default_registry,
    load_registry,
    resolve_modules,
)
from genolake_annotation.modules.sources import (
    HF_DEFAULT_REPO,
    HuggingFaceSource,
    LocalSource,
    ModuleSource,
    ModuleSourceError,
    S3Source,
    source_from_uri,
)
from genolake_annotation.modules.spec import ModuleSpecError, SpecProblem, load_spec, validate_spec

__all__ = [
    "ENGINES",
    "HF_DEFAULT_REPO",
    "LONGEVITY_MODULE",
    "AnnotateResult",
    "CompiledModule",
    "HuggingFaceSource",
    "LocalSource",
    "LongevityMapError",
    "ModuleIntegrityError",
    "ModuleManifest",
    "ModuleRegistry",
    "ModuleSource",
    "ModuleSourceError",
    "ModuleSpecError",
    "ModuleSummary",
    "RegistryEntry",
    "S3Source",
    "SpecProblem",
    "adopt_module_dir",
    "annotate",
    "build_longevity_module",
    "builtin_spec_dirs",
    "compile_module",
    "default_registry",
    "load_registry",
    "load_spec",
    "open_module",
    "read_summary",
    "resolve_modules",
    "source_from_uri",
    "validate_spec",
]
