"""Declarative RDF mapping of the models: field markers and the mapper that reads them.

A model field carries an `Rdf` marker in its `Annotated` type, which names the predicate
and how values become RDF terms. The Python type gives the cardinality: `X` one value,
`X | None` at most one, `list[X]` any number. A field marked with `RdfKind` picks extra
classes of the node. `node_triples` and `read_node` serve every model and nested node.
"""

from __future__ import annotations

import logging
import re
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from maillage.graph.iris import Iris
from maillage.graph.namespaces import RDF, XSD

if TYPE_CHECKING:
    from pydantic import BaseModel

logger = logging.getLogger(__name__)


class ObjectKind(Enum):
    """The kind of RDF object that the values of a field become."""

    TEXT = "text"  # rdf:langString tagged fr
    LITERAL = "literal"  # a typed literal of `Rdf.datatype`
    LINK = "link"  # the IRI of another item, an instance of one of `Rdf.classes`
    CONCEPT = "concept"  # the IRI of a concept of the scheme `Rdf.scheme`
    IRI = "iri"  # any IRI, such as a web page
    IRI_OR_STRING = (
        "iri-or-string"  # an IRI when the value is an http(s) IRI, else a string
    )
    NESTED = "nested"  # a node `{item}#{fragment}-{n}` described by a nested model
    MEASURE = "measure"  # an xsd:decimal whose predicate is the IRI of another field


@dataclass(frozen=True)
class Rdf:
    """The RDF mapping of one model field."""

    predicate: NamedNode | None
    object: ObjectKind
    datatype: NamedNode | None = None
    classes: tuple[NamedNode, ...] = ()
    scheme: str | None = None
    fragment: str | None = None
    predicate_field: str | None = None
    # Kinds of the item the field applies to (empty: every kind), and whether it is
    # required for those kinds although typed optional.
    kinds: tuple[str, ...] = ()
    required_for_kinds: bool = False


@dataclass(frozen=True)
class RdfKind:
    """The mapping of a `kind` field to the classes it adds, and to a concept if any."""

    classes: Mapping[str, tuple[NamedNode, ...]]
    concept_predicate: NamedNode | None = None
    concept_scheme: str | None = None


def text(predicate: NamedNode, **options: Any) -> Rdf:
    """Map a field to French text, an `rdf:langString` tagged `fr`."""
    return Rdf(predicate, ObjectKind.TEXT, **options)


def literal(predicate: NamedNode, datatype: NamedNode, **options: Any) -> Rdf:
    """Map a field to literals of `datatype`."""
    return Rdf(predicate, ObjectKind.LITERAL, datatype=datatype, **options)


def link(predicate: NamedNode, *classes: NamedNode, **options: Any) -> Rdf:
    """Map a field to the IRIs of items, each an instance of one of `classes`."""
    return Rdf(predicate, ObjectKind.LINK, classes=classes, **options)


def concept(predicate: NamedNode, scheme: str, **options: Any) -> Rdf:
    """Map a field to the IRIs of concepts of the maillage scheme `scheme`."""
    return Rdf(predicate, ObjectKind.CONCEPT, scheme=scheme, **options)


def nested(predicate: NamedNode, fragment: str) -> Rdf:
    """Map a field to nested nodes `{item}#{fragment}-1`, `-2` and so on."""
    return Rdf(predicate, ObjectKind.NESTED, fragment=fragment)


@dataclass(frozen=True)
class FieldMapping:
    """A model field with its marker and its cardinality read from the Python type."""

    name: str
    rdf: Rdf
    many: bool
    required: bool
    min_count: int
    nested_model: type | None


def field_mappings(model: type[BaseModel]) -> list[FieldMapping]:
    """Return the RDF-mapped fields of `model`, in declaration order."""
    cached = model.__dict__.get("_maillage_mappings")
    if cached is not None:
        return cached
    mappings = []
    for name, info in model.model_fields.items():
        marker = next((m for m in info.metadata if isinstance(m, Rdf)), None)
        if marker is None:
            continue
        many = typing.get_origin(info.annotation) is list
        min_length = next(
            (m.min_length for m in info.metadata if hasattr(m, "min_length")), 0
        )
        required = info.is_required() and not many
        min_count = min_length if many else int(required)
        inner = typing.get_args(info.annotation)[0] if many else None
        nested_model = inner if marker.object is ObjectKind.NESTED else None
        mappings.append(
            FieldMapping(name, marker, many, required, min_count, nested_model)
        )
    model._maillage_mappings = mappings  # type: ignore[attr-defined]
    return mappings


def kind_mapping(model: type[BaseModel]) -> tuple[str, RdfKind] | None:
    """Return the name and marker of the `RdfKind` field of `model`, if it has one."""
    for name, info in model.model_fields.items():
        for marker in info.metadata:
            if isinstance(marker, RdfKind):
                return name, marker
    return None


# ---------------------------------------------------------------------------
# Python values to RDF terms


def node_triples(model: BaseModel, subject: NamedNode, iris: Iris) -> list[Triple]:
    """Build the triples that describe `model` as the node `subject`."""
    triples = [Triple(subject, RDF.type, cls) for cls in node_classes(model)]
    kind = kind_mapping(type(model))
    if kind is not None and kind[1].concept_predicate is not None:
        value = iris.concept(kind[1].concept_scheme, getattr(model, kind[0]))
        triples.append(Triple(subject, kind[1].concept_predicate, value))

    for mapping in field_mappings(type(model)):
        values = _as_list(getattr(model, mapping.name))
        if mapping.rdf.object is ObjectKind.NESTED:
            triples.extend(_nested_triples(values, subject, mapping.rdf, iris))
            continue
        predicate = _predicate(model, mapping.rdf)
        triples.extend(
            Triple(subject, predicate, to_term(v, mapping.rdf)) for v in values
        )
    return triples


def node_classes(model: BaseModel) -> tuple[NamedNode, ...]:
    """Return the classes of the node `model` describes: fixed ones, then its kind's."""
    classes = tuple(getattr(model, "rdf_types", ()))
    kind = kind_mapping(type(model))
    if kind is not None:
        classes += tuple(kind[1].classes[getattr(model, kind[0])])
    return classes


def _nested_triples(
    values: list[Any], subject: NamedNode, rdf: Rdf, iris: Iris
) -> Iterator[Triple]:
    for number, value in enumerate(values, start=1):
        node = NamedNode(f"{subject.value.split('#', 1)[0]}#{rdf.fragment}-{number}")
        yield Triple(subject, rdf.predicate, node)
        yield from node_triples(value, node, iris)


def _predicate(model: BaseModel, rdf: Rdf) -> NamedNode:
    if rdf.object is ObjectKind.MEASURE:
        return NamedNode(getattr(model, rdf.predicate_field))
    return rdf.predicate


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def to_term(value: Any, rdf: Rdf) -> NamedNode | Literal:
    """Convert one Python value of a field to the RDF term that its marker names."""
    kind = rdf.object
    if kind is ObjectKind.TEXT:
        return Literal(value, language="fr")
    if kind in (ObjectKind.LINK, ObjectKind.CONCEPT, ObjectKind.IRI):
        return NamedNode(value)
    if kind is ObjectKind.IRI_OR_STRING:
        return NamedNode(value) if _looks_like_iri(value) else Literal(value)
    if kind is ObjectKind.MEASURE:
        return Literal(format(value, "f"), datatype=XSD.decimal)
    return Literal(_lexical(value, rdf.datatype), datatype=rdf.datatype)


def _lexical(value: Any, datatype: NamedNode) -> str:
    if datatype == XSD.boolean:
        return "true" if value else "false"
    if datatype == XSD.gYear:
        return f"{value:04d}"
    if datatype == XSD.decimal:
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _looks_like_iri(value: str) -> bool:
    return value.startswith(("http://", "https://")) and " " not in value


# ---------------------------------------------------------------------------
# RDF terms to Python values


def index_triples(triples: Iterable[Triple]) -> dict[str, list[Triple]]:
    """Group triples by the value of their subject."""
    index: dict[str, list[Triple]] = {}
    for triple in triples:
        index.setdefault(triple.subject.value, []).append(triple)
    return index


def read_node(
    model: type[BaseModel], subject: NamedNode, index: Mapping[str, list[Triple]]
) -> dict[str, Any]:
    """Return the field values of `model` read from the triples about `subject`."""
    objects: dict[str, list[NamedNode | BlankNode | Literal]] = {}
    for triple in index.get(subject.value, ()):
        objects.setdefault(triple.predicate.value, []).append(triple.object)

    values: dict[str, Any] = {}
    kind = kind_mapping(model)
    if kind is not None:
        found = _read_kind(kind[1], objects.get(RDF.type.value, []))
        if found is not None:
            values[kind[0]] = found

    mappings = field_mappings(model)
    # A measure's predicate is the value of another field, so it is read last.
    for mapping in sorted(mappings, key=lambda m: m.rdf.object is ObjectKind.MEASURE):
        terms = _terms_for(mapping, values, objects)
        if mapping.rdf.object is ObjectKind.NESTED:
            nodes = sorted(
                (t for t in terms if isinstance(t, NamedNode)), key=_fragment_order
            )
            values[mapping.name] = [
                read_node(mapping.nested_model, node, index) for node in nodes
            ]
            continue
        python_values = _python_values(terms, mapping.rdf)
        if mapping.many:
            values[mapping.name] = python_values
        elif python_values:
            values[mapping.name] = _single(python_values, mapping, subject)
    return values


def _terms_for(
    mapping: FieldMapping, values: Mapping[str, Any], objects: Mapping[str, list]
) -> list:
    if mapping.rdf.object is ObjectKind.MEASURE:
        predicate = values.get(mapping.rdf.predicate_field)
        return objects.get(predicate, []) if predicate else []
    return objects.get(mapping.rdf.predicate.value, [])


def _read_kind(marker: RdfKind, types: list) -> str | None:
    present = {t.value for t in types if isinstance(t, NamedNode)}
    best: str | None = None
    best_size = -1
    for kind, classes in marker.classes.items():
        needed = {c.value for c in classes}
        if needed <= present and len(needed) > best_size:
            best, best_size = kind, len(needed)
    return best


def _python_values(terms: list, rdf: Rdf) -> list[Any]:
    if rdf.object is ObjectKind.TEXT:
        french = [t for t in terms if isinstance(t, Literal) and t.language == "fr"]
        terms = french or [t for t in terms if isinstance(t, Literal)]
    values = []
    for term in terms:
        value = from_term(term, rdf)
        if value is not None:
            values.append(value)
    return values


def _single(values: list[Any], mapping: FieldMapping, subject: NamedNode) -> Any:
    if len(values) > 1:
        # The shapes allow one value; keep a stable choice for data that breaks them.
        logger.warning(
            "%s has %d values for %s where one is expected; keeping the smallest",
            subject.value,
            len(values),
            mapping.name,
        )
        return sorted(values, key=str)[0]
    return values[0]


def from_term(term: NamedNode | BlankNode | Literal, rdf: Rdf) -> Any:
    """Convert one RDF object to a field's Python value, or None if it does not map."""
    kind = rdf.object
    if kind in (ObjectKind.LINK, ObjectKind.CONCEPT, ObjectKind.IRI, ObjectKind.NESTED):
        return term.value if isinstance(term, NamedNode) else None
    if isinstance(term, BlankNode):
        return None
    if kind is ObjectKind.IRI_OR_STRING:
        return term.value
    if isinstance(term, NamedNode):
        return None
    if kind is ObjectKind.TEXT:
        return term.value
    if kind is ObjectKind.MEASURE:
        return _parse_lexical(term.value, XSD.decimal)
    return _parse_lexical(term.value, rdf.datatype)


def _parse_lexical(lexical: str, datatype: NamedNode) -> Any:
    # A malformed literal is handed to pydantic as text, which reports it as invalid.
    try:
        if datatype == XSD.boolean:
            return lexical.strip() in ("true", "1")
        if datatype in (XSD.integer, XSD.gYear):
            return int(lexical)
        if datatype == XSD.decimal:
            return Decimal(lexical)
        if datatype == XSD.date:
            return date.fromisoformat(lexical)
        if datatype == XSD.dateTime:
            return datetime.fromisoformat(lexical)
    except ValueError:
        return lexical
    return lexical


_FRAGMENT_NUMBER = re.compile(r"-(\d+)$")


def _fragment_order(node: NamedNode) -> tuple[int, str]:
    match = _FRAGMENT_NUMBER.search(node.value)
    return (int(match.group(1)) if match else 1 << 30, node.value)
