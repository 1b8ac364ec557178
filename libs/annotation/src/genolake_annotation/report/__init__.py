"""The HTML report: one self-contained file per partition (rules in :mod:`genolake_annotation.report.render`).

Public API: :func:`render_report` (annotation folder or :class:`AnnotationFrames` + provenance + optional
PRS results -> HTML text), :func:`write_report` (the same, written atomically),
:func:`load_annotation_frames`.
"""

from __future__ import annotations

from genolake_annotation.report.render import (
    PRS_COLUMNS,
    AnnotationFrames,
    load_annotation_frames,
    render_report,
    write_report,
)

__all__ = ["PRS_COLUMNS", "AnnotationFrames", "load_annotation_frames", "render_report", "write_report"]
