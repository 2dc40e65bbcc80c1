"""Compute the precomputed figures of the index from observations.

The rows are of three levels:

- `observed`: the value of an observation, under its own indicator and under each
  catalogue indicator it is a source of (`mlg:sourceIndicator`);
- `aggregate`: the sum over the communes of an EPCI (perimeter of the year) or a
  département of an additive indicator (count, amount);
- `quotient`: a rate or ratio, from its numerator and denominator rows: for a commune
  or a territory with both observed, and for EPCI and départements as the quotient
  of the sums over the communes that have both.

Secrecy marks come from the published copy of a protected dataset for communes, and
from `maillage.graph.observatory.secrecy` for the totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from maillage.graph.observatory.aggregate import (
    Aggregate,
    quotient,
    quotient_of_sums,
    sum_values,
)
from maillage.graph.observatory.catalogue import Catalogue, Indicator
from maillage.graph.observatory.secrecy import (
    NUMERATOR_HIDDEN,
    Suppression,
    Table,
    apply_secrecy,
)
from maillage.graph.observatory.territories import Territories

OBSERVED = "observed"
AGGREGATE = "aggregate"
QUOTIENT = "quotient"

# (area IRI, indicator IRI, year) -> suppression of that value
Hidden = Mapping[tuple[str, str, int], Suppression]


@dataclass(slots=True)
class FigureRow:
    """One figure of the index: an indicator's value for a territory and a year."""

    indicator: str
    territory: str
    year: int
    source: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    hidden_rule: str | None = None
    hidden_reason: str | None = None
    level: str = OBSERVED
    expected: int | None = None
    present: int | None = None
    missing: tuple[str, ...] = ()
    note: str = ""

    def hide(self, suppression: Suppression | None) -> FigureRow:
        if suppression is not None:
            self.hidden_rule = suppression.rule
            self.hidden_reason = suppression.reason
        return self


@dataclass(frozen=True)
class Observation:
    """An observation as read from a cube: indicator, area, year and value."""

    indicator: str
    area: str
    year: int
    value: float


def base_rows(
    source: str,
    observations: Iterable[Observation],
    catalogue: Catalogue,
    territories: Territories,
    hidden: Hidden,
) -> Iterator[FigureRow]:
    """Yield the observed rows of a dataset, then the sums of its commune values.

    The rows come as the observations are read, so that a dataset of millions of
    observations never has all its rows in memory at once.
    """
    by_indicator: dict[tuple[str, int], dict[str, float]] = {}
    targets_of: dict[str, list[str]] = {}
    for observation in observations:
        targets = targets_of.get(observation.indicator)
        if targets is None:
            targets = catalogue.target_of(observation.indicator)
            targets_of[observation.indicator] = targets
        suppression = hidden.get(
            (observation.area, observation.indicator, observation.year)
        )
        is_commune = observation.area in territories.communes
        for target in targets:
            row = FigureRow(
                target, observation.area, observation.year, source, observation.value
            )
            yield row.hide(suppression)
            if is_commune:
                cells = by_indicator.setdefault((target, observation.year), {})
                cells[observation.area] = observation.value
    for (indicator_iri, period), cells in sorted(by_indicator.items()):
        indicator = catalogue.get(indicator_iri)
        if indicator is not None and indicator.is_additive:
            yield from _sums(source, indicator, period, cells, territories)


def groups_of(
    territories: Territories, period: int, communes: Iterable[str]
) -> list[tuple[str, tuple[str, ...], str]]:
    """Return the EPCI and départements that hold some of `communes`.

    Each comes with all its communes for `period` and the note on its perimeter.
    Régions are left out: the store rarely contains all the communes of a région, and
    their figures come from the tables that give them.
    """
    present = set(communes)
    groups = []
    for epci, area in sorted(territories.areas.items()):
        if area.kind != "epci":
            continue
        perimeter = territories.perimeter(epci, period)
        if present.intersection(perimeter.communes):
            groups.append((epci, perimeter.communes, perimeter.note))
    departements = {territories.departement_of.get(c) for c in present} - {None}
    for departement in sorted(departements):
        members = territories.communes_of_departement(departement)
        groups.append((departement, tuple(members), ""))
    return groups


def _sums(
    source: str,
    indicator: Indicator,
    period: int,
    cells: dict[str, float],
    territories: Territories,
) -> list[FigureRow]:
    groups = groups_of(territories, period, cells)
    totals_hidden = _hidden_totals(indicator, cells, groups)
    rows = []
    for territory, communes, note in groups:
        aggregate = sum_values(cells, communes)
        row = _aggregate_row(indicator.iri, territory, period, source, aggregate, note)
        rows.append(row.hide(totals_hidden.get(territory)))
    return rows


def _hidden_totals(
    indicator: Indicator,
    cells: dict[str, float],
    groups: list[tuple[str, tuple[str, ...], str]],
) -> dict[str, Suppression]:
    """Return the totals that secrecy hides, for an indicator with a threshold."""
    threshold = indicator.secrecy_threshold
    if threshold is None:
        return {}
    values = {commune: Decimal(str(value)) for commune, value in cells.items()}
    tables = [Table(territory, communes) for territory, communes, _ in groups]
    return apply_secrecy(values, tables, threshold).totals


def quotient_rows(
    indicator: Indicator,
    source: str,
    numerators: list[FigureRow],
    denominators: list[FigureRow],
    territories: Territories,
    hidden_totals: Mapping[tuple[str, int], Suppression],
) -> list[FigureRow]:
    """Return the rows of a rate from the observed rows of its two terms.

    A commune or territory with both gets their quotient; EPCI and départements get
    the quotient of the sums over their communes with both. A quotient is
    hidden when its numerator is: the commune's value, or the total of the group as
    `hidden_totals` gives it by (territory, year).
    """
    multiplier = float(indicator.multiplier)
    den_by = {(r.territory, r.year): r for r in denominators}
    rows: list[FigureRow] = []
    communes: dict[int, tuple[dict[str, float], dict[str, float]]] = {}
    for num in numerators:
        den = den_by.get((num.territory, num.year))
        if den is None or num.value is None or den.value is None:
            continue
        row = FigureRow(
            indicator.iri,
            num.territory,
            num.year,
            source,
            quotient(num.value, den.value, multiplier),
            numerator=num.value,
            denominator=den.value,
            level=QUOTIENT,
        )
        if num.hidden_rule is not None:
            row.hide(NUMERATOR_HIDDEN)
        rows.append(row)
        if num.territory in territories.communes:
            pair = communes.setdefault(num.year, ({}, {}))
            pair[0][num.territory] = num.value
            pair[1][num.territory] = den.value
    for period, (nums, dens) in sorted(communes.items()):
        for territory, members, note in groups_of(territories, period, nums):
            aggregate = quotient_of_sums(nums, dens, members, multiplier)
            row = _aggregate_row(
                indicator.iri, territory, period, source, aggregate, note
            )
            row.level = QUOTIENT
            if (territory, period) in hidden_totals:
                row.hide(NUMERATOR_HIDDEN)
            rows.append(row)
    return rows


def _aggregate_row(
    indicator: str,
    territory: str,
    period: int,
    source: str,
    aggregate: Aggregate,
    note: str,
) -> FigureRow:
    return FigureRow(
        indicator,
        territory,
        period,
        source,
        aggregate.value,
        numerator=aggregate.numerator,
        denominator=aggregate.denominator,
        level=AGGREGATE,
        expected=aggregate.expected,
        present=aggregate.present,
        missing=tuple(aggregate.missing),
        note=note,
    )
