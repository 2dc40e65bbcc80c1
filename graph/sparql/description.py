"""The SPARQL 1.1 Service Description of the endpoint, computed for one user.

https://www.w3.org/TR/sparql11-service-description/ : the description names the
endpoint, the languages and result formats it supports, and its default dataset, whose
named graphs are only those the user may read.
"""

from __future__ import annotations

from collections.abc import Sequence

from maillage.graph.namespaces import RDF, Namespace
from maillage.graph.sparql.formats import GRAPH_FORMATS, SOLUTION_FORMATS, ResultFormat
from maillage.graph.sparql.query import QueryAnswer
from maillage.graph.store import GraphStore
from pyoxigraph import BlankNode, NamedNode, Triple, serialize

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
_SIMPLE_ENTAILMENT = NamedNode("http://www.w3.org/ns/entailment/Simple")


def describe_service(
    store: GraphStore,
    endpoint: str,
    result_format: ResultFormat,
    *,
    readable: Sequence[NamedNode] | None,
    federation: bool = False,
    void_dataset: str | None = None,
) -> QueryAnswer:
    """Serialize the service description of `endpoint` for a user reading `readable`.

    `readable` None lists every named graph of the store. `federation` adds the
    `sd:BasicFederatedQuery` feature, for an endpoint whose allowlist is not empty.
    `void_dataset` is the IRI of the VoID description of the same dataset, which
    then names the default dataset instead of a blank node.
    """
    graphs = store.named_graphs() if readable is None else list(readable)
    dataset = NamedNode(void_dataset) if void_dataset else BlankNode()
    triples = _service_triples(NamedNode(endpoint), graphs, federation, dataset)
    prefixes = {
        "sd": str(SD),
        "formats": "http://www.w3.org/ns/formats/",
        "void": str(VOID),
    }
    body = serialize(triples, format=result_format.rdf_format, prefixes=prefixes)
    return QueryAnswer(body or b"", result_format, "DESCRIPTION", len(triples))


def _service_triples(
    endpoint: NamedNode,
    graphs: Sequence[NamedNode],
    federation: bool,
    dataset: NamedNode | BlankNode,
) -> list[Triple]:
    service = BlankNode()
    triples = [
        Triple(service, RDF.type, SD.Service),
        Triple(service, SD.endpoint, endpoint),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Update),
        Triple(service, SD.feature, SD.UnionDefaultGraph),
        Triple(service, SD.defaultEntailmentRegime, _SIMPLE_ENTAILMENT),
    ]
    if federation:
        triples.append(Triple(service, SD.feature, SD.BasicFederatedQuery))
    for result_format in SOLUTION_FORMATS + GRAPH_FORMATS:
        triples.append(Triple(service, SD.resultFormat, NamedNode(result_format.iri)))
    triples.extend(_dataset_triples(service, dataset, graphs))
    return triples


def _dataset_triples(
    service: BlankNode, dataset: NamedNode | BlankNode, graphs: Sequence[NamedNode]
) -> list[Triple]:
    """Describe the default dataset: a default graph and one entry per named graph."""
    default_graph = BlankNode()
    triples = [
        Triple(service, SD.defaultDataset, dataset),
        Triple(dataset, RDF.type, SD.Dataset),
        Triple(dataset, SD.defaultGraph, default_graph),
        Triple(default_graph, RDF.type, SD.Graph),
    ]
    if isinstance(dataset, NamedNode):
        triples.append(Triple(dataset, RDF.type, VOID.Dataset))
    for graph in sorted(graphs, key=lambda node: node.value):
        entry = BlankNode()
        triples.append(Triple(dataset, SD.namedGraph, entry))
        triples.append(Triple(entry, RDF.type, SD.NamedGraph))
        triples.append(Triple(entry, SD.name, graph))
    return triples
