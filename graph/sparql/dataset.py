"""The RDF dataset a query runs on, from the protocol, the query and the user's rights.

SPARQL 1.1 Protocol, section 2.1.4: the `default-graph-uri` and `named-graph-uri`
parameters describe the dataset and override the query's `FROM` and `FROM NAMED`.
Without either, the query's clauses describe it. Without any description, the default
graph is the union of the named graphs the user may read, and `GRAPH ?g` ranges over
those graphs. Every graph named by the protocol or the query is only a name in the
store, never a document to fetch. Graphs that the user may not read, or that do not
exist, are left out, so they read as empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from maillage.graph.errors import MalformedRequestError
from maillage.graph.sparql.guard import QueryInfo
from pyoxigraph import NamedNode


@dataclass(frozen=True)
class DatasetRequest:
    """The graphs named by the `default-graph-uri` and `named-graph-uri` parameters."""

    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graph_uris or self.named_graph_uris)


@dataclass(frozen=True)
class QueryDataset:
    """The graphs handed to Oxigraph; None means every named graph of the store."""

    default_graph: list[NamedNode] | None
    named_graphs: list[NamedNode] | None

    def query_options(self) -> dict[str, object]:
        """Return the dataset keyword arguments of pyoxigraph's `Store.query`."""
        if self.default_graph is None:
            return {
                "use_default_graph_as_union": True,
                "named_graphs": self.named_graphs,
            }
        return {"default_graph": self.default_graph, "named_graphs": self.named_graphs}


def resolve_dataset(
    request: DatasetRequest,
    query: QueryInfo,
    readable: Sequence[NamedNode] | None,
) -> QueryDataset:
    """Return the dataset of a query, limited to the `readable` graphs (None: all)."""
    if request:
        default = named_nodes("default-graph-uri", request.default_graph_uris)
        named = named_nodes("named-graph-uri", request.named_graph_uris)
    elif query.has_dataset_clause:
        default = named_nodes("FROM", query.from_graphs)
        named = named_nodes("FROM NAMED", query.from_named_graphs)
    else:
        default, named = None, None

    if readable is None:
        return QueryDataset(default, named)
    return QueryDataset(_restrict(default, readable), _restrict(named, readable))


def _restrict(
    graphs: list[NamedNode] | None, readable: Sequence[NamedNode]
) -> list[NamedNode]:
    if graphs is None:
        # The same list for every query of a user, so the workers know it by identity.
        return readable  # type: ignore[return-value]
    allowed = {graph.value for graph in readable}
    return [graph for graph in graphs if graph.value in allowed]


def named_nodes(source: str, iris: Sequence[str]) -> list[NamedNode]:
    """Return the IRIs as terms, without repeats; `source` names them in errors."""
    nodes: dict[str, NamedNode] = {}
    for iri in iris:
        try:
            nodes[iri] = NamedNode(iri)
        except ValueError as exc:
            raise MalformedRequestError(
                f"invalid graph IRI {iri[:200]!r} in {source}: give an absolute IRI"
            ) from exc
    return list(nodes.values())
