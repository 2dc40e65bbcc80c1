"""The packaged ontology files and their loading into the ontology graph.

`ontology/` ships the vocabulary (`maillage.ttl`), the SKOS schemes (`schemes.ttl`), the
SHACL shapes (`shapes.ttl`) and the JSON-LD context (`context.jsonld`). The Turtle files
write item IRIs relative to the base, so they are parsed with `Iris.document_base`.
"""

from __future__ import annotations

import logging
from importlib import resources

from pyoxigraph import RdfFormat, Triple, parse

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

ONTOLOGY_PACKAGE = "maillage.ontology"
ONTOLOGY_FILES = ("maillage.ttl", "schemes.ttl")
SHAPES_FILE = "shapes.ttl"
CONTEXT_FILE = "context.jsonld"


def ontology_file(name: str) -> bytes:
    """Read the packaged ontology file `name`, such as `shapes.ttl`, as bytes."""
    resource = resources.files(ONTOLOGY_PACKAGE).joinpath(name)
    if not resource.is_file():
        raise FileNotFoundError(f"no packaged ontology file named {name!r}")
    return resource.read_bytes()


def jsonld_context() -> bytes:
    """Read the JSON-LD context served at `{base}/ns/context.jsonld`."""
    return ontology_file(CONTEXT_FILE)


def parse_turtle_file(name: str, iris: Iris) -> list[Triple]:
    """Parse the Turtle file `name`, resolving relative IRIs against the base."""
    data = ontology_file(name)
    quads = parse(data, format=RdfFormat.TURTLE, base_iri=iris.document_base)
    return [quad.triple for quad in quads]


def ontology_triples(iris: Iris) -> list[Triple]:
    """Parse the vocabulary and the concept schemes for the base of `iris`."""
    triples: list[Triple] = []
    for name in ONTOLOGY_FILES:
        triples.extend(parse_turtle_file(name, iris))
    return triples


def load_ontology(store: GraphStore, iris: Iris) -> int:
    """Replace the ontology graph by the vocabulary and the schemes; return its size.

    The drop and the insert run in one transaction, so loading twice leaves the same
    graph and a failure keeps the previous one.
    """
    triples = ontology_triples(iris)
    store.replace_graph(iris.ontology_graph, triples)
    logger.info(
        "ontology loaded into %s: %d triples", iris.ontology_graph.value, len(triples)
    )
    return len(triples)
