"""The VoID description of the readable dataset, at /void and /.well-known/void.

VoID, section 7.2 (https://www.w3.org/TR/void/), names `/.well-known/void` as the place
where clients look for it. The service description of /sparql names the same dataset.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pyoxigraph import NamedNode, serialize

from maillage.graph.namespaces import PREFIXES
from maillage.graph.sparql.formats import GRAPH_FORMATS
from maillage.graph.void import SD, VOID, describe_dataset
from maillage.server.deps import GraphsDep, SettingsDep, StoreDep
from maillage.server.errors import NotAcceptableError
from maillage.server.negotiation import negotiate, prefers_html_to
from maillage.server.query_service import LimiterDep, query_slot

router = APIRouter(tags=["SPARQL"])

OFFERED = tuple(offer.media_type for offer in GRAPH_FORMATS)
_PREFIXES = {**PREFIXES, "void": str(VOID), "sd": str(SD)}


@router.get(
    "/void",
    summary="VoID description of the graphs this user may read",
    response_class=Response,
    responses={200: {"content": {media_type: {} for media_type in OFFERED}}},
)
async def read_void(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    graphs: GraphsDep,
    limiter: LimiterDep,
) -> Response:
    """Return the counts of the readable dataset and of each of its named graphs."""
    accept = request.headers.get("accept", "")
    # A browser shows Turtle as text instead of saving it as a file.
    shown_as_text = prefers_html_to(accept, OFFERED)
    media_type = OFFERED[0] if shown_as_text else negotiate(accept, OFFERED)
    if media_type is None:
        raise NotAcceptableError(
            f"no format of the VoID description matches Accept {accept[:200]!r}; "
            f"offered: {', '.join(OFFERED)}"
        )
    offer = next(offer for offer in GRAPH_FORMATS if offer.media_type == media_type)
    dataset = NamedNode(str(request.url_for("read_void")) + "#dataset")
    endpoint = NamedNode(str(request.url_for("read_sparql")))
    with query_slot(request, limiter, settings.max_concurrent_queries):
        triples = await run_in_threadpool(
            describe_dataset, store, graphs, dataset=dataset, endpoint=endpoint
        )
    body = serialize(triples, format=offer.rdf_format, prefixes=_PREFIXES)
    sent_type = "text/plain" if shown_as_text else media_type
    return Response(body or b"", media_type=sent_type, headers={"Vary": "Accept"})


@router.get("/.well-known/void", include_in_schema=False, response_class=Response)
async def read_well_known_void(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    graphs: GraphsDep,
    limiter: LimiterDep,
) -> Response:
    """Return the same description as /void."""
    return await read_void(request, store, settings, graphs, limiter)
