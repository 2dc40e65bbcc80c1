"""Revisions of content items, kept in an Oxigraph store outside the SPARQL dataset.

The revision store lives at `{data_path}/revisions`. No SPARQL endpoint reads it, so
old versions are reached only through the history functions below, which apply the
item's access rights. For the item `{base}/id/{type}/{key}` it holds:

- one named graph per revision, `{base}/graph/revision/{type}/{key}/{n}`, with the
  triples of the item after write `n` (for a move to the trash, the triples it had);
- the history graph `{base}/graph/history/{type}/{key}`, with one `prov:Activity`
  `{base}/revision/{type}/{key}/{n}` per revision: its number, operation, user
  (`prov:wasAssociatedWith`), end time (`prov:endedAtTime`), comment (`rdfs:comment`)
  and workflow transition (`mlg:fromState`, `mlg:toState`).

A write records its revision before it writes the item graph. The item graph carries
the number of its current revision (`mlg:revisionNumber`), so a revision recorded by a
write that then failed is above that number and is left out of the history; the next
write reuses its number and replaces it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from maillage.graph.access import User, readable_graphs
from maillage.graph.errors import NotFoundError
from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG, PROV, RDF, RDFS, XSD
from maillage.graph.repository import ITEM_CLASSES
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Operations that a revision records.
OPERATIONS = (
    "import",  # the content an item had before its first write through the API
    "create",
    "update",
    "patch",
    "delete",
    "restore",
    "revert",
    "transition",
)


@dataclass(frozen=True)
class Revision:
    """The metadata of one revision; `from_state` and `to_state` are concept IRIs."""

    number: int
    operation: str
    user: str | None
    ended_at: datetime | None
    comment: str | None = None
    from_state: str | None = None
    to_state: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the revision as JSON-ready values."""
        transition = None
        if self.to_state is not None:
            transition = {"from": self.from_state, "to": self.to_state}
        return {
            "number": self.number,
            "operation": self.operation,
            "user": self.user,
            "time": _iso_utc(self.ended_at) if self.ended_at else None,
            "comment": self.comment,
            "transition": transition,
        }


@dataclass(frozen=True)
class ItemState:
    """The state of an item: live in its graph, in the trash, imported, or missing.

    `triples` are those of the item graph when live, and the content at deletion when
    in the trash. `head` is the number of the last valid revision, 0 when the item has
    none. `etag` is set for a live item; `source_graph` names the dataset graph of an
    imported item.
    """

    iri: NamedNode
    graph: NamedNode
    status: str
    triples: tuple[Triple, ...] = ()
    head: int = 0
    etag: str | None = None
    source_graph: NamedNode | None = None

    @property
    def content(self) -> list[Triple]:
        """Return the triples without the revision marker, as revisions keep them."""
        return [t for t in self.triples if not _is_marker(t, self.iri)]


class RevisionStore:
    """The revisions of every item, in an Oxigraph store of their own."""

    def __init__(self, path: Path | None, iris: Iris) -> None:
        self.store = GraphStore(path)
        self.iris = iris

    @classmethod
    def open(cls, data_path: Path, iris: Iris) -> RevisionStore:
        """Open the revision store of an instance whose data folder is `data_path`."""
        return cls(data_path / "revisions", iris)

    def close(self) -> None:
        self.store.close()

    def revision_graph(self, item: NamedNode, number: int) -> NamedNode:
        return NamedNode(f"{self._path(item, 'graph/revision')}/{number}")

    def history_graph(self, item: NamedNode) -> NamedNode:
        return NamedNode(self._path(item, "graph/history"))

    def activity(self, item: NamedNode, number: int) -> NamedNode:
        return NamedNode(f"{self._path(item, 'revision')}/{number}")

    def agent(self, user_name: str) -> NamedNode:
        return NamedNode(f"{self.iris.base}/user/{quote(user_name, safe='')}")

    def add(
        self, item: NamedNode, revision: Revision, triples: Iterable[Triple]
    ) -> None:
        """Record `revision` with the item's `triples`, replacing any older record.

        The revision graph and the activity are written in one transaction.
        """
        graph = self.revision_graph(item, revision.number)
        activity = self.activity(item, revision.number)
        history = self.history_graph(item)
        metadata = self._activity_triples(item, revision)
        self.store.update(
            f"DROP SILENT GRAPH {graph} ;\n"
            f"DELETE WHERE {{ GRAPH {history} {{ {activity} ?p ?o }} }} ;\n"
            f"INSERT DATA {{ GRAPH {graph} {{\n{triples_text(triples)}\n}}\n"
            f"GRAPH {history} {{\n{triples_text(metadata)}\n}} }}"
        )

    def remove(self, item: NamedNode, number: int) -> None:
        """Remove one revision, such as the record of a write that then failed."""
        graph = self.revision_graph(item, number)
        activity = self.activity(item, number)
        history = self.history_graph(item)
        self.store.update(
            f"DROP SILENT GRAPH {graph} ;\n"
            f"DELETE WHERE {{ GRAPH {history} {{ {activity} ?p ?o }} }}"
        )

    def list(self, item: NamedNode) -> list[Revision]:
        """Return the recorded revisions of `item` by number, failed writes included."""
        history = self.history_graph(item)
        by_activity: dict[str, dict[str, list]] = {}
        for triple in self.store.graph_triples(history):
            if triple.predicate == RDF.type or not isinstance(
                triple.subject, NamedNode
            ):
                continue
            values = by_activity.setdefault(triple.subject.value, {})
            values.setdefault(triple.predicate.value, []).append(triple.object)
        revisions = [
            _read_revision(values, self._agent_names(history))
            for values in by_activity.values()
            if MLG.revisionNumber.value in values
        ]
        return sorted(revisions, key=lambda revision: revision.number)

    def triples(self, item: NamedNode, number: int) -> list[Triple]:
        """Return the triples of revision `number` of `item`."""
        return self.store.graph_triples(self.revision_graph(item, number))

    def purge(self, item: NamedNode) -> int:
        """Drop every revision of `item` and its history; return how many there were."""
        numbers = [revision.number for revision in self.list(item)]
        drops = [f"DROP SILENT GRAPH {self.revision_graph(item, n)}" for n in numbers]
        drops.append(f"DROP SILENT GRAPH {self.history_graph(item)}")
        self.store.update(" ;\n".join(drops))
        return len(numbers)

    def record_purge(self, item: NamedNode, user: User, when: datetime) -> None:
        """Keep a trace of a purge: who, when and the item IRI, never its content."""
        digest = hashlib.sha256(f"{item.value} {when.isoformat()}".encode()).hexdigest()
        activity = NamedNode(f"{self.iris.base}/purge/{digest[:32]}")
        agent = self.agent(user.name)
        triples = [
            Triple(activity, RDF.type, PROV.Activity),
            Triple(activity, MLG.operation, Literal("purge")),
            Triple(activity, MLG.purgedItem, item),
            Triple(activity, PROV.wasAssociatedWith, agent),
            Triple(activity, PROV.endedAtTime, _date_time(when)),
            Triple(agent, RDF.type, PROV.Agent),
            Triple(agent, RDFS.label, Literal(user.name)),
        ]
        self.store.add_triples(self.purge_graph, triples)

    @property
    def purge_graph(self) -> NamedNode:
        return NamedNode(f"{self.iris.base}/graph/purges")

    def references_file(self, sha256: str) -> bool:
        """Return True when a revision of any item still describes the file `sha256`."""
        return self.store.ask(
            f"ASK {{ GRAPH ?g {{ ?file mlg:sha256 {Literal(sha256)} }} }}"
        )

    def file_hashes(self, item: NamedNode) -> set[str]:
        """Return the SHA-256 of the files that any revision of `item` describes."""
        hashes: set[str] = set()
        for revision in self.list(item):
            hashes |= file_hashes(self.triples(item, revision.number))
        return hashes

    def _path(self, item: NamedNode, prefix: str) -> str:
        ref = self.iris.parse_item(item.value)
        if ref is None:
            raise NotFoundError(f"{item.value[:200]!r} is not an item IRI of this base")
        return f"{self.iris.base}/{prefix}/{ref.type}/{ref.key}"

    def _activity_triples(self, item: NamedNode, revision: Revision) -> list[Triple]:
        activity = self.activity(item, revision.number)
        triples = [
            Triple(activity, RDF.type, PROV.Activity),
            Triple(activity, MLG.revisionOf, item),
            Triple(activity, MLG.revisionNumber, _integer(revision.number)),
            Triple(activity, MLG.operation, Literal(revision.operation)),
            Triple(
                activity, PROV.generated, self.revision_graph(item, revision.number)
            ),
        ]
        if revision.ended_at is not None:
            triples.append(
                Triple(activity, PROV.endedAtTime, _date_time(revision.ended_at))
            )
        if revision.user is not None:
            agent = self.agent(revision.user)
            triples += [
                Triple(activity, PROV.wasAssociatedWith, agent),
                Triple(agent, RDF.type, PROV.Agent),
                Triple(agent, RDFS.label, Literal(revision.user)),
            ]
        if revision.comment:
            triples.append(Triple(activity, RDFS.comment, Literal(revision.comment)))
        if revision.from_state is not None:
            triples.append(
                Triple(activity, MLG.fromState, NamedNode(revision.from_state))
            )
        if revision.to_state is not None:
            triples.append(Triple(activity, MLG.toState, NamedNode(revision.to_state)))
        return triples

    def _agent_names(self, history: NamedNode) -> dict[str, str]:
        return {
            t.subject.value: t.object.value
            for t in self.store.graph_triples(history)
            if t.predicate == RDFS.label
        }


def locate_item(
    store: GraphStore,
    revisions: RevisionStore,
    iris: Iris,
    item_type: str,
    key: str,
) -> ItemState:
    """Return the state of the item `key` of `item_type`, read from both stores."""
    iri = iris.item(item_type, key)
    graph = iris.item_graph(item_type, key)
    triples = store.graph_triples(graph)
    if triples:
        head = revision_marker(triples, iri)
        etag = graph_etag(triples, iri)
        return ItemState(iri, graph, "live", tuple(triples), head, etag)

    deletions = [r for r in revisions.list(iri) if r.operation == "delete"]
    if deletions:
        last = deletions[-1]
        content = revisions.triples(iri, last.number)
        return ItemState(iri, graph, "trash", tuple(content), last.number)

    source = _imported_from(store, iri, item_type)
    status = "imported" if source is not None else "missing"
    return ItemState(iri, graph, status, source_graph=source)


def read_history(
    store: GraphStore,
    revisions: RevisionStore,
    iris: Iris,
    item_type: str,
    key: str,
    user: User,
) -> tuple[ItemState, list[Revision]]:
    """Return the state of an item and its valid revisions, oldest first.

    The history is read with the item's access rights: a live item the user may read,
    or an item in the trash for an editor who could read it. Anything else, a purged
    item included, raises `NotFoundError`.
    """
    state = history_state(store, revisions, iris, item_type, key, user)
    return state, valid_history(revisions, state)


def read_revision(
    store: GraphStore,
    revisions: RevisionStore,
    iris: Iris,
    item_type: str,
    key: str,
    number: int,
    user: User,
) -> list[Triple]:
    """Return the triples of revision `number` of an item.

    Besides the item's access rights, the revision itself must be readable by the
    user: a revision that was a draft or restricted stays hidden from those who could
    not read it then.
    """
    state = history_state(store, revisions, iris, item_type, key, user)
    if not 1 <= number <= state.head:
        raise NotFoundError(
            f"no revision {number} of {item_type} {key!r}; "
            + (f"revisions go from 1 to {state.head}" if state.head else "it has none")
        )
    triples = revisions.triples(state.iri, number)
    if not may_read(iris, user, state.graph, triples):
        raise NotFoundError(f"no revision {number} of {item_type} {key!r}")
    return triples


def history_state(
    store: GraphStore,
    revisions: RevisionStore,
    iris: Iris,
    item_type: str,
    key: str,
    user: User,
) -> ItemState:
    """Return the state of an item whose history `user` may read, else raise."""
    state = locate_item(store, revisions, iris, item_type, key)
    if state.status == "live" and may_read(iris, user, state.graph, state.triples):
        return state
    if state.status == "trash" and may_read_trash(iris, user, state):
        return state
    raise NotFoundError(f"no {item_type} with key {key[:80]!r}")


def may_read_trash(iris: Iris, user: User, state: ItemState) -> bool:
    """Return True for an editor who could read the item before it went to the trash."""
    return user.can_edit and may_read(iris, user, state.graph, state.content)


def valid_history(revisions: RevisionStore, state: ItemState) -> list[Revision]:
    """Return the revisions 1 to `state.head`, leaving out those of failed writes."""
    return [r for r in revisions.list(state.iri) if r.number <= state.head]


def may_read(
    iris: Iris, user: User, graph: NamedNode, triples: Sequence[Triple]
) -> bool:
    """Return True when `user` may read an item graph holding `triples`.

    The rule is `maillage.graph.access.readable_graphs`, applied to a store made of this
    one graph, so a revision or a trashed item is judged as its live graph would be.
    """
    scratch = GraphStore(None)
    try:
        scratch.add_triples(graph, triples)
        readable = readable_graphs(scratch, iris, user)
    finally:
        scratch.close()
    return readable is None or graph in readable


def revision_marker(triples: Iterable[Triple], iri: NamedNode) -> int:
    """Return the current revision number an item graph records, 0 when it has none."""
    for triple in triples:
        if _is_marker(triple, iri) and isinstance(triple.object, Literal):
            try:
                return int(triple.object.value)
            except ValueError:
                return 0
    return 0


def marker_triple(iri: NamedNode, number: int) -> Triple:
    """Return the triple that records the current revision number in an item graph."""
    return Triple(iri, MLG.revisionNumber, _integer(number))


def graph_etag(triples: Iterable[Triple], iri: NamedNode) -> str:
    """Return the strong entity tag of an item graph: its revision and content hash.

    The hash covers the sorted N-Triples lines, so any change to the graph, even one
    made through SPARQL Update, changes the tag.
    """
    triples = list(triples)
    digest = hashlib.sha256("\n".join(canonical_lines(triples)).encode()).hexdigest()
    return f'"{revision_marker(triples, iri)}-{digest[:24]}"'


def canonical_lines(triples: Iterable[Triple]) -> list[str]:
    """Return the sorted N-Triples lines of `triples`, every blank node written `_:b`.

    Blank node labels change when a graph is copied, so they are not compared.
    """
    return sorted(_line(triple) for triple in triples)


def stored_form(triples: Sequence[Triple]) -> list[Triple]:
    """Return `triples` as a SPARQL update stores them, with canonical literals.

    Oxigraph rewrites typed literals to their canonical form when an update inserts
    them (a `+00:00` time zone becomes `Z`), so a written graph is compared with this
    form of what was sent.
    """
    scratch = Store()
    graph = NamedNode("urn:maillage:scratch")
    scratch.update(f"INSERT DATA {{ GRAPH {graph} {{\n{triples_text(triples)}\n}} }}")
    return [quad.triple for quad in scratch.quads_for_pattern(None, None, None, graph)]


def diff_triples(
    old: Iterable[Triple], new: Iterable[Triple]
) -> tuple[list[str], list[str]]:
    """Return the N-Triples lines added and removed from `old` to `new`, sorted."""
    before = {str(t) + " ." for t in old}
    after = {str(t) + " ." for t in new}
    return sorted(after - before), sorted(before - after)


def triples_text(triples: Iterable[Triple]) -> str:
    """Return triples as the lines of a SPARQL data block."""
    return "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


def file_hashes(triples: Iterable[Triple]) -> set[str]:
    """Return the SHA-256 values of the file nodes among `triples`."""
    return {
        t.object.value
        for t in triples
        if t.predicate == MLG.sha256 and isinstance(t.object, Literal)
    }


def utc_now() -> datetime:
    """Return the current time in UTC, to the microsecond."""
    return datetime.now(UTC)


def _line(triple: Triple) -> str:
    terms = [
        "_:b" if isinstance(term, BlankNode) else str(term)
        for term in (triple.subject, triple.predicate, triple.object)
    ]
    return " ".join(terms) + " ."


def _is_marker(triple: Triple, iri: NamedNode) -> bool:
    return triple.subject == iri and triple.predicate == MLG.revisionNumber


def _imported_from(
    store: GraphStore, iri: NamedNode, item_type: str
) -> NamedNode | None:
    """Return a graph, not the item graph, where the item has a class of its type."""
    classes = " ".join(str(rdf_class) for rdf_class in ITEM_CLASSES[item_type])
    rows = store.select(
        f"SELECT ?g WHERE {{ VALUES ?class {{ {classes} }} "
        f"GRAPH ?g {{ {iri} a ?class }} }} ORDER BY ?g LIMIT 1"
    )
    return rows[0]["g"] if rows else None


def _read_revision(values: dict[str, list], agents: dict[str, str]) -> Revision:
    def first(predicate: NamedNode) -> object | None:
        found = values.get(predicate.value)
        return found[0] if found else None

    agent = first(PROV.wasAssociatedWith)
    ended = first(PROV.endedAtTime)
    comment = first(RDFS.comment)
    from_state = first(MLG.fromState)
    to_state = first(MLG.toState)
    return Revision(
        number=int(first(MLG.revisionNumber).value),
        operation=first(MLG.operation).value,
        user=agents.get(agent.value) if agent is not None else None,
        ended_at=datetime.fromisoformat(ended.value) if ended is not None else None,
        comment=comment.value if comment is not None else None,
        from_state=from_state.value if from_state is not None else None,
        to_state=to_state.value if to_state is not None else None,
    )


def _iso_utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _integer(number: int) -> Literal:
    return Literal(str(number), datatype=XSD.integer)


def _date_time(when: datetime) -> Literal:
    return Literal(when.isoformat(), datatype=XSD.dateTime)
