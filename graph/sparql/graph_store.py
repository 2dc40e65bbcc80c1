"""Whole-graph reads and writes of the SPARQL 1.1 Graph Store HTTP Protocol.

https://www.w3.org/TR/sparql11-http-rdf-update/ : a request names one graph, and GET
reads it, PUT replaces it, POST merges triples into it and DELETE drops it. maillage
follows the rules of SPARQL updates (`update.py`):

- reads see only the graphs the user may read. The default graph is their union, and
  it is read-only because the store's default graph stays empty;
- writes reach dataset graphs only; an item graph is written through `/api/{type}`;
- a body is parsed whole before anything is written, so a bad body changes nothing,
  and a PUT replaces the graph in one transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import DefaultGraph, NamedNode, Triple

from maillage.graph.errors import MalformedRequestError, NotFoundError
from maillage.graph.iris import Iris
from maillage.graph.rdfio import FormatInfo, parse_rdf
from maillage.graph.sparql.update import check_writable
from maillage.graph.store import QuadStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RdfPart:
    """One RDF document of a request body: its bytes and its format."""

    data: bytes
    rdf_format: FormatInfo


def parse_graph(
    parts: Sequence[RdfPart],
    *,
    base_iri: str,
    inline_contexts: dict[str, bytes] | None = None,
    source: str = "the body",
) -> list[Triple]:
    """Parse every part of a body into the triples of one graph.

    Relative IRIs resolve against `base_iri`; a syntax error names `source`. A quad format may carry triples of its
    default graph only, because the request already names the graph. Raises
    `MalformedRequestError` for a body that does not parse, and `UnsafeRequestError`
    for one that would fetch or expand something (`rdfio.parse_rdf`).
    """
    triples: list[Triple] = []
    for part in parts:
        quads = parse_rdf(
            part.data,
            part.rdf_format,
            base_iri=base_iri,
            inline_contexts=inline_contexts,
            source=source,
        )
        for quad in quads:
            if not isinstance(quad.graph_name, DefaultGraph):
                raise MalformedRequestError(
                    f"the body puts triples in the graph {quad.graph_name}: the "
                    "request names the graph, so send triples without a graph name"
                )
            triples.append(quad.triple)
    return triples


def read_graph(
    store: QuadStore, graph: NamedNode, readable: Sequence[NamedNode] | None
) -> list[Triple]:
    """Return the triples of `graph`; raise `NotFoundError` if missing or unreadable."""
    check_readable(store, graph, readable)
    return store.graph_triples(graph)


def read_default_graph(
    store: QuadStore, readable: Sequence[NamedNode] | None
) -> list[Triple]:
    """Return the union of the readable graphs (None: every graph), without repeats."""
    graphs = store.named_graphs() if readable is None else readable
    seen: dict[Triple, None] = {}
    for graph in graphs:
        for triple in store.graph_triples(graph):
            seen.setdefault(triple, None)
    return list(seen)


def check_readable(
    store: QuadStore, graph: NamedNode, readable: Sequence[NamedNode] | None
) -> None:
    """Raise `NotFoundError` unless `graph` exists and the user may read it.

    A graph the user may not read gets the same error as a missing one, so that its
    existence does not leak.
    """
    allowed = readable is None or any(graph == name for name in readable)
    if not allowed or not store.has_graph(graph):
        raise NotFoundError(f"no graph <{graph.value[:200]}> that this user may read")


def replace_graph(
    store: QuadStore, iris: Iris, graph: NamedNode, triples: Iterable[Triple]
) -> bool:
    """Replace `graph` by `triples` in one transaction; return True if it is new."""
    check_writable(iris, "PUT", graph.value)
    created = not store.has_graph(graph)
    store.replace_graph(graph, triples)
    # The replacement of a graph by nothing still leaves the graph, empty (section 5.3).
    store.create_graph(graph)
    return created


def merge_graph(
    store: QuadStore, iris: Iris, graph: NamedNode, triples: Iterable[Triple]
) -> bool:
    """Add `triples` to `graph` in one transaction; return True if it is new."""
    check_writable(iris, "POST", graph.value)
    created = not store.has_graph(graph)
    store.add_triples(graph, triples)
    store.create_graph(graph)
    return created


def delete_graph(store: QuadStore, iris: Iris, graph: NamedNode) -> None:
    """Drop `graph`; raise `NotFoundError` when it does not exist."""
    check_writable(iris, "DELETE", graph.value)
    if not store.has_graph(graph):
        raise NotFoundError(f"no graph <{graph.value[:200]}> to delete")
    store.drop_graph(graph)


def new_graph_name(iris: Iris) -> NamedNode:
    """Return the name of a new dataset graph, for a POST to the graph store itself."""
    return iris.dataset_graph(f"graph-{uuid.uuid4().hex[:16]}")


def graph_name(iri: str) -> NamedNode:
    """Return the graph named by the `graph` parameter; it must be an absolute IRI."""
    try:
        return NamedNode(iri)
    except ValueError as exc:
        raise MalformedRequestError(
            f"invalid graph IRI {iri[:200]!r} in the 'graph' parameter: give an "
            "absolute IRI"
        ) from exc
