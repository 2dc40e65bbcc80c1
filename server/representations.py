"""RDF representations of an item's description, serialized by pyoxigraph."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi.responses import Response
from pyoxigraph import RdfFormat, Triple, serialize

from maillage.graph.namespaces import PREFIXES

TURTLE = "text/turtle"
JSON_LD = "application/ld+json"
N_TRIPLES = "application/n-triples"

# RDF media types an item can be read in, with the `?format=` name of each.
RDF_FORMATS: dict[str, RdfFormat] = {
    TURTLE: RdfFormat.TURTLE,
    JSON_LD: RdfFormat.JSON_LD,
    N_TRIPLES: RdfFormat.N_TRIPLES,
}
FORMAT_NAMES: dict[str, str] = {"ttl": TURTLE, "jsonld": JSON_LD, "nt": N_TRIPLES}


def serialize_triples(triples: Sequence[Triple], media_type: str) -> bytes:
    """Serialize triples as Turtle with maillage's prefixes, JSON-LD or N-Triples.

    JSON-LD comes out expanded, so it parses back to the same triples with no context.
    """
    rdf_format = RDF_FORMATS[media_type]
    prefixes = PREFIXES if rdf_format == RdfFormat.TURTLE else None
    return serialize(triples, format=rdf_format, prefixes=prefixes)


def rdf_response(triples: Sequence[Triple], media_type: str) -> Response:
    """Return the triples serialized in `media_type`, varying on Accept."""
    body = serialize_triples(triples, media_type)
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
