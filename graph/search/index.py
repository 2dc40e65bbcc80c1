"""The full-text search index of the repository's items, on tantivy.

One `SearchIndex` owns a folder, by default `{data_path}/index`, that contains the
tantivy index (`tantivy/`), its schema version (`VERSION`) and the write-ahead journal
(`journal/`). It keeps one searcher, replaced after each commit of this process, and
one writer, created at the first write. tantivy lets a single writer hold an index, so
only one process may write a given folder at a time.

Access rights are part of every query. A term-set clause on the `graph` field keeps
only the documents of the graphs the user may read, so totals, facet counts and
snippets leave out every item the user may not read.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

import tantivy
from pyoxigraph import NamedNode
from tantivy import DocAddress, Index, IndexWriter, Occur, Order, Query, Searcher

from maillage.graph.errors import (
    MaillageError,
    MalformedRequestError,
    ValidationFailedError,
)
from maillage.graph.search.analysis import (
    FRENCH_ANALYZER,
    build_french_analyzer,
    normalise_text,
)
from maillage.graph.search.documents import SearchDocument
from maillage.graph.search.journal import IndexJournal
from maillage.graph.search.results import SearchHit, SearchResult
from maillage.graph.search.schema import (
    DATE_FIELD,
    FACETS,
    SCHEMA_VERSION,
    TEXT_FIELDS,
    build_schema,
    to_tantivy,
)
from maillage.graph.search.snippets import SnippetCutter

logger = logging.getLogger(__name__)

Sort = Literal["relevance", "date"]
SORTS: tuple[str, ...] = ("relevance", "date")

MAX_LIMIT = 100
# tantivy's top-k collector keeps offset + limit documents in memory.
MAX_OFFSET = 10_000
MAX_QUERY_CHARS = 1_000
# Characters of tantivy's query syntax, removed when a query does not parse.
_QUERY_SYNTAX = re.compile(r"[\"'():\[\]{}^+\-*~\\!<>=]|\b(?:AND|OR|NOT|TO|IN)\b")
# Values listed per facet. The counts of the less frequent values are dropped.
FACET_SIZE = 100

# The writer's memory for documents not yet flushed to a segment, shared by its
# threads. Two threads halved the rebuild of 10,000 generated documents of about ten
# thousand characters each on a two-core machine (from about 70 s to 35 s).
WRITER_HEAP_BYTES = 64_000_000
WRITER_THREADS = 2

# Returns the current document of an item IRI, or None when the item is gone.
DocumentReader = Callable[[str], SearchDocument | None]


class DocumentSource(Protocol):
    """Source of the documents to index, such as `GraphDocumentReader` for the store."""

    def __call__(self, iri: str) -> SearchDocument | None: ...

    def documents(self) -> Iterable[SearchDocument]: ...


class SearchIndex:
    """A tantivy index of `SearchDocument`s in the folder `path`.

    `needs_rebuild` is True when the index was just created, when it was built for
    another schema version (the old files are then deleted), or when a rebuild did not
    finish: the caller must then call `rebuild` with every document.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.journal = IndexJournal(path / "journal")
        self._schema = build_schema()
        self._index, created = self._open_tantivy(path / "tantivy")
        self._analyzer = build_french_analyzer()
        self._index.register_tokenizer(FRENCH_ANALYZER, self._analyzer)
        self._index.config_reader(reload_policy="Manual")
        self._searcher: Searcher = self._index.searcher()
        self._writer: IndexWriter | None = None
        self._lock = threading.Lock()
        self.needs_rebuild = created or self.journal.rebuild_pending
        logger.info(
            "search index opened at %s with %d documents", path, self._searcher.num_docs
        )

    def _open_tantivy(self, folder: Path) -> tuple[Index, bool]:
        version_file = self.path / "VERSION"
        version = version_file.read_text().strip() if version_file.exists() else None
        if version == SCHEMA_VERSION and Index.exists(str(folder)):
            return Index(self._schema, path=str(folder), reuse=True), False
        if version is not None:
            logger.warning(
                "search index at %s has schema version %s, not %s: deleting it",
                folder,
                version,
                SCHEMA_VERSION,
            )
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        index = Index(self._schema, path=str(folder), reuse=False)
        version_file.write_text(SCHEMA_VERSION + "\n")
        return index, True

    def count(self) -> int:
        """Return the number of documents that searches see."""
        return self._searcher.num_docs

    def close(self) -> None:
        """Drop uncommitted changes and release the writer's lock on the folder."""
        with self._lock:
            if self._writer is not None:
                self._writer.rollback()
                self._writer.wait_merging_threads()
                self._writer = None

    # Writing

    def index_documents(self, documents: Iterable[SearchDocument]) -> int:
        """Add or replace the documents by IRI, and return their number.

        The change is visible to searches after `commit`.
        """
        count = 0
        with self._lock:
            writer = self._open_writer()
            for document in documents:
                writer.delete_documents_by_term("iri", document.iri)
                writer.add_document(to_tantivy(document))
                count += 1
        return count

    def delete(self, iri: str) -> None:
        """Remove the document of `iri`, if any, for the searches after `commit`."""
        with self._lock:
            self._open_writer().delete_documents_by_term("iri", iri)

    def commit(self) -> None:
        """Commit the changes to disk and show them to the next searches."""
        with self._lock:
            self._commit_locked()

    def reindex(self, iris: Iterable[str], reader: DocumentReader) -> int:
        """Read each IRI's current document, replace or delete it, and commit.

        Reading from the graph rather than taking the written content makes the index
        agree with the graph whatever order concurrent writes finish in. Return the
        number of IRIs.
        """
        documents = {iri: reader(iri) for iri in dict.fromkeys(iris)}
        with self._lock:
            writer = self._open_writer()
            for iri, document in documents.items():
                writer.delete_documents_by_term("iri", iri)
                if document is not None:
                    writer.add_document(to_tantivy(document))
            self._commit_locked()
        return len(documents)

    def repair(self, reader: DocumentReader) -> int:
        """Re-index every IRI left pending in the journal, then clear those entries.

        Return the number of IRIs repaired.
        """
        entries = self.journal.entries()
        if not entries:
            return 0
        repaired = self.reindex((iri for _, iri in entries), reader)
        for entry, _ in entries:
            self.journal.clear(entry)
        logger.info("search index repaired %d pending items", repaired)
        return repaired

    def rebuild(self, documents: Iterable[SearchDocument]) -> int:
        """Replace the whole index with `documents` in one commit, and count them.

        A crash or an error during the rebuild leaves the previous index in place and
        the journal's rebuild mark set, so the next start rebuilds again.
        """
        started = time.perf_counter()
        count = 0
        with self._lock:
            self.journal.start_rebuild()
            writer = self._open_writer()
            try:
                writer.delete_all_documents()
                for document in documents:
                    writer.add_document(to_tantivy(document))
                    count += 1
                self._commit_locked()
            except BaseException:
                writer.rollback()
                raise
            self.journal.finish_rebuild()
            self.needs_rebuild = False
        elapsed = time.perf_counter() - started
        logger.info("search index rebuilt with %d documents in %.1f s", count, elapsed)
        return count

    def _open_writer(self) -> IndexWriter:
        if self._writer is None:
            try:
                self._writer = self._index.writer(
                    heap_size=WRITER_HEAP_BYTES, num_threads=WRITER_THREADS
                )
            except ValueError as exc:
                raise MaillageError(
                    f"cannot write the search index at {self.path} because another "
                    "process holds its lock: stop the other maillage process that uses "
                    "this data folder"
                ) from exc
        return self._writer

    def _commit_locked(self) -> None:
        if self._writer is None:
            return
        self._writer.commit()
        self._index.reload()
        self._searcher = self._index.searcher()

    # Searching

    def search(
        self,
        query: str,
        *,
        readable_graphs: Sequence[str | NamedNode] | None = None,
        filters: Mapping[str, Sequence[str]] | None = None,
        sort: Sort = "relevance",
        offset: int = 0,
        limit: int = 20,
        with_facets: bool = True,
    ) -> SearchResult:
        """Return one page of the documents that match `query`, their total and facets.

        `query` follows tantivy's query syntax (words, `"phrases"`, `AND`, `OR`,
        `-word`, `title:word`). All words must match unless the query uses `OR`, and a
        blank query matches every document. When the syntax is broken, the words alone
        are searched and `SearchResult.partial_query` is True.

        `readable_graphs` lists the named graphs the user may read (None for all).
        `filters` maps a facet of `FACETS` to the values to keep: a document matches
        when it has one of the values of every facet given. Facet counts are over the
        documents that match the query, the filters and the access rights.

        Raise `MalformedRequestError` for an unknown sort or facet, or a query that is
        too long, and `ValidationFailedError` for an offset or limit out of range.
        """
        _check_page(offset, limit)
        filters = _check_filters(filters or {})
        if sort not in SORTS:
            raise MalformedRequestError(
                f"unknown sort {sort!r}; accepted: {', '.join(SORTS)}"
            )
        started = time.perf_counter()
        searcher = self._searcher
        user_query, partial = self._parse(query)
        restricted = self._restrict(user_query, readable_graphs, filters)

        found = self._run(searcher, restricted, sort, offset, limit, query)
        cut = SnippetCutter(searcher, self._schema, user_query, query)
        hits = [
            self._hit(searcher, address, key, sort, cut)
            for key, address in found.hits[:limit]
        ]
        facets = self._count_facets(searcher, restricted) if with_facets else {}

        logger.info(
            "search matched %d documents, returned %d, in %.1f ms",
            found.count,
            len(hits),
            (time.perf_counter() - started) * 1000,
        )
        return SearchResult(found.count, hits, facets, partial_query=partial)

    def _parse(self, query: str) -> tuple[Query, bool]:
        text = normalise_text(query).strip()
        if len(text) > MAX_QUERY_CHARS:
            raise MalformedRequestError(
                f"search query of {len(text)} characters is too long; "
                f"the maximum is {MAX_QUERY_CHARS}"
            )
        if not text or text == "*":
            return Query.all_query(), False
        if not self._analyzer.analyze(text):
            # Only stop words: tantivy would read several of them as "match all".
            return Query.empty_query(), False
        parsed, errors = self._parse_lenient(text, query)
        if not errors:
            return parsed, False
        logger.debug("search query %r parsed leniently: %s", query[:200], errors)
        # Broken syntax such as an unclosed quote most likely wraps plain words, so the
        # words alone are searched.
        words = _QUERY_SYNTAX.sub(" ", text).strip()
        if not words:
            return Query.empty_query(), True
        parsed, _ = self._parse_lenient(words, query)
        return parsed, True

    def _parse_lenient(self, text: str, query: str) -> tuple[Query, list[object]]:
        try:
            return self._index.parse_query_lenient(
                text,
                list(TEXT_FIELDS),
                field_boosts=TEXT_FIELDS,
                conjunction_by_default=True,
            )
        except ValueError as exc:
            raise MalformedRequestError(
                f"invalid search query {query[:200]!r}"
            ) from exc

    def _restrict(
        self,
        user_query: Query,
        readable_graphs: Sequence[str | NamedNode] | None,
        filters: dict[str, list[str]],
    ) -> Query:
        clauses = [(Occur.Must, user_query)]
        if readable_graphs is not None:
            graphs = [_graph_value(graph) for graph in readable_graphs]
            clauses.append((Occur.Must, self._term_set("graph", graphs)))
        for facet, values in filters.items():
            clauses.append((Occur.Must, self._term_set(facet, values)))
        if len(clauses) == 1:
            return user_query
        return Query.boolean_query(clauses)

    def _term_set(self, field: str, values: list[str]) -> Query:
        # A score of zero leaves the ranking to the user's words.
        terms = Query.term_set_query(self._schema, field, values)
        return Query.const_score_query(terms, 0.0)

    def _run(
        self,
        searcher: Searcher,
        query: Query,
        sort: Sort,
        offset: int,
        limit: int,
        query_text: str,
    ) -> tantivy.SearchResult:
        # tantivy panics on a limit of 0, so a count-only page requests one hit.
        options: dict[str, object] = {"offset": offset}
        if sort == "date":
            options |= {"order_by_field": DATE_FIELD, "order": Order.Desc}
        try:
            return searcher.search(query, max(limit, 1), count=True, **options)
        except ValueError as exc:
            raise MalformedRequestError(
                f"invalid search query {query_text[:200]!r}"
            ) from exc

    def _hit(
        self,
        searcher: Searcher,
        address: DocAddress,
        key: object,
        sort: Sort,
        cut: SnippetCutter,
    ) -> SearchHit:
        document = searcher.doc(address)
        ordinal = document.get_first(DATE_FIELD)
        return SearchHit(
            iri=document.get_first("iri"),
            item_type=document.get_first("item_type") or "",
            title=document.get_first("title") or "",
            snippet=cut(document),
            score=float(key) if sort == "relevance" else None,
            date=date.fromordinal(ordinal) if ordinal is not None else None,
        )

    def _count_facets(
        self, searcher: Searcher, query: Query
    ) -> dict[str, dict[str, int]]:
        aggregations = {
            facet: {"terms": {"field": facet, "size": FACET_SIZE}} for facet in FACETS
        }
        result = searcher.aggregate(query, aggregations)
        counts = {}
        for facet in FACETS:
            buckets = result.get(facet, {}).get("buckets", [])
            ordered = sorted(buckets, key=lambda b: (-b["doc_count"], str(b["key"])))
            counts[facet] = {str(b["key"]): int(b["doc_count"]) for b in ordered}
        return counts


def open_search_index(path: Path, source: DocumentSource) -> SearchIndex:
    """Open the index at `path` and bring it in line with the graph that `source` reads.

    A new, outdated or half-rebuilt index is rebuilt from every document. Otherwise the
    IRIs left pending in the journal by an interrupted write are re-indexed.
    """
    index = SearchIndex(path)
    if index.needs_rebuild:
        # The rebuild reads every item, so it also settles the pending entries.
        entries = index.journal.entries()
        index.rebuild(source.documents())
        for entry, _ in entries:
            index.journal.clear(entry)
    else:
        index.repair(source)
    return index


def _check_page(offset: int, limit: int) -> None:
    if not 0 <= offset <= MAX_OFFSET or not 0 <= limit <= MAX_LIMIT:
        raise ValidationFailedError(
            f"invalid page offset={offset} limit={limit}: offset must be between 0 and "
            f"{MAX_OFFSET} and limit between 0 and {MAX_LIMIT}"
        )


def _check_filters(filters: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(filters) - set(FACETS))
    if unknown:
        raise MalformedRequestError(
            f"unknown search filter {unknown[0]!r}; accepted: {', '.join(FACETS)}"
        )
    return {facet: list(values) for facet, values in filters.items() if values}


def _graph_value(graph: str | NamedNode) -> str:
    return graph.value if isinstance(graph, NamedNode) else graph
