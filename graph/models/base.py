"""Base classes of the models: an RDF node, an item, and an item that editors write."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
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
from maillage.graph.models.messages import describe_error, quote
from maillage.graph.namespaces import DCTERMS, MLG, XSD
from maillage.graph.users import NAME_PATTERN

# Limits of the values of every model, far above what a document of the mission needs;
# docs/writing.md lists them. A value past a limit is rejected before any other check,
# so its cost stays small (a 5 MB title is rejected in milliseconds).
MAX_LABEL_CHARS = 500  # a title, a label, a keyword, a file name
MAX_TEXT_CHARS = 20_000  # a description or any other text
MAX_IDENTIFIER_CHARS = 200  # a key, a code, a media type, a language tag
MAX_IRI_CHARS = 2_000
MAX_LIST_ITEMS = 1_000  # the values of one field


def _check_iri(value: str) -> str:
    if not value.startswith(("http://", "https://", "urn:")):
        raise ValueError(f"{quote(value)} is not an absolute http(s) or urn IRI")
    try:
        NamedNode(value)
    except ValueError as exc:
        raise ValueError(
            f"{quote(value)} is not a valid IRI: it contains a space or a character "
            "that IRIs do not allow"
        ) from exc
    return value


def _check_group_name(value: str) -> str:
    if not NAME_PATTERN.fullmatch(value):
        raise ValueError(
            f"{quote(value)} is not a group name: use 1 to 64 characters among "
            "a-z 0-9 . _ -, starting with a letter or digit"
        )
    return value


# The IRI of an item or a concept, written in full.
Iri = Annotated[str, Field(max_length=MAX_IRI_CHARS), AfterValidator(_check_iri)]
# French text; RDF stores it as an rdf:langString tagged fr.
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
# Short French text: a title or a label.
Label = Annotated[str, Field(min_length=1, max_length=MAX_LABEL_CHARS)]
# A code or a name that is not prose, such as a media type.
Identifier = Annotated[str, Field(max_length=MAX_IDENTIFIER_CHARS)]
# The name of a group of users, with the rule of `maillage.graph.users`.
GroupName = Annotated[
    str, Field(max_length=MAX_IDENTIFIER_CHARS), AfterValidator(_check_group_name)
]


class NodeModel(BaseModel):
    """A node of the graph described by a model: an item, or a part of one.

    RDF keeps no order among the values of a property, so list fields other than nested
    nodes are kept sorted and without duplicates. A round trip through triples then
    gives an equal model. Nested nodes keep their order through their fragment number.
    """

    model_config = ConfigDict(extra="forbid")

    rdf_types: ClassVar[tuple[NamedNode, ...]] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _reword_errors(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self]
    ) -> Self:
        """Replace pydantic's texts by `describe_error`'s, keeping each location."""
        try:
            return handler(data)
        except ValidationError as exc:
            fields = tuple(cls.model_fields)
            errors = [_reworded(error, fields) for error in exc.errors()]
            raise ValidationError.from_exception_data(exc.title, errors) from None

    @field_validator("*", mode="before")
    @classmethod
    def _check_size(cls, value: Any, info: ValidationInfo) -> Any:
        """Reject a list or a text past its limit before parsing it.

        A text field's limit is its type's (`Label`: `MAX_LABEL_CHARS`), else
        `MAX_TEXT_CHARS`, so that a model of another module gets a limit too.
        """
        if isinstance(value, (list, tuple)) and len(value) > MAX_LIST_ITEMS:
            raise PydanticCustomError(
                "too_long",
                "has {actual_length} values; at most {max_length} are accepted",
                {"actual_length": len(value), "max_length": MAX_LIST_ITEMS},
            )
        if isinstance(value, str):
            limit = _max_length(cls, info.field_name)
            if len(value) > limit:
                raise PydanticCustomError(
                    "string_too_long",
                    "has {actual_length} characters; at most {max_length} are "
                    "accepted",
                    {"actual_length": len(value), "max_length": limit},
                )
        return value

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
    readable_by: Annotated[list[GroupName], literal(MLG.readableBy, XSD.string)] = []

    @field_validator("readable_by")
    @classmethod
    def _check_groups_exist(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """Reject groups missing from the `groups` of the validation context, if given.

        The model does not know the user directory, so the writer passes the names of
        the existing groups as `model_validate(data, context={"groups": names})`. The
        groups of `kept_groups` in the context are accepted too, without being listed
        as existing: those of the current version, which may have been deleted since.
        """
        context = info.context or {}
        groups = context.get("groups")
        if groups is None:
            return value
        accepted = set(groups) | set(context.get("kept_groups", ()))
        unknown = [name for name in value if name not in accepted]
        if unknown:
            known = ", ".join(sorted(groups)[:20]) or "none"
            raise ValueError(
                f"no group named {', '.join(quote(name) for name in unknown[:5])}; "
                f"existing groups: {known}"
            )
        return value

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


def _reworded(error: Any, fields: tuple[str, ...]) -> InitErrorDetails:
    """Return one pydantic error with maillage's reason as its message.

    The reason goes in the context as `reason`, which marks the error as reworded, so
    that the model around a nested one keeps it as it is.
    """
    context = error.get("ctx") or {}
    if "reason" in context:
        reason = context["reason"]
    else:
        reason = describe_error(error, fields)
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], "{reason}", {"reason": reason}),
        loc=error["loc"],
        input=error.get("input"),
    )


def _max_length(model: type[BaseModel], field_name: str | None) -> int:
    """Return the most characters that the field `field_name` of `model` accepts."""
    field = model.model_fields.get(field_name or "")
    limits = [
        marker.max_length
        for marker in (field.metadata if field is not None else ())
        if isinstance(getattr(marker, "max_length", None), int)
    ]
    return min([MAX_TEXT_CHARS, *limits])
