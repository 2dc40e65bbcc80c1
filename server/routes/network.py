"""Serve the who-does-what network: its page, its data, analytics and exports.

Every route takes the same filters: `date`, `kind`, `relation`, `competence`, `theme`
and `territory` (`maillage.viz.filters`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BeforeValidator
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from maillage.graph.errors import NotFoundError
from maillage.server.deps import GraphsDep, IrisDep, StoreDep
from maillage.viz.analytics import compute_analytics
from maillage.viz.export import GEXF, GRAPHML, serialize_gexf, serialize_graphml
from maillage.viz.filters import NetworkFilter, filter_network, parse_filter
from maillage.viz.kinds import ACTOR_KINDS, RELATIONS
from maillage.viz.network import cached, graph_names, read_network
from maillage.viz.page import STATIC_DIR, STATIC_URL, read_page_documents

router = APIRouter(tags=["network"])

# Files of viz/static that the page loads, with their media types.
STATIC_FILES: dict[str, str] = {
    "vis-network.min.js": "text/javascript",
    "vis-network.LICENSE.txt": "text/plain",
    "network.js": "text/javascript",
    "network.css": "text/css",
}

# The page runs only scripts and styles served by maillage. Its icon is an empty data:
# image, so that the browser does not request /favicon.ico.
PAGE_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def _empty_as_none(value: object) -> object:
    # The page's date field sends an empty value when no date is chosen.
    return value or None


@dataclass(frozen=True)
class FilterQuery:
    """The filter parameters of every network route."""

    kind: list[str] | None
    relation: list[str] | None
    on: date | None
    competence: list[str] | None
    theme: list[str] | None
    territory: list[str] | None


def read_filter_query(
    kind: Annotated[
        list[str] | None,
        Query(description=f"Actor kinds to keep, among: {', '.join(ACTOR_KINDS)}."),
    ] = None,
    relation: Annotated[
        list[str] | None,
        Query(description=f"Relations to keep, among: {', '.join(RELATIONS)}."),
    ] = None,
    on: Annotated[
        date | None,
        BeforeValidator(_empty_as_none),
        Query(
            alias="date",
            description="Show the memberships and transfers valid on this date, "
            "YYYY-MM-DD.",
        ),
    ] = None,
    competence: Annotated[
        list[str] | None,
        Query(description="Keep the actions that rely on these competences (`C2520`)."),
    ] = None,
    theme: Annotated[
        list[str] | None,
        Query(description="Keep the actions on these themes (`acces-aux-droits`)."),
    ] = None,
    territory: Annotated[
        list[str] | None,
        Query(
            description="Keep the actions on these territories, their members or their "
            "EPCI: `commune/07186`, `epci/200071413`, `departement/07`."
        ),
    ] = None,
) -> FilterQuery:
    # Empty values come from the page's menus left on "all".
    return FilterQuery(
        _values(kind),
        _values(relation),
        on,
        _values(competence),
        _values(theme),
        _values(territory),
    )


FilterDep = Annotated[FilterQuery, Depends(read_filter_query)]


@router.get("/network", response_class=HTMLResponse)
def read_network_page(
    store: StoreDep, iris: IrisDep, graphs: GraphsDep, query: FilterDep
) -> HTMLResponse:
    """Return the page that draws who does what: actors, action sheets, competences."""
    documents = read_page_documents(store, iris, graphs, _filter(iris, query))
    return HTMLResponse(
        documents.html, headers={"Content-Security-Policy": PAGE_SECURITY_POLICY}
    )


@router.get("/network.json")
def read_network_data(
    store: StoreDep, iris: IrisDep, graphs: GraphsDep, query: FilterDep
) -> Response:
    """Return the nodes, edges, legend, menus and drawing options of the page."""
    # The page's own JSON text, escaped for a script element, is valid JSON too, and
    # sending it as it is skips FastAPI's encoding of 2,000 nodes.
    documents = read_page_documents(store, iris, graphs, _filter(iris, query))
    return Response(documents.json_text, media_type="application/json")


@router.get("/network/analytics.json")
def read_network_analytics(
    store: StoreDep, iris: IrisDep, graphs: GraphsDep, query: FilterDep
) -> JSONResponse:
    """Return the centrality of actors, isolated actors and uncovered themes."""
    keep = _filter(iris, query)

    def build() -> dict:
        network = filter_network(read_network(store, iris, graphs), keep)
        return compute_analytics(network, store, iris, graphs)

    # Betweenness takes seconds at 2,000 nodes, so results wait for the next write.
    key = ("analytics", iris.base, graph_names(graphs), keep)
    return JSONResponse(cached(store, key, build))


@router.get(
    "/network.graphml",
    response_class=Response,
    responses={200: {"content": {GRAPHML: {}}}},
)
def read_network_graphml(
    store: StoreDep, iris: IrisDep, graphs: GraphsDep, query: FilterDep
) -> Response:
    """Return the network as GraphML, for Gephi, yEd or networkx."""
    network = _network(store, iris, graphs, query)
    return _download(serialize_graphml(network), GRAPHML, "reseau.graphml")


@router.get(
    "/network.gexf", response_class=Response, responses={200: {"content": {GEXF: {}}}}
)
def read_network_gexf(
    store: StoreDep, iris: IrisDep, graphs: GraphsDep, query: FilterDep
) -> Response:
    """Return the network as GEXF 1.2 with the page's layout, for Gephi."""
    network = _network(store, iris, graphs, query)
    return _download(serialize_gexf(network), GEXF, "reseau.gexf")


@router.get(f"{STATIC_URL}/{{name}}", include_in_schema=False)
def read_network_asset(name: str) -> FileResponse:
    """Return one of the page's script, style or licence files."""
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise NotFoundError(f"no network page file named {name[:80]!r}")
    return FileResponse(
        STATIC_DIR / name,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=300"},
    )


def _network(store, iris, graphs, query: FilterQuery):
    """Return the network the user may read, filtered as the query requests."""
    return filter_network(read_network(store, iris, graphs), _filter(iris, query))


def _filter(iris, query: FilterQuery) -> NetworkFilter:
    return parse_filter(
        iris,
        kinds=query.kind,
        relations=query.relation,
        on=query.on,
        competences=query.competence,
        themes=query.theme,
        territories=query.territory,
    )


def _values(values: list[str] | None) -> list[str] | None:
    kept = [value for value in values or () if value.strip()]
    return kept or None


def _download(body: bytes, media_type: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)
