"""The write side of the REST API: create, replace, patch, delete, restore, transition.

A write of an existing item must carry `If-Match` with the ETag of the version it
read (428 without it, 412 when stale). `comment`, a query parameter of every write,
is kept in the revision. Creating an item or restoring one from the trash needs no
ETag, because there is no current version to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from maillage.graph.access import User
from maillage.graph.iris import Iris
from maillage.graph.writes import (
    MAX_COMMENT_CHARS,
    TRANSITIONS,
    WORKFLOW_STATES,
    ContentWriter,
    check_files_unchanged,
)
from maillage.server.deps import EditorDep, IrisDep, SettingsDep
from maillage.server.write_hooks import HookedWriterDep
from maillage.server.writing import (
    JSON,
    MERGE_PATCH,
    DetailedErrorRoute,
    check_item_type,
    item_response,
    read_json_body,
)

router = APIRouter(route_class=DetailedErrorRoute, tags=["writes"])

Comment = Annotated[
    str | None,
    Query(
        max_length=MAX_COMMENT_CHARS,
        description="Why the item changes; kept in its revision.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the version the write replaces."),
]

_TRANSITION_LIST = "; ".join(
    f"{source} -> {', '.join(targets)}" for source, targets in TRANSITIONS.items()
)


class TransitionRequest(BaseModel):
    """A move to another workflow state, with the reason."""

    to: str = Field(description=f"One of {', '.join(WORKFLOW_STATES)}.")
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class RevertRequest(BaseModel):
    """A return to the content of an earlier revision."""

    revision: int = Field(ge=1)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class RestoreRequest(BaseModel):
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


@router.post("/{item_type}", status_code=201, summary="Create an item")
async def create_item(
    item_type: str,
    request: Request,
    user: EditorDep,
    writer: HookedWriterDep,
    iris: IrisDep,
    settings: SettingsDep,
    comment: Comment = None,
) -> Response:
    """Create an item from its JSON; the key is `key`, or is made from the title.

    The workflow state defaults to draft; `created` and `modified` are set here. A
    new document has no files: they are attached through its files route.
    """
    check_item_type(item_type)
    body = await read_json_body(request, settings.max_body_bytes, (JSON,))
    check_files_unchanged(item_type, body, [])
    state = await run_in_threadpool(
        writer.create, item_type, body, user, comment=comment
    )
    ref = iris.parse_item(state.iri.value)
    location = str(request.url_for("read_item", item_type=item_type, key=ref.key))
    return item_response(iris, state, status_code=201, headers={"Location": location})


@dataclass(frozen=True)
class BodyWrite:
    """The parameters of a write of an existing item from a JSON body."""

    item_type: str
    key: str
    request: Request
    user: User
    writer: ContentWriter
    iris: Iris
    max_body_bytes: int
    if_match: str | None
    comment: str | None

    async def apply(self, method, media_type: str) -> Response:
        """Read the body sent as `media_type`, pass it to `method`, return the item."""
        check_item_type(self.item_type)
        body = await read_json_body(self.request, self.max_body_bytes, (media_type,))
        state = await run_in_threadpool(
            method,
            self.item_type,
            self.key,
            body,
            self.user,
            if_match=self.if_match,
            comment=self.comment,
        )
        return item_response(self.iris, state)


def get_body_write(
    item_type: str,
    key: str,
    request: Request,
    user: EditorDep,
    writer: HookedWriterDep,
    iris: IrisDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
    comment: Comment = None,
) -> BodyWrite:
    """Gather the parameters shared by PUT and PATCH of an item."""
    return BodyWrite(
        item_type,
        key,
        request,
        user,
        writer,
        iris,
        settings.max_body_bytes,
        if_match,
        comment,
    )


BodyWriteDep = Annotated[BodyWrite, Depends(get_body_write)]


@router.put("/{item_type}/{key}", summary="Replace an item")
async def update_item(write: BodyWriteDep) -> Response:
    """Replace the item by the JSON body, which gives every field."""
    return await write.apply(write.writer.replace, JSON)


@router.patch("/{item_type}/{key}", summary="Patch an item (JSON Merge Patch)")
async def patch_item(write: BodyWriteDep) -> Response:
    """Apply an `application/merge-patch+json` body (RFC 7396) to the item's JSON."""
    return await write.apply(write.writer.patch, MERGE_PATCH)


@router.delete("/{item_type}/{key}", status_code=204, summary="Delete an item")
async def delete_item(
    item_type: str,
    key: str,
    user: EditorDep,
    writer: HookedWriterDep,
    if_match: IfMatch = None,
    comment: Comment = None,
    purge: Annotated[
        bool,
        Query(
            description="Erase the item, its revisions, files and index entries "
            "for good (administrators only; no If-Match needed)."
        ),
    ] = False,
) -> Response:
    """Move the item to the trash, or purge it for good with `purge=true`."""
    check_item_type(item_type)
    if purge:
        await run_in_threadpool(writer.purge, item_type, key, user)
    else:
        await run_in_threadpool(
            writer.delete, item_type, key, user, if_match=if_match, comment=comment
        )
    return Response(status_code=204)


@router.post("/{item_type}/{key}/restore", summary="Restore an item from the trash")
async def restore_item(
    item_type: str,
    key: str,
    user: EditorDep,
    writer: HookedWriterDep,
    iris: IrisDep,
    body: RestoreRequest | None = None,
) -> Response:
    """Put an item of the trash back, as a new revision."""
    check_item_type(item_type)
    comment = body.comment if body is not None else None
    state = await run_in_threadpool(
        writer.restore, item_type, key, user, comment=comment
    )
    return item_response(iris, state)


@router.post(
    "/{item_type}/{key}/transition",
    summary="Move an item to another workflow state",
    description=f"Allowed transitions: {_TRANSITION_LIST}.",
)
async def transition_item(
    item_type: str,
    key: str,
    body: TransitionRequest,
    user: EditorDep,
    writer: HookedWriterDep,
    iris: IrisDep,
    if_match: IfMatch = None,
) -> Response:
    """Move the item to the state `to`; the comment is kept in the revision."""
    check_item_type(item_type)
    state = await run_in_threadpool(
        writer.transition,
        item_type,
        key,
        body.to,
        user,
        if_match=if_match,
        comment=body.comment,
    )
    return item_response(iris, state)


@router.post("/{item_type}/{key}/revert", summary="Revert an item to a revision")
async def revert_item(
    item_type: str,
    key: str,
    body: RevertRequest,
    user: EditorDep,
    writer: HookedWriterDep,
    iris: IrisDep,
    if_match: IfMatch = None,
) -> Response:
    """Write the content of an earlier revision as a new revision."""
    check_item_type(item_type)
    state = await run_in_threadpool(
        writer.revert,
        item_type,
        key,
        body.revision,
        user,
        if_match=if_match,
        comment=body.comment,
    )
    return item_response(iris, state)
