"""Write the published copies of commune datasets again after their rules change.

An import of commune values (`maillage.graph.observatory.communes`) writes the
published copy of a protected dataset with the secrecy thresholds of the catalogue and
the EPCI perimeters of that time. When a threshold or a membership changes later, the
copy is written again here from the values of the dataset's own graph:

- a dataset whose indicators have a threshold gets a new published copy, and its own
  graph becomes restricted if it was not;
- a dataset that had a copy but whose indicators no longer have a threshold loses the
  copy, and its own graph is no longer restricted, since the import restricted it for
  secrecy only.

Only datasets of commune values count: the others have no secrecy tables.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from maillage.graph.errors import MaillageError
from maillage.graph.importers.ntriples import replace_dataset_graph
from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG
from maillage.graph.observatory.catalogue import Catalogue, Indicator, read_catalogue
from maillage.graph.observatory.communes import (
    CommuneDataset,
    Values,
    build_published_copy,
    published_slug,
)
from maillage.graph.observatory.cube import observation_terms
from maillage.graph.observatory.publish import structures_of
from maillage.graph.observatory.territories import Territories, read_territories
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Datasets of cubes that are not published copies, with what a copy repeats of them.
_SOURCES = """
SELECT ?g ?dataset ?structure ?title ?source ?publisher ?vintage ?generated
       ?description ?visibility
WHERE {
  GRAPH ?g {
    ?dataset a mlg:Dataset ; dcterms:hasPart ?cube .
    ?cube a qb:DataSet ; qb:structure ?structure .
    FILTER NOT EXISTS { ?dataset a mlg:PublishedDataset }
    OPTIONAL { ?dataset dcterms:title ?title }
    OPTIONAL { ?dataset dcterms:source ?source }
    OPTIONAL { ?dataset dcterms:publisher ?publisher }
    OPTIONAL { ?dataset mlg:vintage ?vintage }
    OPTIONAL { ?dataset mlg:isGenerated ?generated }
    OPTIONAL { ?dataset dcterms:description ?description }
    OPTIONAL { ?dataset mlg:visibility ?visibility }
  }
}
"""

_COPIES = """
SELECT ?raw WHERE {
  GRAPH ?g { ?copy a mlg:PublishedDataset ; prov:wasDerivedFrom ?raw }
}
"""


@dataclass
class SourceDataset:
    """A dataset of cubes that may need a published copy."""

    slug: str
    graph: str
    iri: str
    description: CommuneDataset
    indicators: set[str]
    restricted: bool
    has_copy: bool = False


def republish_all(store: GraphStore, iris: Iris) -> list[str]:
    """Write again the published copy of every dataset of commune values that needs one.

    Returns the slugs of the datasets whose copy was written or removed. A dataset
    whose copy fails a Data Cube check keeps its old copy, and the error is logged.
    """
    catalogue = read_catalogue(store, iris)
    territories = read_territories(store, iris)
    done = []
    for dataset in source_datasets(store, iris):
        protected = any(_threshold(catalogue, i) for i in dataset.indicators)
        if not protected and not dataset.has_copy:
            continue
        try:
            if republish(store, iris, dataset, catalogue, territories):
                done.append(dataset.slug)
        except (MaillageError, OSError):
            # One failed copy must not stop the others, nor the refresh of the index.
            logger.exception("published copy of %s not written", dataset.slug)
    return done


def source_datasets(store: GraphStore, iris: Iris) -> list[SourceDataset]:
    """Return the datasets of cubes that are not published copies, by slug."""
    found: dict[str, SourceDataset] = {}
    restricted = iris.concept("visibility", "restricted").value
    for row in store.select(_SOURCES):
        ref = iris.parse_item(row["dataset"].value)
        if ref is None or ref.type != "dataset":
            continue
        dataset = found.get(ref.key)
        if dataset is None:
            dataset = SourceDataset(
                slug=ref.key,
                graph=row["g"].value,
                iri=row["dataset"].value,
                description=_description(ref.key, row),
                indicators=set(),
                restricted=False,
            )
            found[ref.key] = dataset
        structure = row["structure"].value
        if structure.endswith("#structure"):
            dataset.indicators.add(structure.removesuffix("#structure"))
        if "visibility" in row and row["visibility"].value == restricted:
            dataset.restricted = True
    copied = {row["raw"].value for row in store.select(_COPIES)}
    for dataset in found.values():
        dataset.has_copy = dataset.iri in copied
    return sorted(found.values(), key=lambda dataset: dataset.slug)


def republish(
    store: GraphStore,
    iris: Iris,
    dataset: SourceDataset,
    catalogue: Catalogue,
    territories: Territories,
) -> bool:
    """Write or remove the published copy of one dataset; return whether it changed.

    Raises `ImportRejectedError` when the new copy fails a Data Cube check, and
    leaves the store unchanged then.
    """
    values = commune_values(store, dataset.graph, territories)
    indicators = _indicators(catalogue, {key[1] for key in values})
    if indicators is None or not values:
        logger.warning(
            "dataset %s has no commune values of known indicators: copy left as is",
            dataset.slug,
        )
        return False
    copy_graph = iris.dataset_graph(published_slug(dataset.slug))
    if not any(indicator.secrecy_threshold for indicator in indicators.values()):
        store.drop_graph(copy_graph)
        _set_restricted(store, iris, dataset, restricted=False)
        logger.info("dataset %s is no longer protected: copy removed", dataset.slug)
        return True

    support = structures_of(store, iris, indicators)
    hidden, writer = build_published_copy(
        iris, values, dataset.description, indicators, territories, support
    )
    replace_dataset_graph(store, iris, published_slug(dataset.slug), writer)
    _set_restricted(store, iris, dataset, restricted=True)
    logger.info(
        "published copy of %s written again: %d values, %d hidden",
        dataset.slug,
        len(values),
        len(hidden),
    )
    return True


def commune_values(
    store: GraphStore, graph: str, territories: Territories
) -> Values:
    """Return the values of a dataset's graph whose area is a commune."""
    values: Values = {}
    for indicator, area, period, literal in observation_terms(store, graph):
        if area not in territories.communes:
            continue
        try:
            values[(area, indicator, period)] = Decimal(literal.value)
        except InvalidOperation:
            logger.warning("%s: value %r is not a number", graph, literal.value[:40])
    return values


def _indicators(catalogue: Catalogue, used: set[str]) -> dict[str, Indicator] | None:
    indicators = {iri: catalogue.get(iri) for iri in sorted(used)}
    if any(indicator is None for indicator in indicators.values()):
        return None
    return indicators


def _threshold(catalogue: Catalogue, iri: str) -> int | None:
    indicator = catalogue.get(iri)
    return indicator.secrecy_threshold if indicator is not None else None


def _set_restricted(
    store: GraphStore, iris: Iris, dataset: SourceDataset, *, restricted: bool
) -> None:
    if dataset.restricted == restricted:
        return
    restricted_concept = iris.concept("visibility", "restricted")
    triple = f"<{dataset.iri}> {MLG.visibility} {restricted_concept}"
    operation = "INSERT" if restricted else "DELETE"
    store.update(f"{operation} DATA {{ GRAPH <{dataset.graph}> {{ {triple} }} }}")
    dataset.restricted = restricted


def _description(slug: str, row: dict) -> CommuneDataset:
    vintage = row["vintage"].value[:4] if "vintage" in row else ""
    return CommuneDataset(
        slug=slug,
        title=_text(row, "title") or slug,
        source=_text(row, "source") or slug,
        publisher=_text(row, "publisher") or "",
        vintage=int(vintage) if vintage.isdigit() else None,
        generated=_text(row, "generated") == "true",
        description=_text(row, "description"),
    )


def _text(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None
