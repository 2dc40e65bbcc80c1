"""The SPARQL 1.1 Graph Store HTTP Protocol at /graphs, with indirect identification.

https://www.w3.org/TR/sparql11-http-rdf-update/ : `?graph=IRI` names a named graph and
`?default` the default graph. A request must give exactly one of them, except a POST
to /graphs itself, which creates a new dataset graph and returns its address in
Location. GET and HEAD read, PUT replaces, POST merges (one RDF document, or several
parts of a multipart/form-data body), DELETE drops. Reads follow Accept; writes need
the editor token and reach dataset graphs only (`maillage.graph.sparql.graph_store`).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pyoxigraph import NamedNode, Triple, serialize
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from maillage.graph.access import User
from maillage.graph.errors import (
    MaillageError,
    MalformedRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from maillage.graph.iris import Iris
from maillage.graph.namespaces import PREFIXES
from maillage.graph.ontology import jsonld_context
from maillage.graph.rdfio import FORMATS, format_for_media_type, format_for_path
from maillage.graph.sparql import graph_store
from maillage.graph.sparql.graph_store import RdfPart
from maillage.server import auth
from maillage.server.deps import (
    GraphsDep,
    IrisDep,
    SettingsDep,
    StoreDep,
    UserDep,
)
from maillage.server.errors import NotAcceptableError
from maillage.server.negotiation import negotiate
from maillage.server.query_service import LimiterDep, query_slot
from maillage.server.sparql_protocol import read_body

logger = logging.getLogger(__name__)

router = APIRouter(tags=["Graph Store"])

MULTIPART = "multipart/form-data"
MAX_PARTS = 100
READ_METHODS = "GET, HEAD"
# Media types of GET, Turtle first as the default.
OFFERED = tuple(info.media_type for info in FORMATS)
_RDF_FORMATS = {info.media_type: info.rdf_format for info in FORMATS}

_TARGET_PARAMETERS = [
    {
        "name": "graph",
        "in": "query",
        "schema": {"type": "string"},
        "description": "IRI of the named graph.",
    },
    {
        "name": "default",
        "in": "query",
        "schema": {"type": "string"},
        "allowEmptyValue": True,
        "description": "Present (empty) to name the default graph, read-only.",
    },
]
_RDF_BODY = {
    "required": True,
    "content": {
        **{media_type: {"schema": {"type": "string"}} for media_type in OFFERED},
        MULTIPART: {"schema": {"type": "object"}},
    },
}


@router.api_route(
    "/graphs",
    methods=["GET", "HEAD"],
    summary="Read a named graph, or the default graph",
    openapi_extra={"parameters": _TARGET_PARAMETERS},
    response_class=Response,
)
async def read_graph(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    graphs: GraphsDep,
    limiter: LimiterDep,
) -> Response:
    """Return the triples of the graph in the format that Accept prefers."""
    graph = _target(request)
    media_type = negotiate(request.headers.get("accept"), OFFERED)
    if media_type is None:
        raise NotAcceptableError(
            f"no RDF format matches Accept {request.headers.get('accept', '')[:200]!r};"
            f" offered: {', '.join(OFFERED)}"
        )
    with query_slot(request, limiter, settings.max_concurrent_queries):
        if graph is None:
            triples = await run_in_threadpool(
                graph_store.read_default_graph, store, graphs
            )
        else:
            triples = await run_in_threadpool(
                graph_store.read_graph, store, graph, graphs
            )
    body = serialize(triples, format=_RDF_FORMATS[media_type], prefixes=PREFIXES)
    headers = {"Vary": "Accept"}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body or b""))
        return Response(media_type=media_type, headers=headers)
    return Response(body or b"", media_type=media_type, headers=headers)


@router.put(
    "/graphs",
    summary="Replace a named graph by the triples of the body",
    openapi_extra={"parameters": _TARGET_PARAMETERS, "requestBody": _RDF_BODY},
    status_code=204,
    response_class=Response,
)
async def update_graph(
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    settings: SettingsDep,
    user: UserDep,
) -> Response:
    """Replace the graph in one transaction; 201 when it did not exist."""
    graph = _writable_target(request, user)
    triples = await _read_triples(request, iris, settings.max_body_bytes)
    start = time.perf_counter()
    created = await run_in_threadpool(
        graph_store.replace_graph, store, iris, graph, triples
    )
    _log_write("PUT", graph, len(triples), start, user)
    return Response(status_code=201 if created else 204)


@router.post(
    "/graphs",
    summary="Add the triples of the body to a named graph, or to a new graph",
    openapi_extra={"parameters": _TARGET_PARAMETERS, "requestBody": _RDF_BODY},
    status_code=204,
    response_class=Response,
)
async def create_graph_triples(
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    settings: SettingsDep,
    user: UserDep,
) -> Response:
    """Merge the body into the graph; without a parameter, create a new graph."""
    new_graph = not _has_target(request)
    if new_graph:
        _check_editor(user)
        graph = graph_store.new_graph_name(iris)
    else:
        graph = _writable_target(request, user)
    triples = await _read_triples(request, iris, settings.max_body_bytes)
    start = time.perf_counter()
    created = await run_in_threadpool(
        graph_store.merge_graph, store, iris, graph, triples
    )
    _log_write("POST", graph, len(triples), start, user)
    if not created:
        return Response(status_code=204)
    location = str(request.url_for("read_graph")) + "?graph=" + quote(graph.value, "")
    return Response(status_code=201, headers={"Location": location})


@router.delete(
    "/graphs",
    summary="Delete a named graph",
    openapi_extra={"parameters": _TARGET_PARAMETERS},
    status_code=204,
    response_class=Response,
)
async def delete_graph(
    request: Request, store: StoreDep, iris: IrisDep, user: UserDep
) -> Response:
    """Drop the graph; 404 when it does not exist."""
    graph = _writable_target(request, user)
    start = time.perf_counter()
    await run_in_threadpool(graph_store.delete_graph, store, iris, graph)
    _log_write("DELETE", graph, 0, start, user)
    return Response(status_code=204)


def _has_target(request: Request) -> bool:
    names = {name for name, _ in request.query_params.multi_items()}
    return bool(names & {"graph", "default"})


def _target(request: Request) -> NamedNode | None:
    """Return the graph the request names, or None for the default graph."""
    graph_values = request.query_params.getlist("graph")
    has_default = "default" in request.query_params
    if graph_values and has_default:
        raise MalformedRequestError(
            "the request gives both 'graph' and 'default': name one graph"
        )
    if not graph_values and not has_default:
        raise MalformedRequestError(
            "missing parameter: name the graph with '?graph=IRI' or '?default'"
        )
    if len(graph_values) > 1:
        raise MalformedRequestError(
            f"the parameter 'graph' is given {len(graph_values)} times; give it once"
        )
    return graph_store.graph_name(graph_values[0]) if graph_values else None


def _writable_target(request: Request, user: User) -> NamedNode:
    graph = _target(request)
    if graph is None:
        raise HTTPException(
            405,
            "the default graph is the union of the readable graphs and is read-only",
            headers={"Allow": READ_METHODS},
        )
    _check_editor(user)
    return graph


def _check_editor(user: User) -> None:
    auth.check_editor(user)


async def _read_triples(request: Request, iris: Iris, limit: int) -> list[Triple]:
    """Read and parse the whole body before anything is written."""
    header = request.headers.get("content-type", "")
    if not header.strip():
        accepted = ", ".join(OFFERED)
        raise MalformedRequestError(
            f"missing Content-Type: send the graph as one of {accepted}, or "
            f"{MULTIPART}"
        )
    if header.split(";", 1)[0].strip().lower() == MULTIPART:
        parts = await _read_multipart(request, limit)
    else:
        check_charset(header)
        rdf_format = format_for_media_type(header)
        parts = [(RdfPart(await read_body(request, limit), rdf_format), "the body")]
    contexts = {f"{iris.base}/ns/context.jsonld": jsonld_context()}
    triples: list[Triple] = []
    for part, source in parts:
        triples += await run_in_threadpool(
            _parse_part, part, source, iris.document_base, contexts
        )
    return triples


def _parse_part(
    part: RdfPart, source: str, base_iri: str, contexts: dict[str, bytes]
) -> list[Triple]:
    """Parse one RDF document of the body; a syntax error names `source`."""
    return graph_store.parse_graph(
        [part], base_iri=base_iri, inline_contexts=contexts, source=source
    )


def check_charset(content_type: str) -> None:
    """Raise `UnsupportedMediaTypeError` for a charset other than UTF-8.

    Every RDF syntax that maillage reads is UTF-8 text, and the parsers read no other
    encoding, so a body declared in another one is rejected before it is read.
    """
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() != "charset":
            continue
        charset = value.strip().strip('"').lower()
        if charset not in _UTF_8:
            raise UnsupportedMediaTypeError(
                f"unsupported charset {value.strip()[:40]!r} in Content-Type "
                f"{content_type[:100]!r}: send RDF as UTF-8, with charset=utf-8 or "
                "no charset"
            )


_UTF_8 = ("utf-8", "utf8")


async def _read_multipart(request: Request, limit: int) -> list[tuple[RdfPart, str]]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"the request body is larger than {limit} bytes, the limit of this "
            "endpoint"
        )
    try:
        form = await request.form(
            max_files=MAX_PARTS, max_fields=MAX_PARTS, max_part_size=limit
        )
    except HTTPException as exc:
        raise _multipart_error(str(exc.detail), limit) from exc
    parts = []
    for name, value in form.multi_items():
        if not isinstance(value, UploadFile):
            raise MalformedRequestError(
                f"the multipart part {name[:80]!r} is not a file: send each RDF "
                "document as a file part with its Content-Type"
            )
        if value.content_type and value.content_type != "application/octet-stream":
            check_charset(value.headers.get("content-type", value.content_type))
            rdf_format = format_for_media_type(value.content_type)
        else:
            rdf_format = format_for_path(value.filename or name)
        source = f"the multipart part {name[:80]!r}"
        parts.append((RdfPart(await value.read(), rdf_format), source))
    if not parts:
        raise MalformedRequestError("the multipart body has no part: send RDF files")
    return parts


def _multipart_error(reason: str, limit: int) -> MaillageError:
    """Return the error for a multipart body that Starlette could not read."""
    if "exceeded maximum size" in reason:
        return PayloadTooLargeError(
            f"a multipart part is larger than {limit} bytes, the limit of this "
            "endpoint"
        )
    if reason.startswith("Too many"):
        return MalformedRequestError(
            f"the multipart body has more than {MAX_PARTS} parts: send at most "
            f"{MAX_PARTS} RDF files per request"
        )
    return MalformedRequestError(
        "the multipart/form-data body does not parse: check its boundary parameter "
        "and the headers of each part"
    )


def _log_write(
    method: str, graph: NamedNode, size: int, start: float, user: User
) -> None:
    logger.info(
        "Graph Store %s of <%s>: %d triples in %.1f ms, role %s",
        method,
        graph.value,
        size,
        (time.perf_counter() - start) * 1000,
        user.role.value,
    )
