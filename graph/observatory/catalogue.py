"""The indicator catalogue as the observatory reads it from the store.

Catalogue indicators are `mlg:Indicator` items (`docs/model.md`, "Indicator"). Besides
the fields of every indicator, the observatory reads the quotient of a rate
(`mlg:numerator`, `mlg:denominator`, `mlg:rateMultiplier`), the statistical secrecy
threshold of a count (`mlg:secrecyThreshold`) and the indicators of imported tables that
feed a catalogue indicator (`mlg:sourceIndicator`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore

COUNT = "count"
RATE = "rate"
AMOUNT = "amount"
RATIO = "ratio"

# Kinds whose figures for a group of communes are sums of the communes' figures.
ADDITIVE_KINDS = frozenset({COUNT, AMOUNT})
# Kinds whose figures are a quotient of two other indicators.
QUOTIENT_KINDS = frozenset({RATE, RATIO})

_INDICATORS = """
SELECT ?indicator ?label ?unit ?kind ?definition ?source ?numerator ?denominator
       ?multiplier ?threshold ?demo ?column
WHERE {
  ?indicator a mlg:Indicator .
  OPTIONAL { ?indicator rdfs:label ?label }
  OPTIONAL { ?indicator mlg:unit ?unit }
  OPTIONAL { ?indicator mlg:indicatorKind ?kind }
  OPTIONAL { ?indicator skos:definition ?definition }
  OPTIONAL { ?indicator dcterms:source ?source }
  OPTIONAL { ?indicator mlg:numerator ?numerator }
  OPTIONAL { ?indicator mlg:denominator ?denominator }
  OPTIONAL { ?indicator mlg:rateMultiplier ?multiplier }
  OPTIONAL { ?indicator mlg:secrecyThreshold ?threshold }
  OPTIONAL { ?indicator mlg:demoData ?demo }
  OPTIONAL { ?indicator mlg:sourceColumn ?column }
}
"""

_THEMES = """
SELECT ?indicator ?theme ?label WHERE {
  ?indicator a mlg:Indicator ; dcterms:subject ?theme .
  OPTIONAL { ?theme skos:prefLabel ?label }
}
"""

_SOURCES = """
SELECT ?indicator ?source WHERE { ?indicator mlg:sourceIndicator ?source }
"""

_GRAPHS = """
SELECT DISTINCT ?indicator ?g WHERE { GRAPH ?g { ?indicator a mlg:Indicator } }
"""


@dataclass(frozen=True)
class Theme:
    """A concept of the `theme` scheme that groups indicators."""

    iri: str
    label: str


@dataclass
class Indicator:
    """One indicator of the store, catalogue or imported, with what the figures need."""

    iri: str
    key: str
    label: str
    unit: str
    kind: str | None
    definition: str | None = None
    source: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    multiplier: Decimal = Decimal(1)
    secrecy_threshold: int | None = None
    demo_data: str | None = None
    source_column: str | None = None
    themes: list[Theme] = field(default_factory=list)
    # Indicators of imported tables whose observations count for this one.
    sources: list[str] = field(default_factory=list)
    # The named graphs that declare the indicator, which decide who may read it.
    graphs: set[str] = field(default_factory=set)

    @property
    def is_quotient(self) -> bool:
        return (
            self.kind in QUOTIENT_KINDS
            and self.numerator is not None
            and self.denominator is not None
        )

    @property
    def is_additive(self) -> bool:
        return self.kind in ADDITIVE_KINDS


@dataclass
class Catalogue:
    """Every indicator of the store, by IRI."""

    indicators: dict[str, Indicator] = field(default_factory=dict)

    def get(self, iri: str) -> Indicator | None:
        return self.indicators.get(iri)

    def by_key(self, key: str) -> Indicator | None:
        return next((i for i in self.indicators.values() if i.key == key), None)

    def catalogue_indicators(self) -> list[Indicator]:
        """Return the indicators that have a theme, sorted by label."""
        chosen = [i for i in self.indicators.values() if i.themes]
        return sorted(chosen, key=lambda indicator: indicator.label)

    def readable(self, graphs: Sequence[NamedNode] | None) -> Catalogue:
        """Return the catalogue of the indicators declared in `graphs` (None: all)."""
        if graphs is None:
            return self
        allowed = {graph.value for graph in graphs}
        return Catalogue(
            {
                iri: indicator
                for iri, indicator in self.indicators.items()
                if indicator.graphs & allowed
            }
        )

    def target_of(self, iri: str) -> list[str]:
        """Return the indicators fed by `iri`: itself and the ones it is a source of."""
        targets = [iri]
        for indicator in self.indicators.values():
            if iri in indicator.sources:
                targets.append(indicator.iri)
        return targets


def read_catalogue(
    store: GraphStore, iris: Iris, *, graphs: Sequence[NamedNode] | None = None
) -> Catalogue:
    """Read every indicator of the store, with its themes and source indicators.

    `graphs` restricts the reading to the graphs a user may read (None: every graph).
    """
    catalogue = Catalogue()
    for row in store.select(_INDICATORS, default_graph=graphs):
        iri = row["indicator"].value
        if iri in catalogue.indicators:
            continue
        catalogue.indicators[iri] = _indicator(iris, iri, row)
    for row in store.select(_THEMES, default_graph=graphs):
        indicator = catalogue.indicators.get(row["indicator"].value)
        theme = Theme(row["theme"].value, _text(row.get("label")) or "")
        if indicator is not None and theme not in indicator.themes:
            indicator.themes.append(theme)
    for row in store.select(_SOURCES, default_graph=graphs):
        indicator = catalogue.indicators.get(row["indicator"].value)
        if indicator is not None and row["source"].value not in indicator.sources:
            indicator.sources.append(row["source"].value)
    for row in store.select(_GRAPHS, default_graph=graphs):
        indicator = catalogue.indicators.get(row["indicator"].value)
        if indicator is not None:
            indicator.graphs.add(row["g"].value)
    for indicator in catalogue.indicators.values():
        indicator.themes.sort(key=lambda theme: theme.label)
        indicator.sources.sort()
    return catalogue


def _indicator(iris: Iris, iri: str, row: dict) -> Indicator:
    ref = iris.parse_item(iri)
    kind = _text(row.get("kind"))
    multiplier = _text(row.get("multiplier"))
    threshold = _text(row.get("threshold"))
    return Indicator(
        iri=iri,
        key=ref.key if ref is not None else iri,
        label=_text(row.get("label")) or iri,
        unit=_text(row.get("unit")) or "",
        kind=kind.rsplit("indicator-kind-", 1)[-1] if kind else None,
        definition=_text(row.get("definition")),
        source=_text(row.get("source")),
        numerator=_text(row.get("numerator")),
        denominator=_text(row.get("denominator")),
        multiplier=Decimal(multiplier) if multiplier else Decimal(1),
        secrecy_threshold=int(threshold) if threshold else None,
        demo_data=_text(row.get("demo")),
        source_column=_text(row.get("column")),
    )


def _text(term) -> str | None:
    return term.value if term is not None else None
