"""Import legal events from a CSV file: acts, competence transfers, membership changes.

`docs/legal.md` documents the layout: one row per délibération, arrêté préfectoral,
competence transfer, or start or end of a commune's membership of an EPCI. Lists in a
cell separate their values with `|`. Items are named by key, `{type}/{key}` or IRI.

Acts are written first, then transfers, then memberships, whatever the order of the
rows, so that a transfer may name an act of a later row. Acts and transfers go through
`ContentWriter`, which checks them like a write of the REST API and records a revision;
a row whose key exists replaces that item. Memberships are reference data that the
REST API does not write: a membership change updates the item graph of the membership
`{siren}-{insee}` after the same model checks. A row that fails is reported with its
line and reason, and the other rows are imported.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from pyoxigraph import NamedNode

from maillage.graph.access import User
from maillage.graph.errors import (
    InvalidIdentifierError,
    MaillageError,
    MalformedRequestError,
    ValidationFailedError,
)
from maillage.graph.iris import Iris, slugify
from maillage.graph.models import Membership
from maillage.graph.namespaces import MLG
from maillage.graph.revisions import ItemState
from maillage.graph.store import GraphStore
from maillage.graph.write_checks import pydantic_errors
from maillage.graph.writes import ContentWriter

logger = logging.getLogger(__name__)

ROW_TYPES: tuple[str, ...] = (
    "deliberation",
    "prefectoral-order",
    "transfer",
    "membership-start",
    "membership-end",
)
COLUMNS: tuple[str, ...] = (
    "row_type",
    "key",
    "title",
    "date",
    "passed_by",
    "vote_share",
    "defines_interest_for",
    "source",
    "competence",
    "communes",
    "body",
    "decision_date",
    "effective_date",
    "end_date",
    "legal_bases",
    "interest_definition",
    "epci",
    "commune",
    "description",
    "visibility",
    "workflow_state",
)
LIST_SEPARATOR = "|"

# Columns whose values are concepts of a scheme, given by slug or full IRI.
_CONCEPT_COLUMNS = (("visibility", "visibility"), ("workflow_state", "workflow-state"))
# Rows are written in this order of their type, then in file order.
_STAGES = {"deliberation": 0, "prefectoral-order": 0, "transfer": 1}


@dataclass(frozen=True)
class RowError:
    """A row that was not imported: its line in the file, its type and why."""

    line: int
    row_type: str
    reason: str


@dataclass
class LegalImportReport:
    """The IRIs of the items written and the rows that failed."""

    written: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def import_legal_events(
    writer: ContentWriter,
    path: Path,
    user: User,
    *,
    visibility: str = "public",
    workflow_state: str = "published",
) -> LegalImportReport:
    """Write the acts, transfers and membership changes of the CSV file at `path`.

    `visibility` and `workflow_state` apply to new acts and transfers whose row leaves
    those columns empty. Raise `MalformedRequestError` when the header is not usable.
    """
    rows = sorted(read_rows(path), key=lambda item: (_stage(item[1]), item[0]))
    defaults = {"visibility": visibility, "workflow_state": workflow_state}
    report = LegalImportReport()
    comment = f"imported from {path.name}"
    for line, row in rows:
        row_type = row.get("row_type", "").strip()
        try:
            iri = _import_row(writer, row_type, row, defaults, user, comment)
        except (MaillageError, ValueError) as exc:
            reason = _reason(exc)
            report.errors.append(RowError(line, row_type, reason))
            logger.info("line %d (%s) not imported: %s", line, row_type, reason)
            continue
        report.written.append(iri)
    logger.info(
        "legal events of %s: %d written, %d rows failed",
        path.name,
        len(report.written),
        len(report.errors),
    )
    return report


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield the line number and the fields of each non-empty row of the file.

    Fields are separated by commas or by semicolons, whichever the header uses.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedRequestError(
            f"{path.name} is not UTF-8 text: save it as CSV UTF-8"
        ) from exc
    lines = text.splitlines(keepends=True)
    header = lines[0] if lines else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    _check_header(path, reader.fieldnames or [])
    for row in reader:
        values = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        if any(values.values()):
            yield reader.line_num, values


def _check_header(path: Path, names: list[str]) -> None:
    columns = [name.strip() for name in names]
    unknown = [name for name in columns if name not in COLUMNS]
    if "row_type" not in columns or unknown:
        problems = []
        if "row_type" not in columns:
            problems.append("missing column row_type")
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown)}")
        raise MalformedRequestError(
            f"{path.name}: {'; '.join(problems)}; accepted columns: "
            + ", ".join(COLUMNS)
        )


def _stage(row: dict[str, str]) -> int:
    return _STAGES.get(row.get("row_type", "").strip(), 2)


def _import_row(
    writer: ContentWriter,
    row_type: str,
    row: dict[str, str],
    defaults: dict[str, str],
    user: User,
    comment: str,
) -> str:
    iris = writer.iris
    if row_type in ("deliberation", "prefectoral-order"):
        body = act_body(iris, row_type, row)
        return _write(writer, "act", body, row, defaults, user, comment)
    if row_type == "transfer":
        body = transfer_body(iris, row)
        return _write(writer, "transfer", body, row, defaults, user, comment)
    if row_type in ("membership-start", "membership-end"):
        return write_membership_change(writer.store, iris, row_type, row)
    raise MalformedRequestError(
        f"unknown row_type {row_type[:80]!r}; accepted: {', '.join(ROW_TYPES)}"
    )


def act_body(iris: Iris, kind: str, row: dict[str, str]) -> dict[str, object]:
    """Return the JSON body of the délibération or arrêté a row describes."""
    title = _required(row, "title")
    body: dict[str, object] = {
        "key": row.get("key") or slugify(title),
        "kind": kind,
        "title": title,
        "date_document": _required(row, "date"),
    }
    _put(body, "passed_by", _link(iris, row.get("passed_by", ""), None))
    _put(body, "source", row.get("source") or None)
    _put(body, "description", row.get("description") or None)
    share = row.get("vote_share", "").replace(",", ".")
    _put(body, "vote_share", share or None)
    competences = [
        _link(iris, v, "competence") for v in _split(row, "defines_interest_for")
    ]
    _put(body, "defines_community_interest_for", competences)
    return body


def transfer_body(iris: Iris, row: dict[str, str]) -> dict[str, object]:
    """Return the JSON body of the competence transfer a row describes.

    Without a key, the key is made of the competence, the body and the effective
    date, so that importing the same file twice replaces the same transfer.
    """
    competence = _link(iris, _required(row, "competence"), "competence")
    to_body = _link(iris, _required(row, "body"), "epci")
    effective = _required(row, "effective_date")
    key = row.get("key") or slugify(
        f"{_key(iris, competence)}-{_key(iris, to_body)}-{effective}"
    )
    body: dict[str, object] = {
        "key": key,
        "competence": competence,
        "from_communes": [_link(iris, v, "commune") for v in _split(row, "communes")],
        "to_body": to_body,
        "effective_date": effective,
        "legal_bases": [_link(iris, v, "act") for v in _split(row, "legal_bases")],
    }
    _put(body, "decision_date", row.get("decision_date") or None)
    _put(body, "end_date", row.get("end_date") or None)
    _put(
        body,
        "community_interest_definition",
        _link(iris, row.get("interest_definition", ""), "act"),
    )
    _put(body, "description", row.get("description") or None)
    return body


def write_membership_change(
    store: GraphStore, iris: Iris, row_type: str, row: dict[str, str]
) -> str:
    """Set the start or end date of a membership, and add the row's acts to it.

    The membership `{siren}-{insee}` keeps what its item graph already holds; its
    dates and acts from an imported dataset graph stay where they are.
    """
    epci = _link(iris, _required(row, "epci"), "epci")
    commune = _link(iris, _required(row, "commune"), "commune")
    key = f"{_key(iris, epci)}-{_key(iris, commune)}"
    graph = iris.item_graph("membership", key)
    iri = iris.item("membership", key)
    values = _stored_membership(store, iris, iri, graph)
    values.update(key=key, member=commune, organization=epci)
    day = _required(row, "date")
    values["start_date" if row_type == "membership-start" else "end_date"] = day
    acts = [_link(iris, v, "act") for v in _split(row, "legal_bases")]
    values["legal_bases"] = sorted({*values.get("legal_bases", []), *acts})
    try:
        model = Membership.model_validate(values)
    except ValidationError as exc:
        raise ValidationFailedError(
            f"invalid membership {key}", details={"errors": pydantic_errors(exc)}
        ) from exc
    _check_exists(store, iris, [commune, epci, *acts])
    store.replace_graph(graph, model.to_triples(iris))
    logger.info("membership %s: %s %s", key, row_type, day)
    return iri.value


def _stored_membership(
    store: GraphStore, iris: Iris, iri: NamedNode, graph: NamedNode
) -> dict[str, object]:
    triples = store.graph_triples(graph)
    if not triples:
        return {}
    return Membership.from_triples(iris, iri, triples).model_dump(exclude_none=True)


def _check_exists(store: GraphStore, iris: Iris, items: list[str]) -> None:
    """Raise `ValidationFailedError` for an item that no graph of the store holds."""
    for item in items:
        if not store.ask(f"ASK {{ {NamedNode(item)} ?p ?o }}"):
            raise ValidationFailedError(f"no item {item} in the store")


def _write(
    writer: ContentWriter,
    item_type: str,
    body: dict[str, object],
    row: dict[str, str],
    defaults: dict[str, str],
    user: User,
    comment: str,
) -> str:
    iris = writer.iris
    for column, scheme in _CONCEPT_COLUMNS:
        value = row.get(column) or None
        if value is not None:
            body[column] = _concept(iris, scheme, value)
    key = str(body["key"])
    state = writer.state(item_type, key)
    if state.status == "live":
        current = _current_visibility(state)
        if current is not None:
            body.setdefault("visibility", current)
        written = writer.replace(
            item_type, key, body, user, if_match=state.etag, comment=comment
        )
        return written.iri.value
    for column, scheme in _CONCEPT_COLUMNS:
        body.setdefault(column, _concept(iris, scheme, defaults[column]))
    return writer.create(item_type, body, user, comment=comment).iri.value


def _current_visibility(state: ItemState) -> str | None:
    for triple in state.triples:
        if triple.subject == state.iri and triple.predicate == MLG.visibility:
            return triple.object.value
    return None


def _concept(iris: Iris, scheme: str, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    return iris.concept(scheme, value.removeprefix(f"{scheme}-")).value


def _link(iris: Iris, value: str, default_type: str | None) -> str | None:
    """Return the IRI of an item named by IRI, `{type}/{key}` or `default_type` key."""
    value = value.strip()
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        try:
            return NamedNode(value).value
        except ValueError as exc:
            raise InvalidIdentifierError(f"{value[:80]!r} is not a valid IRI") from exc
    if "/" in value:
        type_, _, key = value.partition("/")
        return iris.item(type_, key).value
    if default_type is None:
        raise InvalidIdentifierError(
            f"{value[:80]!r} names no item type; write it as type/key, such as "
            "epci/200071413"
        )
    return iris.item(default_type, value).value


def _key(iris: Iris, iri: str) -> str:
    ref = iris.parse_item(iri)
    return ref.key if ref is not None else slugify(iri)


def _split(row: dict[str, str], column: str) -> list[str]:
    value = row.get(column, "")
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _required(row: dict[str, str], column: str) -> str:
    value = row.get(column, "").strip()
    if not value:
        raise MalformedRequestError(f"the column {column} is empty")
    return value


def _put(body: dict[str, object], name: str, value: object) -> None:
    if value not in (None, "", []):
        body[name] = value


def _reason(exc: Exception) -> str:
    if not isinstance(exc, MaillageError):
        return str(exc)
    details = exc.details if isinstance(exc.details, dict) else {}
    errors = details.get("errors")
    if not errors:
        return exc.message
    return "; ".join(
        f"{problem.get('field') or 'item'}: {problem.get('message')}"
        for problem in errors
    )
