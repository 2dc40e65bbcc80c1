"""Files of documents: attach with `POST /api/document/{key}/files`, detach, download.

The upload's body is the file's bytes, sent as they are; the client names the file
with the `filename` query parameter or a `Content-Disposition` header (RFC 6266). A
`multipart/form-data` body is refused with 415, because Starlette's form parser keeps
each part in memory or a spooled file before the route sees it. The route reads the
body in chunks as it arrives, hashes and writes them to a temporary file, and stops
with 413 as soon as the body passes `max_body_bytes`, or at once when Content-Length
already does.

Attaching and detaching are writes of the document: they need an editor, the
document's ETag in `If-Match`, and they record a revision. These routes are the only
way to change a document's files: PUT and PATCH reject a change of `files`. The name
is kept as metadata and never used as a path; the media type is read from the bytes;
the text is extracted and indexed.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from email.message import Message
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel

from maillage.graph import repository
from maillage.graph.attachments import Attacher, Attachment, FileTexts, find_file
from maillage.graph.errors import PayloadTooLargeError, UnsupportedMediaTypeError
from maillage.graph.files import MAX_CLIENT_NAME_CHARS, OCTET_STREAM, FileStore
from maillage.graph.writes import MAX_COMMENT_CHARS
from maillage.server.deps import EditorDep, GraphsDep, IrisDep, SettingsDep, StoreDep
from maillage.server.errors import ERROR_RESPONSES
from maillage.server.write_hooks import HookedWriterDep

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/document", tags=["files"], responses=ERROR_RESPONSES)

# Windows device names, which some systems reject as a file name even with an extension.
_DEVICE_NAMES = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.I)
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._() -]+")


class FileOut(BaseModel):
    """A file of a document; `download` is its path on this server."""

    file_name: str
    sha256: str | None
    media_type: str | None
    byte_size: int | None
    has_text_layer: bool | None
    download: str


class AttachmentOut(BaseModel):
    """The file attached, and what its text extraction found."""

    file: FileOut
    created: bool
    text_characters: int | None
    pages: int | None
    warnings: list[str]


def get_attacher(writer: HookedWriterDep, settings: SettingsDep) -> Attacher:
    """Return an attacher that writes through the app's indexed writer."""
    files = writer.files or FileStore.from_settings(settings)
    texts = FileTexts.from_settings(settings, files)
    return Attacher(writer, texts)


AttacherDep = Annotated[Attacher, Depends(get_attacher)]
IfMatch = Annotated[
    str | None, Header(description="The ETag of the document version read.")
]
Comment = Annotated[
    str | None,
    Query(max_length=MAX_COMMENT_CHARS, description="Kept in the revision."),
]


@router.post(
    "/{key}/files",
    status_code=201,
    summary="Attach a file to a document",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def create_file(
    key: str,
    request: Request,
    user: EditorDep,
    settings: SettingsDep,
    attacher: AttacherDep,
    filename: Annotated[
        str | None,
        Query(
            max_length=4 * MAX_CLIENT_NAME_CHARS,
            description="The file's name; else the Content-Disposition header's.",
        ),
    ] = None,
    if_match: IfMatch = None,
    comment: Comment = None,
) -> JSONResponse:
    """Store the body as a file of the document, extract its text and index it.

    Return 201 with the file's description, or 200 when the document already has a
    file of the same content. Errors: 413 past the size limit, 415 for a multipart
    body or a media type with no text reader, and 422 `extraction_failed` for a file
    whose text cannot be read, such as a corrupt or encrypted file. After an error
    the document keeps its metadata unchanged.
    """
    limit = settings.max_body_bytes
    _check_declared_body(request, limit)
    await run_in_threadpool(attacher.check, key, user, if_match)

    name = filename if filename is not None else _disposition_name(request)
    files = attacher.writer.files or FileStore.from_settings(settings)
    stored = await files.store_stream_async(
        request.stream(), client_name=name, max_bytes=limit
    )
    attachment = await run_in_threadpool(
        attacher.attach, key, stored, user, if_match=if_match, comment=comment
    )

    body = _attachment_out(key, attachment).model_dump(mode="json")
    headers = {"Location": body["file"]["download"]}
    if attachment.state.etag is not None:
        headers["ETag"] = attachment.state.etag
    status = 201 if attachment.created else 200
    return JSONResponse(body, status_code=status, headers=headers)


@router.get(
    "/{key}/files/{sha256}",
    summary="Download a file of a document",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def read_file(
    key: str,
    sha256: str,
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    settings: SettingsDep,
) -> FileResponse:
    """Return the file's bytes as an attachment, if the user may read the document.

    The media type is the one read from the content at upload, and the name is the
    client's, cleaned, in `Content-Disposition`.
    """
    item = repository.read_item(store, iris, "document", key, graphs=graphs)
    file = find_file(list(item.triples), item.iri, sha256)
    path = FileStore.from_settings(settings).path(sha256)
    headers = {
        "Content-Disposition": content_disposition(file.file_name),
        "X-Content-Type-Options": "nosniff",
        # An HTML file opened anyway must run no script on this origin.
        "Content-Security-Policy": "sandbox",
    }
    return FileResponse(
        path, media_type=file.media_type or OCTET_STREAM, headers=headers
    )


@router.delete(
    "/{key}/files/{sha256}", status_code=204, summary="Detach a file from a document"
)
async def delete_file(
    key: str,
    sha256: str,
    user: EditorDep,
    attacher: AttacherDep,
    if_match: IfMatch = None,
    comment: Comment = None,
) -> Response:
    """Remove a file from the document, as a new revision; return 204 with the ETag.

    The bytes stay stored while a revision describes them, so that a revert can bring
    the file back. Errors: 404 when the document or the file is not found, 428
    without If-Match, 412 when it is stale.
    """
    state = await run_in_threadpool(
        attacher.detach, key, sha256, user, if_match=if_match, comment=comment
    )
    return Response(status_code=204, headers={"ETag": state.etag or ""})


def content_disposition(name: str) -> str:
    """Return an attachment header with the name in RFC 6266 form.

    `filename` is an ASCII fallback with the unsafe characters replaced, for old
    clients, and `filename*` the UTF-8 name percent-encoded (RFC 8187).
    """
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = _UNSAFE_ASCII.sub("_", fallback).strip(" .") or "fichier"
    if _DEVICE_NAMES.match(fallback):
        fallback = "_" + fallback
    encoded = quote(name, safe="") or "fichier"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _check_declared_body(request: Request, limit: int) -> None:
    media_type = (request.headers.get("content-type") or "").split(";", 1)[0]
    if media_type.strip().lower().startswith("multipart/"):
        raise UnsupportedMediaTypeError(
            "send the file's bytes as the body with its name in the filename "
            "parameter, not a multipart form"
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"the file of {declared} bytes is larger than {limit} bytes, the upload "
            "limit"
        )


def _disposition_name(request: Request) -> str | None:
    header = request.headers.get("content-disposition")
    if header is None:
        return None
    message = Message()
    message["content-disposition"] = header
    return message.get_filename()


def _attachment_out(key: str, attachment: Attachment) -> AttachmentOut:
    file = attachment.file
    extracted = attachment.extracted
    text = extracted.text if extracted is not None else None
    return AttachmentOut(
        file=FileOut(
            **file.model_dump(),
            download=f"/api/document/{key}/files/{file.sha256}",
        ),
        created=attachment.created,
        text_characters=len(text) if text is not None else None,
        pages=extracted.pages if extracted is not None else None,
        warnings=list(extracted.warnings) if extracted is not None else [],
    )
