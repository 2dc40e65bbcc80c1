"""The social observatory: figures as JSON or CSV, SVG charts, the page, imports.

Every response shows what the request's user may read: figures of protected datasets
come back with statistical secrecy applied for everyone but administrators
(`maillage.graph.observatory.figures`). Territories are written `{type}/{key}`, as in
their IRI: `epci/200071413`, `commune/07186`, `departement/07`,
`territory/france-metropolitaine`. Indicators are written by key:
`rsa-households-per-1000`.

While the figures are recomputed in the background, after a change of a secrecy rule,
a membership or a large import, a response comes from the index as it was and says
so: the header `Observatory-Recomputing: true` and, in a JSON object, a `recomputing`
member.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Form,
    Query,
    Request,
    UploadFile,
)
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from maillage.graph.errors import InvalidIdentifierError, PayloadTooLargeError
from maillage.graph.iris import Iris
from maillage.graph.observatory.aggregate import change
from maillage.graph.observatory.catalogue import Indicator
from maillage.graph.observatory.communes import import_insee_csv
from maillage.graph.observatory.figures import Figure, Figures
from maillage.graph.observatory.publish import ImportRejectedError
from maillage.graph.observatory.service import Observatory, register_hooks
from maillage.graph.store import GraphStore
from maillage.graph.writes import ContentWriter
from maillage.server.deps import IrisDep, SettingsDep, StoreDep, UserDep
from maillage.server.errors import error_response
from maillage.server.negotiation import negotiate
from maillage.server.observatory_views import (
    change_json,
    chart_text,
    csv_text,
    figure_json,
    indicator_json,
    point,
)
from maillage.server.observatory_page import render_indicator_page, render_overview
from maillage.viz.charts import render_bars, render_comparison, render_series

logger = logging.getLogger(__name__)

# Header of a response read from the index while a refresh runs in the background.
RECOMPUTING_HEADER = "Observatory-Recomputing"
RECOMPUTING_NOTICE = (
    "figures are being recomputed after a change of the catalogue, the territories "
    "or the data; this answer may be out of date, ask again in a moment"
)


class ObservatoryRoute(APIRoute):
    """A route whose response tells when the figures are being recomputed.

    Every response then carries `Observatory-Recomputing: true`, and a JSON object gets
    a `recomputing` member with the notice.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            response = await handler(request)
            if getattr(request.state, "observatory_recomputing", False):
                response = _mark_recomputing(response)
            return response

        return handle


def _mark_recomputing(response: Response) -> Response:
    if isinstance(response, JSONResponse):
        content = json.loads(response.body)
        if isinstance(content, dict):
            content["recomputing"] = RECOMPUTING_NOTICE
            headers = {
                name: value
                for name, value in response.headers.items()
                if name != "content-length"
            }
            response = JSONResponse(
                content, status_code=response.status_code, headers=headers
            )
    response.headers[RECOMPUTING_HEADER] = "true"
    return response


router = APIRouter(tags=["observatory"], route_class=ObservatoryRoute)

JSON = "application/json"
CSV = "text/csv"
SVG = "image/svg+xml"
EXPORT_MEDIA_TYPES = (JSON, CSV)
# An SVG opened on its own runs nothing and loads nothing.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
TERRITORY_PATTERN = r"^[a-z-]+/[A-Za-z0-9._-]+$"

_lock = threading.Lock()


def get_observatory(request: Request, store: StoreDep) -> Observatory:
    """Return the app's observatory, opened on first use over the app's store."""
    return observatory_of(request.app, store)


def observatory_of(app: FastAPI, store: GraphStore | None = None) -> Observatory | None:
    """Return the observatory of the app's store, opened on first use.

    Returns None when the app has no open store.
    """
    state = app.state
    store = store or state.store
    if store is None:
        return None
    with _lock:
        observatory = getattr(state, "observatory", None)
        if observatory is None or observatory.store is not store:
            observatory = Observatory(store, state.iris, state.settings.data_path)
            state.observatory = observatory
    return observatory


def hook_writer(app: FastAPI, writer: ContentWriter) -> None:
    """Register on `writer` the hooks that refresh the app's observatory after writes.

    A write of an indicator or a membership then starts the refresh and the rewrite
    of published copies at once. Without the hooks, they start at the next reading.
    """
    register_hooks(writer, lambda: observatory_of(app))


def get_figures(
    request: Request,
    observatory: Annotated[Observatory, Depends(get_observatory)],
    user: UserDep,
) -> Figures:
    """Return the figures the request's user may see, the index refreshed first."""
    figures = observatory.figures_of(user)
    request.state.observatory_recomputing = observatory.recomputing
    return figures


FiguresDep = Annotated[Figures, Depends(get_figures)]
IndicatorParam = Annotated[
    str,
    Query(
        max_length=200,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="Key of the indicator, such as `rsa-households-per-1000`.",
    ),
]
TerritoryParam = Annotated[
    str,
    Query(
        max_length=220,
        pattern=TERRITORY_PATTERN,
        description="The territory as `{type}/{key}`, such as `epci/200071413`.",
    ),
]
YearParam = Annotated[
    int | None,
    Query(ge=1900, le=2100, description="The year; the latest with data if absent."),
]
FormatParam = Annotated[
    Literal["json", "csv"] | None,
    Query(description="json or csv, for clients that cannot set Accept."),
]


# -- API ------------------------------------------------------------------------------


@router.get("/api/observatory/indicators", summary="List the indicator catalogue")
def read_indicators(figures: FiguresDep) -> JSONResponse:
    """Return the catalogue by theme: definition, unit, kind, quotient, source."""
    indicators = figures.catalogue.catalogue_indicators()
    themes: dict[str, dict[str, object]] = {}
    for indicator in indicators:
        for theme in indicator.themes:
            entry = themes.setdefault(
                theme.iri, {"iri": theme.iri, "label": theme.label, "indicators": []}
            )
            entry["indicators"].append(indicator.key)
    return JSONResponse(
        {
            "indicators": [indicator_json(i, figures) for i in indicators],
            "themes": sorted(themes.values(), key=lambda theme: theme["label"]),
        }
    )


@router.get("/api/observatory/series", summary="Read an indicator's series")
def read_series(
    request: Request,
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    territory: TerritoryParam,
    format: FormatParam = None,
) -> Response:
    """Return the figure of each year for one territory, with the last changes."""
    found = figures.indicator(indicator)
    area = _territory(iris, figures, territory)
    label = figures.territory(area)[2]
    series = figures.series(found, area)
    rows = [figure_json(f, area, label, f.year) for f in series]
    body = {
        "indicator": indicator_json(found, figures),
        "territory": {"iri": area, "label": label},
        "figures": rows,
        "changes": _changes(series),
    }
    return _export(request, format, found, body, rows)


@router.get("/api/observatory/figure", summary="Read one figure of a territory")
def read_figure(
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    territory: TerritoryParam,
    year: Annotated[int, Query(ge=1900, le=2100)],
) -> JSONResponse:
    """Return the figure of a territory for one year: a commune's value, or the sum or
    rate of an EPCI or a département, with the communes that had no value."""
    found = figures.indicator(indicator)
    area = _territory(iris, figures, territory)
    label = figures.territory(area)[2]
    figure = figures.figure(found, area, year)
    return JSONResponse(
        {"indicator": found.key, "figure": figure_json(figure, area, label, year)}
    )


@router.get(
    "/api/observatory/comparison",
    summary="Compare a territory with its département, région and France",
)
def read_comparison(
    request: Request,
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    territory: TerritoryParam,
    year: YearParam = None,
    format: FormatParam = None,
) -> Response:
    """Return the figures of the territory, its département, its région and France."""
    found = figures.indicator(indicator)
    area = _territory(iris, figures, territory)
    period = year or _latest_year(figures, found, area)
    comparison = figures.comparison(found, area, period)
    rows = [figure_json(f, iri, label, period) for iri, label, f in comparison.figures]
    body = {
        "indicator": indicator_json(found, figures),
        "year": period,
        "figures": rows,
    }
    return _export(request, format, found, body, rows)


@router.get(
    "/api/observatory/communes", summary="Read an indicator across an EPCI's communes"
)
def read_communes(
    request: Request,
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    epci: Annotated[str, Query(pattern=r"^\d{9}$", description="SIREN of the EPCI.")],
    year: YearParam = None,
    format: FormatParam = None,
) -> Response:
    """Return each commune of the EPCI's perimeter of the year, and the EPCI total."""
    found = figures.indicator(indicator)
    area = iris.item("epci", epci).value
    label = figures.territory(area)[2]
    period = year or _latest_year(figures, found, area)
    communes, note = figures.communes_of(found, area, period)
    rows = [figure_json(f, iri, name, period) for iri, name, f in communes]
    body = {
        "indicator": indicator_json(found, figures),
        "year": period,
        "epci": figure_json(figures.figure(found, area, period), area, label, period),
        "perimeter_note": note or None,
        "communes": rows,
    }
    return _export(request, format, found, body, rows)


@router.get(
    "/api/observatory/epci", summary="Read an indicator across a département's EPCI"
)
def read_epcis(
    request: Request,
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    departement: Annotated[
        str, Query(pattern=r"^(\d{2,3}|2[AB])$", description="Code of the département.")
    ],
    year: Annotated[int, Query(ge=1900, le=2100)],
    format: FormatParam = None,
) -> Response:
    """Return the figure of each EPCI whose communes lie mostly in the département."""
    found = figures.indicator(indicator)
    area = iris.item("departement", departement).value
    figures.territory(area)
    rows = [
        figure_json(f, iri, label, year)
        for iri, label, f in figures.epcis_of(found, area, year)
    ]
    body = {"indicator": indicator_json(found, figures), "year": year, "epci": rows}
    return _export(request, format, found, body, rows)


@router.get(
    "/api/observatory/latest", summary="Read the latest figure of every indicator"
)
def read_latest(
    figures: FiguresDep, iris: IrisDep, territory: TerritoryParam
) -> JSONResponse:
    """Return each indicator's latest figure and its changes over 1 and 5 years."""
    area = _territory(iris, figures, territory)
    label = figures.territory(area)[2]
    indicators = figures.catalogue.catalogue_indicators()
    latest = figures.latest(area, indicators)
    entries = []
    for indicator in indicators:
        found = latest.get(indicator.iri)
        figure, one, five = found if found else (None, None, None)
        entries.append(
            {
                "indicator": indicator.key,
                "label": indicator.label,
                "unit": indicator.unit,
                "figure": figure_json(figure, area, label, None),
                "change_1_year": change_json(one),
                "change_5_years": change_json(five),
            }
        )
    return JSONResponse(
        {"territory": {"iri": area, "label": label}, "indicators": entries}
    )


@router.get("/api/observatory/group", summary="Compute a figure for a set of communes")
def read_group(
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    year: Annotated[int, Query(ge=1900, le=2100)],
    commune: Annotated[
        list[str],
        Query(
            max_length=40_000,
            description="INSEE code of a commune of the set; repeat the parameter.",
        ),
    ],
) -> JSONResponse:
    """Return the sum (counts) or the quotient of sums (rates) over the communes."""
    found = figures.indicator(indicator)
    communes = [_commune(iris, code) for code in dict.fromkeys(commune)]
    group = figures.group(found, communes, year)
    aggregate = group.aggregate
    return JSONResponse(
        {
            "indicator": indicator_json(found, figures),
            "year": year,
            "value": aggregate.value,
            "numerator": aggregate.numerator,
            "denominator": aggregate.denominator,
            "communes": aggregate.expected,
            "present_communes": aggregate.present,
            "missing_communes": aggregate.missing,
            "hidden_communes": group.hidden,
            "complete": aggregate.complete and not group.hidden,
            "datasets": list(group.datasets),
            "generated": group.generated,
        }
    )


@router.post(
    "/api/observatory/imports",
    status_code=201,
    summary="Import a commune table in the INSEE layout",
)
async def create_import(
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    settings: SettingsDep,
    user: UserDep,
    observatory: Annotated[Observatory, Depends(get_observatory)],
    file: Annotated[UploadFile, File(description="CSV with a CODGEO column.")],
    columns: Annotated[
        str,
        Form(
            max_length=5000,
            description="Columns to import as `COLUMN=indicator-key`, separated by "
            "commas: `P21_POP=population-municipale,P21_POP75P=population-75-plus`.",
        ),
    ],
    year: Annotated[int, Form(ge=1900, le=2100, description="Year of the values.")],
    producer: Annotated[str, Form(min_length=1, max_length=300)],
    slug: Annotated[str | None, Form(max_length=150)] = None,
) -> Response:
    """Check the file against the Data Cube constraints and import it, or list why not.

    A rejected file gets 422 with each row and reason in `problems`, and nothing of it
    is written.
    """
    if not user.can_edit:
        raise HTTPException(403, "importing observatory data needs the editor role")
    mapping = parse_column_map(columns)
    with tempfile.TemporaryDirectory(prefix="maillage-observatory-") as folder:
        name = Path(file.filename or "upload.csv").name or "upload.csv"
        path = Path(folder) / name
        await _save(file, path, settings.max_body_bytes)
        try:
            reports = await run_in_threadpool(
                import_insee_csv,
                store,
                iris,
                path,
                mapping,
                period=year,
                publisher=producer,
                slug=slug,
            )
        except ImportRejectedError as exc:
            problems = [problem.to_dict() for problem in exc.problems]
            return error_response(
                request, 422, exc.message, exc.code, extra={"problems": problems}
            )
    await run_in_threadpool(observatory.refresh)
    logger.info(
        "observatory import of %s by %s: %s", name, user.name, reports[0].dataset
    )
    return JSONResponse(
        {
            "datasets": [
                {"dataset": r.dataset, "graph": r.graph, "triples": r.triples}
                for r in reports
            ]
        },
        status_code=201,
    )


# -- charts ---------------------------------------------------------------------------


@router.get("/observatoire/graphiques/evolution.svg", include_in_schema=False)
def read_series_chart(
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    territory: TerritoryParam,
) -> Response:
    """Return the SVG chart of an indicator over the years for one territory."""
    found = figures.indicator(indicator)
    area = _territory(iris, figures, territory)
    label = figures.territory(area)[2]
    series = figures.series(found, area)
    points = [point(str(f.year), f) for f in series]
    title = f"{found.label} : {label}"
    text = chart_text(found, title, series, figures, x_axis="Année")
    return _svg(render_series(points, text))


@router.get("/observatoire/graphiques/communes.svg", include_in_schema=False)
def read_communes_chart(
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    epci: Annotated[str, Query(pattern=r"^\d{9}$")],
    year: YearParam = None,
) -> Response:
    """Return the SVG bar chart of an indicator across the communes of an EPCI."""
    found = figures.indicator(indicator)
    area = iris.item("epci", epci).value
    label = figures.territory(area)[2]
    period = year or _latest_year(figures, found, area)
    communes, note = figures.communes_of(found, area, period)
    points = [point(name, f) for _, name, f in communes]
    title = f"{found.label} par commune : {label}, {period}"
    notes = [note] if note else []
    shown = [f for _, _, f in communes]
    text = chart_text(found, title, shown, figures, y_axis="Commune", notes=notes)
    return _svg(render_bars(points, text))


@router.get("/observatoire/graphiques/comparaison.svg", include_in_schema=False)
def read_comparison_chart(
    figures: FiguresDep,
    iris: IrisDep,
    indicator: IndicatorParam,
    territory: TerritoryParam,
    year: YearParam = None,
) -> Response:
    """Return the SVG chart of a territory beside its département, région and France."""
    found = figures.indicator(indicator)
    area = _territory(iris, figures, territory)
    period = year or _latest_year(figures, found, area)
    comparison = figures.comparison(found, area, period)
    points = [
        point(label, f, highlight=index == 0)
        for index, (_, label, f) in enumerate(comparison.figures)
    ]
    title = f"{found.label} : comparaison, {period}"
    shown = [f for _, _, f in comparison.figures]
    text = chart_text(found, title, shown, figures, y_axis="Territoire")
    return _svg(render_comparison(points, text))


# -- pages ----------------------------------------------------------------------------


@router.get("/observatoire", response_class=HTMLResponse, include_in_schema=False)
def read_observatory_page(
    request: Request,
    figures: FiguresDep,
    iris: IrisDep,
    territoire: Annotated[
        str, Query(max_length=220, pattern=TERRITORY_PATTERN)
    ] = "epci/200071413",
) -> Response:
    """Return the page of the indicators by theme for one territory."""
    area = _territory(iris, figures, territoire)
    return render_overview(request, figures, area, territoire)


@router.get(
    "/observatoire/indicateurs/{key}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def read_indicator_page(
    key: str,
    request: Request,
    figures: FiguresDep,
    iris: IrisDep,
    territoire: Annotated[
        str, Query(max_length=220, pattern=TERRITORY_PATTERN)
    ] = "epci/200071413",
) -> Response:
    """Return the page of one indicator: its charts and tables for one territory."""
    found = figures.indicator(key)
    area = _territory(iris, figures, territoire)
    return render_indicator_page(request, figures, found, area, territoire)


# -- helpers --------------------------------------------------------------------------


def parse_column_map(text: str) -> dict[str, str]:
    """Return the `COLUMN=indicator-key` pairs of a column map, or raise 422."""
    mapping: dict[str, str] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        column, equals, key = part.partition("=")
        if not equals or not column.strip() or not key.strip():
            raise InvalidIdentifierError(
                f"invalid column map entry {part.strip()[:80]!r}: write "
                "COLUMN=indicator-key, such as P21_POP=population-municipale"
            )
        mapping[column.strip()] = key.strip()
    if not mapping:
        raise InvalidIdentifierError("empty column map: name at least one column")
    return mapping


def _territory(iris: Iris, figures: Figures, value: str) -> str:
    type_, _, key = value.partition("/")
    area = iris.item(type_, key).value
    figures.territory(area)
    return area


def _commune(iris: Iris, code: str) -> str:
    if not code.strip():
        raise InvalidIdentifierError("empty commune code: give an INSEE code")
    return iris.item("commune", code.strip()).value


def _latest_year(figures: Figures, indicator: Indicator, area: str) -> int:
    series = figures.series(indicator, area)
    if not series:
        raise HTTPException(
            404, f"no figure of {indicator.key} for this territory: give a year"
        )
    return series[-1].year


def _changes(series: list[Figure]) -> dict[str, object]:
    values = {f.year: f.value for f in series if f.value is not None}
    if not series:
        return {"1": None, "5": None}
    last = series[-1].year
    return {
        "1": change_json(change(values, last, 1)),
        "5": change_json(change(values, last, 5)),
    }


def _export(
    request: Request,
    format: str | None,
    indicator: Indicator,
    body: dict[str, object],
    rows: list[dict[str, object]],
) -> Response:
    """Return `body` as JSON, or `rows` as CSV, by `format` or by Accept."""
    if format is not None:
        media_type = CSV if format == "csv" else JSON
    else:
        media_type = negotiate(request.headers.get("accept"), EXPORT_MEDIA_TYPES)
        if media_type is None:
            raise HTTPException(406, "offered media types: application/json, text/csv")
    if media_type == CSV:
        name = f"{indicator.key}.csv"
        return Response(
            csv_text(indicator, rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Vary": "Accept",
            },
        )
    return JSONResponse(body, headers={"Vary": "Accept"})


def _svg(body: str) -> Response:
    return Response(
        body, media_type=SVG, headers={"Content-Security-Policy": SVG_POLICY}
    )


async def _save(file: UploadFile, path: Path, limit: int) -> None:
    size = 0
    with path.open("wb") as handle:
        while chunk := await file.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(
                    f"the file passes the limit of {limit} bytes: split it"
                )
            handle.write(chunk)
