"""Build what the page of an item shows: properties, linked items, incoming links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from maillage.graph import repository
from maillage.graph.iris import Iris
from maillage.graph.namespaces import RDF, XSD
from maillage.graph.repository import Item
from maillage.graph.store import GraphStore

RDF_LANG_STRING = RDF.langString

# French names of the item types, for titles and the home page.
TYPE_LABELS: dict[str, str] = {
    "document": "Document",
    "action": "Fiche action",
    "actor": "Acteur",
    "competence": "Compétence",
    "transfer": "Transfert de compétence",
    "act": "Acte juridique",
    "indicator": "Indicateur",
    "event": "Événement",
    "commune": "Commune",
    "commune-deleguee": "Commune déléguée",
    "commune-associee": "Commune associée",
    "epci": "EPCI",
    "departement": "Département",
    "region": "Région",
    "arrondissement": "Arrondissement",
    "territory": "Territoire statistique",
    "membership": "Adhésion à un EPCI",
    "dataset": "Jeu de données",
    "observation": "Observation",
    "scheme": "Schéma de concepts",
    "concept": "Concept",
}

# How many incoming links the page lists before it gives only their number.
INCOMING_SHOWN = 100


@dataclass(frozen=True)
class Link:
    """A term as shown on a page: its text and, for an IRI, where it leads."""

    text: str
    href: str | None = None
    note: str | None = None
    external: bool = False


@dataclass(frozen=True)
class Row:
    """One property of a node with all its values."""

    predicate: Link
    values: list[Link]


@dataclass(frozen=True)
class NodeView:
    """A node of the description: the item itself or one of its `#fragment` nodes."""

    iri: str
    anchor: str | None
    rows: list[Row] = field(default_factory=list)


@dataclass(frozen=True)
class ItemView:
    """Everything the item template shows."""

    title: str
    type_label: str
    iri: str
    main: NodeView
    fragments: list[NodeView]
    incoming: list[tuple[Link, Link]]
    incoming_total: int


def build_item_view(
    store: GraphStore,
    iris: Iris,
    item: Item,
    *,
    graphs: Sequence[NamedNode] | None,
    root_path: str = "",
) -> ItemView:
    """Build the view of `item`, labelling every linked IRI the user may read."""
    total, incoming = repository.read_incoming(
        store, item.iri, graphs=graphs, limit=INCOMING_SHOWN
    )
    incoming_items = [_owner(iris, link.subject) for link in incoming]
    terms = [t.predicate for t in item.triples] + [
        t.object for t in item.triples if isinstance(t.object, NamedNode)
    ]
    terms += [link.predicate for link in incoming] + incoming_items
    labels = repository.read_labels(store, terms, graphs=graphs)
    linker = _Linker(iris, labels, item.iri.value, root_path)

    nodes = _group_by_subject(item.triples)
    main = NodeView(item.iri.value, None, _rows(nodes.pop(str(item.iri), []), linker))
    fragments = [
        NodeView(_node_iri(subject), _anchor(subject, item.iri), _rows(triples, linker))
        for subject, triples in nodes.items()
    ]
    links = [
        (linker.link(owner), linker.link(link.predicate))
        for owner, link in zip(incoming_items, incoming, strict=True)
    ]
    return ItemView(
        title=item.label or item.key,
        type_label=TYPE_LABELS[item.type],
        iri=item.iri.value,
        main=main,
        fragments=fragments,
        incoming=links,
        incoming_total=total,
    )


class _Linker:
    """Turns terms into links: item IRIs of this base lead to their own page."""

    def __init__(
        self, iris: Iris, labels: dict[str, str], item: str, root: str
    ) -> None:
        self.iris = iris
        self.labels = labels
        self.item = item
        self.root = root

    def link(self, term: object) -> Link:
        if isinstance(term, Literal):
            return Link(term.value, note=_literal_note(term))
        if isinstance(term, BlankNode):
            return Link(str(term), href=f"#{term.value}")
        assert isinstance(term, NamedNode)
        iri = term.value
        if iri.startswith(self.item + "#"):
            return Link(
                self.labels.get(iri) or iri[len(self.item) :],
                href=iri[len(self.item) :],
            )
        ref = self.iris.parse_item(iri)
        if ref is not None:
            fragment = iri.partition("#")[2]
            href = f"{self.root}/id/{ref.type}/{ref.key}"
            if fragment:
                href = f"{href}#{fragment}"
            return Link(
                self.labels.get(iri) or href.removeprefix(f"{self.root}/id/"), href
            )
        return self._vocabulary_link(iri)

    def _vocabulary_link(self, iri: str) -> Link:
        """Link a vocabulary term, with its prefixed name beside its label."""
        compact = repository.compact_iri(iri)
        label = self.labels.get(iri)
        note = compact if label and compact != iri else None
        external = iri.startswith(("http://", "https://"))
        href = iri if external else None
        return Link(label or compact, href=href, note=note, external=external)


def _rows(triples: list[Triple], linker: _Linker) -> list[Row]:
    by_predicate: dict[str, list[Triple]] = {}
    for triple in triples:
        by_predicate.setdefault(triple.predicate.value, []).append(triple)
    return [
        Row(linker.link(group[0].predicate), [linker.link(t.object) for t in group])
        for group in by_predicate.values()
    ]


def _group_by_subject(triples: Sequence[Triple]) -> dict[str, list[Triple]]:
    nodes: dict[str, list[Triple]] = {}
    for triple in triples:
        nodes.setdefault(str(triple.subject), []).append(triple)
    return nodes


def _owner(iris: Iris, subject: NamedNode | BlankNode) -> NamedNode | BlankNode:
    """Return the item that a fragment node belongs to, or the subject itself."""
    if isinstance(subject, NamedNode) and iris.parse_item(subject.value) is not None:
        return NamedNode(subject.value.partition("#")[0])
    return subject


def _node_iri(subject: str) -> str:
    return subject[1:-1] if subject.startswith("<") else subject


def _anchor(subject: str, item: NamedNode) -> str:
    iri = _node_iri(subject)
    if iri.startswith(item.value + "#"):
        return iri[len(item.value) + 1 :]
    return iri.removeprefix("_:")


def _literal_note(literal: Literal) -> str | None:
    if literal.language:
        return literal.language
    if literal.datatype in (XSD.string, RDF_LANG_STRING):
        return None
    return repository.compact_iri(literal.datatype.value)
