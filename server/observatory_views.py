"""JSON, CSV and chart views of the observatory's figures, shared by its routes.

A figure becomes JSON with a `status`: `published` with its value, `hidden` with the
rule and the French reason of statistical secrecy and no value, or `missing` when no
dataset gives it. A CSV export has one row per figure with the same fields, so a
hidden value reads as hidden there too, never as an empty number alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from maillage.graph.observatory.aggregate import Change
from maillage.graph.observatory.catalogue import Indicator
from maillage.graph.observatory.figures import Figure, Figures
from maillage.viz.charts import ChartText, Point, format_number

PUBLISHED = "published"
HIDDEN = "hidden"
MISSING = "missing"

CSV_COLUMNS = (
    "indicator",
    "territory",
    "territory_label",
    "year",
    "status",
    "value",
    "unit",
    "numerator",
    "denominator",
    "hidden_rule",
    "hidden_reason",
    "complete",
    "missing_communes",
    "perimeter_note",
    "datasets",
    "generated",
)


def indicator_json(indicator: Indicator, figures: Figures) -> dict[str, object]:
    """Return the catalogue entry of an indicator as JSON."""
    catalogue = figures.catalogue
    numerator = catalogue.get(indicator.numerator) if indicator.numerator else None
    denominator = (
        catalogue.get(indicator.denominator) if indicator.denominator else None
    )
    return {
        "key": indicator.key,
        "iri": indicator.iri,
        "label": indicator.label,
        "definition": indicator.definition,
        "unit": indicator.unit,
        "kind": indicator.kind,
        "numerator": numerator.key if numerator else None,
        "denominator": denominator.key if denominator else None,
        "multiplier": float(indicator.multiplier) if indicator.is_quotient else None,
        "source": indicator.source,
        "themes": [{"iri": t.iri, "label": t.label} for t in indicator.themes],
        "secrecy_threshold": indicator.secrecy_threshold,
        "demo_data": indicator.demo_data,
        "source_indicators": indicator.sources,
    }


def figure_json(
    figure: Figure | None,
    territory: str,
    label: str,
    year: int | None,
) -> dict[str, object]:
    """Return a figure as JSON; a figure that no dataset gives has status `missing`."""
    if figure is None:
        return {
            "territory": territory,
            "territory_label": label,
            "year": year,
            "status": MISSING,
            "value": None,
        }
    return {
        "territory": territory,
        "territory_label": label,
        "year": figure.year,
        "status": HIDDEN if figure.is_hidden else PUBLISHED,
        "value": figure.value,
        "hidden": figure.hidden.to_dict() if figure.hidden else None,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "level": figure.level,
        "complete": not figure.missing,
        "expected_communes": figure.expected,
        "present_communes": figure.present,
        "missing_communes": list(figure.missing),
        "perimeter_note": figure.note or None,
        "datasets": list(figure.datasets),
        "generated": figure.generated,
    }


def change_json(found: Change | None) -> dict[str, object] | None:
    if found is None:
        return None
    return {
        "years": found.years,
        "start": found.start,
        "end": found.end,
        "difference": found.difference,
        "relative": found.relative,
    }


def csv_text(indicator: Indicator, rows: Iterable[dict[str, object]]) -> str:
    """Return CSV text (RFC 4180, UTF-8, decimal point) of figure JSON rows."""
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        hidden = row.get("hidden") or {}
        writer.writerow(
            [
                indicator.key,
                row["territory"],
                row["territory_label"],
                row["year"] if row["year"] is not None else "",
                row["status"],
                _number(row.get("value")),
                indicator.unit,
                _number(row.get("numerator")),
                _number(row.get("denominator")),
                hidden.get("rule", ""),
                hidden.get("reason", ""),
                _flag(row.get("complete")),
                " ".join(row.get("missing_communes") or []),
                row.get("perimeter_note") or "",
                " ".join(row.get("datasets") or []),
                _flag(row.get("generated")),
            ]
        )
    return output.getvalue()


def chart_text(
    indicator: Indicator,
    title: str,
    figures: Sequence[Figure | None],
    service: Figures,
    *,
    x_axis: str = "",
    y_axis: str = "",
    notes: Sequence[str] = (),
) -> ChartText:
    """Return the words of a chart, with the source and vintage of its datasets."""
    slugs = sorted({s for f in figures if f is not None for s in f.datasets})
    entries = [service.dataset(slug) for slug in slugs]
    publishers = sorted({e.publisher for e in entries if e and e.publisher})
    vintages = sorted({str(e.vintage) for e in entries if e and e.vintage})
    source = ", ".join(publishers) or indicator.source or "non précisée"
    generated = any(f is not None and f.generated for f in figures)
    all_notes = list(notes)
    if any(f is not None and f.missing for f in figures):
        all_notes.append("Certaines communes n'ont pas de valeur : total partiel.")
    return ChartText(
        title=title,
        unit=indicator.unit,
        source=source,
        vintage=", ".join(vintages),
        x_axis=x_axis,
        y_axis=y_axis,
        notes=tuple(all_notes),
        generated=generated,
        decimals=decimals_of(indicator),
    )


def point(label: str, figure: Figure | None, *, highlight: bool = False) -> Point:
    """Return the chart point of a figure: its value, or why it has none."""
    if figure is None:
        return Point(label, None, highlight=highlight)
    reason = figure.hidden.reason if figure.hidden else None
    return Point(label, figure.value, reason, highlight)


def decimals_of(indicator: Indicator) -> int:
    return 1 if indicator.is_quotient else 0


def display_value(figure: Figure | None, indicator: Indicator) -> str:
    """Return a figure as French text for a page: 1 234,5, hidden, or no data."""
    if figure is None:
        return "pas de donnée"
    if figure.is_hidden:
        return "secret statistique"
    if figure.value is None:
        return "pas de donnée"
    return format_number(figure.value, decimals_of(indicator))


def display_change(found: Change | None, indicator: Indicator) -> str:
    """Return a change as French text: +12 (+3,4 %) or +0,8 point."""
    if found is None:
        return "–"
    sign = "+" if found.difference >= 0 else ""
    if indicator.is_quotient:
        unit = " point" if abs(found.difference) < 2 else " points"
        return f"{sign}{format_number(found.difference, 1)}{unit}"
    text = f"{sign}{format_number(found.difference, 0)}"
    if found.relative is not None:
        share_sign = "+" if found.relative >= 0 else ""
        text += f" ({share_sign}{format_number(found.relative * 100, 1)} %)"
    return text


def trend_symbol(found: Change | None) -> str:
    if found is None or found.difference == 0:
        return "→"
    return "↗" if found.difference > 0 else "↘"


def _number(value: object) -> str:
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) else str(value)


def _flag(value: object) -> str:
    if value is None:
        return ""
    return "true" if value else "false"
