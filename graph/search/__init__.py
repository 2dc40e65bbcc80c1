"""Full-text search of the repository's items in French, with facets and access rights.

`SearchIndex` stores and searches `SearchDocument`s, which `GraphDocumentReader` builds
from the graph. `IndexJournal` keeps the index in step with the graph across crashes.
`open_search_index` opens an index and repairs or rebuilds it.
"""

from maillage.graph.search.analysis import analyse, normalise_text
from maillage.graph.search.documents import (
    SEARCHABLE_TYPES,
    GraphDocumentReader,
    SearchDocument,
    article_text_reader,
)
from maillage.graph.search.index import (
    MAX_LIMIT,
    MAX_OFFSET,
    SORTS,
    SearchIndex,
    open_search_index,
)
from maillage.graph.search.journal import IndexJournal
from maillage.graph.search.results import SearchHit, SearchResult
from maillage.graph.search.schema import FACETS

__all__ = [
    "FACETS",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "SEARCHABLE_TYPES",
    "SORTS",
    "GraphDocumentReader",
    "IndexJournal",
    "SearchDocument",
    "SearchHit",
    "SearchIndex",
    "SearchResult",
    "analyse",
    "article_text_reader",
    "normalise_text",
    "open_search_index",
]
