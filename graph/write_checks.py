"""Checks of the content a write brings: the model, the links, then the SHACL shapes.

Each failure is a `ValidationFailedError` whose `details` is a dict with `errors`, a
list of `{"field", "message"}` where `field` is the dotted path of the model field
(`involvements.0.agent`) or None for the whole item. A SHACL failure also carries the
`violations` as `maillage.graph.shacl.Violation.to_dict()` gives them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pyoxigraph import NamedNode

from maillage.graph.errors import ValidationFailedError
from maillage.graph.iris import Iris
from maillage.graph.models import MODELS, ItemModel, NodeModel
from maillage.graph.models.mapping import ObjectKind, field_mappings
from maillage.graph.shacl import validate_item
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Fields the server sets on every write; values sent by a client are ignored.
SERVER_FIELDS = ("created", "modified")
# Keys of the JSON that a read returns besides the model's fields.
READ_ONLY_KEYS = ("@id", "iri")
# Most errors listed in the `detail` sentence; `errors` lists them all.
_DETAIL_ERRORS = 5


@dataclass(frozen=True)
class FieldLink:
    """A link of the content to another item, with the model field that contains it."""

    field: str
    iri: str


def parse_item_body(
    iris: Iris,
    item_type: str,
    key: str,
    body: object,
    *,
    groups: Collection[str] | None = None,
    kept_groups: Collection[str] = (),
) -> ItemModel:
    """Validate a JSON body against the model of `item_type` for the item `key`.

    The server fields are dropped. `@id`, `iri` and `key`, which a read returns, may
    be sent back if they name this item. `groups`, when given, lists the existing
    groups that `readable_by` may name, besides `kept_groups`. Raise
    `ValidationFailedError` listing every invalid field.
    """
    model_class = MODELS[item_type]
    if not isinstance(body, dict):
        raise invalid(
            item_type, [error(None, f"expected a JSON object, got {_json_kind(body)}")]
        )
    data = {name: value for name, value in body.items() if name not in SERVER_FIELDS}
    problems = _identity_errors(iris, item_type, key, data)
    if problems:
        raise invalid(item_type, problems)
    data["key"] = key
    context = None
    if groups is not None:
        context = {"groups": groups, "kept_groups": kept_groups}
    try:
        return model_class.model_validate(data, context=context)
    except ValidationError as exc:
        raise invalid(item_type, pydantic_errors(exc)) from exc


def merge_patch(target: object, patch: object) -> object:
    """Apply a JSON Merge Patch (RFC 7396) to `target` and return the result.

    A null member removes the key, an object member merges recursively, and any other
    value, arrays included, replaces the target's value.
    """
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = merge_patch(result.get(name), value)
    return result


def check_links(
    store: GraphStore,
    model: ItemModel,
    iris: Iris,
    graphs: Sequence[NamedNode] | None,
) -> None:
    """Raise `ValidationFailedError` for every link to an item the user cannot read.

    A link counts as present when one of `graphs` (None: every graph) has a triple
    about its IRI. Items in the trash are outside the store, so links to them fail too.
    Links to the item itself or to its fragments are not checked.
    """
    own = model.iri(iris).value
    links = [
        link
        for link in model_links(model)
        if link.iri != own and not link.iri.startswith(own + "#")
    ]
    if not links:
        return
    present = _present_subjects(store, {link.iri for link in links}, graphs)
    problems = [
        error(
            link.field,
            f"links to {link.iri}, which does not exist or which you may not read",
        )
        for link in links
        if link.iri not in present
    ]
    if problems:
        raise invalid(model.item_type, problems)


def check_shapes(store: GraphStore, iris: Iris, model: ItemModel) -> None:
    """Raise `ValidationFailedError` with the violations if the item breaks a shape."""
    triples = model.to_triples(iris)
    violations = validate_item(store, iris, triples)
    if not violations:
        return
    fields = field_paths(model, iris)
    problems = [
        error(fields.get((v.focus_node, v.path or "")), v.message) for v in violations
    ]
    raise invalid(
        model.item_type,
        problems,
        violations=[violation.to_dict() for violation in violations],
    )


def model_links(model: NodeModel, prefix: str = "") -> Iterator[FieldLink]:
    """Yield the links of a model to other items, nested nodes included."""
    for mapping in field_mappings(type(model)):
        value = getattr(model, mapping.name)
        path = f"{prefix}{mapping.name}"
        if mapping.rdf.object is ObjectKind.NESTED:
            for number, nested in enumerate(value):
                yield from model_links(nested, f"{path}.{number}.")
        elif mapping.rdf.object is ObjectKind.LINK:
            if mapping.many:
                values = value
            else:
                values = [value] if value is not None else []
            for index, iri in enumerate(values):
                yield FieldLink(f"{path}.{index}" if mapping.many else path, iri)


def field_paths(model: ItemModel, iris: Iris) -> dict[tuple[str, str], str]:
    """Map (focus node, property IRI) pairs of the item's triples to model fields."""
    paths: dict[tuple[str, str], str] = {}
    _add_field_paths(paths, model, model.iri(iris).value, "")
    return paths


def pydantic_errors(exc: ValidationError) -> list[dict[str, str | None]]:
    """Return pydantic's errors as `{"field", "message"}` dicts."""
    problems = []
    for item in exc.errors(include_url=False):
        location = ".".join(str(part) for part in item.get("loc", ()))
        message = str(item.get("msg", "invalid value"))
        problems.append(error(location or None, _strip_prefix(message)))
    return problems


def invalid(
    item_type: str,
    problems: list[dict[str, str | None]],
    **extra: object,
) -> ValidationFailedError:
    """Return the 422 error for invalid content, naming the first few problems."""
    shown = "; ".join(
        f"{problem['field'] or 'item'}: {problem['message']}"
        for problem in problems[:_DETAIL_ERRORS]
    )
    more = len(problems) - _DETAIL_ERRORS
    if more > 0:
        shown += f"; and {more} more"
    return ValidationFailedError(
        f"invalid {item_type}: {shown}",
        details={"errors": problems, **extra},
    )


def error(field: str | None, message: str) -> dict[str, str | None]:
    return {"field": field, "message": message}


def _identity_errors(
    iris: Iris, item_type: str, key: str, data: dict[str, Any]
) -> list[dict[str, str | None]]:
    expected = iris.item(item_type, key).value
    problems = []
    for name in READ_ONLY_KEYS:
        value = data.pop(name, None)
        if value is not None and value != expected:
            problems.append(
                error(name, f"names {str(value)[:200]!r}, not this item {expected}")
            )
    sent_key = data.pop("key", None)
    if sent_key is not None and sent_key != key:
        problems.append(
            error("key", f"is {str(sent_key)[:80]!r} but the address names {key!r}")
        )
    return problems


def _present_subjects(
    store: GraphStore, iris_: set[str], graphs: Sequence[NamedNode] | None
) -> set[str]:
    values = " ".join(f"<{iri}>" for iri in sorted(iris_))
    rows = store.select(
        f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} "
        f"GRAPH ?g {{ ?s ?p ?o }} }}"
    )
    readable = None if graphs is None else {graph.value for graph in graphs}
    return {
        row["s"].value for row in rows if readable is None or row["g"].value in readable
    }


def _add_field_paths(
    paths: dict[tuple[str, str], str], model: NodeModel, focus: str, prefix: str
) -> None:
    for mapping in field_mappings(type(model)):
        path = f"{prefix}{mapping.name}"
        if mapping.rdf.object is ObjectKind.NESTED:
            paths[(focus, mapping.rdf.predicate.value)] = path
            for number, nested in enumerate(getattr(model, mapping.name), start=1):
                base = focus.split("#", 1)[0]
                node = f"{base}#{mapping.rdf.fragment}-{number}"
                paths[(node, "")] = f"{path}.{number - 1}"
                _add_field_paths(paths, nested, node, f"{path}.{number - 1}.")
        elif mapping.rdf.predicate is not None:
            paths[(focus, mapping.rdf.predicate.value)] = path


def _strip_prefix(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def _json_kind(value: object) -> str:
    kinds: Mapping[type, str] = {
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    if value is None:
        return "null"
    return kinds.get(type(value), type(value).__name__)
