"""Dependencies and helpers of the write and history routes: the writer, JSON bodies.

Errors of these routes may carry more than `detail` and `code`: `errors` and
`violations` for invalid content, `links` for an item other items link to. The route
class `DetailedErrorRoute` adds them to the usual JSON error body, and the `Allow`
header to a 405.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pyoxigraph import NamedNode, Triple

from maillage.graph import repository
from maillage.graph.errors import (
    MaillageError,
    MalformedRequestError,
    UnsupportedMediaTypeError,
)
from maillage.graph.iris import ITEM_TYPES, Iris
from maillage.graph.revisions import ItemState, graph_etag
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import UserDirectory
from maillage.graph.writes import ContentWriter, ReadOnlyTypeError, open_content_writer
from maillage.server.deps import get_directory, get_iris, get_settings, get_store
from maillage.server.errors import NotAcceptableError, UnknownTypeError
from maillage.server.sparql_protocol import read_body

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"

_WRITERS: weakref.WeakKeyDictionary[GraphStore, ContentWriter] = (
    weakref.WeakKeyDictionary()
)
_WRITERS_GUARD = threading.Lock()


class DetailedErrorRoute(APIRoute):
    """A route whose errors keep their details and headers in the JSON body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except MaillageError as exc:
                headers = _error_headers(exc)
                if not isinstance(exc.details, dict) and not headers:
                    raise
                body = {"detail": exc.message, "code": exc.code}
                if isinstance(exc.details, dict):
                    body.update(exc.details)
                return JSONResponse(body, status_code=exc.status, headers=headers)

        return handle


def get_writer(
    store: Annotated[GraphStore, Depends(get_store)],
    iris: Annotated[Iris, Depends(get_iris)],
    settings: Annotated[Settings, Depends(get_settings)],
    directory: Annotated[UserDirectory, Depends(get_directory)],
) -> ContentWriter:
    """Return the writer of the app's store, opening it on first use.

    The writer accepts in `readable_by` only the groups of the app's user directory.
    """
    with _WRITERS_GUARD:
        writer = _WRITERS.get(store)
        if writer is None:
            writer = open_content_writer(
                store, iris, settings, groups=partial(_group_names, directory)
            )
            _WRITERS[store] = writer
    return writer


def _group_names(directory: UserDirectory) -> list[str]:
    return [group.name for group in directory.list_groups()]


WriterDep = Annotated[ContentWriter, Depends(get_writer)]


def check_item_type(item_type: str) -> None:
    """Raise `UnknownTypeError` (404) unless `item_type` is an item type."""
    if item_type not in ITEM_TYPES:
        accepted = ", ".join(ITEM_TYPES)
        raise UnknownTypeError(
            f"unknown item type {item_type[:80]!r}; accepted: {accepted}"
        )


async def read_json_body(
    request: Request, max_bytes: int, media_types: tuple[str, ...]
) -> object:
    """Read and parse a JSON body sent as one of `media_types`.

    Raise 415 for another Content-Type, 413 past `max_bytes` and 400 for text that is
    not JSON, with its line and column.
    """
    header = request.headers.get("content-type") or ""
    media_type = header.split(";", 1)[0].strip().lower()
    if media_type not in media_types:
        shown = media_type or "none"
        raise UnsupportedMediaTypeError(
            f"unsupported Content-Type {shown[:100]!r}: send the body as "
            + " or ".join(media_types)
        )
    body = await read_body(request, max_bytes)
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise MalformedRequestError("the body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise MalformedRequestError(
            f"invalid JSON body: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from exc


def item_response(
    iris: Iris,
    state: ItemState,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Return the item that a write left, as JSON with its ETag."""
    body = triples_json(iris, state.iri, list(state.triples))
    all_headers = {"ETag": state.etag or "", **(headers or {})}
    return JSONResponse(body, status_code=status_code, headers=all_headers)


def triples_json(
    iris: Iris, iri: NamedNode, triples: list[Triple]
) -> dict[str, object]:
    """Return the JSON form of an item's triples, as a read of the item gives it."""
    item = repository.item_from_triples(iris, iri, triples)
    return repository.item_json(iris, item)


def item_etag(store: GraphStore, iris: Iris, item: repository.Item) -> str:
    """Return the ETag of an item: that of its item graph, else a hash of its triples.

    Items of imported datasets have no graph of their own; their tag changes with
    their triples but they cannot be written through the API.
    """
    ref = iris.parse_item(item.iri.value)
    own = store.graph_triples(iris.item_graph(ref.type, ref.key))
    return graph_etag(own or item.triples, item.iri)


def not_acceptable(offered: tuple[str, ...]) -> NotAcceptableError:
    """Return the 406 error that lists the media types on offer."""
    return NotAcceptableError(
        f"none of the requested media types is available; offered: {', '.join(offered)}"
    )


def _error_headers(exc: MaillageError) -> dict[str, str]:
    if isinstance(exc, ReadOnlyTypeError):
        return {"Allow": "GET, HEAD"}
    return {}
