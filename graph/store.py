"""The embedded Oxigraph store and the operations maillage needs from it.

All data lives in named graphs (`docs/model.md`); the store's default graph stays empty.
pyoxigraph is used directly, with its own parsers, serializers and SPARQL engine.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from maillage.graph.views import MAX_VIEWS, MIN_GRAPHS, ReadableViews

logger = logging.getLogger(__name__)

Term = NamedNode | BlankNode | Literal
QueryResult = QuerySolutions | QueryTriples | QueryBoolean


class QuadStore(ABC):
    """The operations maillage needs from a store of quads, embedded or remote.

    `GraphStore` keeps the quads in Oxigraph inside this process, and
    `maillage.graph.remote.RemoteStore` sends SPARQL 1.1 requests to another server.
    In both, a query whose `default_graph` is None reads the union of every named
    graph, and `named_graphs` None lets GRAPH range over every named graph.
    """

    @abstractmethod
    def close(self) -> None:
        """Release the store; the object is unusable afterwards."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Return True when the store holds no quad."""

    @abstractmethod
    def named_graphs(self) -> list[NamedNode]:
        """Return the names of the graphs of the store."""

    @abstractmethod
    def has_graph(self, graph: NamedNode) -> bool:
        """Return True when `graph` exists in the store."""

    @abstractmethod
    def graph_triples(self, graph: NamedNode) -> list[Triple]:
        """Return every triple of one named graph."""

    @abstractmethod
    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Replace the content of `graph` by `triples` with one request."""

    @abstractmethod
    def add_triples(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Add `triples` to `graph`."""

    @abstractmethod
    def create_graph(self, graph: NamedNode) -> None:
        """Create `graph` empty if it does not exist."""

    @abstractmethod
    def drop_graph(self, graph: NamedNode) -> None:
        """Remove `graph` and its triples, if it exists."""

    @abstractmethod
    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Add quads, each to its named graph."""

    @abstractmethod
    def bulk_load(
        self,
        path: Path,
        rdf_format: RdfFormat,
        *,
        base_iri: str,
        to_graph: NamedNode | None = None,
    ) -> None:
        """Load a file; the triples of its default graph go to `to_graph`."""

    @abstractmethod
    def update(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Apply a SPARQL update.

        `base_iri` resolves its relative IRIs, and `prefixes` are PREFIX declarations
        that it may use without declaring them.
        """

    @abstractmethod
    def evaluate(
        self,
        sparql: str,
        *,
        default_graph: Sequence[NamedNode] | None = None,
        named_graphs: Sequence[NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
        custom_functions: Mapping[NamedNode, Callable] | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query over a dataset and return pyoxigraph's result types.

        `prefixes` are PREFIX declarations that the query may use without declaring
        them. The dataset given here replaces the query's FROM and FROM NAMED.
        `custom_functions` are extension functions by IRI, as pyoxigraph takes them.
        """

    @abstractmethod
    def count_quads(self) -> int:
        """Return the number of quads in the named graphs."""

    @abstractmethod
    def dump(self, path: Path, rdf_format: RdfFormat) -> None:
        """Write every named graph to `path` in a quad format."""

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
            return self.evaluate(
                text, default_graph=default_graph, named_graphs=named_graphs
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


class GraphStore(QuadStore):
    """An Oxigraph store on disk, or in memory when `path` is None.

    `generation` counts the writes made through the methods of this class, so that a
    reader of snapshots (`snapshot`) can tell when its copy is stale. Writes made on
    `oxigraph` directly do not count.

    A query over a list of many graphs reads a view that holds only them
    (`maillage.graph.views`), because Oxigraph reads such a list graph by graph: the
    legal report for the anonymous user of the demo took 6.9 s on 123 graphs and
    0.12 s on the union. Views are cut from read-only stores, so a writable store on
    disk evaluates such a query on a read-only copy of its current generation
    (`_reader`), made on the first such query after a write.
    """

    def __init__(
        self, path: Path | None, *, read_only: bool = False, evicts_views: bool = True
    ) -> None:
        self.path = path
        self.read_only = read_only
        self.generation = 0
        self._generation_lock = threading.Lock()
        self._close_callbacks: list[Callable[[], None]] = []
        self._views: ReadableViews | None = None
        self._evicts_views = evicts_views
        # The last dataset given to `_view_for` and its view, with the lists themselves,
        # so that their ids stay theirs. A query worker passes the same list objects
        # for the same dataset.
        self._last_view: tuple[object, object, object] | None = None
        self._views_lock = threading.Lock()
        self._readers: list[_Reader] = []
        self._readers_lock = threading.Lock()
        if path is None:
            self.oxigraph = Store()
        elif read_only:
            # Only for folders that no process writes, such as snapshots: opening a
            # store read-only while another process writes it is undefined behaviour.
            self.oxigraph = Store.read_only(str(path))
        else:
            path.mkdir(parents=True, exist_ok=True)
            self.oxigraph = _open_writable(path)
        logger.info("store opened at %s", path or "memory")

    def close(self) -> None:
        """Run the close callbacks, then flush pending writes.

        The store object is unusable afterwards.
        """
        # The views close with the last reference to them, which this one would keep.
        self._last_view = None
        for callback in reversed(self._close_callbacks):
            callback()
        self._close_callbacks.clear()
        if not self.read_only:
            self.oxigraph.flush()
        del self.oxigraph

    def on_close(self, callback: Callable[[], None]) -> None:
        """Register `callback` to run when the store closes, such as stopping readers."""
        self._close_callbacks.append(callback)

    def _written(self) -> None:
        with self._generation_lock:
            self.generation += 1

    def snapshot(self, target: Path) -> int:
        """Write a consistent copy of the store to the new folder `target`.

        Returns the generation the copy contains at least. An on-disk store makes a
        RocksDB checkpoint, which hard-links its files when `target` is on the same
        file system. An in-memory store is copied quad by quad.
        """
        generation = self.generation
        if self.path is None:
            copy = Store(str(target))
            copy.bulk_extend(self.oxigraph.quads_for_pattern(None, None, None, None))
            copy.flush()
            del copy
        else:
            self.oxigraph.backup(str(target))
        return generation

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
        finally:
            self._written()

    def add_triples(self, graph: NamedNode, triples: Iterable[Triple]) -> None:
        """Add `triples` to `graph` in one transaction."""
        try:
            self.oxigraph.extend(
                Quad(t.subject, t.predicate, t.object, graph) for t in triples
            )
        finally:
            self._written()

    def create_graph(self, graph: NamedNode) -> None:
        """Create `graph` empty if it does not exist; Oxigraph keeps empty graphs."""
        try:
            self.oxigraph.add_graph(graph)
        finally:
            self._written()

    def drop_graph(self, graph: NamedNode) -> None:
        if self.oxigraph.contains_named_graph(graph):
            try:
                self.oxigraph.remove_graph(graph)
            finally:
                self._written()

    def update(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> None:
        """Apply a SPARQL update to the store in one transaction.

        Raises Oxigraph's `SyntaxError` and `RuntimeError` unchanged, so that callers
        can translate them with the request in hand.
        """
        declared = dict(prefixes) if prefixes else None
        try:
            self.oxigraph.update(sparql, base_iri=base_iri, prefixes=declared)
        finally:
            self._written()

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
        try:
            if to_graph is not None and not rdf_format.supports_datasets:
                self.oxigraph.bulk_load(
                    path=str(path),
                    format=rdf_format,
                    base_iri=base_iri,
                    to_graph=to_graph,
                )
                return
            self.oxigraph.bulk_load(path=str(path), format=rdf_format, base_iri=base_iri)
        finally:
            self._written()
        if to_graph is not None:
            self.move_default_graph(to_graph)

    def move_default_graph(self, graph: NamedNode) -> int:
        """Move every triple of the store's default graph into `graph`; return their count."""
        default_quads = list(self.oxigraph.quads_for_pattern(None, None, None, DefaultGraph()))
        if not default_quads:
            return 0
        self.update(
            f"INSERT {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }} ; CLEAR DEFAULT"
        )
        return len(default_quads)

    def add_quads(self, quads: Iterable[Quad]) -> None:
        """Add quads in one transaction."""
        try:
            self.oxigraph.extend(quads)
        finally:
            self._written()

    def evaluate(
        self,
        sparql: str,
        *,
        default_graph: Sequence[NamedNode] | None = None,
        named_graphs: Sequence[NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
        custom_functions: Mapping[NamedNode, Callable] | None = None,
    ) -> QueryResult:
        """Evaluate a SPARQL query with Oxigraph; raise its `SyntaxError` unchanged.

        A read-only store answers a long list of graphs from a view that holds only
        them (`maillage.graph.views`), because Oxigraph reads a list graph by graph.
        """
        declared = dict(prefixes) if prefixes else None
        if default_graph is None:
            named = list(named_graphs) if named_graphs is not None else None
            return self.oxigraph.query(
                sparql,
                use_default_graph_as_union=True,
                named_graphs=named,
                prefixes=declared,
                custom_functions=custom_functions,
            )
        if self._reads_through_copy(default_graph):
            # A list this long is the list of graphs a user may read, so GRAPH stays
            # within it too. The copy can then evaluate the query on a view.
            return self._reader().evaluate(
                sparql,
                default_graph=default_graph,
                named_graphs=default_graph if named_graphs is None else named_graphs,
                prefixes=prefixes,
                custom_functions=custom_functions,
            )
        with self._views_lock:
            view = self._view_for(default_graph, named_graphs)
        if view is not None:
            store, named_in_view = view
            return store.query(
                sparql,
                use_default_graph_as_union=True,
                named_graphs=named_in_view,
                prefixes=declared,
                custom_functions=custom_functions,
            )
        return self.oxigraph.query(
            sparql,
            default_graph=list(default_graph) or [_EMPTY_GRAPH],
            named_graphs=list(named_graphs) if named_graphs is not None else None,
            prefixes=declared,
            custom_functions=custom_functions,
        )

    def _reads_through_copy(self, default_graph: Sequence[NamedNode]) -> bool:
        return (
            not self.read_only
            and self.path is not None
            and len(default_graph) >= MIN_GRAPHS
        )

    def _reader(self) -> GraphStore:
        """Return a read-only copy of the store at its current generation.

        The copy is a checkpoint in `{path}.readers/`, kept until two newer ones
        exist, so that a query still reading it after a write can finish.
        """
        with self._readers_lock:
            if self._readers and self._readers[-1].generation == self.generation:
                return self._readers[-1].store
            if not self._readers:
                self.on_close(self._close_readers)
            root = self.path.parent / f"{self.path.name}.readers"
            if not self._readers:
                _remove_orphans(root)
            root.mkdir(exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))
            started = time.perf_counter()
            generation = self.snapshot(folder / "store")
            reader = _Reader(generation, GraphStore(folder / "store", read_only=True))
            self._readers.append(reader)
            logger.info(
                "read-only copy of generation %d made in %.1f ms",
                generation,
                (time.perf_counter() - started) * 1000,
            )
            # NOTE: a query still iterating a copy after three more writes may find
            # its files deleted. Pages and the API read their results at once.
            while len(self._readers) > _KEPT_READERS:
                self._readers.pop(0).discard()
            return reader.store

    def _close_readers(self) -> None:
        with self._readers_lock:
            for reader in self._readers:
                reader.discard()
            self._readers.clear()

    def view_status(
        self,
        default_graph: Sequence[NamedNode] | None,
        named_graphs: Sequence[NamedNode] | None,
    ) -> str:
        """Tell whether a query on this dataset can start at once on this store.

        Return "ready" when it reads no view or a view already built, "absent" when
        it would build its view first (seconds on a large store), "busy" while
        another thread builds a view, and "full" once `MAX_VIEWS` views are built.
        This never waits.
        """
        if default_graph is None or not self._may_view(default_graph):
            return "ready"
        last = self._last_view
        if last is not None and last[0] is default_graph and last[1] is named_graphs:
            return "ready"
        if not _within(named_graphs, default_graph):
            return "ready"
        if not self._views_lock.acquire(blocking=False):
            return "busy"
        try:
            if self._views is not None and self._views.has(default_graph):
                return "ready"
            if self._views is not None and len(self._views) >= MAX_VIEWS:
                return "full"
            return "absent"
        finally:
            self._views_lock.release()

    def _may_view(self, default_graph: Sequence[NamedNode]) -> bool:
        return (
            self.read_only
            and self.path is not None
            and len(default_graph) >= MIN_GRAPHS
        )

    def _view_for(
        self, default_graph: Sequence[NamedNode], named: Sequence[NamedNode] | None
    ) -> tuple[Store, list[NamedNode] | None] | None:
        """Return a view for this dataset and its named graphs there, or None.

        Only a read-only store on disk has views, for a default graph of many graphs
        whose named graphs are among them: the view has no other graph.
        """
        if not self._may_view(default_graph):
            return None
        last = self._last_view
        if last is not None and last[0] is default_graph and last[1] is named:
            return last[2]
        if not _within(named, default_graph):
            return None
        if self._views is None:
            self._views = ReadableViews(
                self.oxigraph, self.path, evicts=self._evicts_views
            )
            self.on_close(self._views.close)
        kept = {graph.value for graph in default_graph}
        same = len({graph.value for graph in named}) == len(kept)
        answer = self._views.view(default_graph), None if same else list(named)
        self._last_view = (default_graph, named, answer)
        return answer

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


def _within(
    named: Sequence[NamedNode] | None, default_graph: Sequence[NamedNode]
) -> bool:
    """Tell whether every graph of `named` is in `default_graph`; None is not."""
    if named is None:
        return False
    kept = {graph.value for graph in default_graph}
    return {graph.value for graph in named} <= kept


# Read-only copies a writable store keeps: the current one and two older ones.
_KEPT_READERS = 3


class _Reader:
    """A read-only copy of a store at one generation, in a folder of its own."""

    def __init__(self, generation: int, store: GraphStore) -> None:
        self.generation = generation
        self.store = store

    def discard(self) -> None:
        folder = self.store.path.parent
        self.store.close()
        shutil.rmtree(folder, ignore_errors=True)


def _remove_orphans(root: Path) -> None:
    """Delete the copies that processes which no longer run left in `root`."""
    if not root.is_dir():
        return
    for entry in root.iterdir():
        pid = entry.name.partition("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


class StoreInUseError(OSError):
    """The store's folder is open in another process, which holds its lock."""


def _open_writable(path: Path) -> Store:
    try:
        return Store(str(path))
    except OSError as exc:
        if "lock" not in str(exc).lower():
            raise
        raise StoreInUseError(
            f"the store at {path} is open in another process, such as a running "
            "'maillage serve': stop that process first, or send the request to its "
            "HTTP API (/sparql, /api) while it runs"
        ) from exc


# A graph name that no data uses: an explicit empty dataset for users who may read nothing.
_EMPTY_GRAPH = NamedNode("urn:maillage:empty")


def _insert_data(graph: NamedNode, triples: Iterable[Triple]) -> str:
    lines = [f"{t.subject} {t.predicate} {t.object} ." for t in triples]
    return "INSERT DATA { GRAPH " + str(graph) + " {\n" + "\n".join(lines) + "\n} }"
