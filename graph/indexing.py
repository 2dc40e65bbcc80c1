"""The search index of one instance, fed from its graph and its attached files.

`SearchService` ties the tantivy index at `{data_path}/index` to a reader of the store,
which adds the text of each item's attached files and of law articles. Writers use it
in three ways:

    with search.recording(iri):      # around the write of an item graph
        store.replace_graph(...)
    search.reindex([iri])            # after a change made without recording
    search.forget(iri)               # after a purge: drops the entry and file texts

`mark_for_rebuild` makes the next opening of the index rebuild it from the graph,
for commands that load data while no server has the index open.

Searches take a `GraphAccess`, the named graphs a user may read. Listing ten thousand
readable graphs in every query costs tens of milliseconds in tantivy, so when the user
may read most graphs, the query instead leaves out the few graphs the user may not
read. Those are all the graphs the index may hold minus the readable ones, where the
graphs the index may hold are the store's graphs at opening plus every graph indexed
since: an entry whose graph has just left the store therefore stays hidden.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode
from tantivy import Occur, Query

from maillage.graph.access import User, readable_graphs
from maillage.graph.attachments import FileTexts, attached_text_reader
from maillage.graph.files import FileStore
from maillage.graph.iris import Iris
from maillage.graph.search import (
    GraphDocumentReader,
    IndexJournal,
    SearchDocument,
    SearchIndex,
    article_text_reader,
)
from maillage.graph.search.schema import build_schema
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

INDEX_FOLDER = "index"
# Access decisions kept per store generation: one per role and set of groups.
MAX_CACHED_ACCESS = 64


def index_path(settings: Settings) -> Path:
    """Return the folder of the search index of an instance."""
    return settings.data_path / INDEX_FOLDER


def mark_for_rebuild(settings: Settings) -> bool:
    """Make the next opening of the instance's index rebuild it from the graph.

    Return False, and write nothing, when the index does not exist yet: its first
    opening builds it from the graph anyway.
    """
    folder = index_path(settings)
    if not folder.is_dir():
        return False
    IndexJournal(folder / "journal").start_rebuild()
    logger.info("search index at %s marked for rebuild", folder)
    return True


@dataclass(frozen=True)
class GraphAccess:
    """The named graphs one user may read, by graph IRI.

    `readable` is None when the user may read every graph. `denied` lists the graphs
    the index may hold that the user may not read, or is None when it is the longer
    list, in which case searches list `readable` instead.
    """

    readable: frozenset[str] | None
    denied: frozenset[str] | None = None

    def allows(self, graph: str) -> bool:
        """Return True when the user may read the named graph `graph`."""
        return self.readable is None or graph in self.readable

    def readable_graphs(self) -> list[NamedNode] | None:
        """Return the readable graphs as `access.readable_graphs` gives them."""
        if self.readable is None:
            return None
        return [NamedNode(graph) for graph in sorted(self.readable)]


class AccessIndex(SearchIndex):
    """A `SearchIndex` whose searches also take a `GraphAccess` as `readable_graphs`.

    With a deny-list the query leaves out the denied graphs instead of requiring one of
    the readable ones.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._graph_schema = build_schema()

    # NOTE: this overrides a private method of SearchIndex, whose search() passes
    # `readable_graphs` to it unchanged; it can go once SearchIndex takes a deny-list.
    def _restrict(self, user_query, readable_graphs, filters) -> Query:
        if not isinstance(readable_graphs, GraphAccess):
            return super()._restrict(user_query, readable_graphs, filters)
        access = readable_graphs
        if access.readable is None:
            return super()._restrict(user_query, None, filters)
        if access.denied is None:
            return super()._restrict(user_query, sorted(access.readable), filters)
        query = super()._restrict(user_query, None, filters)
        if not access.denied:
            return query
        denied = Query.term_set_query(
            self._graph_schema, "graph", sorted(access.denied)
        )
        return Query.boolean_query([(Occur.Must, query), (Occur.MustNot, denied)])


class _GraphRecorder:
    """A document source that records the graph of every document it returns."""

    def __init__(self, reader: GraphDocumentReader, graphs: set[str]) -> None:
        self.reader = reader
        self.graphs = graphs
        self.lock = threading.Lock()

    def __call__(self, iri: str) -> SearchDocument | None:
        document = self.reader(iri)
        if document is not None:
            self._add(document.graph)
        return document

    def documents(self) -> Iterator[SearchDocument]:
        for document in self.reader.documents():
            self._add(document.graph)
            yield document

    def known(self) -> set[str]:
        """Return a copy of the graphs recorded so far."""
        with self.lock:
            return set(self.graphs)

    def _add(self, graph: str) -> None:
        with self.lock:
            self.graphs.add(graph)


class SearchService:
    """A search index with the reader that builds its documents from the graph."""

    def __init__(
        self,
        index: SearchIndex,
        reader: GraphDocumentReader,
        texts: FileTexts,
        *,
        known_graphs: set[str] | None = None,
    ) -> None:
        self.index = index
        self.texts = texts
        self.store = reader.store
        self.iris = reader.iris
        known = known_graphs if known_graphs is not None else set()
        self.reader = _GraphRecorder(reader, known)
        self._access: dict[tuple, GraphAccess] = {}
        self._access_generation = -1
        self._access_lock = threading.Lock()
        self._closed = False

    @classmethod
    def open(cls, store: GraphStore, iris: Iris, settings: Settings) -> SearchService:
        """Open the index of an instance and bring it in line with the graph.

        A new, outdated or half-rebuilt index is rebuilt, and so is an empty one, as
        after data was loaded by a command that did not mark it. Otherwise the writes
        left pending by a crash are re-indexed.
        """
        texts = FileTexts.from_settings(settings, FileStore.from_settings(settings))
        reader = GraphDocumentReader(
            store,
            iris,
            extra_text=_joined(
                attached_text_reader(store, texts),
                article_text_reader(iris, settings.legal_texts_path),
            ),
        )
        known = {graph.value for graph in store.named_graphs()}
        recorder = _GraphRecorder(reader, known)
        index = AccessIndex(index_path(settings))
        if index.needs_rebuild or index.count() == 0:
            # As `open_search_index` does, with an empty index rebuilt too.
            entries = index.journal.entries()
            index.rebuild(recorder.documents())
            for entry, _ in entries:
                index.journal.clear(entry)
        else:
            index.repair(recorder)
        return cls(index, reader, texts, known_graphs=known)

    def close(self) -> None:
        """Release the index; a second call does nothing."""
        if not self._closed:
            self._closed = True
            self.index.close()

    def access(self, user: User) -> GraphAccess:
        """Return the graphs `user` may read, kept until the store is written again.

        `maillage.graph.access.readable_graphs` decides, and its result is kept per
        role and groups until the store's generation changes. A write made on the
        Oxigraph store directly does not change the generation and is not seen here.
        """
        key = (user.role, user.groups)
        with self._access_lock:
            if self._access_generation != self.store.generation:
                self._access.clear()
                self._access_generation = self.store.generation
            cached = self._access.get(key)
        if cached is not None:
            return cached
        access = self._decide(user)
        with self._access_lock:
            if len(self._access) >= MAX_CACHED_ACCESS:
                self._access.clear()
            self._access[key] = access
        return access

    def _decide(self, user: User) -> GraphAccess:
        graphs = readable_graphs(self.store, self.iris, user)
        if graphs is None:
            return GraphAccess(None)
        readable = frozenset(graph.value for graph in graphs)
        denied = frozenset(self.reader.known() - readable)
        if len(denied) <= len(readable):
            return GraphAccess(readable, denied)
        return GraphAccess(readable)

    @contextmanager
    def recording(self, iri: str | NamedNode) -> Iterator[None]:
        """Keep `iri` pending in the journal around a write, then re-index it.

        If the block raises, or the process dies inside it, the entry stays on disk
        and the next opening of the index re-reads the item from the graph.
        """
        value = _value(iri)
        with self.index.journal.recording(value):
            yield
            self.index.reindex([value], self.reader)

    def reindex(self, iris: Iterable[str | NamedNode]) -> int:
        """Read each item again from the graph and replace or delete its entry."""
        return self.index.reindex([_value(iri) for iri in iris], self.reader)

    def reindex_item(self, iri: str | NamedNode) -> None:
        """Re-index one item, such as from a hook of the writer after a write."""
        self.reindex([iri])

    def forget(self, iri: str | NamedNode) -> None:
        """Drop the entry of a purged item and the texts of the files it left.

        Call it after the item's graph and files are deleted.
        """
        self.reindex([iri])
        self.texts.delete_orphans()

    def rebuild(self) -> int:
        """Rebuild the whole index from the graph; return the number of documents."""
        return self.index.rebuild(self.reader.documents())


def open_search_service(
    store: GraphStore, iris: Iris, settings: Settings
) -> SearchService:
    """Open the search service of an instance; see `SearchService.open`."""
    return SearchService.open(store, iris, settings)


def _joined(*readers: Callable[[str], str]) -> Callable[[str], str]:
    def read(iri: str) -> str:
        return "\n".join(text for reader in readers if (text := reader(iri)))

    return read


def _value(iri: str | NamedNode) -> str:
    return iri.value if isinstance(iri, NamedNode) else iri
