"""The history of an item: its revisions, any one of them, and the diff of two.

Revisions live outside the SPARQL dataset and are read here only, with the item's
access rights. A user who may not read the item gets 404, and an item in the trash
shows its history to the editors who could read it. A revision that was a draft or
restricted stays hidden from those who could not read it then.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from maillage.graph.revisions import diff_triples, read_history, read_revision
from maillage.server.deps import IrisDep, StoreDep, UserDep
from maillage.server.negotiation import negotiate
from maillage.server.representations import JSON_LD, N_TRIPLES, TURTLE, rdf_response
from maillage.server.writing import (
    JSON,
    DetailedErrorRoute,
    WriterDep,
    check_item_type,
    not_acceptable,
    triples_json,
)

router = APIRouter(route_class=DetailedErrorRoute, tags=["history"])

REVISION_MEDIA_TYPES = (JSON, JSON_LD, TURTLE, N_TRIPLES)

RevisionNumber = Annotated[int, Path(ge=1, description="Revision number, from 1.")]


class RevisionSummary(BaseModel):
    """One revision: who wrote it, when, why, and the workflow move if any."""

    number: int
    operation: str
    user: str | None
    time: str | None
    comment: str | None
    transition: dict[str, str | None] | None


class History(BaseModel):
    """The revisions of an item, oldest first; `status` is `live` or `trash`."""

    iri: str
    status: str
    current: int
    revisions: list[RevisionSummary]


class Diff(BaseModel):
    """The triples added and removed between two revisions, as N-Triples lines."""

    from_revision: int = Field(alias="from")
    to_revision: int = Field(alias="to")
    added: list[str]
    removed: list[str]


@router.get(
    "/{item_type}/{key}/history",
    summary="List the revisions of an item",
    response_model=History,
)
async def read_item_history(
    item_type: str,
    key: str,
    store: StoreDep,
    iris: IrisDep,
    user: UserDep,
    writer: WriterDep,
) -> JSONResponse:
    """Return who wrote each revision of the item, when, and with what comment."""
    check_item_type(item_type)
    state, revisions = await run_in_threadpool(
        read_history, store, writer.revisions, iris, item_type, key, user
    )
    body = {
        "iri": state.iri.value,
        "status": state.status,
        "current": state.head,
        "revisions": [revision.to_dict() for revision in revisions],
    }
    return JSONResponse(body)


@router.get(
    "/{item_type}/{key}/revisions/{number}",
    summary="Read one revision of an item",
    responses={
        200: {
            "content": {media_type: {} for media_type in REVISION_MEDIA_TYPES[1:]},
            "description": "The revision as JSON, JSON-LD, Turtle or N-Triples.",
        }
    },
)
async def read_item_revision(
    item_type: str,
    key: str,
    number: RevisionNumber,
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    user: UserDep,
    writer: WriterDep,
) -> Response:
    """Return the item as it was after revision `number`, as JSON or RDF by Accept."""
    check_item_type(item_type)
    media_type = negotiate(request.headers.get("accept"), REVISION_MEDIA_TYPES)
    if media_type is None:
        raise not_acceptable(REVISION_MEDIA_TYPES)
    triples = await run_in_threadpool(
        read_revision, store, writer.revisions, iris, item_type, key, number, user
    )
    if media_type != JSON:
        return rdf_response(triples, media_type)
    body = triples_json(iris, iris.item(item_type, key), triples)
    return JSONResponse({**body, "revision": number}, headers={"Vary": "Accept"})


@router.get(
    "/{item_type}/{key}/diff",
    summary="Compare two revisions of an item",
    response_model=Diff,
)
async def read_item_diff(
    item_type: str,
    key: str,
    store: StoreDep,
    iris: IrisDep,
    user: UserDep,
    writer: WriterDep,
    from_revision: Annotated[int, Query(alias="from", ge=1)],
    to_revision: Annotated[int, Query(alias="to", ge=1)],
) -> JSONResponse:
    """Return the triples that revision `to` adds and removes, from revision `from`."""
    check_item_type(item_type)

    def compare() -> tuple[list[str], list[str]]:
        old = read_revision(
            store, writer.revisions, iris, item_type, key, from_revision, user
        )
        new = read_revision(
            store, writer.revisions, iris, item_type, key, to_revision, user
        )
        return diff_triples(old, new)

    added, removed = await run_in_threadpool(compare)
    body = {
        "from": from_revision,
        "to": to_revision,
        "added": added,
        "removed": removed,
    }
    return JSONResponse(body)
