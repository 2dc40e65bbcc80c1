"""Territories as the observatory groups them: EPCI perimeters by year, départements.

The membership rules are those of `maillage.graph.territory.members_on`, applied to
every EPCI at once: a membership counts from its start date, or from the date of the
source that observed it when it has none, and stops at its end date. A year's
perimeter is the one in force on 1 January of that year. When the perimeter of a year
is unknown because memberships were only observed later, with no start date, the
figures use the perimeter that is known, with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore
from maillage.graph.territory import DATE_VARIABLES, membership_status, parse_date

_COMMUNES = """
SELECT ?commune ?code ?label ?parent ?parentType WHERE {
  ?commune a mlg:Commune .
  OPTIONAL { ?commune igeo:codeINSEE ?code }
  OPTIONAL { ?commune skos:prefLabel ?label }
  OPTIONAL {
    ?commune igeo:subdivisionDirecteDe ?parent .
    OPTIONAL { ?parent igeo:subdivisionDirecteDe ?parentType }
  }
}
"""

_AREAS = """
SELECT ?area ?label ?code ?parent WHERE {
  VALUES ?class { mlg:EPCI mlg:Departement mlg:Region mlg:StatisticalTerritory }
  ?area a ?class .
  OPTIONAL { ?area skos:prefLabel ?label }
  OPTIONAL { ?area igeo:codeINSEE ?code }
  OPTIONAL { ?area igeo:subdivisionDirecteDe ?parent }
}
"""

_MEMBERSHIPS = """
SELECT ?epci ?commune ?start ?end ?observed WHERE {
  ?membership a org:Membership ; org:organization ?epci ; org:member ?commune .
  ?epci a mlg:EPCI .
  OPTIONAL { ?membership mlg:startDate ?start }
  OPTIONAL { ?membership mlg:endDate ?end }
  OPTIONAL { ?membership mlg:observedOn ?observed }
}
"""


@dataclass(frozen=True)
class Membership:
    """A commune's membership of an EPCI, with the dates the sources give."""

    commune: str
    start: date | None
    end: date | None
    observed: date | None

    def status_on(self, day: date) -> str:
        """Return `known`, `unknown` or `not-member` for the date `day`."""
        return membership_status(self.start, self.end, self.observed, day)


@dataclass(frozen=True)
class Perimeter:
    """The communes of an EPCI used for one year, and what is unsure about them."""

    epci: str
    year: int
    communes: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    observed_on: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """Return the French note that the perimeter is assumed, or ''."""
        if not self.unknown:
            return ""
        seen = ", ".join(self.observed_on) or "une date inconnue"
        count = len(self.unknown)
        communes = "commune" if count == 1 else "communes"
        return (
            f"Périmètre de {self.year} inconnu pour {count} {communes} : "
            f"le périmètre connu, observé le {seen}, est utilisé."
        )


@dataclass
class Area:
    """A territory above the commune: EPCI, département, région or France total."""

    iri: str
    kind: str
    label: str
    code: str | None = None
    parent: str | None = None


@dataclass
class Territories:
    """Communes with their département and région, other areas, and memberships."""

    communes: set[str] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    departement_of: dict[str, str] = field(default_factory=dict)
    areas: dict[str, Area] = field(default_factory=dict)
    memberships: dict[str, list[Membership]] = field(default_factory=dict)
    _epci_departement: dict[tuple[str, int], str | None] = field(
        default_factory=dict, repr=False
    )
    _perimeters: dict[tuple[str, int], Perimeter] = field(
        default_factory=dict, repr=False
    )
    _by_departement: dict[str, list[str]] | None = field(default=None, repr=False)

    def kind_of(self, iri: str) -> str | None:
        if iri in self.communes:
            return "commune"
        area = self.areas.get(iri)
        return area.kind if area is not None else None

    def label_of(self, iri: str) -> str:
        return self.labels.get(iri) or iri.rsplit("/", 1)[-1]

    def region_of(self, departement: str) -> str | None:
        area = self.areas.get(departement)
        return area.parent if area is not None else None

    def communes_of_departement(self, departement: str) -> list[str]:
        if self._by_departement is None:
            grouped: dict[str, list[str]] = {}
            for commune, found in self.departement_of.items():
                grouped.setdefault(found, []).append(commune)
            for communes in grouped.values():
                communes.sort(key=self._code_key)
            self._by_departement = grouped
        return self._by_departement.get(departement, [])

    def perimeter(self, epci: str, year: int) -> Perimeter:
        """Return the member communes of `epci` on 1 January of `year`."""
        key = (epci, year)
        found = self._perimeters.get(key)
        if found is None:
            found = self._perimeter(epci, year)
            self._perimeters[key] = found
        return found

    def _perimeter(self, epci: str, year: int) -> Perimeter:
        day = date(year, 1, 1)
        known, unknown, observed = [], [], set()
        for membership in self.memberships.get(epci, []):
            status = membership.status_on(day)
            if status == "known":
                known.append(membership.commune)
            elif status == "unknown":
                unknown.append(membership.commune)
                if membership.observed is not None:
                    observed.add(membership.observed.isoformat())
        communes = sorted(set(known) | set(unknown), key=self._code_key)
        return Perimeter(
            epci,
            year,
            tuple(communes),
            tuple(sorted(set(unknown), key=self._code_key)),
            tuple(sorted(observed)),
        )

    def departement_of_epci(self, epci: str, year: int) -> str | None:
        """Return the département that contains most communes of the EPCI."""
        key = (epci, year)
        if key not in self._epci_departement:
            self._epci_departement[key] = self._main_departement(epci, year)
        return self._epci_departement[key]

    def _main_departement(self, epci: str, year: int) -> str | None:
        counts: dict[str, int] = {}
        for commune in self.perimeter(epci, year).communes:
            departement = self.departement_of.get(commune)
            if departement is not None:
                counts[departement] = counts.get(departement, 0) + 1
        if not counts:
            return None
        return max(sorted(counts), key=lambda departement: counts[departement])

    def epcis_of_departement(self, departement: str, year: int) -> list[str]:
        """Return the EPCI whose communes lie mostly in `departement`."""
        found = [
            epci
            for epci, area in self.areas.items()
            if area.kind == "epci"
            and self.departement_of_epci(epci, year) == departement
        ]
        return sorted(found, key=self.label_of)

    def _code_key(self, commune: str) -> str:
        return self.codes.get(commune, commune)


def read_territories(
    store: GraphStore, iris: Iris, *, graphs: Sequence[NamedNode] | None = None
) -> Territories:
    """Read communes, EPCI, départements, régions and memberships from the store."""
    territories = Territories()
    for row in store.select(_AREAS, default_graph=graphs):
        _add_area(territories, iris, row)
    for row in store.select(_COMMUNES, default_graph=graphs):
        _add_commune(territories, iris, row)
    for row in store.select(_MEMBERSHIPS, default_graph=graphs):
        start, end, observed = (parse_date(row.get(n)) for n in DATE_VARIABLES)
        membership = Membership(row["commune"].value, start, end, observed)
        members = territories.memberships.setdefault(row["epci"].value, [])
        if membership not in members:
            members.append(membership)
    return territories


def _add_area(territories: Territories, iris: Iris, row: dict) -> None:
    area_iri = row["area"].value
    ref = iris.parse_item(area_iri)
    if ref is None:
        return
    area = territories.areas.get(area_iri)
    if area is None:
        label = row["label"].value if "label" in row else ref.key
        area = Area(area_iri, ref.type, label)
        territories.areas[area_iri] = area
        territories.labels[area_iri] = label
    if "code" in row:
        area.code = row["code"].value
        territories.codes[area_iri] = area.code
    if "parent" in row and area.parent is None:
        area.parent = row["parent"].value


def _add_commune(territories: Territories, iris: Iris, row: dict) -> None:
    commune = row["commune"].value
    territories.communes.add(commune)
    if "label" in row:
        territories.labels.setdefault(commune, row["label"].value)
    code = row["code"].value if "code" in row else None
    if code is not None:
        territories.codes[commune] = code
    if commune in territories.departement_of:
        return
    parent = row["parent"].value if "parent" in row else None
    grandparent = row["parentType"].value if "parentType" in row else None
    departement = None
    for candidate in (parent, grandparent):
        ref = iris.parse_item(candidate) if candidate else None
        if ref is not None and ref.type == "departement":
            departement = candidate
            break
    if departement is None and code is not None:
        # Communes that only an EPCI record describes have no arrondissement: their
        # code starts with the code of their département (three digits overseas).
        key = code[:3] if code.startswith("97") else code[:2]
        departement = iris.item("departement", key).value
    if departement is not None:
        territories.departement_of[commune] = departement
