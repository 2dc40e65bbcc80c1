"""Base classes of the models: an RDF node, an item, and an item that editors write."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic import model_validator
from pyoxigraph import NamedNode, Triple

from maillage.graph.errors import InvalidIdentifierError, ValidationFailedError
from maillage.graph.iris import KEY_PATTERN, Iris
from maillage.graph.models.mapping import (
    ObjectKind,
    concept,
    field_mappings,
    index_triples,
    kind_mapping,
    literal,
    node_triples,
    read_node,
)
from maillage.graph.namespaces import DCTERMS, MLG, XSD


def _check_iri(value: str) -> str:
    if not value.startswith(("http://", "https://", "urn:")):
        raise ValueError(f"{value[:100]!r} is not an absolute http(s) or urn IRI")
    try:
        NamedNode(value)
    except ValueError as exc:
        raise ValueError(f"{value[:100]!r} is not a valid IRI: {exc}") from exc
    return value


# The IRI of an item or a concept, written in full.
Iri = Annotated[str, AfterValidator(_check_iri)]
# French text; RDF stores it as an rdf:langString tagged fr.
Text = Annotated[str, Field(min_length=1)]


class NodeModel(BaseModel):
    """A node of the graph described by a model: an item, or a part of one.

    RDF keeps no order among the values of a property, so list fields other than nested
    nodes are kept sorted and without duplicates. A round trip through triples then
    gives an equal model. Nested nodes keep their order through their fragment number.
    """

    model_config = ConfigDict(extra="forbid")

    rdf_types: ClassVar[tuple[NamedNode, ...]] = ()

    @model_validator(mode="after")
    def _normalise_lists(self) -> Self:
        for mapping in field_mappings(type(self)):
            if mapping.many and mapping.rdf.object is not ObjectKind.NESTED:
                values = getattr(self, mapping.name)
                setattr(self, mapping.name, sorted(set(values)))
        return self

    @model_validator(mode="after")
    def _check_kind_fields(self) -> Self:
        kind = kind_mapping(type(self))
        if kind is None:
            return self
        current = getattr(self, kind[0])
        for mapping in field_mappings(type(self)):
            allowed = mapping.rdf.kinds
            if not allowed:
                continue
            value = getattr(self, mapping.name)
            present = value not in (None, [])
            if present and current not in allowed:
                kinds = ", ".join(allowed)
                raise ValueError(f"{mapping.name} applies to the kinds {kinds} only")
            if not present and mapping.rdf.required_for_kinds and current in allowed:
                raise ValueError(f"{mapping.name} is required for the kind {current}")
        return self


class ItemModel(NodeModel):
    """An item `{base}/id/{item_type}/{key}` of the repository, with its metadata.

    Links to other items and concept values are full IRIs.
    """

    item_type: ClassVar[str]

    key: Annotated[str, Field(pattern=KEY_PATTERN.pattern)]
    visibility: Annotated[Iri | None, concept(MLG.visibility, "visibility")] = None
    workflow_state: Annotated[
        Iri | None, concept(MLG.workflowState, "workflow-state")
    ] = None
    created: Annotated[datetime | None, literal(DCTERMS.created, XSD.dateTime)] = None
    modified: Annotated[datetime | None, literal(DCTERMS.modified, XSD.dateTime)] = None
    is_illustration: Annotated[
        bool | None, literal(MLG.isIllustration, XSD.boolean)
    ] = None
    # Groups of users that may read the item when its visibility is restricted.
    readable_by: Annotated[list[Text], literal(MLG.readableBy, XSD.string)] = []

    def iri(self, iris: Iris) -> NamedNode:
        """Return the IRI of the item."""
        return iris.item(self.item_type, self.key)

    def graph(self, iris: Iris) -> NamedNode:
        """Return the named graph that contains the item."""
        return iris.item_graph(self.item_type, self.key)

    def to_triples(self, iris: Iris) -> list[Triple]:
        """Build the triples of the item, those of its nested nodes included."""
        return node_triples(self, self.iri(iris), iris)

    @classmethod
    def from_triples(
        cls, iris: Iris, iri: NamedNode, triples: Iterable[Triple]
    ) -> Self:
        """Build the model of the item `iri` from triples, ignoring unmapped ones.

        Raises `InvalidIdentifierError` when `iri` is not an item of this model's type,
        and `ValidationFailedError` when a required value is missing or a value is bad.
        """
        ref = iris.parse_item(iri.value)
        if ref is None or ref.type != cls.item_type or "#" in iri.value:
            raise InvalidIdentifierError(
                f"{iri.value[:200]!r} is not the IRI of a {cls.item_type} item "
                "of this base"
            )
        values: dict[str, Any] = read_node(cls, iri, index_triples(triples))
        values["key"] = ref.key
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise ValidationFailedError(
                f"the triples of {iri.value[:200]} do not make a valid {cls.item_type}",
                details=exc.errors(
                    include_url=False, include_context=False, include_input=False
                ),
            ) from exc


class AuthoredItem(ItemModel):
    """An editors' item, which must carry a visibility and a workflow state."""

    visibility: Annotated[Iri, concept(MLG.visibility, "visibility")]
    workflow_state: Annotated[Iri, concept(MLG.workflowState, "workflow-state")]
