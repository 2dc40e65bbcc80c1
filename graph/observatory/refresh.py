"""Bring the index of precomputed figures up to date with the store.

Each dataset of cubes has a fingerprint: the time its graph was written, and that of
its published copy. The catalogue (kinds, quotients, secrecy rules, source indicators)
and the territories (every other dataset, and the memberships of every graph) have one
each. A refresh compares them with those the index holds:

- a change of a secrecy rule or of a membership first writes again the published
  copies of protected datasets (`maillage.graph.observatory.republish`);
- a change of the catalogue or of the territories rebuilds every figure, because sums,
  perimeters and secrecy depend on them;
- otherwise only the datasets that changed, appeared or disappeared are read again,
  and the rates that involve them are recomputed.

Importers call `refresh_index` right after writing; the server calls it before reading
figures, which costs two small SPARQL queries when nothing changed, and a read of the
memberships after a write or once a minute (`membership_digest`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG, ORG
from maillage.graph.observatory.build import (
    AGGREGATE,
    OBSERVED,
    FigureRow,
    Observation,
    base_rows,
    quotient_rows,
)
from maillage.graph.observatory.catalogue import Catalogue, read_catalogue
from maillage.graph.observatory.cube import observation_terms
from maillage.graph.observatory.index import ObservatoryIndex
from maillage.graph.observatory.secrecy import (
    NUMERATOR_HIDDEN,
    PRIMARY,
    SECONDARY,
    Suppression,
)
from maillage.graph.observatory.republish import republish_all
from maillage.graph.observatory.territories import Territories, read_territories
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Reads the observations of one dataset of the store.
ReadObservations = Callable[[GraphStore, "CubeDataset"], Iterable[Observation]]

# The years whose EPCI perimeters the index keeps; figures of other years have none.
FIRST_YEAR = 1990
LAST_YEAR = 2050

# The statistical totals whose scope is the same in every table that gives them, so
# that a rate may take its numerator from one table and its denominator from another.
# "France" alone does not qualify: with or without Mayotte, it differs between the
# minimum income and the population tables for some years.
COMPARABLE_TOTALS = frozenset({"france-metropolitaine"})

_DATASETS = """
SELECT ?g ?dataset ?time ?title ?publisher ?source ?vintage ?generated ?raw ?cubes
WHERE {
  GRAPH ?g {
    ?dataset prov:generatedAtTime ?time .
    OPTIONAL { ?dataset dcterms:title ?title }
    OPTIONAL { ?dataset dcterms:publisher ?publisher }
    OPTIONAL { ?dataset dcterms:source ?source }
    OPTIONAL { ?dataset mlg:vintage ?vintage }
    OPTIONAL { ?dataset mlg:isGenerated ?generated }
    OPTIONAL { ?dataset a mlg:PublishedDataset ; prov:wasDerivedFrom ?raw }
    BIND (EXISTS { ?dataset dcterms:hasPart ?cube . ?cube a qb:DataSet } AS ?cubes)
  }
}
"""

_CATALOGUE = """
SELECT ?indicator ?p ?o WHERE {
  ?indicator a mlg:Indicator ; ?p ?o .
  VALUES ?p {
    mlg:indicatorKind mlg:numerator mlg:denominator mlg:rateMultiplier
    mlg:secrecyThreshold mlg:sourceIndicator rdfs:label mlg:unit
  }
}
"""

# Catalogue properties that the published copies of protected datasets depend on.
_SECRECY_PROPERTIES = frozenset(
    MLG[name].value
    for name in ("secrecyThreshold", "indicatorKind", "numerator", "denominator")
)
# The properties of a membership that decide the perimeters of an EPCI.
_MEMBERSHIP_PREDICATES = (
    ORG.organization,
    ORG.member,
    MLG.startDate,
    MLG.endDate,
    MLG.observedOn,
)
# Seconds a membership digest is reused while this process writes nothing.
MEMBERSHIP_RECHECK = 60.0
_membership_digests: weakref.WeakKeyDictionary[GraphStore, tuple[int, float, str]] = (
    weakref.WeakKeyDictionary()
)

_SUPPRESSED = """
SELECT ?area ?indicator ?year ?status ?reason WHERE {
  GRAPH %s {
    ?s a mlg:SuppressedObservation ; sdmx-dimension:refArea ?area ;
       qb:measureType ?indicator ; sdmx-dimension:refPeriod ?year ;
       sdmx-attribute:confStatus ?status ; mlg:suppressionReason ?reason .
  }
}
"""


@dataclass
class CubeDataset:
    """A dataset of cubes as the store describes it."""

    slug: str
    graph: str
    title: str
    publisher: str | None
    source: str | None
    vintage: int | None
    loaded: str
    generated: bool
    published_graph: str | None = None
    published_loaded: str = ""

    @property
    def fingerprint(self) -> str:
        return f"{self.loaded}|{self.published_loaded}"


@dataclass
class StoreState:
    """The fingerprints a refresh compares: cube datasets and three digests.

    The secrecy digest covers what the published copies of protected datasets depend
    on: the secrecy rules and quotients of the catalogue, and the memberships.
    """

    datasets: dict[str, CubeDataset] = field(default_factory=dict)
    catalogue_digest: str = ""
    territories_digest: str = ""
    secrecy_digest: str = ""


@dataclass
class RefreshReport:
    """The outcome of a refresh: copies republished, datasets read and removed, rows."""

    rebuilt: bool = False
    datasets: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    republished: list[str] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return self.rebuilt or bool(self.datasets or self.removed or self.republished)


def refresh_index(
    index: ObservatoryIndex,
    store: GraphStore,
    iris: Iris,
    *,
    force: bool = False,
    read: ReadObservations | None = None,
) -> RefreshReport:
    """Recompute the figures of the datasets that changed since the last refresh.

    When a secrecy rule or a membership changed since the last refresh, the published
    copies of protected datasets are written again first (`republish_all`). An index
    without a last state, such as a new one, takes the copies as they are.

    `read` returns the observations of a dataset; by default they are read from the
    dataset's graph. The benchmark passes generated ones, to build an index of
    national size without writing its observations as RDF first.
    """
    started = time.perf_counter()
    with index.write_lock:
        state = read_state(store, iris)
        last = index.meta("secrecy")
        republished = []
        if last is not None and last != state.secrecy_digest:
            republished = republish_all(store, iris)
            state = read_state(store, iris)
        report = _refresh(index, store, iris, state, force=force, read=read)
        report.republished = republished
    report.seconds = round(time.perf_counter() - started, 3)
    if report.changed:
        logger.info(
            "observatory index refreshed: %s, %d copies republished, %d datasets "
            "read, %d removed, %d rows in %.2f s",
            "full rebuild" if report.rebuilt else "incremental",
            len(report.republished),
            len(report.datasets),
            len(report.removed),
            report.rows,
            report.seconds,
        )
    return report


def read_state(store: GraphStore, iris: Iris) -> StoreState:
    """Read the fingerprints of the cube datasets and the digests of the rest."""
    state = StoreState()
    others = []
    published: dict[str, tuple[str, str]] = {}
    for row in store.select(_DATASETS):
        ref = iris.parse_item(row["dataset"].value)
        if ref is None or ref.type != "dataset":
            continue
        loaded = row["time"].value
        if "raw" in row:
            published[row["raw"].value] = (row["g"].value, loaded)
        elif row["cubes"].value == "true":
            state.datasets[ref.key] = _cube_dataset(ref.key, row)
        else:
            others.append(f"{row['g'].value}|{loaded}")
    for dataset in state.datasets.values():
        raw = iris.item("dataset", dataset.slug).value
        if raw in published:
            dataset.published_graph, dataset.published_loaded = published[raw]
    memberships = membership_digest(store)
    state.territories_digest = _digest([*sorted(others), memberships])
    catalogue = sorted(
        (r["indicator"].value, r["p"].value, str(r["o"]))
        for r in store.select(_CATALOGUE)
    )
    state.catalogue_digest = _digest([" ".join(line) for line in catalogue])
    secrecy = [" ".join(line) for line in catalogue if line[1] in _SECRECY_PROPERTIES]
    state.secrecy_digest = _digest([*secrecy, memberships])
    return state


def membership_digest(store: GraphStore) -> str:
    """Return a digest of the memberships of every graph, with their dates.

    Reading them took up to 9 s at national size (35,000 memberships, 2 shared cores
    under load), so the digest is reused while the store's write counter stays the
    same, for at most `MEMBERSHIP_RECHECK` seconds. A write of another process shows
    after that delay.
    """
    now = time.monotonic()
    cached = _membership_digests.get(store)
    if cached is not None:
        generation, computed_at, digest = cached
        if generation == store.generation and now - computed_at < MEMBERSHIP_RECHECK:
            return digest
    generation = store.generation
    lines = []
    for predicate in _MEMBERSHIP_PREDICATES:
        quads = store.oxigraph.quads_for_pattern(None, predicate, None, None)
        lines.extend(f"{q.subject} {predicate} {q.object}" for q in quads)
    digest = _digest(sorted(lines))
    _membership_digests[store] = (generation, now, digest)
    return digest


def _refresh(
    index: ObservatoryIndex,
    store: GraphStore,
    iris: Iris,
    state: StoreState,
    *,
    force: bool,
    read: ReadObservations | None,
) -> RefreshReport:
    report = RefreshReport()
    stored = index.datasets()
    full = (
        force
        or index.meta("catalogue") != state.catalogue_digest
        or index.meta("territories") != state.territories_digest
    )
    changed = {
        slug
        for slug, dataset in state.datasets.items()
        if full or slug not in stored or stored[slug].fingerprint != dataset.fingerprint
    }
    removed = set(stored) - set(state.datasets)
    if not full and not changed and not removed:
        return report

    catalogue = read_catalogue(store, iris)
    territories = read_territories(store, iris)
    with index.transaction() as connection:
        if full:
            index.clear(connection)
            _write_territories(index, connection, territories)
        index.delete_sources(connection, changed | removed, level=None)
        for slug in removed:
            connection.execute("DELETE FROM dataset WHERE slug = ?", (slug,))
        for slug in sorted(changed):
            dataset = state.datasets[slug]
            rows = dataset_rows(store, dataset, catalogue, territories, read)
            report.rows += index.add_rows(connection, rows)
            _write_dataset(connection, dataset)
        report.rows += _write_quotients(
            index, connection, catalogue, territories, changed, full=full
        )
        index.set_meta(connection, "catalogue", state.catalogue_digest)
        index.set_meta(connection, "territories", state.territories_digest)
        index.set_meta(connection, "secrecy", state.secrecy_digest)
    report.rebuilt = full
    report.datasets = sorted(changed)
    report.removed = sorted(removed)
    return report


def dataset_rows(
    store: GraphStore,
    dataset: CubeDataset,
    catalogue: Catalogue,
    territories: Territories,
    read: ReadObservations | None = None,
) -> Iterator[FigureRow]:
    """Yield the observed and summed rows of a dataset, reading its observations."""
    observations = (read or read_observations)(store, dataset)
    hidden = _suppressed(store, dataset, catalogue)
    return base_rows(dataset.slug, observations, catalogue, territories, hidden)


def read_observations(store: GraphStore, dataset: CubeDataset) -> Iterator[Observation]:
    """Yield the observations of a dataset's graph."""
    for indicator, area, period, value in observation_terms(store, dataset.graph):
        yield Observation(indicator, area, period, float(value.value))


def _suppressed(
    store: GraphStore, dataset: CubeDataset, catalogue: Catalogue
) -> dict[tuple[str, str, int], Suppression]:
    if dataset.published_graph is None:
        return {}
    hidden = {}
    for row in store.select(_SUPPRESSED % NamedNode(dataset.published_graph)):
        indicator = catalogue.get(row["indicator"].value)
        if row["status"].value.endswith("confStatus-C"):
            rule = PRIMARY
        elif indicator is not None and indicator.is_quotient:
            rule = NUMERATOR_HIDDEN.rule
        else:
            rule = SECONDARY
        key = (row["area"].value, row["indicator"].value, int(row["year"].value[:4]))
        hidden[key] = Suppression(rule, row["reason"].value)
    return hidden


def _write_quotients(
    index: ObservatoryIndex,
    connection,
    catalogue: Catalogue,
    territories: Territories,
    changed: set[str],
    *,
    full: bool,
) -> int:
    """Recompute the rates whose terms come from a dataset that changed."""
    written = 0
    for indicator in catalogue.indicators.values():
        if not indicator.is_quotient:
            continue
        numerators = _observed_by_source(index, connection, indicator.numerator)
        denominators = _observed_by_source(index, connection, indicator.denominator)
        hidden_totals = _hidden_totals(index, connection, indicator.numerator)
        for num_source, nums in numerators.items():
            for den_source, dens in denominators.items():
                involved = set(num_source.split("+")) | set(den_source.split("+"))
                if not full and not involved & changed:
                    continue
                used = nums
                if num_source != den_source:
                    used = [r for r in nums if _comparable(territories, r.territory)]
                source = "+".join(sorted(involved))
                rows = quotient_rows(
                    indicator,
                    source,
                    used,
                    dens,
                    territories,
                    hidden_totals.get(num_source, {}),
                )
                written += index.add_rows(connection, rows)
    return written


def _comparable(territories: Territories, territory: str) -> bool:
    """Return False for a statistical total whose scope varies between tables."""
    area = territories.areas.get(territory)
    if area is None or area.kind != "territory":
        return True
    return territory.rsplit("/", 1)[-1] in COMPARABLE_TOTALS


def _observed_by_source(
    index: ObservatoryIndex, connection, indicator: str | None
) -> dict[str, list[FigureRow]]:
    term = index.find_term(indicator) if indicator else None
    if term is None:
        return {}
    by_source: dict[str, list[FigureRow]] = {}
    rows = connection.execute(
        "SELECT f.territory, f.year, s.key, f.value, f.hidden_rule FROM figure f "
        "JOIN source s ON s.id = f.source WHERE f.indicator = ? AND f.level = ?",
        (term, OBSERVED),
    )
    for territory, year, key, value, rule in rows:
        row = FigureRow(indicator, index.iri_of(territory), year, key, value)
        row.hidden_rule = rule
        by_source.setdefault(key, []).append(row)
    return by_source


def _hidden_totals(
    index: ObservatoryIndex, connection, indicator: str | None
) -> dict[str, dict[tuple[str, int], Suppression]]:
    term = index.find_term(indicator) if indicator else None
    if term is None:
        return {}
    found: dict[str, dict[tuple[str, int], Suppression]] = {}
    rows = connection.execute(
        "SELECT f.territory, f.year, s.key, f.hidden_rule, f.hidden_reason "
        "FROM figure f JOIN source s ON s.id = f.source "
        "WHERE f.indicator = ? AND f.level = ? AND f.hidden_rule IS NOT NULL",
        (term, AGGREGATE),
    )
    for territory, year, key, rule, reason in rows:
        found.setdefault(key, {})[(index.iri_of(territory), year)] = Suppression(
            rule, reason
        )
    return found


def _write_territories(
    index: ObservatoryIndex, connection, territories: Territories
) -> None:
    """Write every territory and the perimeter of each EPCI for each year."""
    for commune in territories.communes:
        departement = territories.departement_of.get(commune)
        region = territories.region_of(departement) if departement else None
        _add_territory(
            index,
            connection,
            commune,
            "commune",
            territories.codes.get(commune),
            territories.label_of(commune),
            departement,
            region,
        )
    for area in territories.areas.values():
        departement, region = None, None
        if area.kind == "departement":
            departement, region = area.iri, area.parent
        elif area.kind == "region":
            region = area.iri
        elif area.kind == "epci":
            departement = territories.departement_of_epci(area.iri, LAST_YEAR)
            region = territories.region_of(departement) if departement else None
        _add_territory(
            index,
            connection,
            area.iri,
            area.kind,
            area.code,
            area.label,
            departement,
            region,
        )
    for epci, area in territories.areas.items():
        if area.kind != "epci":
            continue
        _write_perimeters(index, connection, territories, epci)


def _write_perimeters(
    index: ObservatoryIndex, connection, territories: Territories, epci: str
) -> None:
    """Write the perimeter of `epci` for each year from `FIRST_YEAR` to `LAST_YEAR`."""
    term = index.term_id(connection, epci)
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        perimeter = territories.perimeter(epci, year)
        communes = [index.term_id(connection, c) for c in perimeter.communes]
        rows.append((term, year, json.dumps(communes), perimeter.note))
    connection.executemany("INSERT OR REPLACE INTO perimeter VALUES (?, ?, ?, ?)", rows)


def _add_territory(
    index: ObservatoryIndex,
    connection,
    iri: str,
    kind: str,
    code: str | None,
    label: str,
    departement: str | None,
    region: str | None,
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO territory VALUES (?, ?, ?, ?, ?, ?)",
        (
            index.term_id(connection, iri),
            kind,
            code,
            label,
            index.term_id(connection, departement) if departement else None,
            index.term_id(connection, region) if region else None,
        ),
    )


def _write_dataset(connection, dataset: CubeDataset) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO dataset VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            dataset.slug,
            dataset.graph,
            dataset.published_graph,
            dataset.title,
            dataset.publisher,
            dataset.source,
            dataset.vintage,
            dataset.loaded,
            int(dataset.generated),
            dataset.fingerprint,
        ),
    )


def _cube_dataset(slug: str, row: dict) -> CubeDataset:
    vintage = row["vintage"].value[:4] if "vintage" in row else None
    return CubeDataset(
        slug=slug,
        graph=row["g"].value,
        title=row["title"].value if "title" in row else slug,
        publisher=row["publisher"].value if "publisher" in row else None,
        source=row["source"].value if "source" in row else None,
        vintage=int(vintage) if vintage and vintage.isdigit() else None,
        loaded=row["time"].value,
        generated="generated" in row and row["generated"].value == "true",
    )


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]
