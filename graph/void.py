"""The VoID description of the dataset a user may read (https://www.w3.org/TR/void/).

The description counts only the named graphs the user may read: their union (the
default graph of the SPARQL endpoint) gets `void:triples`, `void:classes`,
`void:properties`, `void:distinctSubjects` and `void:distinctObjects`, and each named
graph is a `void:subset` with its own `void:triples`. A graph the user may not read is
neither listed nor counted.

The counts scan the whole union, so they are kept per store generation and set of
readable graphs until the next write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

from pyoxigraph import Literal, NamedNode, QuerySolutions, Triple

from maillage.graph.namespaces import DCTERMS, RDF, XSD, Namespace
from maillage.graph.store import QuadStore

logger = logging.getLogger(__name__)

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

_UNION_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }
"""
_CLASS_COUNT = "SELECT (COUNT(DISTINCT ?class) AS ?classes) WHERE { ?s a ?class }"
_GRAPH_COUNTS = """
SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""

_CACHE_SIZE = 32
_cache: OrderedDict[tuple, list[Triple]] = OrderedDict()
_cache_lock = threading.Lock()


def describe_dataset(
    store: QuadStore,
    readable: Sequence[NamedNode] | None,
    *,
    dataset: NamedNode,
    endpoint: NamedNode,
    title: str = "maillage",
) -> list[Triple]:
    """Return the VoID triples of the graphs in `readable` (None: every graph).

    `dataset` is the IRI that the description gives the dataset, `endpoint` the IRI
    of the SPARQL endpoint that queries it.
    """
    graphs = store.named_graphs() if readable is None else list(readable)
    names = tuple(sorted(graph.value for graph in graphs))
    # A remote store has no generation: its description is computed each time.
    generation = getattr(store, "generation", None)
    key = (id(store), generation, names, dataset.value, endpoint.value, title)
    with _cache_lock:
        if generation is not None and key in _cache:
            _cache.move_to_end(key)
            return _cache[key]

    start = time.perf_counter()
    triples = _build(store, graphs, dataset, endpoint, title)
    logger.info(
        "VoID description of %d graphs computed in %.1f ms",
        len(graphs),
        (time.perf_counter() - start) * 1000,
    )
    with _cache_lock:
        _cache[key] = triples
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return triples


def _build(
    store: QuadStore,
    graphs: list[NamedNode],
    dataset: NamedNode,
    endpoint: NamedNode,
    title: str,
) -> list[Triple]:
    union = _first_solution(store.query(_UNION_COUNTS, default_graph=graphs))
    classes = _first_solution(store.query(_CLASS_COUNT, default_graph=graphs))
    triples = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(dataset, DCTERMS.title, Literal(title)),
        Triple(dataset, VOID.sparqlEndpoint, endpoint),
        Triple(dataset, VOID.triples, _integer(union["triples"])),
        Triple(dataset, VOID.classes, _integer(classes["classes"])),
        Triple(dataset, VOID.properties, _integer(union["properties"])),
        Triple(dataset, VOID.distinctSubjects, _integer(union["subjects"])),
        Triple(dataset, VOID.distinctObjects, _integer(union["objects"])),
    ]
    for name, count in sorted(_graph_counts(store, graphs).items()):
        graph = NamedNode(name)
        triples.append(Triple(dataset, VOID.subset, graph))
        triples.append(Triple(graph, RDF.type, VOID.Dataset))
        triples.append(Triple(graph, RDF.type, SD.NamedGraph))
        triples.append(Triple(graph, SD.name, graph))
        triples.append(Triple(graph, VOID.triples, _integer(count)))
    return triples


def _graph_counts(store: QuadStore, graphs: list[NamedNode]) -> dict[str, int]:
    """Return the number of triples of each graph, empty graphs included."""
    counts = {graph.value: 0 for graph in graphs}
    solutions = store.query(_GRAPH_COUNTS, named_graphs=graphs or [_NO_GRAPH])
    assert isinstance(solutions, QuerySolutions)
    for solution in solutions:
        graph = solution["g"]
        if isinstance(graph, NamedNode) and graph.value in counts:
            counts[graph.value] = int(solution["triples"].value)
    return counts


def _first_solution(solutions) -> dict[str, Literal]:
    assert isinstance(solutions, QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    for solution in solutions:
        return {name: solution[name] for name in names}
    return {}


def _integer(value: Literal | int | None) -> Literal:
    if isinstance(value, Literal):
        value = int(value.value)
    return Literal(str(value or 0), datatype=XSD.integer)


# A graph name that no data uses, so that a user who may read nothing counts nothing.
_NO_GRAPH = NamedNode("urn:maillage:empty")
