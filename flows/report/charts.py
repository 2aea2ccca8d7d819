"""Inline SVG charts for `anq report`: plain strings, no plotting library, no network.

Why hand-written SVG: the report must open offline from a file (no CDN), weigh little, and
carry its figures in the markup (``data-*`` attributes) so tests, and curious readers with
"view source", can check every bar and point against the warehouse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 1080
MEDIAN_COLOUR = "#1f5fa8"
P90_COLOUR = "#9cc3ea"
SERIES_COLOURS = ("#1f5fa8", "#d9822b", "#3b8e5a")


@dataclass(frozen=True)
class MinistryDelay:
    """Answer delays of one ministry (days from question to answer in the JO)."""

    ministry: str
    answered: int
    median_days: float
    p90_days: float


@dataclass(frozen=True)
class Series:
    """One line of a weekly chart: a name and one value per week."""

    name: str
    values: tuple[int, ...]


def nice_ticks(top: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round axis ticks from 0 to at least ``top`` (1, 2, 2.5 or 5 times a power of ten).

    ``whole``: the axis counts things, so no tick falls between two integers.
    """
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if whole and not float(step).is_integer():
        step = float(math.ceil(step))
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def _num(value: float) -> str:
    """Figures as written in data attributes and labels: integers without '.0'."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def delay_bars(rows: Sequence[MinistryDelay]) -> str:
    """Horizontal bars per ministry: the 90th percentile (light) behind the median (dark)."""
    if not rows:
        return '<p class="empty">No answered written question yet.</p>'
    label_w, row_h, top_pad = 360, 30, 34
    plot_w = WIDTH - label_w - 70
    ticks = nice_ticks(max(r.p90_days for r in rows))
    scale = plot_w / ticks[-1]
    height = top_pad + row_h * len(rows) + 10
    parts = [_svg_open(height, "Answer delay per ministry, median and 90th percentile, in days")]
    for tick in ticks:
        x = label_w + tick * scale
        parts.append(
            f'<line class="grid" x1="{x:.1f}" y1="{top_pad - 6}" x2="{x:.1f}" y2="{height - 8}"/>'
            f'<text class="tick" x="{x:.1f}" y="{top_pad - 12}" text-anchor="middle">'
            f"{_num(tick)}</text>"
        )
    for i, row in enumerate(rows):
        parts.append(_delay_row(row, top_pad + i * row_h, label_w, scale))
    parts.append("</svg>")
    return "".join(parts)


def _delay_row(row: MinistryDelay, y: float, label_w: int, scale: float) -> str:
    name = escape(row.ministry)
    tip = f"{name}: median {_num(row.median_days)} d, p90 {_num(row.p90_days)} d"
    return (
        f'<g class="bar" data-ministry="{name}" data-answered="{row.answered}"'
        f' data-median="{_num(row.median_days)}" data-p90="{_num(row.p90_days)}">'
        f"<title>{tip}, {row.answered} answered</title>"
        f'<text class="label" x="{label_w - 10}" y="{y + 19}" text-anchor="end">'
        f"{escape(_shorten(row.ministry, 48))}</text>"
        f'<rect x="{label_w}" y="{y + 4}" width="{row.p90_days * scale:.1f}" height="22"'
        f' rx="3" fill="{P90_COLOUR}"/>'
        f'<rect x="{label_w}" y="{y + 9}" width="{row.median_days * scale:.1f}" height="12"'
        f' rx="2" fill="{MEDIAN_COLOUR}"/>'
        f'<text class="value" x="{label_w + row.p90_days * scale + 6:.1f}" y="{y + 19}">'
        f"{_num(row.median_days)} / {_num(row.p90_days)}</text></g>"
    )


def weekly_lines(weeks: Sequence[dt.date], series: Sequence[Series], title: str) -> str:
    """A line per series over weeks, with a light area under the first one."""
    if not weeks:
        return '<p class="empty">No dated question yet.</p>'
    left, right, top, bottom, height = 56, 20, 16, 34, 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    ticks = nice_ticks(max(max(s.values, default=0) for s in series), whole=True)
    step = plot_w / max(len(weeks) - 1, 1)

    def point(i: int, v: int) -> str:
        return f"{left + i * step:.1f},{top + plot_h - v / ticks[-1] * plot_h:.1f}"

    parts = [_svg_open(height, title)]
    for tick in ticks:
        y = top + plot_h - tick / ticks[-1] * plot_h
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_num(tick)}</text>"
        )
    parts.append(_week_labels(weeks, left, step, height - 10))
    for n, s in enumerate(series):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        points = " ".join(point(i, v) for i, v in enumerate(s.values))
        if n == 0:
            base = f"{left + (len(weeks) - 1) * step:.1f},{top + plot_h} {left},{top + plot_h}"
            parts.append(f'<polygon points="{points} {base}" fill="{colour}" opacity="0.12"/>')
        parts.append(
            f'<polyline class="series" data-series="{escape(s.name)}"'
            f' data-values="{",".join(map(str, s.values))}" points="{points}"'
            f' fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(names: Sequence[str]) -> str:
    """The colour key of a line chart, in the same order as its series."""
    items = (
        f'<span class="key"><i style="background:{SERIES_COLOURS[n % len(SERIES_COLOURS)]}">'
        f"</i>{escape(name)}</span>"
        for n, name in enumerate(names)
    )
    return f'<div class="legend">{"".join(items)}</div>'


def _week_labels(weeks: Sequence[dt.date], left: float, step: float, y: float) -> str:
    """Dates under the x axis, the first and last kept inside the chart."""
    labels = []
    for i in _label_positions(len(weeks)):
        anchor = "start" if i == 0 else "end" if i == len(weeks) - 1 else "middle"
        labels.append(
            f'<text class="tick" x="{left + i * step:.1f}" y="{y}"'
            f' text-anchor="{anchor}">{weeks[i].isoformat()}</text>'
        )
    return "".join(labels)


def _label_positions(n: int, labels: int = 7) -> list[int]:
    """Indexes of the weeks that get a date under the axis: evenly spread, last included."""
    if n <= labels:
        return list(range(n))
    return sorted({round(i * (n - 1) / (labels - 1)) for i in range(labels)})


def _svg_open(height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}"'
        f' width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
