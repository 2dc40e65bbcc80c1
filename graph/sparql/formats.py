"""Result formats of the SPARQL endpoint, for each query form.

Oxigraph serializes every result. SELECT solutions come as SPARQL JSON, XML, CSV or TSV;
ASK as JSON or XML, because the CSV and TSV result formats define no boolean; CONSTRUCT
and DESCRIBE triples, and the service description, as Turtle, N-Triples, N-Quads,
TriG, RDF/XML or JSON-LD. The server picks one by content negotiation, or by the `format`
parameter that a browser can set where it cannot set Accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from maillage.graph.errors import MalformedRequestError
from pyoxigraph import QueryResultsFormat, RdfFormat


@dataclass(frozen=True)
class ResultFormat:
    """A serialization a result can take: its `format` parameter name and media types.

    `iri` is the format's IRI in the W3C list at http://www.w3.org/ns/formats/.
    """

    name: str
    media_type: str
    iri: str
    results_format: QueryResultsFormat | None = None
    rdf_format: RdfFormat | None = None
    aliases: tuple[str, ...] = ()

    def accepts(self, media_type: str) -> bool:
        return media_type == self.media_type or media_type in self.aliases


_W3C_FORMATS = "http://www.w3.org/ns/formats/"

JSON = ResultFormat(
    "json",
    "application/sparql-results+json",
    _W3C_FORMATS + "SPARQL_Results_JSON",
    results_format=QueryResultsFormat.JSON,
    aliases=("application/json",),
)
XML = ResultFormat(
    "xml",
    "application/sparql-results+xml",
    _W3C_FORMATS + "SPARQL_Results_XML",
    results_format=QueryResultsFormat.XML,
)
CSV = ResultFormat(
    "csv",
    "text/csv",
    _W3C_FORMATS + "SPARQL_Results_CSV",
    results_format=QueryResultsFormat.CSV,
)
TSV = ResultFormat(
    "tsv",
    "text/tab-separated-values",
    _W3C_FORMATS + "SPARQL_Results_TSV",
    results_format=QueryResultsFormat.TSV,
)
TURTLE = ResultFormat(
    "ttl",
    "text/turtle",
    _W3C_FORMATS + "Turtle",
    rdf_format=RdfFormat.TURTLE,
    aliases=("application/x-turtle",),
)
N_TRIPLES = ResultFormat(
    "nt",
    "application/n-triples",
    _W3C_FORMATS + "N-Triples",
    rdf_format=RdfFormat.N_TRIPLES,
)
N_QUADS = ResultFormat(
    "nq", "application/n-quads", _W3C_FORMATS + "N-Quads", rdf_format=RdfFormat.N_QUADS
)
RDF_XML = ResultFormat(
    "rdfxml",
    "application/rdf+xml",
    _W3C_FORMATS + "RDF_XML",
    rdf_format=RdfFormat.RDF_XML,
)
TRIG = ResultFormat(
    "trig", "application/trig", _W3C_FORMATS + "TriG", rdf_format=RdfFormat.TRIG
)
JSON_LD = ResultFormat(
    "jsonld",
    "application/ld+json",
    _W3C_FORMATS + "JSON-LD",
    rdf_format=RdfFormat.JSON_LD,
)

# The formats of each query form, the default first.
SOLUTION_FORMATS = (JSON, XML, CSV, TSV)
BOOLEAN_FORMATS = (JSON, XML)
# Triples in TriG and N-Quads are in the default graph.
GRAPH_FORMATS = (TURTLE, N_TRIPLES, N_QUADS, TRIG, RDF_XML, JSON_LD)

# DESCRIPTION is the service description, not a query form.
FORMATS_BY_FORM = {
    "SELECT": SOLUTION_FORMATS,
    "ASK": BOOLEAN_FORMATS,
    "CONSTRUCT": GRAPH_FORMATS,
    "DESCRIBE": GRAPH_FORMATS,
    "DESCRIPTION": GRAPH_FORMATS,
}
FORMAT_NAMES = tuple(f.name for f in SOLUTION_FORMATS + GRAPH_FORMATS)


def find_format(form: str, name: str) -> ResultFormat | None:
    """Return the format called `name` (a `format` parameter) for a query form, or None.

    Raises `MalformedRequestError` for a name that no form offers.
    """
    key = name.strip().lower()
    if key not in FORMAT_NAMES:
        raise MalformedRequestError(
            f"unknown result format {name[:40]!r}; accepted: {', '.join(FORMAT_NAMES)}"
        )
    return next((offer for offer in FORMATS_BY_FORM[form] if offer.name == key), None)


def media_types(form: str) -> list[str]:
    """Return the media types of a form's formats, main types first, then aliases."""
    offers = FORMATS_BY_FORM[form]
    return [offer.media_type for offer in offers] + [
        alias for offer in offers for alias in offer.aliases
    ]


def format_for_media_type(form: str, media_type: str) -> ResultFormat:
    """Return the format of a form that `media_type` (a main type or an alias) names."""
    return next(offer for offer in FORMATS_BY_FORM[form] if offer.accepts(media_type))
