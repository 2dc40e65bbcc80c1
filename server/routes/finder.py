"""The page to find documents, `/documents`, and the page of one document.

Both are plain HTML forms and links, rendered on the server: they work without
JavaScript and load nothing from outside maillage. The search form sends a GET with the
same parameters as `GET /api/search`, so a page of results has a shareable address.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pyoxigraph import NamedNode

from maillage.graph import repository
from maillage.graph.errors import MaillageError, NotFoundError
from maillage.graph.finder import FacetValue, SearchRequest, item_path, run_search
from maillage.graph.models import Document
from maillage.graph.search import MAX_OFFSET
from maillage.server.deps import IrisDep, StoreDep, UserDep
from maillage.server.item_view import TYPE_LABELS
from maillage.server.routes.search import SearchDep
from maillage.server.templating import render_page

logger = logging.getLogger(__name__)

router = APIRouter(tags=["pages"], include_in_schema=False)

PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1
# The facets of the page, in order, with their French legends.
FACET_LEGENDS = {
    "type": "Type d'élément",
    "doc_type": "Type de document",
    "phase": "Phase de la mission",
    "actor": "Acteur",
    "action": "Fiche action",
    "competence": "Compétence",
    "state": "État",
    "year": "Année",
}
# Values listed per facet before the others are left out; selected values always show.
FACET_SHOWN = 12
SORT_LABELS = {"relevance": "Pertinence", "date": "Date, du plus récent"}
STATE_LABELS = {"draft": "Brouillon", "published": "Publié", "archived": "Archivé"}
_MARK = re.compile(r"(</?mark>)")

FacetParameter = Annotated[list[str] | None, Query()]


@dataclass(frozen=True)
class Facet:
    """A facet as the page lists it: a legend and its checkboxes."""

    name: str
    legend: str
    values: list[FacetValue]
    hidden: int


@router.get("/documents", response_class=HTMLResponse)
def read_finder(
    request: Request,
    search: SearchDep,
    store: StoreDep,
    iris: IrisDep,
    user: UserDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    item_type: Annotated[list[str] | None, Query(alias="type")] = None,
    doc_type: FacetParameter = None,
    phase: FacetParameter = None,
    actor: FacetParameter = None,
    action: FacetParameter = None,
    competence: FacetParameter = None,
    state: FacetParameter = None,
    year: FacetParameter = None,
    sort: str = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    """Render the search form, the facets and one page of results.

    Every item type is searched, so the page also finds the actors, actions and
    competences that documents deal with. The type facet narrows it to documents.
    """
    chosen = {
        "type": item_type,
        "doc_type": doc_type,
        "phase": phase,
        "actor": actor,
        "action": action,
        "competence": competence,
        "state": state,
        "year": year,
    }
    filters = {name: values for name, values in chosen.items() if values}
    sort = sort if sort in SORT_LABELS else "relevance"
    search_request = SearchRequest(
        query=q,
        filters=filters,
        sort=sort,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    try:
        answer = run_search(
            search.index, store, iris, search_request, access=search.access(user)
        )
    except MaillageError as exc:
        logger.info("search page request rejected: %s", exc.message)
        context = _context(q, sort, None, [], [], filters)
        context["error"] = (
            "La recherche n'a pas pu être faite : un critère n'est pas valide."
        )
        return render_page(request, "finder.html", context, status_code=exc.status)

    facets = [_facet(name, answer.facets.get(name, [])) for name in FACET_LEGENDS]
    hits = [_hit(hit) for hit in answer.hits]
    context = _context(q, sort, answer, facets, hits, filters)
    context["pages"] = _pages(q, sort, filters, page, answer.total)
    return render_page(request, "finder.html", context)


@router.get("/documents/{key}", response_class=HTMLResponse)
def read_document_page(
    key: str,
    request: Request,
    search: SearchDep,
    store: StoreDep,
    iris: IrisDep,
    user: UserDep,
) -> Response:
    """Render a document: metadata, linked items, files and a link to its history."""
    graphs = search.access(user).readable_graphs()
    try:
        item = repository.read_item(store, iris, "document", key, graphs=graphs)
        document = Document.from_triples(iris, item.iri, item.triples)
    except NotFoundError:
        message = "Ce document n'existe pas, ou vous n'avez pas le droit de le lire."
        return render_page(
            request,
            "error.html",
            {"status": 404, "message": message},
            status_code=404,
        )
    except MaillageError:
        # A document that does not fit its model still has its generic page.
        return Response(status_code=303, headers={"Location": f"/id/document/{key}"})

    labels = _labels(store, document, graphs)
    context = {
        "document": document,
        "key": key,
        "labels": labels,
        "paths": {value: item_path(iris, value) for value in labels},
        "can_edit": user.can_edit,
        "state_label": _state_label(document.workflow_state),
    }
    return render_page(request, "finder_document.html", context)


def trusted_snippet(snippet: str) -> Markup:
    """Return a snippet as markup in which only `<mark>` and `</mark>` are elements.

    The index escapes the text of snippets already. Escaping every other part again
    keeps the page safe even if a snippet came back with raw markup.
    """
    parts = _MARK.split(snippet)
    safe = [
        part if part in ("<mark>", "</mark>") else html.escape(html.unescape(part))
        for part in parts
    ]
    return Markup("".join(safe))


def _context(q, sort, answer, facets, hits, filters) -> dict[str, object]:
    return {
        "q": q,
        "sort": sort,
        "sorts": SORT_LABELS,
        "total": answer.total if answer is not None else 0,
        "partial_query": answer.partial_query if answer is not None else False,
        "facets": facets,
        "hits": hits,
        "filters": filters,
        "pages": [],
        "error": None,
    }


def _facet(name: str, values: list[FacetValue]) -> Facet:
    if name in ("state", "type"):
        label = _state_label if name == "state" else _type_label
        values = [
            FacetValue(v.value, label(v.value), v.count, v.selected) for v in values
        ]
    shown = [v for i, v in enumerate(values) if i < FACET_SHOWN or v.selected]
    return Facet(name, FACET_LEGENDS[name], shown, len(values) - len(shown))


def _hit(hit) -> dict[str, object]:
    path = hit.path
    if hit.type == "document":
        path = "/documents/" + path.rsplit("/", 1)[-1]
    return {
        "title": hit.title,
        "type_label": _type_label(hit.type),
        "path": path,
        "snippet": trusted_snippet(hit.snippet),
        "date": hit.date,
    }


def _pages(
    q: str, sort: str, filters: dict[str, list[str]], page: int, total: int
) -> list[dict[str, object]]:
    """Return the links of the previous page, a window of page numbers, the next one."""
    last = min(max(1, -(-total // PAGE_SIZE)), MAX_PAGE)
    if last == 1:
        return []
    numbers = sorted({1, last, *range(max(1, page - 2), min(last, page + 2) + 1)})
    links = []
    if page > 1:
        links.append(_page_link(q, sort, filters, page - 1, "Page précédente", False))
    for number in numbers:
        links.append(_page_link(q, sort, filters, number, str(number), number == page))
    if page < last:
        links.append(_page_link(q, sort, filters, page + 1, "Page suivante", False))
    return links


def _page_link(q, sort, filters, number: int, text: str, current: bool) -> dict:
    parameters = [("q", q), *((n, v) for n, vs in filters.items() for v in vs)]
    parameters += [("sort", sort), ("page", str(number))]
    return {
        "href": "/documents?" + urlencode(parameters),
        "text": text,
        "current": current,
    }


def _labels(store, document: Document, graphs) -> dict[str, str]:
    nodes = [
        *document.creators,
        *document.about_actors,
        *document.about_actions,
        *document.about_competences,
        *document.subjects,
        document.document_type,
        *(value for value in (document.phase, document.produced_at) if value),
    ]
    labels = repository.read_labels(
        store, [NamedNode(value) for value in nodes], graphs=graphs
    )
    return {value: labels.get(value, value.rsplit("/", 1)[-1]) for value in nodes}


def _type_label(value: str) -> str:
    return TYPE_LABELS.get(value, value)


def _state_label(value: str | None) -> str:
    name = (value or "").rsplit("workflow-state-", 1)[-1]
    return STATE_LABELS.get(name, STATE_LABELS["published"] if not value else name)
