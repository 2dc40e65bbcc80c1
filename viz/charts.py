"""Server-rendered SVG charts of indicators, with no script and no external asset.

Three charts: a series over the years for one territory (`render_series`), one
indicator across the communes of an EPCI (`render_bars`), and a territory beside its
département, région and France (`render_comparison`). Each carries a title, axis
titles, the unit, the source and its vintage, numbers in French format (1 234,5 with a
narrow no-break space), and `<title>` and `<desc>` elements that screen readers read
out (https://www.w3.org/TR/SVG2/struct.html#DescriptionAndTitleElements). Every text
that comes from data is escaped. A hidden value is drawn as a hatched gap labelled
"secret statistique", never as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

NARROW_NO_BREAK_SPACE = "\u202f"
WIDTH = 720
BAR_COLOUR = "#2f5d8a"
HIGHLIGHT_COLOUR = "#c0562b"
GRID_COLOUR = "#d9d9d9"
TEXT_COLOUR = "#1a1a1a"
MUTED_COLOUR = "#555555"
HIDDEN_LABEL = "secret statistique"
MISSING_LABEL = "pas de donnée"


@dataclass(frozen=True)
class Point:
    """One value of a chart: a year or a territory, and its value or why it has none."""

    label: str
    value: float | None
    hidden_reason: str | None = None
    highlight: bool = False

    @property
    def is_hidden(self) -> bool:
        return self.hidden_reason is not None


@dataclass(frozen=True)
class ChartText:
    """The words around a chart: title, axes, unit, source, vintage and notes."""

    title: str
    unit: str
    source: str
    vintage: str
    x_axis: str = ""
    y_axis: str = ""
    notes: tuple[str, ...] = ()
    generated: bool = False
    decimals: int = 0
    # Prefix of the ids of `<title>` and `<desc>`, unique when a page inlines several.
    chart_id: str = "chart"


@dataclass
class _Svg:
    """An SVG document being written, line by line."""

    width: int
    height: int
    chart_id: str = "chart"
    lines: list[str] = field(default_factory=list)

    def text(self, x: float, y: float, content: str, **attributes: str) -> None:
        """Add a text element; `attributes` override the default font and colour."""
        merged = {"font_family": "sans-serif", "font_size": "12", "fill": TEXT_COLOUR}
        merged.update(attributes)
        rendered = "".join(
            f" {name.replace('_', '-')}={quoteattr(value)}"
            for name, value in merged.items()
        )
        self.lines.append(
            f"<text x='{x:.1f}' y='{y:.1f}'{rendered}>{escape(content)}</text>"
        )

    def add(self, line: str) -> None:
        self.lines.append(line)


def format_number(value: float, decimals: int = 0) -> str:
    """Return `value` in French: 1 234,5, groups split by a narrow no-break space."""
    if not math.isfinite(value):
        return "–"
    rounded = round(value, decimals)
    digits = f"{abs(rounded):,.{decimals}f}"
    digits = digits.replace(",", NARROW_NO_BREAK_SPACE).replace(".", ",")
    # U+2212 is the minus sign of French typography.
    return ("\u2212" if rounded < 0 else "") + digits


def render_series(points: Sequence[Point], text: ChartText) -> str:
    """Return an SVG line chart of one territory's values over the years."""
    height = 360
    svg, plot = _start(text, height, _summary(points, text))
    scale = _Scale(_values(points), plot.top, plot.bottom)
    _y_axis(svg, plot, scale, text)
    step = plot.width / max(len(points) - 1, 1)
    xs = [plot.left + index * step for index in range(len(points))]
    if len(points) == 1:
        xs = [plot.left + plot.width / 2]
    _polyline(svg, points, xs, scale)
    for x, point in zip(xs, points):
        svg.text(x, plot.bottom + 18, point.label, text_anchor="middle")
        if point.value is not None:
            y = scale.y(point.value)
            svg.add(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='{BAR_COLOUR}'/>")
        elif point.is_hidden:
            _hidden_marker(svg, x - 8, plot.top, 16, plot.bottom - plot.top)
    svg.text(
        plot.left + plot.width / 2,
        plot.bottom + 38,
        text.x_axis or "Année",
        text_anchor="middle",
        font_weight="bold",
    )
    return _finish(svg, text, height)


def render_bars(points: Sequence[Point], text: ChartText) -> str:
    """Return an SVG chart of horizontal bars, one per territory, largest first."""
    ordered = sorted(points, key=lambda p: (p.value is None, -(p.value or 0), p.label))
    bar, gap = 18, 6
    height = 170 + len(ordered) * (bar + gap)
    svg, plot = _start(text, height, _summary(ordered, text), left=210)
    scale = _Scale(_values(ordered), plot.left, plot.right, horizontal=True)
    _x_axis(svg, plot, scale, text)
    for index, point in enumerate(ordered):
        y = plot.top + index * (bar + gap)
        svg.text(
            plot.left - 8, y + bar - 5, _shorten(point.label, 30), text_anchor="end"
        )
        _bar(svg, scale, point, plot.left, y, bar, text)
    return _finish(svg, text, height)


def render_comparison(points: Sequence[Point], text: ChartText) -> str:
    """Return an SVG chart of a territory beside its département, région and France."""
    return render_bars_in_order(points, text)


def render_bars_in_order(points: Sequence[Point], text: ChartText) -> str:
    """Return horizontal bars in the order given, the first one highlighted."""
    bar, gap = 26, 10
    height = 170 + len(points) * (bar + gap)
    svg, plot = _start(text, height, _summary(points, text), left=210)
    scale = _Scale(_values(points), plot.left, plot.right, horizontal=True)
    _x_axis(svg, plot, scale, text)
    for index, point in enumerate(points):
        y = plot.top + index * (bar + gap)
        svg.text(
            plot.left - 8, y + bar - 8, _shorten(point.label, 30), text_anchor="end"
        )
        _bar(svg, scale, point, plot.left, y, bar, text)
    return _finish(svg, text, height)


# -- layout ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Plot:
    left: float
    right: float
    top: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left


class _Scale:
    """Maps values to pixels, from zero or the lowest negative value to a round top."""

    def __init__(
        self, values: list[float], start: float, end: float, *, horizontal: bool = False
    ) -> None:
        low = min([0.0, *values])
        high = max([0.0, *values])
        self.ticks = _ticks(low, high)
        self.low, self.high = self.ticks[0], self.ticks[-1]
        self.start, self.end = start, end
        self.horizontal = horizontal

    def position(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        share = (value - self.low) / span
        if self.horizontal:
            return self.start + share * (self.end - self.start)
        return self.end - share * (self.end - self.start)

    def y(self, value: float) -> float:
        return self.position(value)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return round tick values that cover `low` to `high`."""
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def _start(
    text: ChartText, height: int, description: str, *, left: int = 80
) -> tuple[_Svg, _Plot]:
    svg = _Svg(WIDTH, height, text.chart_id)
    svg.add(
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{WIDTH}' height='{height}' "
        f"viewBox='0 0 {WIDTH} {height}' role='img' "
        f"aria-labelledby='{text.chart_id}-title {text.chart_id}-desc'>"
    )
    svg.add(f"<title id='{text.chart_id}-title'>{escape(text.title)}</title>")
    svg.add(f"<desc id='{text.chart_id}-desc'>{escape(description)}</desc>")
    svg.add(f"<rect width='{WIDTH}' height='{height}' fill='#ffffff'/>")
    svg.add(_hatch_pattern(text.chart_id))
    svg.text(16, 24, text.title, font_size="16", font_weight="bold")
    if text.generated:
        svg.text(
            16,
            42,
            "Données générées (fictives), pas des valeurs observées",
            fill=HIGHLIGHT_COLOUR,
            font_style="italic",
        )
    plot = _Plot(left=left, right=WIDTH - 30, top=70, bottom=height - 90)
    return svg, plot


def _finish(svg: _Svg, text: ChartText, height: int) -> str:
    y = height - 46
    source = f"Source : {text.source}" + (
        f", millésime {text.vintage}" if text.vintage else ""
    )
    svg.text(16, y, source, fill=MUTED_COLOUR, font_size="11")
    for note in text.notes[:2]:
        y += 14
        svg.text(16, y, _shorten(note, 120), fill=MUTED_COLOUR, font_size="11")
    svg.add("</svg>")
    return "\n".join(svg.lines) + "\n"


def _y_axis(svg: _Svg, plot: _Plot, scale: _Scale, text: ChartText) -> None:
    for tick in scale.ticks:
        y = scale.y(tick)
        svg.add(
            f"<line x1='{plot.left:.1f}' x2='{plot.right:.1f}' y1='{y:.1f}' "
            f"y2='{y:.1f}' stroke='{GRID_COLOUR}'/>"
        )
        svg.text(
            plot.left - 6,
            y + 4,
            format_number(tick, _tick_decimals(scale)),
            text_anchor="end",
        )
    label = text.y_axis or text.unit
    svg.text(
        16,
        plot.top - 10,
        f"{label} ({text.unit})" if text.y_axis else label,
        font_weight="bold",
    )


def _x_axis(svg: _Svg, plot: _Plot, scale: _Scale, text: ChartText) -> None:
    for tick in scale.ticks:
        x = scale.position(tick)
        svg.add(
            f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{plot.top - 4:.1f}' "
            f"y2='{plot.bottom:.1f}' stroke='{GRID_COLOUR}'/>"
        )
        svg.text(
            x,
            plot.bottom + 16,
            format_number(tick, _tick_decimals(scale)),
            text_anchor="middle",
        )
    label = text.x_axis or text.unit
    axis = f"{label} ({text.unit})" if text.x_axis else label
    svg.text(
        plot.left + plot.width / 2,
        plot.bottom + 34,
        axis,
        text_anchor="middle",
        font_weight="bold",
    )
    if text.y_axis:
        svg.text(16, plot.top - 14, text.y_axis, font_weight="bold")


def _tick_decimals(scale: _Scale) -> int:
    step = scale.ticks[1] - scale.ticks[0] if len(scale.ticks) > 1 else 1
    return 0 if step >= 1 else min(3, -math.floor(math.log10(step)))


def _bar(
    svg: _Svg,
    scale: _Scale,
    point: Point,
    left: float,
    y: float,
    bar: float,
    text: ChartText,
) -> None:
    if point.value is None:
        label = HIDDEN_LABEL if point.is_hidden else MISSING_LABEL
        if point.is_hidden:
            _hidden_marker(svg, left, y, 60, bar)
        svg.text(
            left + (66 if point.is_hidden else 4),
            y + bar - 5,
            label,
            fill=MUTED_COLOUR,
            font_style="italic",
        )
        return
    start = scale.position(0)
    end = scale.position(point.value)
    x, width = min(start, end), abs(end - start)
    colour = HIGHLIGHT_COLOUR if point.highlight else BAR_COLOUR
    svg.add(
        f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(width, 1):.1f}' "
        f"height='{bar}' fill='{colour}'/>"
    )
    svg.text(
        max(start, end) + 4, y + bar - 5, format_number(point.value, text.decimals)
    )


def _polyline(
    svg: _Svg, points: Sequence[Point], xs: list[float], scale: _Scale
) -> None:
    """Draw lines between consecutive known values; a gap breaks the line."""
    segment: list[str] = []
    for x, point in zip(xs, points):
        if point.value is None:
            _flush(svg, segment)
            segment = []
            continue
        segment.append(f"{x:.1f},{scale.y(point.value):.1f}")
    _flush(svg, segment)


def _flush(svg: _Svg, segment: list[str]) -> None:
    if len(segment) > 1:
        svg.add(
            f"<polyline points='{' '.join(segment)}' fill='none' "
            f"stroke='{BAR_COLOUR}' stroke-width='2'/>"
        )


def _hatch_pattern(chart_id: str) -> str:
    return (
        f"<defs><pattern id='{chart_id}-hatch' width='6' height='6' "
        "patternUnits='userSpaceOnUse' patternTransform='rotate(45)'>"
        f"<line x1='0' y1='0' x2='0' y2='6' stroke='{MUTED_COLOUR}' stroke-width='2'/>"
        "</pattern></defs>"
    )


def _hidden_marker(svg: _Svg, x: float, y: float, width: float, height: float) -> None:
    svg.add(
        f"<rect x='{x:.1f}' y='{y:.1f}' width='{width:.1f}' height='{height:.1f}' "
        f"fill='url(#{svg.chart_id}-hatch)' opacity='0.5'/>"
    )


def _values(points: Sequence[Point]) -> list[float]:
    return [p.value for p in points if p.value is not None]


def _summary(points: Sequence[Point], text: ChartText) -> str:
    """Return the text alternative of a chart: what it shows and every value."""
    parts = []
    for point in points:
        if point.value is not None:
            parts.append(f"{point.label} : {format_number(point.value, text.decimals)}")
        elif point.is_hidden:
            parts.append(f"{point.label} : {HIDDEN_LABEL}")
        else:
            parts.append(f"{point.label} : {MISSING_LABEL}")
    generated = " Données générées, fictives." if text.generated else ""
    source = f" Source : {text.source}" + (
        f", millésime {text.vintage}." if text.vintage else "."
    )
    return (
        f"{text.title}, en {text.unit}. " + " ; ".join(parts) + "." + source + generated
    )


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
