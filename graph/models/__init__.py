"""pydantic models of the items of docs/model.md, with their mapping to and from RDF.

Every model derives from `ItemModel`: `model.to_triples(iris)`,
`Model.from_triples(iris, iri, triples)` and `model.iri(iris)`. `MODELS` maps each item
type to its model.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from maillage.graph.errors import InvalidIdentifierError
from maillage.graph.iris import Iris
from maillage.graph.models.base import AuthoredItem, ItemModel, Iri, NodeModel, Text
from maillage.graph.models.concepts import Concept, ConceptScheme
from maillage.graph.models.content import (
    Action,
    Document,
    DocumentFile,
    Event,
    Funding,
    Involvement,
)
from maillage.graph.models.legal import Competence, CompetenceTransfer, LegalAct
from maillage.graph.models.mapping import ObjectKind, Rdf, RdfKind, field_mappings
from maillage.graph.models.statistics import Dataset, Indicator, Observation
from maillage.graph.models.territories import (
    EPCI,
    Actor,
    Arrondissement,
    Commune,
    CommuneAssociee,
    CommuneDeleguee,
    Departement,
    Membership,
    Region,
    StatisticalTerritory,
)

MODELS: dict[str, type[ItemModel]] = {
    model.item_type: model
    for model in (
        Document,
        Action,
        Actor,
        Competence,
        CompetenceTransfer,
        LegalAct,
        Indicator,
        Event,
        Commune,
        CommuneDeleguee,
        CommuneAssociee,
        EPCI,
        Departement,
        Region,
        Arrondissement,
        StatisticalTerritory,
        Membership,
        Dataset,
        Observation,
        ConceptScheme,
        Concept,
    )
}


def model_for_iri(iris: Iris, iri: NamedNode | str) -> type[ItemModel]:
    """Return the model of the item `iri`; raise `InvalidIdentifierError` otherwise."""
    value = iri.value if isinstance(iri, NamedNode) else iri
    ref = iris.parse_item(value)
    if ref is None or "#" in value:
        raise InvalidIdentifierError(f"{value[:200]!r} is not an item IRI of this base")
    return MODELS[ref.type]


__all__ = [
    "EPCI",
    "MODELS",
    "Action",
    "Actor",
    "Arrondissement",
    "AuthoredItem",
    "Commune",
    "CommuneAssociee",
    "CommuneDeleguee",
    "Competence",
    "CompetenceTransfer",
    "Concept",
    "ConceptScheme",
    "Dataset",
    "Departement",
    "Document",
    "DocumentFile",
    "Event",
    "Funding",
    "Indicator",
    "Involvement",
    "Iri",
    "ItemModel",
    "LegalAct",
    "Membership",
    "NodeModel",
    "ObjectKind",
    "Observation",
    "Rdf",
    "RdfKind",
    "Region",
    "StatisticalTerritory",
    "Text",
    "field_mappings",
    "model_for_iri",
]
