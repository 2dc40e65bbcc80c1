"""Import commune-level indicator values, with statistical secrecy for protected ones.

An import writes one dataset graph of cubes (`maillage.graph.observatory.cube`) after
the Data Cube checks. When one of its indicators has a secrecy rule, the dataset is
protected:

- its own graph, with every value, is readable by administrators only: the dataset
  carries `mlg:visibility visibility-restricted` and no `mlg:readableBy` group, which
  `maillage.graph.access` reads that way;
- a second graph, `{slug}-published`, contains the same cubes with the rules applied. A
  hidden value appears there as an `mlg:SuppressedObservation` with its reason, and
  that graph is public.

The published graph is written on each import, from the perimeters of the EPCI and
the départements in the store at that time, and written again from the dataset's own
graph when a secrecy rule or a membership changes later
(`maillage.graph.observatory.republish`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from pyoxigraph import Quad

from maillage.graph.errors import NotFoundError, ValidationFailedError
from maillage.graph.importers.ntriples import (
    A,
    DatasetInfo,
    ImportReport,
    TripleWriter,
    boolean,
    describe_dataset,
    iri,
    replace_dataset_graph,
    text,
    year,
)
from maillage.graph.iris import Iris, check_key, slugify
from maillage.graph.namespaces import (
    DCTERMS,
    MLG,
    PROV,
    QB,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
)
from maillage.graph.observatory.build import groups_of
from maillage.graph.observatory.catalogue import (
    Catalogue,
    Indicator,
    read_catalogue,
)
from maillage.graph.observatory.cube import CubeValue, CubeWriter
from maillage.graph.observatory.insee_csv import read_commune_table
from maillage.graph.observatory.publish import (
    check_import,
    reject,
    structures_of,
)
from maillage.graph.observatory.secrecy import (
    NUMERATOR_HIDDEN,
    PRIMARY,
    Suppression,
    Table,
    apply_secrecy,
)
from maillage.graph.observatory.territories import Territories, read_territories
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

PUBLISHED_SUFFIX = "-published"
SDMX_CODE = "http://purl.org/linked-data/sdmx/2009/code#"
# SDMX confidentiality status: C for primary confidentiality, D for the secondary
# confidentiality that the sender sets, which covers rates of hidden numerators too.
CONF_PRIMARY = f"{SDMX_CODE}confStatus-C"
CONF_SECONDARY = f"{SDMX_CODE}confStatus-D"

# (commune IRI, indicator IRI, year) -> value
Values = dict[tuple[str, str, int], Decimal]


@dataclass(frozen=True)
class CommuneDataset:
    """The description of one import of commune values."""

    slug: str
    title: str
    source: str
    publisher: str
    vintage: int | None = None
    generated: bool = False
    description: str | None = None


@dataclass
class Prepared:
    """An import checked and ready to write: its graphs and its reports."""

    raw: TripleWriter
    published: TripleWriter | None = None
    hidden: dict[tuple[str, str, int], Suppression] = field(default_factory=dict)


def import_commune_values(
    store: GraphStore,
    iris: Iris,
    values: Values,
    dataset: CommuneDataset,
    *,
    origins: dict[tuple[str, str, int], str] | None = None,
) -> list[ImportReport]:
    """Check and write commune values as a dataset, and its published copy if protected.

    Raises `ImportRejectedError` with each row and reason when a value or a Data Cube
    check fails; nothing is written then.
    """
    check_key("dataset", dataset.slug + PUBLISHED_SUFFIX)
    catalogue = read_catalogue(store, iris)
    indicators = _indicators(catalogue, {key[1] for key in values})
    prepared = prepare(store, iris, values, dataset, catalogue, indicators, origins)
    reports = [replace_dataset_graph(store, iris, dataset.slug, prepared.raw)]
    published_slug = dataset.slug + PUBLISHED_SUFFIX
    if prepared.published is not None:
        reports.append(
            replace_dataset_graph(store, iris, published_slug, prepared.published)
        )
    else:
        store.drop_graph(iris.dataset_graph(published_slug))
    for report in reports:
        report.counts["observations"] = len(values)
        report.counts["hidden"] = len(prepared.hidden)
    logger.info(
        "commune dataset %s: %d values, %d hidden",
        dataset.slug,
        len(values),
        len(prepared.hidden),
    )
    return reports


def import_insee_csv(
    store: GraphStore,
    iris: Iris,
    path: Path,
    indicator_map: dict[str, str],
    *,
    period: int,
    publisher: str,
    vintage: int | None = None,
    slug: str | None = None,
    title: str | None = None,
) -> list[ImportReport]:
    """Import the columns of an INSEE-layout commune file as the mapped indicators.

    `indicator_map` maps a column (`P21_POP`) to the key of a catalogue indicator
    (`population-municipale`); `period` is the year of the values.
    """
    catalogue = read_catalogue(store, iris)
    targets = {
        column: _indicator_by_key(catalogue, key)
        for column, key in indicator_map.items()
    }
    counts = {c for c, indicator in targets.items() if indicator.kind == "count"}
    table = read_commune_table(path, list(indicator_map), non_negative=counts)
    if table.problems:
        raise reject(path.name, table.problems)
    values: Values = {}
    origins: dict[tuple[str, str, int], str] = {}
    for code, cells in table.values.items():
        commune = iris.item("commune", code).value
        for column, value in cells.items():
            key = (commune, targets[column].iri, period)
            values[key] = value
            origins[key] = f"row {table.rows[code]}, column {column}"
    dataset = CommuneDataset(
        slug=slug or f"communes-{slugify(path.stem)}"[:150],
        title=title or f"{path.name} : indicateurs par commune ({publisher}, {period})",
        source=path.name,
        publisher=publisher,
        vintage=vintage or period,
    )
    return import_commune_values(store, iris, values, dataset, origins=origins)


def prepare(
    store: GraphStore,
    iris: Iris,
    values: Values,
    dataset: CommuneDataset,
    catalogue: Catalogue,
    indicators: dict[str, Indicator],
    origins: dict[tuple[str, str, int], str] | None = None,
) -> Prepared:
    """Build and check the graphs of an import, without writing them."""
    protected = any(i.secrecy_threshold for i in indicators.values())
    raw_writer, observation_origins = _raw_graph(
        iris, values, dataset, indicators, origins
    )
    support = structures_of(store, iris, indicators)
    problems = check_import(raw_writer, support=support, origins=observation_origins)
    if problems:
        raise reject(dataset.source, problems)
    prepared = Prepared(raw_writer)
    if not protected:
        return prepared

    territories = read_territories(store, iris)
    prepared.hidden, prepared.published = build_published_copy(
        iris, values, dataset, indicators, territories, support
    )
    return prepared


def build_published_copy(
    iris: Iris,
    values: Values,
    dataset: CommuneDataset,
    indicators: dict[str, Indicator],
    territories: Territories,
    support: Iterable[Quad],
) -> tuple[dict[tuple[str, str, int], Suppression], TripleWriter]:
    """Apply statistical secrecy to `values` and build the graph of the published copy.

    Returns the hidden values and the checked graph. Raises `ImportRejectedError` when
    the copy fails a Data Cube check.
    """
    hidden = hidden_cells(values, indicators, territories)
    published = _published_graph(iris, values, dataset, indicators, hidden)
    problems = check_import(published, support=support)
    if problems:
        raise reject(f"{dataset.source} (published copy)", problems)
    return hidden, published


def hidden_cells(
    values: Values, indicators: dict[str, Indicator], territories: Territories
) -> dict[tuple[str, str, int], Suppression]:
    """Return the values that secrecy hides, by (commune, indicator, year).

    Each indicator and year is one group of tables: the communes of each EPCI with the
    EPCI's figure, and the communes of each département with the département's.
    """
    hidden: dict[tuple[str, str, int], Suppression] = {}
    groups: dict[tuple[str, int], dict[str, Decimal]] = {}
    for (commune, indicator, period), value in values.items():
        groups.setdefault((indicator, period), {})[commune] = value
    for (indicator_iri, period), cells in groups.items():
        threshold = indicators[indicator_iri].secrecy_threshold
        if threshold is None:
            continue
        tables = secrecy_tables(territories, period, cells)
        result = apply_secrecy(cells, tables, threshold)
        for commune, suppression in result.cells.items():
            hidden[(commune, indicator_iri, period)] = suppression
    _hide_quotients(values, indicators, hidden)
    return hidden


def secrecy_tables(
    territories: Territories, period: int, cells: Iterable[str]
) -> list[Table]:
    """Return the published tables of a year that hold some of the `cells` communes.

    They are the totals the index publishes: the EPCI (perimeter of the year) and the
    départements, each over all its communes.
    """
    return [
        Table(territory, communes, territories.label_of(territory))
        for territory, communes, _ in groups_of(territories, period, cells)
    ]


def published_slug(slug: str) -> str:
    return slug + PUBLISHED_SUFFIX


def _hide_quotients(
    values: Values,
    indicators: dict[str, Indicator],
    hidden: dict[tuple[str, str, int], Suppression],
) -> None:
    """Hide the rates of the import whose numerator value is hidden."""
    for commune, indicator_iri, period in values:
        indicator = indicators[indicator_iri]
        if not indicator.is_quotient:
            continue
        if (commune, indicator.numerator, period) in hidden:
            hidden[(commune, indicator_iri, period)] = NUMERATOR_HIDDEN


def _indicators(catalogue: Catalogue, used: set[str]) -> dict[str, Indicator]:
    indicators = {}
    for indicator_iri in sorted(used):
        indicator = catalogue.get(indicator_iri)
        if indicator is None:
            raise NotFoundError(
                f"no indicator {indicator_iri!r} in the store: import the catalogue "
                "or map the column to an existing indicator key"
            )
        indicators[indicator_iri] = indicator
    return indicators


def _indicator_by_key(catalogue: Catalogue, key: str) -> Indicator:
    indicator = catalogue.by_key(key)
    if indicator is None:
        known = ", ".join(i.key for i in catalogue.catalogue_indicators()[:40])
        raise ValidationFailedError(
            f"unknown indicator {key!r} in the column map; known keys: {known}"
        )
    return indicator


def _raw_graph(
    iris: Iris,
    values: Values,
    dataset: CommuneDataset,
    indicators: dict[str, Indicator],
    origins: dict[tuple[str, str, int], str] | None,
) -> tuple[TripleWriter, dict[str, str]]:
    protected = any(i.secrecy_threshold for i in indicators.values())
    writer = TripleWriter()
    subject = describe_commune_dataset(
        writer, iris, dataset.slug, dataset, dataset.title
    )
    if protected:
        restricted = iris.concept("visibility", "restricted")
        writer.add(subject, iri(MLG.visibility), iri(restricted))
    cubes = CubeWriter(iris, writer, dataset.slug, subject)
    cubes.declare_components()
    for indicator in indicators.values():
        cubes.cube(indicator.iri, indicator.key, indicator.label)
    observation_origins: dict[str, str] = {}
    for key in sorted(values):
        commune, indicator_iri, period = key
        indicator = indicators[indicator_iri]
        origin = (origins or {}).get(key, "")
        cell = CubeValue(commune, indicator_iri, period, values[key], origin)
        observation = cubes.add(cell, indicator.key, indicator.unit, indicator.kind)
        if origin:
            observation_origins[observation[1:-1]] = origin
    return writer, observation_origins


def _published_graph(
    iris: Iris,
    values: Values,
    dataset: CommuneDataset,
    indicators: dict[str, Indicator],
    hidden: dict[tuple[str, str, int], Suppression],
) -> TripleWriter:
    slug = published_slug(dataset.slug)
    writer = TripleWriter()
    title = f"{dataset.title} (secret statistique appliqué)"
    subject = describe_commune_dataset(writer, iris, slug, dataset, title)
    writer.add(subject, A, iri(MLG.PublishedDataset))
    raw = iri(iris.item("dataset", dataset.slug))
    writer.add(subject, iri(PROV.wasDerivedFrom), raw)
    cubes = CubeWriter(iris, writer, slug, subject)
    cubes.declare_components()
    for indicator in indicators.values():
        cubes.cube(indicator.iri, indicator.key, indicator.label)
    for key in sorted(values):
        commune, indicator_iri, period = key
        indicator = indicators[indicator_iri]
        suppression = hidden.get(key)
        if suppression is None:
            cell = CubeValue(commune, indicator_iri, period, values[key])
            cubes.add(cell, indicator.key, indicator.unit, indicator.kind)
        else:
            _add_suppressed(writer, iris, slug, cubes, indicator, key, suppression)
    return writer


def _add_suppressed(
    writer: TripleWriter,
    iris: Iris,
    slug: str,
    cubes: CubeWriter,
    indicator: Indicator,
    key: tuple[str, str, int],
    suppression: Suppression,
) -> None:
    commune, indicator_iri, period = key
    ref = iris.parse_item(commune)
    area = f"{ref.type}-{ref.key}" if ref is not None else "area"
    subject = iri(iris.item("observation", f"{slug}-{area}-{indicator.key}-{period}"))
    status = CONF_PRIMARY if suppression.rule == PRIMARY else CONF_SECONDARY
    writer.add_all(
        subject,
        (
            (A, iri(MLG.SuppressedObservation)),
            (iri(DCTERMS.isPartOf), cubes.cubes[indicator_iri]),
            (iri(SDMX_DIMENSION.refArea), f"<{commune}>"),
            (iri(SDMX_DIMENSION.refPeriod), year(period)),
            (iri(QB.measureType), f"<{indicator_iri}>"),
            (iri(SDMX_ATTRIBUTE.confStatus), f"<{status}>"),
            (iri(MLG.suppressionReason), text(suppression.reason, "fr")),
        ),
    )


def describe_commune_dataset(
    writer: TripleWriter, iris: Iris, slug: str, dataset: CommuneDataset, title: str
) -> str:
    """Add the description of dataset `slug` with its provenance; return its IRI."""
    info = DatasetInfo(
        slug=slug,
        title=title,
        source=dataset.source,
        publisher=dataset.publisher,
        vintage=dataset.vintage,
    )
    subject = describe_dataset(writer, iris, info)
    writer.add(subject, iri(MLG.isGenerated), boolean(dataset.generated))
    if dataset.description:
        writer.add(subject, iri(DCTERMS.description), text(dataset.description, "fr"))
    return subject
