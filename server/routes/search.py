"""The search API, `GET /api/search`, and the lifetime of the app's search index.

The app opens the index at start-up, which rebuilds it when it is new, empty or
marked for rebuild and re-indexes the writes a crash left pending, and closes it at
shutdown. An app served without its lifespan, such as a `TestClient` used outside a
`with` block, opens it at the first request that needs it.

`hook_writer` hooks the index to the writer of the write routes: each write of an
item graph is journalled, written, then re-indexed, so the index follows every REST
write in the same request, and a crash in between is repaired at the next opening.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from pyoxigraph import NamedNode

from maillage.graph.errors import MaillageError
from maillage.graph.finder import FILTERS, SearchAnswer, SearchRequest, run_search
from maillage.graph.indexing import SearchService, mark_for_rebuild
from maillage.graph.search import MAX_LIMIT, MAX_OFFSET
from maillage.graph.search.index import MAX_QUERY_CHARS
from maillage.graph.writes import ContentWriter
from maillage.server.deps import IrisDep, StoreDep, UserDep
from maillage.server.errors import ERROR_RESPONSES
from maillage.server.item_view import TYPE_LABELS

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api", tags=["search"], responses=ERROR_RESPONSES)

_open_lock = threading.Lock()


class SearchUnavailableError(MaillageError):
    code = "search_unavailable"
    status = 503


# The lifetime of the index.


@contextmanager
def search_lifetime(app: FastAPI) -> Iterator[None]:
    """Open the app's search index for the time of the block, then close it.

    An index that cannot open is logged and left closed, so that the app still serves
    everything but search; the search routes then return 503.
    """
    try:
        app.state.search = _open(app)
    except Exception:
        # The store may be unusable, which /health reports; the other routes go on.
        logger.exception("the search index did not open at start-up")
        app.state.search = None
    try:
        yield
    finally:
        service = getattr(app.state, "search", None)
        app.state.search = None
        if service is not None:
            service.close()


async def get_search(request: Request) -> SearchService:
    """Return the app's search service, opening it if the app started without it."""
    service = getattr(request.app.state, "search", None)
    if service is not None:
        return service
    # Opening may rebuild the index, which must not block the event loop.
    return await run_in_threadpool(_open_lazily, request.app)


def _open_lazily(app: FastAPI) -> SearchService:
    state = app.state
    with _open_lock:
        service = getattr(state, "search", None)
        if service is not None:
            return service
        try:
            service = _open(app)
        except MaillageError as exc:
            raise SearchUnavailableError(
                f"the search index is unavailable: {exc.message}"
            ) from exc
        state.search = service
        state.store.on_close(service.close)
    return service


SearchDep = Annotated[SearchService, Depends(get_search)]


def _open(app: FastAPI) -> SearchService:
    state = app.state
    return SearchService.open(state.store, state.iris, state.settings)


# The index follows the writes.


def hook_writer(app: FastAPI, writer: ContentWriter) -> None:
    """Register on `writer` the hooks that keep the app's search index in step.

    Each change of an item graph is journalled, written, then re-indexed; a purge
    also deletes the texts of the files that went.
    """
    writer.hooks.recording.append(_recording_for(app))
    writer.hooks.on_purge.append(_forget_for(app))


def _recording_for(app: FastAPI):
    @contextmanager
    def record(iri: NamedNode) -> Iterator[None]:
        service = _service_for_write(app)
        if service is None:
            # The next opening rebuilds the whole index, this write included.
            mark_for_rebuild(app.state.settings)
            yield
            return
        with service.recording(iri):
            yield

    return record


def _forget_for(app: FastAPI):
    def forget(iri: NamedNode) -> None:
        service = getattr(app.state, "search", None)
        if service is not None:
            service.forget(iri)

    return forget


def _service_for_write(app: FastAPI) -> SearchService | None:
    """Return the app's search service, opening it if needed; None if it cannot open.

    Writes run in a worker thread, so opening here does not block the event loop.
    """
    try:
        return _open_lazily(app)
    except SearchUnavailableError as exc:
        logger.warning("writing without the search index: %s", exc.message)
        return None


# The route.


class SearchHitOut(BaseModel):
    """One matching item. `snippet` is HTML whose only elements are `<mark>`."""

    iri: str
    type: str
    title: str
    snippet: str
    date: date | None
    score: float | None = Field(description="Relevance; null when sorted by date.")
    link: str = Field(description="Path of the item's page on this server.")


class FacetValueOut(BaseModel):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(BaseModel):
    """One page of hits, the number of matching items, and the facet counts.

    A facet's counts leave out its own filter, so they tell what adding a value to
    the filter would find.
    """

    query: str
    total: int
    offset: int
    limit: int
    sort: str
    partial_query: bool = Field(
        description="True when the query's syntax was broken and its words alone "
        "were searched."
    )
    hits: list[SearchHitOut]
    facets: dict[str, list[FacetValueOut]]


@router.get("/search", summary="Search the items in French, with facets")
def read_search(
    search: SearchDep,
    store: StoreDep,
    iris: IrisDep,
    user: UserDep,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_CHARS,
            description="Words; all must match unless joined by OR. Accents, case, "
            "plurals and elisions do not matter. Empty: every item.",
        ),
    ] = "",
    item_type: Annotated[
        list[str] | None,
        Query(alias="type", description="Item types, such as document."),
    ] = None,
    doc_type: Annotated[
        list[str] | None, Query(description="Document types: IRI or slug (diagnostic).")
    ] = None,
    phase: Annotated[
        list[str] | None, Query(description="Phases: IRI or slug (diagnostic).")
    ] = None,
    actor: Annotated[
        list[str] | None,
        Query(description="Organisations: IRI, type/key or actor key."),
    ] = None,
    action: Annotated[
        list[str] | None, Query(description="Action sheets: IRI or key (fa-01).")
    ] = None,
    competence: Annotated[
        list[str] | None, Query(description="Competences: IRI or key (C2520).")
    ] = None,
    state: Annotated[
        list[str] | None,
        Query(description="Workflow states: IRI, draft, published, archived."),
    ] = None,
    year: Annotated[list[str] | None, Query(description="Years, such as 2015.")] = None,
    sort: Literal["relevance", "date"] = "relevance",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 20,
) -> SearchOut:
    """Return one page of the items the user may read that match the words and filters.

    Filters of different names must all match; several values of one name match any.
    Totals, facet counts and snippets count only the items the user may read.
    """
    values = {
        "type": item_type,
        "doc_type": doc_type,
        "phase": phase,
        "actor": actor,
        "action": action,
        "competence": competence,
        "state": state,
        "year": year,
    }
    request = SearchRequest(
        query=q,
        filters={name: values[name] or [] for name in FILTERS if values[name]},
        sort=sort,
        offset=offset,
        limit=limit,
    )
    access = search.access(user)
    answer = run_search(search.index, store, iris, request, access=access)
    return search_out(answer)


def search_out(answer: SearchAnswer) -> SearchOut:
    """Return the API body of a `SearchAnswer`, with French labels of item types."""
    request = answer.request
    facets = {
        name: [
            FacetValueOut(
                value=value.value,
                label=TYPE_LABELS.get(value.value, value.label)
                if name == "type"
                else value.label,
                count=value.count,
                selected=value.selected,
            )
            for value in values
        ]
        for name, values in answer.facets.items()
    }
    hits = [
        SearchHitOut(
            iri=hit.iri,
            type=hit.type,
            title=hit.title,
            snippet=hit.snippet,
            date=hit.date,
            score=hit.score,
            link=hit.path,
        )
        for hit in answer.hits
    ]
    return SearchOut(
        query=request.query,
        total=answer.total,
        offset=request.offset,
        limit=request.limit,
        sort=request.sort,
        partial_query=answer.partial_query,
        hits=hits,
        facets=facets,
    )
