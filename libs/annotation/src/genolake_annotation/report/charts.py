"""Inline SVG charts for the report (no scripts, no external assets; every label is HTML-escaped).

Each function returns :class:`markupsafe.Markup` ready to embed: the template does not escape it again,
so every piece of text that comes from data goes through :func:`markupsafe.escape` here.

- :func:`weight_bars`: horizontal bars diverging from zero, one per (label, value); positive values
  (protective) to the right in green, negative (risk) to the left in red; the value is printed.
- :func:`outcome_bar`: one stacked bar of matched / unmatched / skipped counts.
- :func:`percentile_bars`: one bar per score on a 0-100 scale (missing percentiles drawn as an empty track).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

POSITIVE = "#2c8a3e"
NEGATIVE = "#c0392b"
NEUTRAL = "#9aa0a6"
OUTCOME_COLORS = {"matched": "#2c8a3e", "unmatched": "#b0b7bf", "skipped": "#e0a526"}


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if not math.isnan(value) else "0"


def weight_bars(items: Sequence[tuple[str, float]], *, title: str, width: int = 640, row: int = 22) -> Markup:
    """A diverging bar chart of weights (e.g. the total weight per category)."""
    label_w, value_w = 170, 70
    plot_w = width - label_w - value_w
    height = row * max(len(items), 1) + 30
    scale = max((abs(v) for _, v in items), default=0.0) or 1.0
    has_neg = any(v < 0 for _, v in items)
    has_pos = any(v > 0 for _, v in items)
    zero = label_w + (plot_w / 2 if has_neg and has_pos else plot_w if has_neg else 0)
    span = plot_w / 2 if has_neg and has_pos else plot_w
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        )
    ]
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        length = abs(value) / scale * span
        x = zero if value >= 0 else zero - length
        color = POSITIVE if value > 0 else NEGATIVE if value < 0 else NEUTRAL
        parts.append(
            f"<g><title>{escape(label)}: {escape(f'{value:+.4g}')}</title>"
            f'<text x="{label_w - 8}" y="{y + row * 0.65:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(label)}</text>"
            f'<rect x="{x:.1f}" y="{y + 3}" width="{max(length, 1.0):.1f}" height="{row - 8}" '
            f'fill="{color}"/>'
            f'<text x="{width - value_w + 6}" y="{y + row * 0.65:.1f}" class="chart-value">'
            f"{escape(f'{value:+.3f}')}</text></g>"
        )
    parts.append(
        f'<line x1="{zero:.1f}" y1="6" x2="{zero:.1f}" y2="{height - 18}" stroke="#555" stroke-width="1"/>'
        f'<text x="{zero:.1f}" y="{height - 4}" text-anchor="middle" class="chart-axis">0</text>'
    )
    if has_pos:
        parts.append(
            f'<text x="{zero + span:.1f}" y="{height - 4}" text-anchor="end" class="chart-axis">'
            f"+{_num(scale)}</text>"
        )
    if has_neg:
        parts.append(f'<text x="{zero - span:.1f}" y="{height - 4}" class="chart-axis">-{_num(scale)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def outcome_bar(matched: int, unmatched: int, skipped: int, *, width: int = 320, height: int = 14) -> Markup:
    """A stacked bar: matched / unmatched / skipped loci."""
    total = matched + unmatched + skipped
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart outcome" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">'
            f"<title>{matched} matched, {unmatched} unmatched, {skipped} skipped</title>"
        )
    ]
    x = 0.0
    for name, count in (("matched", matched), ("unmatched", unmatched), ("skipped", skipped)):
        if total and count:
            w = count / total * width
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{OUTCOME_COLORS[name]}">'
                f"<title>{name}: {count}</title></rect>"
            )
            x += w
    if not total:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{height}" fill="#eee"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def percentile_bars(items: Sequence[tuple[str, float | None]], *, width: int = 640, row: int = 22) -> Markup:
    """One bar per score: its percentile on a 0-100 track (None: empty track, "n/a")."""
    label_w, value_w = 170, 60
    plot_w = width - label_w - value_w
    height = row * max(len(items), 1) + 12
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><title>Polygenic score percentiles</title>'
        )
    ]
    for i, (label, pct) in enumerate(items):
        y = 6 + i * row
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row * 0.65:.1f}" text-anchor="end" class="chart-label">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{plot_w}" height="{row - 8}" fill="#eee"/>'
        )
        if pct is not None:
            clamped = min(max(pct, 0.0), 100.0)
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{clamped / 100 * plot_w:.1f}" height="{row - 8}" '
                f'fill="#3465a4"/>'
            )
        text = "n/a" if pct is None else f"{pct:.1f}"
        parts.append(
            f'<text x="{width - value_w + 6}" y="{y + row * 0.65:.1f}" class="chart-value">'
            f"{escape(text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["outcome_bar", "percentile_bars", "weight_bars"]
