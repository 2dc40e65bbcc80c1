"""Pages in French and dereferenceable IRIs: the home page and `/id/{type}/{key}`.

Every item IRI `{base}/id/{type}/{key}` is served at the path `/id/{type}/{key}` of
this server, whatever host and path the configured base has. The representation follows
Accept, and `?format=` overrides it.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from maillage.graph import repository
from maillage.graph.errors import NotFoundError
from maillage.graph.iris import ITEM_TYPES
from maillage.graph.ontology import jsonld_context
from maillage.server.deps import GraphsDep, IrisDep, StoreDep
from maillage.server.errors import ERROR_RESPONSES
from maillage.server.item_view import TYPE_LABELS, build_item_view
from maillage.server.negotiation import negotiate
from maillage.server.parameters import reject_repeated_parameters
from maillage.server.representations import (
    FORMAT_NAMES,
    JSON_LD,
    N_TRIPLES,
    TURTLE,
    rdf_response,
)
from maillage.server.routes.api import check_item_type, not_acceptable
from maillage.server.templating import render_page

logger = logging.getLogger(__name__)

# A repeated `format` is a 400 error rather than the last value winning.
router = APIRouter(
    tags=["pages"], dependencies=[Depends(reject_repeated_parameters)]
)

HTML = "text/html"
PAGE_MEDIA_TYPES = (HTML, TURTLE, JSON_LD, N_TRIPLES)

# Links of the home page: the other ways into the repository.
ENTRY_POINTS = (
    ("/api", "API REST", "les éléments par type, en JSON, JSON-LD ou Turtle"),
    ("/docs", "Documentation de l'API", "OpenAPI, avec essais en ligne"),
    (
        "/sparql",
        "Point d'accès SPARQL",
        "SPARQL 1.1 sur les graphes que vous pouvez lire",
    ),
    ("/query", "Éditeur de requêtes", "écrire et lancer une requête SPARQL"),
    ("/network", "Réseau des acteurs", "qui fait quoi, avec qui, sur quel territoire"),
    ("/documents", "Documents", "rechercher les documents de la mission"),
    ("/juridique", "Suivi juridique", "la base légale de chaque action, date par date"),
    ("/observatoire", "Observatoire social", "les indicateurs par thème et par territoire"),
)

# Other representations of an item page: name, media type and link.
FORMAT_LINKS = (
    ("Turtle", TURTLE, "?format=ttl"),
    ("JSON-LD", JSON_LD, "?format=jsonld"),
    ("N-Triples", N_TRIPLES, "?format=nt"),
)

FormatName = Literal["html", "ttl", "jsonld", "nt"]


@router.get(
    "/", response_class=HTMLResponse, summary="Home page", include_in_schema=False
)
def read_home(
    request: Request, store: StoreDep, iris: IrisDep, graphs: GraphsDep
) -> Response:
    """Render the home page with links and the number of items of each type."""
    counts = [
        (item_type, TYPE_LABELS[item_type], count)
        for item_type in ITEM_TYPES
        if (count := repository.count_items(store, iris, item_type, graphs=graphs))
    ]
    context = {"entry_points": ENTRY_POINTS, "counts": counts, "base": iris.base}
    return render_page(request, "home.html", context)


@router.get(
    "/id/{item_type}/{key}",
    summary="Dereference an item IRI",
    responses={
        200: {
            "content": {media_type: {} for media_type in PAGE_MEDIA_TYPES},
            "description": "An HTML page, or the item's description in an RDF format.",
        },
        **ERROR_RESPONSES,
    },
)
def read_page(
    item_type: str,
    key: str,
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    format: Annotated[
        FormatName | None,
        Query(description="Overrides Accept: html, ttl, jsonld or nt."),
    ] = None,
) -> Response:
    """Return the item's page, or its triples and fragment nodes in an RDF format."""
    check_item_type(item_type)
    media_type = _choose_media_type(request, format)
    item = repository.describe_item(store, iris, item_type, key, graphs=graphs)
    if media_type != HTML:
        return rdf_response(item.triples, media_type)

    root_path = request.scope.get("root_path", "")
    view = build_item_view(store, iris, item, graphs=graphs, root_path=root_path)
    context = {"view": view, "formats": FORMAT_LINKS}
    return render_page(request, "item.html", context, headers={"Vary": "Accept"})


@router.get(
    "/ns/context.jsonld",
    summary="JSON-LD context of maillage's terms",
    response_class=Response,
    responses={200: {"content": {JSON_LD: {}}}},
)
def read_context() -> Response:
    """Return the JSON-LD context that maillage's documents may name."""
    return Response(_load_context(), media_type=JSON_LD)


def _choose_media_type(request: Request, format: str | None) -> str:
    if format == "html":
        return HTML
    if format is not None:
        return FORMAT_NAMES[format]
    media_type = negotiate(request.headers.get("accept"), PAGE_MEDIA_TYPES)
    if media_type is None:
        raise not_acceptable(PAGE_MEDIA_TYPES)
    return media_type


def _load_context() -> bytes:
    try:
        return jsonld_context()
    except FileNotFoundError as exc:
        raise NotFoundError(
            "the JSON-LD context of the ontology is not installed"
        ) from exc
