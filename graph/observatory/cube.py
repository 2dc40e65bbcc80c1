"""Write imported observations as RDF Data Cube: one cube per indicator.

An import is one dataset graph (`{base}/graph/dataset/{slug}`). Its dataset item
`{base}/id/dataset/{slug}` is an `mlg:Dataset` with the provenance of the file, and has
one part per indicator, the cube `{dataset IRI}#cube-{indicator key}`: a `qb:DataSet`
whose structure is the indicator's `{indicator IRI}#structure`. One measure per cube is
what lets every observation carry a value for every measure of its structure (IC-14 of
https://www.w3.org/TR/vocab-data-cube/#wf-rules), while tables are sparse.

The graph also declares the component properties it uses, with the ranges the
integrity constraints ask for, so that it can be checked on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from pyoxigraph import Literal, NamedNode

from maillage.graph.importers.ntriples import A, TripleWriter, iri, text, typed, year
from maillage.graph.iris import Iris
from maillage.graph.models.statistics import structure_triples
from maillage.graph.store import GraphStore
from maillage.graph.namespaces import (
    DCTERMS,
    MLG,
    QB,
    RDFS,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    XSD,
)

_INDICATOR = iri(MLG.indicator)
_DATA_SET = iri(QB.dataSet)
_AREA = iri(SDMX_DIMENSION.refArea)
_PERIOD = iri(SDMX_DIMENSION.refPeriod)
_UNIT = iri(SDMX_ATTRIBUTE.unitMeasure)
_OBSERVATION = iri(QB.Observation)


@dataclass(frozen=True)
class CubeValue:
    """One value to write: where, what, when, and where it came from in the source."""

    area: str
    indicator: str
    year: int
    value: Decimal
    origin: str = ""


@dataclass
class CubeWriter:
    """Adds cubes and observations of one dataset to a `TripleWriter`.

    `origins` maps each observation IRI to the place of its value in the source, so
    that a failed check can name the row.
    """

    iris: Iris
    writer: TripleWriter
    slug: str
    dataset: str
    origins: dict[str, str] = field(default_factory=dict)
    _cubes: dict[str, str] = field(default_factory=dict)

    def declare_components(self) -> None:
        """Declare the dimension and attribute properties every cube uses."""
        add = self.writer.add
        add(_AREA, A, iri(QB.DimensionProperty))
        # The SDMX vocabulary gives sdmx-dimension:refArea the range rdfs:Resource.
        add(_AREA, iri(RDFS.range), iri(RDFS.Resource))
        add(_PERIOD, A, iri(QB.DimensionProperty))
        add(_PERIOD, iri(RDFS.range), iri(XSD.gYear))
        add(_UNIT, A, iri(QB.AttributeProperty))

    def cube(self, indicator: str, indicator_key: str, title: str) -> str:
        """Return the cube of `indicator` in this dataset, adding it on first use."""
        found = self._cubes.get(indicator)
        if found is not None:
            return found
        cube = self.dataset[:-1] + f"#cube-{indicator_key}>"
        self._cubes[indicator] = cube
        add = self.writer.add
        add(cube, A, iri(QB.DataSet))
        add(cube, iri(DCTERMS["title"]), text(title, "fr"))
        add(cube, iri(DCTERMS.isPartOf), self.dataset)
        add(cube, iri(QB.structure), f"<{indicator}#structure>")
        add(self.dataset, iri(DCTERMS.hasPart), cube)
        add(f"<{indicator}>", A, iri(QB.MeasureProperty))
        return cube

    def add(self, value: CubeValue, indicator_key: str, unit: str, kind: str | None):
        """Add one observation to the cube of its indicator; return its IRI."""
        ref = self.iris.parse_item(value.area)
        area_part = f"{ref.type}-{ref.key}" if ref is not None else "area"
        key = f"{self.slug}-{area_part}-{indicator_key}-{value.year}"
        observation = iri(self.iris.item("observation", key))
        cube = self._cubes[value.indicator]
        measure = f"<{value.indicator}>"
        self.writer.add_all(
            observation,
            (
                (A, _OBSERVATION),
                (_DATA_SET, cube),
                (_AREA, f"<{value.area}>"),
                (_PERIOD, year(value.year)),
                (_INDICATOR, measure),
                (measure, number_literal(value.value, kind)),
                (_UNIT, text(unit, "fr")),
            ),
        )
        if value.origin:
            self.origins[observation[1:-1]] = value.origin
        return observation

    @property
    def cubes(self) -> dict[str, str]:
        """Return the cube of each indicator, as N-Triples IRIs."""
        return dict(self._cubes)


def add_structure(writer: TripleWriter, indicator: str) -> None:
    """Add the data structure definition `{indicator}#structure` of one indicator.

    Catalogue indicators carry theirs in their item graph; the DREES importer adds
    the one of each table column to the table's graph.
    """
    for triple in structure_triples(NamedNode(indicator)):
        writer.add(str(triple.subject), str(triple.predicate), str(triple.object))


def number_literal(value: Decimal, kind: str | None) -> str:
    """Return the literal of a value: `xsd:integer` for whole counts, else decimal."""
    if kind == "count" and value == value.to_integral_value():
        return typed(str(int(value)), XSD.integer)
    lexical = format(value, "f")
    if "." not in lexical:
        lexical += ".0"
    return typed(lexical, XSD.decimal)


def observation_terms(
    store: GraphStore, graph_name: str
) -> Iterator[tuple[str, str, int, Literal]]:
    """Yield (indicator IRI, area IRI, year, value literal) for each observation.

    The graph is read one property at a time with quad patterns, which Oxigraph serves
    from its graph-first indexes. A SPARQL join of the four properties took about ten
    times longer on a département's data (pyoxigraph 0.5.13).
    """
    graph = NamedNode(graph_name)
    oxigraph = store.oxigraph

    def objects(predicate: NamedNode) -> dict:
        quads = oxigraph.quads_for_pattern(None, predicate, None, graph)
        return {quad.subject: quad.object for quad in quads}

    indicators = objects(MLG.indicator)
    areas = objects(SDMX_DIMENSION.refArea)
    periods = objects(SDMX_DIMENSION.refPeriod)
    for indicator in set(indicators.values()):
        for quad in oxigraph.quads_for_pattern(None, indicator, None, graph):
            subject = quad.subject
            if indicators.get(subject) != indicator or subject not in areas:
                continue
            period = periods.get(subject)
            if period is None:
                continue
            yield (
                indicator.value,
                areas[subject].value,
                int(period.value[:4]),
                quad.object,
            )
