"""The embedded Oxigraph store and the operations maillage needs from it.

All data lives in named graphs (`docs/model.md`); the store's default graph stays empty.
pyoxigraph is used directly, with its own parsers, serializers and SPARQL engine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
)

from maillage.graph.errors import MalformedRequestError
from maillage.graph.namespaces import sparql_prefixes

logger = logging.getLogger(__name__)

Term = NamedNode | BlankNode | Literal
QueryResult = QuerySolutions | QueryTriples | QueryBoolean


class GraphStore:
    """An Oxigraph store on disk, or in memory when `path` is None."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is None:
            self.oxigraph = Store()
        else:
            path.mkdir(parents=True, exist_ok=True)
            self.oxigraph = Store(str(path))
        logger.info("store opened at %s", path or "memory")

    def close(self) -> None:
        """Flush pending writes; the store object is unusable afterwards."""
        self.oxigraph.flush()
        del self.oxigraph

    def is_empty(self) -> bool:
        """Return True when the store holds no named graph and no quad."""
        return not any(True for _ in self.oxigraph.named_graphs()) and not any(
            True for _ in self.oxigraph.quads_for_pattern(None, None, None, None)
        )

    def named_graphs(self) -> list[NamedNode]:
        return [g for g in self.oxigraph.named_graphs() if isinstance(g, NamedNode)]

    def has_graph(self, graph: NamedNode) -> bool:
        return self.oxigraph.contains_named_graph(graph)

    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        """Return every triple of one named graph."""
        return [q.triple for q in self.oxigraph.quads_for_pattern(None, None, None, graph)]

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Replace the content of `graph` by `triples` in one transaction.

        The drop and the insert run as one SPARQL update, which Oxigraph applies whole or
        not at all, so a failure leaves the previous content of the graph intact.
        """
        body = _insert_data(graph, triples)
        try:
            self.oxigraph.update(f"DROP SILENT GRAPH {graph} ;\n{body}")
        except SyntaxError as exc:
            raise MalformedRequestError(f"cannot write graph {graph.value}: {exc}") from exc

    def add_triples(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Add `triples` to `graph` in one transaction."""
        self.oxigraph.extend(Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def drop_graph(self, graph: NamedNode) -> None:
        if self.oxigraph.contains_named_graph(graph):
            self.oxigraph.remove_graph(graph)

    def bulk_load(
        self,
        path: Path,
        rdf_format: RdfFormat,
        *,
        base_iri: str,
        to_graph: NamedNode | None = None,
    ) -> None:
        """Load a file with Oxigraph's bulk loader, which is fast but not transactional.

        Triples of a quad format's default graph move to `to_graph` afterwards, because the
        store's default graph must stay empty.
        """
        if to_graph is not None and not rdf_format.supports_datasets:
            self.oxigraph.bulk_load(
                path=str(path), format=rdf_format, base_iri=base_iri, to_graph=to_graph
            )
            return
        self.oxigraph.bulk_load(path=str(path), format=rdf_format, base_iri=base_iri)
        if to_graph is not None:
            self.move_default_graph(to_graph)

    def move_default_graph(self, graph: NamedNode) -> int:
        """Move every triple of the store's default graph into `graph`; return their count."""
        default_quads = list(self.oxigraph.quads_for_pattern(None, None, None, DefaultGraph()))
        if not default_quads:
            return 0
        self.oxigraph.update(
            f"INSERT {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }} ; CLEAR DEFAULT"
        )
        return len(default_quads)

    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Add quads in one transaction."""
        self.oxigraph.extend(quads)

    def query(
        self,
        sparql: str,
        *,
        default_graph: Sequence[NamedNode] | None = None,
        named_graphs: Sequence[NamedNode] | None = None,
        prefixed: bool = False,
    ) -> QueryResult:
        """Run a SPARQL query over a dataset.

        With `default_graph` None the default graph is the union of every named graph;
        otherwise it is the union of the graphs given. `named_graphs` None lets GRAPH see
        every named graph. `prefixed` prepends maillage's PREFIX declarations.
        """
        text = sparql_prefixes() + sparql if prefixed else sparql
        try:
            if default_graph is None:
                return self.oxigraph.query(
                    text,
                    use_default_graph_as_union=True,
                    named_graphs=list(named_graphs) if named_graphs is not None else None,
                )
            return self.oxigraph.query(
                text,
                default_graph=list(default_graph) or [_EMPTY_GRAPH],
                named_graphs=list(named_graphs) if named_graphs is not None else None,
            )
        except SyntaxError as exc:
            raise MalformedRequestError(f"invalid SPARQL query: {exc}") from exc

    def select(self, sparql: str, **kwargs: object) -> list[dict[str, Term]]:
        """Run a SELECT query with maillage's prefixes; return one dict per solution."""
        solutions = self.query(sparql, prefixed=True, **kwargs)  # type: ignore[arg-type]
        if not isinstance(solutions, QuerySolutions):
            raise TypeError("select() takes a SELECT query")
        names = [variable.value for variable in solutions.variables]
        rows = []
        for solution in solutions:
            row = {name: solution[name] for name in names if solution[name] is not None}
            rows.append(row)
        return rows

    def ask(self, sparql: str, **kwargs: object) -> bool:
        result = self.query(sparql, prefixed=True, **kwargs)  # type: ignore[arg-type]
        return bool(result)

    def count_quads(self) -> int:
        total = self.oxigraph.query(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        )
        for solution in total:
            return int(solution["n"].value)
        return 0

    def dump(self, path: Path, rdf_format: RdfFormat) -> None:
        """Write every named graph to `path` in a quad format."""
        self.oxigraph.dump(output=str(path), format=rdf_format)


# A graph name that no data uses: an explicit empty dataset for users who may read nothing.
_EMPTY_GRAPH = NamedNode("urn:maillage:empty")


def _insert_data(graph: NamedNode, triples: Iterable[Triple]) -> str:
    lines = [f"{t.subject} {t.predicate} {t.object} ." for t in triples]
    return "INSERT DATA { GRAPH " + str(graph) + " {\n" + "\n".join(lines) + "\n} }"
