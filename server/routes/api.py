"""The REST API of items: item types, lists, single items with their ETag.

The write routes (`items_write`) and the history routes (`history`) share its `/api`
prefix.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pyoxigraph import NamedNode

from maillage.graph import repository
from maillage.graph.errors import InvalidIdentifierError
from maillage.graph.iris import ITEM_TYPES
from maillage.graph.repository import MAX_LIMIT, MAX_OFFSET
from maillage.server.deps import GraphsDep, IrisDep, StoreDep
from maillage.server.errors import ERROR_RESPONSES, ErrorBody
from maillage.server.negotiation import negotiate
from maillage.server.parameters import (
    reject_repeated_parameters,
    reject_unknown_parameters,
)
from maillage.server.representations import JSON_LD, N_TRIPLES, TURTLE, rdf_response
from maillage.server.routes import history, items_write
from maillage.server.writing import check_item_type, item_etag, not_acceptable

# Every route of /api, writes and history included, rejects a repeated parameter. The
# read routes of this module also reject parameters they do not declare.
router = APIRouter(
    prefix="/api",
    tags=["items"],
    responses={
        **ERROR_RESPONSES,
        400: {
            "model": ErrorBody,
            "description": "Invalid item key, or a query parameter that is repeated, "
            "unknown or not among its accepted values.",
        },
    },
    dependencies=[Depends(reject_repeated_parameters)],
)
STRICT = [Depends(reject_unknown_parameters)]

JSON = "application/json"
ITEM_MEDIA_TYPES = (JSON, JSON_LD, TURTLE, N_TRIPLES)


class TypeSummary(BaseModel):
    type: str
    count: int
    href: str


class TypeList(BaseModel):
    types: list[TypeSummary]


class ItemPage(BaseModel):
    """One page of items; `next` is the address of the following page, if any."""

    total: int
    offset: int
    limit: int
    items: list[dict[str, object]]
    next: str | None


Offset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Number of items to skip.")
]
Limit = Annotated[
    int, Query(ge=0, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}.")
]
TitleFilter = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Keep items whose title or label contains this text, "
        "ignoring case and accents.",
    ),
]
ClassFilter = Annotated[
    str | None,
    Query(
        alias="class",
        max_length=500,
        description="Keep items of this class: a full IRI or a prefixed name "
        "such as `mlg:Deliberation`.",
    ),
]
Sort = Annotated[
    str,
    Query(
        max_length=100,
        description="Order of the items: `iri` (default), `label` (ignoring case "
        "and accents, items without a label last) or `modified` (newest first, items "
        "never written through the API last).",
    ),
]


@router.get(
    "", summary="List the item types with their counts", dependencies=STRICT
)
def read_types(
    request: Request, store: StoreDep, iris: IrisDep, graphs: GraphsDep
) -> TypeList:
    """Return each item type with the number of items the user may read."""
    summaries = [
        TypeSummary(
            type=item_type,
            count=repository.count_items(store, iris, item_type, graphs=graphs),
            href=str(request.url_for("list_items", item_type=item_type)),
        )
        for item_type in ITEM_TYPES
    ]
    return TypeList(types=summaries)


@router.get(
    "/{item_type}",
    name="list_items",
    summary="List the items of one type",
    response_model=ItemPage,
    dependencies=STRICT,
)
def list_items(
    item_type: str,
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    offset: Offset = 0,
    limit: Limit = 50,
    q: TitleFilter = None,
    rdf_class: ClassFilter = None,
    sort: Sort = "iri",
) -> JSONResponse:
    """Return one page of the items of `item_type` that the user may read.

    Raises a 400 error for a `sort` that is not one of `repository.SORTS`.
    """
    check_item_type(item_type)
    page = repository.list_items(
        store,
        iris,
        item_type,
        graphs=graphs,
        offset=offset,
        limit=limit,
        title_contains=q,
        rdf_class=parse_class_filter(rdf_class),
        sort=sort,
    )
    following = offset + limit
    next_url = None
    if limit and following < page.total:
        next_url = str(request.url.include_query_params(offset=following, limit=limit))
    # The items are already JSON, so the page skips a second validation by ItemPage.
    body = {
        "total": page.total,
        "offset": offset,
        "limit": limit,
        "items": [repository.item_json(iris, item) for item in page.items],
        "next": next_url,
    }
    return JSONResponse(body)


@router.get(
    "/{item_type}/{key}",
    summary="Read one item",
    dependencies=STRICT,
    responses={
        200: {
            "content": {media_type: {} for media_type in ITEM_MEDIA_TYPES[1:]},
            "description": "The item as JSON, JSON-LD, Turtle or N-Triples, by Accept.",
        }
    },
)
def read_item(
    item_type: str,
    key: str,
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
) -> Response:
    """Return one item as JSON, or as RDF when Accept names an RDF media type.

    The ETag names the stored version of the item, whatever the media type; a write
    sends it back in If-Match. A matching If-None-Match gets 304.
    """
    check_item_type(item_type)
    media_type = negotiate(request.headers.get("accept"), ITEM_MEDIA_TYPES)
    if media_type is None:
        raise not_acceptable(ITEM_MEDIA_TYPES)
    item = repository.read_item(store, iris, item_type, key, graphs=graphs)
    etag = item_etag(store, iris, item)
    headers = {"Vary": "Accept", "ETag": etag}
    if etag in _entity_tags(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    if media_type == JSON:
        body = repository.item_json(iris, item)
        return JSONResponse(body, headers=headers)
    response = rdf_response(item.triples, media_type)
    response.headers["ETag"] = etag
    return response


def _entity_tags(header: str | None) -> list[str]:
    if not header:
        return []
    return [tag.strip().removeprefix("W/") for tag in header.split(",")]


def parse_class_filter(value: str | None) -> NamedNode | None:
    """Return the class IRI of the `class` parameter; raise a 422 error if invalid."""
    if value is None:
        return None
    try:
        return repository.expand_curie(value)
    except InvalidIdentifierError as exc:
        error = {
            "type": "value_error",
            "loc": ("query", "class"),
            "input": value,
            "ctx": {"error": exc.message},
        }
        raise RequestValidationError([error]) from exc


# A 405 lists the methods of every route of the path (`maillage.server.errors`), so
# `Allow` on `/api/{type}` names POST from these routes too.
router.include_router(items_write.router)
router.include_router(history.router)
