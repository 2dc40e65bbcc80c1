"""Models of SKOS concept schemes and of their concepts."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pyoxigraph import NamedNode

from maillage.graph.models.base import Identifier, ItemModel, Iri, Label
from maillage.graph.models.mapping import link, literal, text
from maillage.graph.namespaces import SKOS, XSD


class ConceptScheme(ItemModel):
    """A concept scheme such as `phase` or `banatic`."""

    item_type: ClassVar[str] = "scheme"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (SKOS.ConceptScheme,)

    label: Annotated[Label, text(SKOS.prefLabel)]


class Concept(ItemModel):
    """A concept of a maillage scheme, keyed `{scheme}-{slug}`."""

    item_type: ClassVar[str] = "concept"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (SKOS.Concept,)

    label: Annotated[Label, text(SKOS.prefLabel)]
    scheme: Annotated[Iri, link(SKOS.inScheme, SKOS.ConceptScheme)]
    top_concept_of: Annotated[
        Iri | None, link(SKOS.topConceptOf, SKOS.ConceptScheme)
    ] = None
    notation: Annotated[Identifier | None, literal(SKOS.notation, XSD.string)] = None
