"""Read the figures of dashboards from the index, with access rights and secrecy.

A user sees the figures of the datasets whose graph they may read. A protected
dataset has two graphs: its own, readable by administrators only, and its published
copy (`maillage.graph.observatory.communes`). A user who reads only the copy gets
each hidden figure as hidden, with its reason, in place of its value.

When several datasets give a figure for the same indicator, territory and year, the
figure of observed data comes before that of generated data, a complete sum before a
partial one, then the dataset loaded last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from maillage.graph.errors import NotFoundError
from maillage.graph.iris import Iris
from maillage.graph.observatory.aggregate import (
    Aggregate,
    Change,
    change,
    quotient_of_sums,
    sum_values,
)
from maillage.graph.observatory.catalogue import Catalogue, Indicator
from maillage.graph.observatory.index import (
    DatasetEntry,
    ObservatoryIndex,
    StoredFigure,
)
from maillage.graph.observatory.secrecy import Suppression

FRANCE_METROPOLITAINE = "france-metropolitaine"
FRANCE = "france"


@dataclass(frozen=True)
class Access:
    """The datasets a user reads in full (None: all) and those through their copy."""

    full: frozenset[str] | None
    published_only: frozenset[str] = frozenset()

    def sees(self, slugs: Sequence[str]) -> bool:
        return all(
            self.full is None or s in self.full or s in self.published_only
            for s in slugs
        )

    def secrecy_applies(self, slugs: Sequence[str]) -> bool:
        return self.full is not None and any(s in self.published_only for s in slugs)


def access_for(index: ObservatoryIndex, graphs: Sequence[NamedNode] | None) -> Access:
    """Return the access of a user who reads `graphs`; None means every graph."""
    if graphs is None:
        return Access(full=None)
    readable = {graph.value for graph in graphs}
    datasets = index.datasets()
    full = {slug for slug, d in datasets.items() if d.graph in readable}
    copies = {
        slug
        for slug, d in datasets.items()
        if slug not in full and d.published_graph in readable
    }
    return Access(frozenset(full), frozenset(copies))


@dataclass
class Figure:
    """The figure of an indicator for a territory and a year, as a user may see it."""

    indicator: str
    territory: str
    year: int
    value: float | None
    hidden: Suppression | None = None
    numerator: float | None = None
    denominator: float | None = None
    level: str = "observed"
    expected: int | None = None
    present: int | None = None
    missing: tuple[str, ...] = ()
    note: str = ""
    datasets: tuple[str, ...] = ()
    generated: bool = False

    @property
    def is_hidden(self) -> bool:
        return self.hidden is not None


@dataclass
class Comparison:
    """A territory's figure beside those of its département, région and France."""

    indicator: str
    year: int
    figures: list[tuple[str, str, Figure | None]] = field(default_factory=list)


@dataclass
class GroupFigure:
    """A figure computed on request for a set of communes."""

    indicator: str
    year: int
    aggregate: Aggregate
    hidden: list[str] = field(default_factory=list)
    datasets: tuple[str, ...] = ()
    generated: bool = False


class Figures:
    """The figures one user may see."""

    def __init__(
        self,
        index: ObservatoryIndex,
        catalogue: Catalogue,
        access: Access,
        iris: Iris,
    ) -> None:
        self.index = index
        self.catalogue = catalogue
        self.access = access
        self.iris = iris
        self._datasets = index.datasets()
        # Datasets by load time, the latest first: rank 0 wins among equals.
        latest_first = sorted(
            self._datasets,
            key=lambda slug: self._datasets[slug].loaded or "",
            reverse=True,
        )
        self._recency = {slug: rank for rank, slug in enumerate(latest_first)}

    def indicator(self, key_or_iri: str) -> Indicator:
        """Return the indicator of a key or an IRI, or raise `NotFoundError`."""
        found = self.catalogue.get(key_or_iri) or self.catalogue.by_key(key_or_iri)
        if found is None:
            raise NotFoundError(f"no indicator {key_or_iri[:100]!r}")
        return found

    def series(self, indicator: Indicator, territory: str) -> list[Figure]:
        """Return the figure of each year for one territory, oldest first."""
        rows = self.index.figures([indicator.iri], [territory])
        best = self._best(rows)
        return [best[key] for key in sorted(best, key=lambda key: key[2])]

    def figure(self, indicator: Indicator, territory: str, year: int) -> Figure | None:
        rows = self.index.figures([indicator.iri], [territory], year=year)
        return self._best(rows).get((indicator.iri, territory, year))

    def figures_for(
        self, indicator: Indicator, territories: Sequence[str], year: int
    ) -> dict[str, Figure]:
        """Return the figure of each territory of `territories` that has one."""
        rows = self.index.figures([indicator.iri], territories, year=year)
        return {key[1]: figure for key, figure in self._best(rows).items()}

    def latest(
        self, territory: str, indicators: Sequence[Indicator]
    ) -> dict[str, tuple[Figure, Change | None, Change | None]]:
        """Return, per indicator, the latest figure and its changes over 1 and 5 years.

        Hidden figures count as latest too, so that a hidden value is never replaced by
        an older published one.
        """
        rows = self.index.figures([i.iri for i in indicators], [territory])
        by_indicator: dict[str, dict[int, Figure]] = {}
        for (indicator, _, year), figure in self._best(rows).items():
            by_indicator.setdefault(indicator, {})[year] = figure
        answer = {}
        for indicator, years in by_indicator.items():
            last = max(years)
            values = {y: f.value for y, f in years.items() if f.value is not None}
            answer[indicator] = (
                years[last],
                change(values, last, 1),
                change(values, last, 5),
            )
        return answer

    def comparison(self, indicator: Indicator, territory: str, year: int) -> Comparison:
        """Return the figures of the territory, its département, région and France."""
        kind, _, label, departement, region = self.territory(territory)
        places = [(territory, label)]
        if kind != "departement" and departement is not None:
            places.append((departement, self._label(departement)))
        if kind != "region" and region is not None:
            places.append((region, self._label(region)))
        france = self._france(departement)
        places.append((france, self._label(france)))
        found = self.figures_for(indicator, [iri for iri, _ in places], year)
        comparison = Comparison(indicator.iri, year)
        for iri, place_label in places:
            comparison.figures.append((iri, place_label, found.get(iri)))
        return comparison

    def communes_of(
        self, indicator: Indicator, epci: str, year: int
    ) -> tuple[list[tuple[str, str, Figure | None]], str]:
        """Return each commune of the EPCI's perimeter of `year` with its figure."""
        perimeter = self.index.perimeter(epci, year)
        if perimeter is None:
            raise NotFoundError(f"no EPCI {epci[:100]!r} in the observatory")
        communes, note = perimeter
        found = self.figures_for(indicator, communes, year)
        labels = self.index.labels(communes)
        rows = [(c, labels.get(c, c), found.get(c)) for c in communes]
        return rows, note

    def epcis_of(
        self, indicator: Indicator, departement: str, year: int
    ) -> list[tuple[str, str, Figure | None]]:
        """Return each EPCI of the département with its figure for `year`."""
        epcis = self.index.territories_in(departement, "epci")
        found = self.figures_for(indicator, epcis, year)
        labels = self.index.labels(epcis)
        return [(e, labels.get(e, e), found.get(e)) for e in epcis]

    def group(
        self, indicator: Indicator, communes: Sequence[str], year: int
    ) -> GroupFigure:
        """Return the figure of any set of communes, computed from their own figures.

        Hidden commune figures are left out for a user who sees the published copy
        only, and listed, so the result reveals nothing the user could not add up.
        """
        if indicator.is_quotient:
            nums, num_hidden, num_sets = self._commune_values(
                indicator.numerator, communes, year
            )
            dens, den_hidden, den_sets = self._commune_values(
                indicator.denominator, communes, year
            )
            aggregate = quotient_of_sums(
                nums, dens, list(communes), float(indicator.multiplier)
            )
            hidden = sorted(set(num_hidden) | set(den_hidden))
            datasets = num_sets | den_sets
        else:
            values, hidden, datasets = self._commune_values(
                indicator.iri, communes, year
            )
            aggregate = sum_values(values, list(communes))
        aggregate.missing = [c for c in aggregate.missing if c not in hidden]
        generated = any(self._generated(slug) for slug in datasets)
        return GroupFigure(
            indicator.iri, year, aggregate, hidden, tuple(sorted(datasets)), generated
        )

    def territory(
        self, iri: str
    ) -> tuple[str, str | None, str, str | None, str | None]:
        """Return (kind, code, label, département, région) of a known territory."""
        try:
            return self.index.territory(iri)
        except KeyError:
            raise NotFoundError(
                f"no territory {iri[:100]!r} in the observatory"
            ) from None

    def dataset(self, slug: str) -> DatasetEntry | None:
        return self._datasets.get(slug)

    # -- helpers -----------------------------------------------------------------

    def _commune_values(
        self, indicator: str | None, communes: Sequence[str], year: int
    ) -> tuple[dict[str, float], list[str], set[str]]:
        if indicator is None:
            return {}, [], set()
        rows = self.index.figures([indicator], communes, year=year)
        values, hidden, datasets = {}, [], set()
        for figure in self._best(rows).values():
            datasets.update(figure.datasets)
            if figure.is_hidden:
                hidden.append(figure.territory)
            elif figure.value is not None:
                values[figure.territory] = figure.value
        return values, hidden, datasets

    def _best(self, rows: list[StoredFigure]) -> dict[tuple[str, str, int], Figure]:
        """Return the figure each user-visible (indicator, territory, year) shows."""
        chosen: dict[tuple[str, str, int], StoredFigure] = {}
        for row in rows:
            if not self.access.sees(row.slugs):
                continue
            key = (row.indicator, row.territory, row.year)
            current = chosen.get(key)
            if current is None or self._rank(row) < self._rank(current):
                chosen[key] = row
        return {key: self._figure(row) for key, row in chosen.items()}

    def _rank(self, row: StoredFigure) -> tuple[bool, bool, int]:
        generated = any(self._generated(slug) for slug in row.slugs)
        recency = min((self._recency.get(s, len(self._recency)) for s in row.slugs))
        return (generated, bool(row.missing), recency)

    def _figure(self, row: StoredFigure) -> Figure:
        hidden = None
        value, numerator = row.value, row.numerator
        if row.hidden_rule is not None and self.access.secrecy_applies(row.slugs):
            hidden = Suppression(row.hidden_rule, row.hidden_reason or "")
            value, numerator = None, None
        return Figure(
            indicator=row.indicator,
            territory=row.territory,
            year=row.year,
            value=value,
            hidden=hidden,
            numerator=numerator,
            denominator=row.denominator,
            level=row.level,
            expected=row.expected,
            present=row.present,
            missing=row.missing,
            note=row.note,
            datasets=row.slugs,
            generated=any(self._generated(slug) for slug in row.slugs),
        )

    def _generated(self, slug: str) -> bool:
        dataset = self._datasets.get(slug)
        return dataset is not None and dataset.generated

    def _label(self, iri: str) -> str:
        return self.index.labels([iri]).get(iri, iri.rsplit("/", 1)[-1])

    def _france(self, departement: str | None) -> str:
        """Return the France total to compare with: metropolitan or whole France.

        The tables give several France totals. The comparison uses the one whose scope
        contains the territory, the same for every indicator, and never mixes them.
        """
        code = departement.rsplit("/", 1)[-1] if departement else ""
        key = FRANCE if code.startswith("97") else FRANCE_METROPOLITAINE
        return self.iris.item("territory", key).value
