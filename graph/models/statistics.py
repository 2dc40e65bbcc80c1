"""Models of indicators, imported datasets and Data Cube observations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field
from pyoxigraph import Literal as RdfLiteral
from pyoxigraph import NamedNode, Triple

from maillage.graph.iris import Iris
from maillage.graph.models.base import ItemModel, Iri, Text
from maillage.graph.models.mapping import (
    ObjectKind,
    Rdf,
    RdfKind,
    concept,
    link,
    literal,
    text,
)
from maillage.graph.namespaces import (
    DCTERMS,
    IGEO,
    MLG,
    PROV,
    QB,
    RDF,
    RDFS,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    SKOS,
    XSD,
)


PositiveInt = Annotated[int, Field(gt=0)]


class Indicator(ItemModel):
    """An indicator, which observations also use as the property of their value.

    Its item graph also contains the data structure definition of its cubes, which
    `to_triples` always writes (`structure_triples`), so a replace keeps it.
    """

    item_type: ClassVar[str] = "indicator"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Indicator, QB.MeasureProperty)

    label: Annotated[Text, text(RDFS.label)]
    alt_label: Annotated[Text | None, text(SKOS.altLabel)] = None
    definition: Annotated[Text | None, text(SKOS.definition)] = None
    unit: Annotated[Text, text(MLG.unit)]
    indicator_kind: Annotated[Iri, concept(MLG.indicatorKind, "indicator-kind")]
    numerator: Annotated[Iri | None, link(MLG.numerator, MLG.Indicator)] = None
    denominator: Annotated[Iri | None, link(MLG.denominator, MLG.Indicator)] = None
    source: Annotated[Text | None, text(DCTERMS.source)] = None
    subjects: Annotated[list[Iri], concept(DCTERMS.subject, "theme")] = []
    source_column: Annotated[str | None, literal(MLG.sourceColumn, XSD.string)] = None
    # Rates: the factor of numerator over denominator, 100 for a percentage.
    rate_multiplier: Annotated[
        PositiveInt | None, literal(MLG.rateMultiplier, XSD.integer)
    ] = None
    # Counts: values from 1 to the threshold minus one are hidden by secrecy.
    secrecy_threshold: Annotated[
        PositiveInt | None, literal(MLG.secrecyThreshold, XSD.integer)
    ] = None
    # Indicators of imported tables whose observations count for this one.
    source_indicators: Annotated[
        list[Iri], link(MLG.sourceIndicator, MLG.Indicator)
    ] = []
    demo_data: Annotated[Text | None, text(MLG.demoData)] = None

    def to_triples(self, iris: Iris) -> list[Triple]:
        """Build the triples of the indicator and of the structure of its cubes."""
        return super().to_triples(iris) + structure_triples(self.iri(iris))


def structure_triples(indicator: NamedNode) -> list[Triple]:
    """Build the data structure definition `{indicator}#structure` of its cubes.

    Its components are the area and the year as dimensions (in that order), the
    indicator as measure, and the unit as a required attribute.
    """
    structure = NamedNode(f"{indicator.value}#structure")
    triples = [Triple(structure, RDF.type, QB.DataStructureDefinition)]
    components = (
        ("area", QB.dimension, SDMX_DIMENSION.refArea, 1),
        ("period", QB.dimension, SDMX_DIMENSION.refPeriod, 2),
        ("measure", QB.measure, indicator, None),
        ("unit", QB.attribute, SDMX_ATTRIBUTE.unitMeasure, None),
    )
    for name, role, component_property, order in components:
        component = NamedNode(f"{indicator.value}#component-{name}")
        triples.append(Triple(structure, QB.component, component))
        triples.append(Triple(component, role, component_property))
        if order is not None:
            order_literal = RdfLiteral(str(order), datatype=XSD.integer)
            triples.append(Triple(component, QB.order, order_literal))
    unit = NamedNode(f"{indicator.value}#component-unit")
    required = RdfLiteral("true", datatype=XSD.boolean)
    triples.append(Triple(unit, QB.componentRequired, required))
    return triples


DatasetKind = Literal["reference", "cube"]

# A reference dataset lists territories or competences; a cube one holds observations.
DATASET_KIND_CLASSES: dict[str, tuple[NamedNode, ...]] = {
    "reference": (),
    "cube": (QB.DataSet,),
}


class Dataset(ItemModel):
    """An imported dataset; its triples live in the graph `{base}/graph/dataset/{key}`.

    `source` names the producer in French; `generated_at` is when the import ran.
    """

    item_type: ClassVar[str] = "dataset"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Dataset,)

    kind: Annotated[DatasetKind, RdfKind(DATASET_KIND_CLASSES)] = "reference"
    title: Annotated[Text, text(DCTERMS["title"])]
    description: Annotated[Text | None, text(DCTERMS.description)] = None
    source: Annotated[Text | None, text(DCTERMS.source)] = None
    issued: Annotated[date | None, literal(DCTERMS.issued, XSD.date)] = None
    publisher: Annotated[str | None, literal(DCTERMS.publisher, XSD.string)] = None
    vintage: Annotated[int | None, literal(MLG.vintage, XSD.gYear)] = None
    generated_at: Annotated[
        datetime | None, literal(PROV.generatedAtTime, XSD.dateTime)
    ] = None
    structure: Annotated[
        Iri | None, link(QB.structure, QB.DataStructureDefinition, kinds=("cube",))
    ] = None
    # The demo dataset lists the datasets that the demo loaded.
    has_parts: Annotated[list[Iri], link(DCTERMS.hasPart, MLG.Dataset)] = []


# Every class a territory of an observation may have.
TERRITORY_CLASSES: tuple[NamedNode, ...] = (
    MLG.Commune,
    MLG.CommuneDeleguee,
    MLG.CommuneAssociee,
    MLG.EPCI,
    MLG.Departement,
    MLG.Region,
    IGEO.Arrondissement,
    MLG.StatisticalTerritory,
)


class Observation(ItemModel):
    """A Data Cube observation, keyed `{dataset}-{territory}-{indicator}-{period}`.

    Its value sits on the indicator IRI used as a property, as an xsd:decimal.
    """

    item_type: ClassVar[str] = "observation"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (QB.Observation,)

    dataset: Annotated[Iri, link(QB.dataSet, QB.DataSet)]
    area: Annotated[Iri, link(SDMX_DIMENSION.refArea, *TERRITORY_CLASSES)]
    period: Annotated[int, literal(SDMX_DIMENSION.refPeriod, XSD.gYear)]
    indicator: Annotated[Iri, link(MLG.indicator, MLG.Indicator)]
    value: Annotated[
        Decimal, Rdf(None, ObjectKind.MEASURE, predicate_field="indicator")
    ]
    unit: Annotated[Text | None, text(SDMX_ATTRIBUTE.unitMeasure)] = None
