"""The results of a search: hits, the number of matches and the facet counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SearchHit:
    """One matching item.

    `title` is plain text, which the page or API client must escape. `snippet` is
    HTML: the source text escaped, with `<mark>` elements around the matching words and
    no other markup. `score` is None when the results are sorted by date.
    """

    iri: str
    item_type: str
    title: str
    snippet: str
    score: float | None
    date: date | None


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, the number of matching items, and the facet counts.

    `facets` maps each facet to its values and the number of matching items that have
    each value, most frequent first.
    """

    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    # True when parts of the query did not parse and were left out.
    partial_query: bool = False
