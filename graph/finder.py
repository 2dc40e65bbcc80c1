"""A search as the API and the page request it: short filter values, labelled facets.

The index keeps full IRIs as facet values. A request may give them in full or in short:
a concept by its slug (`phase=diagnostic`, `state=draft`), a linked item by `type/key`
or, for its usual type, by key alone (`actor=caf-ardeche`, `action=fa-01`). The result
gives each facet value with its label, read from the graphs the user may read, so a
label never reveals an item the user may not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import Literal, NamedNode

from maillage.graph import repository
from maillage.graph.errors import InvalidIdentifierError, ValidationFailedError
from maillage.graph.indexing import GraphAccess
from maillage.graph.iris import Iris
from maillage.graph.search import SEARCHABLE_TYPES, SearchIndex
from maillage.graph.store import GraphStore

# Filter parameters of the API, with the facet of the index each one filters on.
FILTERS: dict[str, str] = {
    "type": "item_type",
    "doc_type": "doc_type",
    "phase": "phase",
    "actor": "actors",
    "action": "actions",
    "competence": "competences",
    "state": "workflow_state",
    "year": "year",
}
# Filters whose values are concepts of a scheme, given in full or by slug.
CONCEPT_FILTERS = {
    "doc_type": "document-type",
    "phase": "phase",
    "state": "workflow-state",
}
# Filters whose values are items, given in full, as `type/key` or by key of this type.
ITEM_FILTERS = {"actor": "actor", "action": "action", "competence": "competence"}
_YEAR = re.compile(r"^[0-9]{4}$")


class InvalidParameterError(ValidationFailedError):
    code = "invalid_parameter"


@dataclass(frozen=True)
class SearchRequest:
    """The words, filters, order and page of one search.

    `filters` maps names of `FILTERS` to the values to keep: an item must have one of
    the values of each filter given.
    """

    query: str = ""
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    sort: str = "relevance"
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class FoundItem:
    """One hit; `snippet` is HTML whose only markup is `<mark>`, `path` the page."""

    iri: str
    type: str
    title: str
    snippet: str
    date: date | None
    score: float | None
    path: str


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of matching items that have it."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class SearchAnswer:
    """One page of hits, their total and the facets by filter name."""

    request: SearchRequest
    total: int
    hits: list[FoundItem]
    facets: dict[str, list[FacetValue]]
    partial_query: bool


def run_search(
    index: SearchIndex,
    store: GraphStore,
    iris: Iris,
    request: SearchRequest,
    *,
    access: GraphAccess,
) -> SearchAnswer:
    """Search the index for `request` with the access rights of `access`.

    `index` must take a `GraphAccess` as `readable_graphs`, as `AccessIndex` does.

    Raise `InvalidParameterError` for a filter value that names nothing, and the
    index's errors for a sort, page or query out of range.
    """
    filters = resolve_filters(iris, request.filters)
    result = index.search(
        request.query,
        readable_graphs=access,  # type: ignore[arg-type]
        filters=_index_filters(filters),
        sort=request.sort,  # type: ignore[arg-type]
        offset=request.offset,
        limit=request.limit,
    )
    counts = dict(result.facets)
    for name in filters:
        # A facet's own filter is left out of its counts, so that the other values
        # stay listed and can be added to the selection.
        others = {key: values for key, values in filters.items() if key != name}
        widened = index.search(
            request.query,
            readable_graphs=access,  # type: ignore[arg-type]
            filters=_index_filters(others),
            limit=0,
        )
        counts[FILTERS[name]] = widened.facets.get(FILTERS[name], {})
    hits = [
        FoundItem(
            iri=hit.iri,
            type=hit.item_type,
            title=hit.title,
            snippet=hit.snippet,
            date=hit.date,
            score=hit.score,
            path=item_path(iris, hit.iri),
        )
        for hit in result.hits
    ]
    facets = _label_facets(store, counts, filters, access)
    return SearchAnswer(request, result.total, hits, facets, result.partial_query)


def resolve_filters(
    iris: Iris, filters: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """Return the filters with every value as the index keeps it: a full IRI or text."""
    resolved = {}
    for name, values in filters.items():
        if name not in FILTERS:
            raise InvalidParameterError(
                f"unknown search filter {name[:40]!r}; accepted: {', '.join(FILTERS)}"
            )
        given = [value.strip() for value in values if value.strip()]
        if given:
            resolved[name] = [_resolve(iris, name, value) for value in given]
    return resolved


def item_path(iris: Iris, iri: str) -> str:
    """Return the path of the page of an item IRI of this base on this server."""
    ref = iris.parse_item(iri)
    return f"/id/{ref.type}/{ref.key}" if ref is not None else iri


def _resolve(iris: Iris, name: str, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    try:
        if name in CONCEPT_FILTERS:
            return iris.concept(CONCEPT_FILTERS[name], value).value
        if name in ITEM_FILTERS:
            type_, _, key = value.rpartition("/")
            return iris.item(type_ or ITEM_FILTERS[name], key).value
    except InvalidIdentifierError as exc:
        raise InvalidParameterError(
            f"invalid {name} filter {value[:80]!r}: give a full IRI or {_hint(name)}"
        ) from exc
    if name == "type" and value not in SEARCHABLE_TYPES:
        raise InvalidParameterError(
            f"invalid type filter {value[:80]!r}; accepted: "
            + ", ".join(SEARCHABLE_TYPES)
        )
    if name == "year" and not _YEAR.match(value):
        raise InvalidParameterError(
            f"invalid year filter {value[:80]!r}: give a year of four digits"
        )
    return value


def _hint(name: str) -> str:
    if name in CONCEPT_FILTERS:
        return f"the slug of a concept of the scheme {CONCEPT_FILTERS[name]}"
    return f"type/key, or the key of an item of type {ITEM_FILTERS[name]}"


def _label_facets(
    store: GraphStore,
    counts: dict[str, dict[str, int]],
    filters: dict[str, list[str]],
    access: GraphAccess,
) -> dict[str, list[FacetValue]]:
    listed = {}
    for name, facet in FILTERS.items():
        values = dict(counts.get(facet, {}))
        for value in filters.get(name, ()):
            values.setdefault(value, 0)
        listed[name] = values
    iris = {v for values in listed.values() for v in values if v.startswith("http")}
    labels = read_labels(store, iris, access)
    facets = {}
    for name, values in listed.items():
        selected = set(filters.get(name, ()))
        facets[name] = [
            FacetValue(
                value, labels.get(value, _short(value)), count, value in selected
            )
            for value, count in values.items()
        ]
    return facets


def read_labels(
    store: GraphStore, iris: Iterable[str], access: GraphAccess
) -> dict[str, str]:
    """Return the label of each IRI that has one in a graph the user may read.

    Each IRI is looked up in Oxigraph's indexes, which takes microseconds, where a
    SPARQL query with VALUES over every named graph takes tens of milliseconds on a
    store of ten thousand graphs.
    """
    labels = {}
    for iri in iris:
        node = NamedNode(iri)
        candidates = [
            (quad.predicate, quad.object)
            for predicate in repository.LABEL_PROPERTIES
            for quad in store.oxigraph.quads_for_pattern(node, predicate, None, None)
            if isinstance(quad.object, Literal)
            and isinstance(quad.graph_name, NamedNode)
            and access.allows(quad.graph_name.value)
        ]
        if candidates:
            labels[iri] = _best_label(candidates)
    return labels


def _best_label(candidates: list[tuple[NamedNode, Literal]]) -> str:
    """Return the label of the first label property, in French if there is one."""

    def rank(candidate: tuple[NamedNode, Literal]) -> tuple[int, int, str]:
        predicate, literal = candidate
        language_rank = 2
        if literal.language == "fr":
            language_rank = 0
        elif literal.language is None:
            language_rank = 1
        return (
            repository.LABEL_PROPERTIES.index(predicate),
            language_rank,
            literal.value,
        )

    return min(candidates, key=rank)[1].value


def _index_filters(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    return {FILTERS[name]: values for name, values in filters.items()}


def _short(value: str) -> str:
    """Return the last segment of an IRI without a readable label, or the value."""
    return value.rstrip("/").rsplit("/", 1)[-1]
