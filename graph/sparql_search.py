"""The full-text search inside SPARQL, as two custom functions of Oxigraph.

    mlg:search(?item, "politiques sociales")       xsd:boolean
    mlg:searchScore(?item, "politiques sociales")  xsd:double, unbound without a match

Both run the words through the same French search as `GET /api/search`, restricted to
the named graphs the user may read, so an item the user may not read never matches,
whatever graphs the query itself names. For example:

    SELECT ?document ?score WHERE {
      ?document a mlg:Document .
      BIND(mlg:searchScore(?document, "l'agglomération") AS ?score)
      FILTER(BOUND(?score))
    } ORDER BY DESC(?score)

Each distinct text is searched once per query evaluation, and its matches are kept in
memory. The SPARQL endpoint searches the texts of a query in the server, before the
evaluation (`SearchFunctions.search_all`), and hands the matches to the worker process
that evaluates it (`SearchFunctions.from_matches`), so the worker needs no index. There
the text must be a string literal (`maillage.graph.sparql.guard` checks it).

A function raises nothing to Oxigraph, which would only read the error as an unbound
value, so a text that is invalid or has more matches than `MAX_MATCHES` is recorded
instead: call `SearchFunctions.check` after the evaluation to raise it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from pyoxigraph import Literal, NamedNode

from maillage.graph.errors import MaillageError, ResultTooLargeError
from maillage.graph.namespaces import MLG
from maillage.graph.search import MAX_LIMIT, MAX_OFFSET, SearchIndex

logger = logging.getLogger(__name__)

SEARCH = MLG.search
SEARCH_SCORE = MLG.searchScore
# The last page the index serves ends here, so a text with more matches is rejected.
MAX_MATCHES = MAX_OFFSET + MAX_LIMIT

CustomFunction = Callable[..., Literal | None]


class SearchFunctions(dict[NamedNode, CustomFunction]):
    """The custom functions of one query, keyed by IRI, with the errors they met."""

    def __init__(
        self, index: SearchIndex | None, readable_graphs: Sequence[NamedNode] | None
    ) -> None:
        super().__init__({SEARCH: self._search, SEARCH_SCORE: self._score})
        self.index = index
        self.readable_graphs = (
            None if readable_graphs is None else list(readable_graphs)
        )
        self.errors: list[MaillageError] = []
        self._matches: dict[str, dict[str, float]] = {}

    @classmethod
    def from_matches(cls, matches: dict[str, dict[str, float]]) -> SearchFunctions:
        """Return functions that look items up in `matches`, found by `search_all`.

        A text missing from `matches` makes the functions record an error.
        """
        functions = cls(None, [])
        functions._matches = dict(matches)
        return functions

    def search_all(self, texts: Sequence[str]) -> dict[str, dict[str, float]]:
        """Search each text now; raise the first error, such as too many matches."""
        return {text: self.matches(text) for text in texts}

    def check(self) -> None:
        """Raise the first error that a function call recorded, if any."""
        if self.errors:
            raise self.errors[0]

    def matches(self, text: str) -> dict[str, float]:
        """Return the score of each readable item that matches `text`, by IRI."""
        if text not in self._matches:
            self._matches[text] = self._find(text)
        return self._matches[text]

    def _search(self, item: object = None, text: object = None, *extra) -> Literal:
        score = self._lookup(item, text, extra)
        return Literal(score is not None)

    def _score(
        self, item: object = None, text: object = None, *extra
    ) -> Literal | None:
        score = self._lookup(item, text, extra)
        # A Python float becomes an xsd:double literal.
        return None if score is None else Literal(float(score))

    def _lookup(self, item: object, text: object, extra: tuple) -> float | None:
        if extra or not isinstance(text, Literal) or not isinstance(item, NamedNode):
            return None
        try:
            return self.matches(text.value).get(item.value)
        except MaillageError as exc:
            self._record(exc)
        except Exception:
            # Oxigraph would read the exception as an unbound value, silently.
            logger.exception("mlg:search failed on %r", text.value[:100])
            self._record(MaillageError("the search inside the query failed"))
        return None

    def _record(self, error: MaillageError) -> None:
        if not any(known.message == error.message for known in self.errors):
            self.errors.append(error)

    def _find(self, text: str) -> dict[str, float]:
        if self.index is None:
            raise MaillageError(
                f"the search {text[:100]!r} was not made before the evaluation: give "
                "the text of mlg:search as a string literal"
            )
        scores: dict[str, float] = {}
        offset = 0
        while True:
            page = self.index.search(
                text,
                readable_graphs=self.readable_graphs,
                offset=offset,
                limit=MAX_LIMIT,
                with_facets=False,
            )
            if page.total > MAX_MATCHES:
                raise ResultTooLargeError(
                    f"the search {text[:100]!r} matches {page.total} items, more than "
                    f"the {MAX_MATCHES} that mlg:search can use; add words to it"
                )
            for hit in page.hits:
                scores[hit.iri] = hit.score or 0.0
            offset += MAX_LIMIT
            if offset >= page.total:
                break
        logger.debug("mlg:search %r matched %d items", text[:100], len(scores))
        return scores


def search_functions(
    index: SearchIndex, readable_graphs: Sequence[NamedNode] | None
) -> SearchFunctions:
    """Return the custom functions to pass to `Store.query(custom_functions=...)`.

    `readable_graphs` are the named graphs the user may read, None meaning all. Make
    one set per query evaluation, and call its `check` afterwards.
    """
    return SearchFunctions(index, readable_graphs)
