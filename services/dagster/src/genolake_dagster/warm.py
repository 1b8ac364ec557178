"""Imported once by the code server's forkserver helper (see codeserver.py), never by the runs themselves.

Everything a run worker would otherwise import before its first step: Dagster's execution machinery,
the code location with its assets (polars, the annotation, PRS and report libraries), and the
repository built from `defs`. No connection is opened and no setting is read here, so a forked
worker inherits nothing but code.
"""

from __future__ import annotations

import dagster._core.execution.api  # noqa: F401  (run execution: plans, step execution)
from genolake_annotation.modules import annotate  # noqa: F401
from genolake_annotation.normalize import normalize_single  # noqa: F401
from genolake_annotation.report import write_report  # noqa: F401

from genolake_dagster.definitions import defs

defs.get_repository_def()
