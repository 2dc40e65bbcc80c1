"""The observatory's pages: indicators by theme for a territory, and one indicator.

The overview lists each theme's indicators with the latest figure, its trend over one
and five years and a small chart. The page of an indicator inlines its three SVG charts,
so that screen readers reach their `<title>` and `<desc>`, and gives the same figures as
tables and as JSON and CSV links.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from fastapi import Request
from markupsafe import Markup
from starlette.responses import Response

from maillage.graph.observatory.catalogue import Indicator
from maillage.graph.observatory.figures import Figure, Figures
from maillage.graph.observatory.refresh import LAST_YEAR
from maillage.server.observatory_views import (
    chart_text,
    display_change,
    display_value,
    point,
    trend_symbol,
)
from maillage.server.templating import render_page
from maillage.viz.charts import (
    ChartText,
    render_bars,
    render_comparison,
    render_series,
)

KIND_LABELS = {
    "count": "effectif",
    "rate": "taux",
    "amount": "montant",
    "ratio": "ratio",
}


def render_overview(
    request: Request, figures: Figures, territory: str, territory_param: str
) -> Response:
    """Render the indicators by theme with their latest figure for `territory`."""
    kind, _, label, departement, _ = figures.territory(territory)
    indicators = figures.catalogue.catalogue_indicators()
    latest = figures.latest(territory, indicators)
    themes: dict[str, dict[str, object]] = {}
    any_generated = False
    for indicator in indicators:
        figure, one, five = latest.get(indicator.iri, (None, None, None))
        any_generated = any_generated or bool(figure and figure.generated)
        entry = _entry(indicator, figure, one, five, territory_param)
        theme = indicator.themes[0]
        group = themes.setdefault(theme.iri, {"label": theme.label, "rows": []})
        group["rows"].append(entry)
    context = {
        "territory_label": label,
        "territory_kind": kind,
        "territory_param": territory_param,
        "themes": sorted(themes.values(), key=lambda theme: theme["label"]),
        "choices": _choices(figures, territory, kind, departement),
        "any_generated": any_generated,
    }
    return render_page(request, "observatory.html", context)


def render_indicator_page(
    request: Request,
    figures: Figures,
    indicator: Indicator,
    territory: str,
    territory_param: str,
) -> Response:
    """Render one indicator: definition, charts and tables for `territory`."""
    kind, _, label, _, _ = figures.territory(territory)
    series = figures.series(indicator, territory)
    year = series[-1].year if series else None

    charts: list[Markup] = []
    comparison_rows: list[tuple[str, str]] = []
    commune_rows: list[tuple[str, str]] = []
    if series:
        charts.append(Markup(_series_chart(figures, indicator, series, label)))
        comparison = figures.comparison(indicator, territory, year)
        comparison_rows = [
            (name, display_value(f, indicator)) for _, name, f in comparison.figures
        ]
        charts.append(
            Markup(_comparison_chart(figures, indicator, comparison.figures, year))
        )
    if kind == "epci" and year is not None:
        communes, note = figures.communes_of(indicator, territory, year)
        commune_rows = [(name, display_value(f, indicator)) for _, name, f in communes]
        charts.append(
            Markup(_communes_chart(figures, indicator, communes, label, year, note))
        )

    query = {"indicator": indicator.key, "territory": territory_param}
    context = {
        "indicator": indicator,
        "kind_label": KIND_LABELS.get(indicator.kind or "", "indicateur"),
        "numerator": _label_of(figures, indicator.numerator),
        "denominator": _label_of(figures, indicator.denominator),
        "territory_label": label,
        "territory_param": territory_param,
        "year": year,
        "series_rows": [
            (f.year, display_value(f, indicator), _status(f)) for f in series
        ],
        "comparison_rows": comparison_rows,
        "commune_rows": commune_rows,
        "charts": charts,
        "generated": any(f.generated for f in series),
        "exports": _exports(query, kind, territory_param, year),
    }
    return render_page(request, "observatory_indicator.html", context)


def _entry(indicator, figure, one, five, territory_param) -> dict[str, object]:
    query = urlencode({"indicator": indicator.key, "territory": territory_param})
    return {
        "key": indicator.key,
        "label": indicator.label,
        "unit": indicator.unit,
        "value": display_value(figure, indicator),
        "year": figure.year if figure else None,
        "hidden_reason": figure.hidden.reason if figure and figure.hidden else None,
        "generated": bool(figure and figure.generated),
        "partial": bool(figure and figure.missing),
        "trend": trend_symbol(one),
        "change_1": display_change(one, indicator),
        "change_5": display_change(five, indicator),
        "chart": f"/observatoire/graphiques/evolution.svg?{query}" if figure else None,
        "page": f"/observatoire/indicateurs/{indicator.key}?"
        + urlencode({"territoire": territory_param}),
        "json": f"/api/observatory/series?{query}",
        "csv": f"/api/observatory/series?{query}&format=csv",
    }


def _choices(
    figures: Figures, territory: str, kind: str, departement: str | None
) -> list[tuple[str, str]]:
    """Return other territories to look at: the département, its EPCI, the communes."""
    choices = []
    if departement is not None:
        choices.append(
            (_param(figures, departement), figures.territory(departement)[2])
        )
        for epci in figures.index.territories_in(departement, "epci"):
            choices.append((_param(figures, epci), figures.territory(epci)[2]))
    if kind == "epci":
        perimeter = figures.index.perimeter(territory, LAST_YEAR)
        communes = perimeter[0] if perimeter else []
        labels = figures.index.labels(communes)
        for commune in communes:
            choices.append((_param(figures, commune), labels.get(commune, commune)))
    return choices


def _param(figures: Figures, iri: str) -> str:
    ref = figures.iris.parse_item(iri)
    return f"{ref.type}/{ref.key}" if ref else ""


def _label_of(figures: Figures, iri: str | None) -> str | None:
    if iri is None:
        return None
    found = figures.catalogue.get(iri)
    return found.label if found else iri


def _status(figure: Figure) -> str:
    if figure.is_hidden:
        return figure.hidden.reason
    notes = []
    if figure.generated:
        notes.append("donnée générée")
    if figure.missing:
        notes.append(f"total partiel : {len(figure.missing)} communes sans valeur")
    if figure.note:
        notes.append(figure.note)
    return " ; ".join(notes)


def _with_id(text: ChartText, chart_id: str) -> ChartText:
    return replace(text, chart_id=chart_id)


def _series_chart(figures, indicator, series, label) -> str:
    points = [point(str(f.year), f) for f in series]
    text = chart_text(
        indicator, f"{indicator.label} : {label}", series, figures, x_axis="Année"
    )
    return render_series(points, _with_id(text, "evolution"))


def _comparison_chart(figures, indicator, rows, year) -> str:
    points = [
        point(name, f, highlight=index == 0) for index, (_, name, f) in enumerate(rows)
    ]
    shown = [f for _, _, f in rows]
    text = chart_text(
        indicator,
        f"{indicator.label} : comparaison, {year}",
        shown,
        figures,
        y_axis="Territoire",
    )
    return render_comparison(points, _with_id(text, "comparaison"))


def _communes_chart(figures, indicator, communes, label, year, note) -> str:
    points = [point(name, f) for _, name, f in communes]
    shown = [f for _, _, f in communes]
    text = chart_text(
        indicator,
        f"{indicator.label} par commune : {label}, {year}",
        shown,
        figures,
        y_axis="Commune",
        notes=[note] if note else [],
    )
    return render_bars(points, _with_id(text, "communes"))


def _exports(query, kind, territory_param, year) -> list[tuple[str, str]]:
    encoded = urlencode(query)
    exports = [
        ("Série (JSON)", f"/api/observatory/series?{encoded}"),
        ("Série (CSV)", f"/api/observatory/series?{encoded}&format=csv"),
        ("Comparaison (JSON)", f"/api/observatory/comparison?{encoded}"),
        ("Comparaison (CSV)", f"/api/observatory/comparison?{encoded}&format=csv"),
    ]
    if kind == "epci" and year is not None:
        siren = territory_param.split("/", 1)[1]
        communes = urlencode(
            {"indicator": query["indicator"], "epci": siren, "year": year}
        )
        exports.append(("Communes (JSON)", f"/api/observatory/communes?{communes}"))
        exports.append(
            ("Communes (CSV)", f"/api/observatory/communes?{communes}&format=csv")
        )
    return exports
