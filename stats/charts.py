"""Charts drawn on the server as SVG: the same picture in the page and the PDF,
readable without JavaScript. Bars and lines with axis labels and a title.

Colours come from presentation attributes (the page's CSP allows no inline
`style`), in the Okabe–Ito palette, which stays distinguishable with the
common colour-vision deficiencies; every chart also has its data table beside
it, so no figure depends on colour alone."""

import math
from dataclasses import dataclass, field
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
TEXT = "#1a1a1a"
GRID = "#c8c8c8"
_ids = count(1)


@dataclass
class Series:
    name: str
    values: list[int]


@dataclass
class Chart:
    kind: str  # "bar" (grouped bars) or "line"
    title: str
    labels: list[str]
    series: list[Series]
    x_label: str = ""
    y_label: str = ""
    horizontal: bool = False
    uid: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    def svg(self) -> SafeString:
        return render(self)


def nice_ceiling(value: float) -> tuple[int, int]:
    """A round top for the value axis and its step (e.g. 437 → 500, step 100)."""
    if value <= 0:
        return 5, 1
    exponent = 10 ** math.floor(math.log10(value))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * exponent / 5
        if step >= 1 and step * 5 >= value:
            step = math.ceil(step)
            return step * 5, step
    return int(10 * exponent), int(2 * exponent)  # pragma: no cover


def _text(x, y, content, *, anchor="middle", size=12, weight="normal", rotate=None, cls=""):
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    css = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{TEXT}" font-family="DejaVu Sans, Arial, sans-serif"'
        f"{transform}{css}>{escape(content)}</text>"
    )


def render(chart: Chart) -> SafeString:
    if chart.horizontal:
        return _horizontal_bars(chart)
    width, left, right, top = 720, 70, 20, 48
    plot_h = 222
    rotate = len(chart.labels) > 8
    # Rotated labels need room under the axis for the longest of them (about
    # 4.6 px of height a character at 45°), above the axis title and the legend.
    longest = max((len(label) for label in chart.labels), default=0)
    bottom = max(90, round(68 + 4.6 * longest)) if rotate else 90
    height = top + plot_h + bottom
    plot_w = width - left - right
    peak = max((v for s in chart.series for v in s.values), default=0)
    ceiling, step = nice_ceiling(peak)
    parts = _open(chart, width, height)
    parts.append(_text(width / 2, 22, chart.title, size=16, weight="bold"))
    # Value axis and grid.
    for tick in range(0, ceiling + 1, step):
        y = top + plot_h - plot_h * tick / ceiling
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 8, y + 4, f"{tick}", anchor="end", size=11))
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{TEXT}" stroke-width="1"/>'
    )
    if chart.y_label:
        parts.append(_text(16, top + plot_h / 2, chart.y_label, size=12, rotate=-90))
    n = max(len(chart.labels), 1)
    slot = plot_w / n
    for index, label in enumerate(chart.labels):
        x = left + slot * (index + 0.5)
        if rotate:
            parts.append(_text(x + 4, top + plot_h + 14, label, anchor="end", size=11, rotate=-45))
        else:
            parts.append(_text(x, top + plot_h + 18, label, size=11))
    if chart.x_label:
        parts.append(_text(left + plot_w / 2, height - 34, chart.x_label, size=12))
    if chart.kind == "line":
        for number, series in enumerate(chart.series):
            colour = PALETTE[number % len(PALETTE)]
            points = [
                (left + slot * (i + 0.5), top + plot_h - plot_h * v / ceiling)
                for i, v in enumerate(series.values)
            ]
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            dash = "" if number == 0 else ' stroke-dasharray="6 4"'
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5"{dash}/>'
            )
            for (x, y), value in zip(points, series.values, strict=True):
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                    f"<title>{escape(series.name)}: {value}</title></circle>"
                )
    else:
        groups = max(len(chart.series), 1)
        bar_w = slot * 0.8 / groups
        for number, series in enumerate(chart.series):
            colour = PALETTE[number % len(PALETTE)]
            for i, value in enumerate(series.values):
                h = plot_h * value / ceiling
                x = left + slot * i + slot * 0.1 + bar_w * number
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(chart.labels[i])}, {escape(series.name)}: {value}</title>"
                    f"</rect>"
                )
    parts.extend(_legend(chart, left, height - 14))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _horizontal_bars(chart: Chart) -> SafeString:
    """One series per category row, for long category names (sectors, areas)."""
    row_h = 26
    groups = max(len(chart.series), 1)
    width = 720
    left, right, top = 230, 60, 48
    plot_w = width - left - right
    height = top + row_h * groups * max(len(chart.labels), 1) + 70
    peak = max((v for s in chart.series for v in s.values), default=0)
    ceiling, step = nice_ceiling(peak)
    parts = _open(chart, width, height)
    parts.append(_text(width / 2, 22, chart.title, size=16, weight="bold"))
    bottom = height - 62
    for tick in range(0, ceiling + 1, step):
        x = left + plot_w * tick / ceiling
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(x, bottom + 16, f"{tick}", size=11))
    if chart.x_label:
        parts.append(_text(left + plot_w / 2, bottom + 36, chart.x_label, size=12))
    for i, label in enumerate(chart.labels):
        y0 = top + row_h * groups * i
        parts.append(
            _text(left - 8, y0 + row_h * groups / 2 + 4, _shorten(label), anchor="end", size=12)
        )
        for number, series in enumerate(chart.series):
            colour = PALETTE[number % len(PALETTE)]
            value = series.values[i]
            w = plot_w * value / ceiling
            y = y0 + row_h * number + 3
            parts.append(
                f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="{row_h - 6}" '
                f'fill="{colour}"><title>{escape(label)}, {escape(series.name)}: {value}</title>'
                f"</rect>"
            )
            parts.append(
                _text(left + w + 4, y + row_h / 2 + 1, f"{value}", anchor="start", size=11)
            )
    parts.extend(_legend(chart, left, height - 14))
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _shorten(label: str, limit: int = 32) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _open(chart: Chart, width: int, height: int) -> list[str]:
    description = "; ".join(s.name for s in chart.series)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stats-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart.uid}-title {chart.uid}-desc">',
        f'<title id="{chart.uid}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.uid}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _legend(chart: Chart, x: float, y: float) -> list[str]:
    parts = []
    for number, series in enumerate(chart.series):
        colour = PALETTE[number % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        parts.append(_text(x + 18, y, series.name, anchor="start", size=12))
        x += 30 + 7.5 * len(series.name)
    return parts
