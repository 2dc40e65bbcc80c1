"""Build the who-does-what network from the store.

The network is a `networkx.MultiDiGraph` whose nodes are organisations, action sheets
and competences, keyed by their IRI. Each node carries `label`, `kind`, `title` (the
plain-text tooltip) and `url` (the `/id/...` path of its page, or None for an IRI of
another base); an action also carries `themes` and `territories`, space-separated IRIs.
Each edge carries `relation`, one of `RELATIONS`, `basis`, the IRI of the legal act
behind it or None, and what the page shows when the edge is clicked: `basis_label` and
`basis_url` (the act, or the action sheet for an involvement), `document_label` and
`document_url`. Transfer and membership edges carry their valid time (`start`, `end`,
`observed`) and `origin_url`, the page of the transfer or membership; each transfer and
membership has its own edge. Edges point from the actor to what it does:

    actor  --lead|partner|funder|operator-->  action
    action --relies-on-->                     competence
    body   --holds-->                         competence   (a competence transfer)
    commune --member-of-->                    EPCI         (an org:Membership)

Terms and cardinalities follow `docs/model.md`. The queries run over the union of the
graphs the user may read, so the network shows nothing else.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TypeVar

import networkx as nx
from pyoxigraph import Literal, NamedNode

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore, Term
from maillage.viz.kinds import (
    ACTOR_KIND_CLASSES,
    ACTOR_KINDS,
    KIND_LABELS,
    NODE_KINDS,
    RELATION_LABELS,
    RELATIONS,
    ROLE_RELATIONS,
)
from maillage.viz.filters import NetworkFilter, filter_network

__all__ = [
    "ACTOR_KINDS",
    "KIND_LABELS",
    "NODE_KINDS",
    "RELATIONS",
    "RELATION_LABELS",
    "NetworkFilter",
    "build_network",
    "cached",
    "filter_network",
    "graph_names",
    "read_kind_labels",
    "read_network",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Maximum length of a label drawn on the canvas, in characters. Tooltips keep it whole.
MAX_LABEL_LENGTH = 48
# Maximum length of a description copied into a tooltip, in characters.
MAX_DESCRIPTION_LENGTH = 280

_ORGANISATIONS = """
SELECT ?node ?class ?label ?insee ?siren ?description WHERE {
  VALUES ?class { %s }
  ?node a ?class .
  OPTIONAL { ?node skos:prefLabel ?label }
  OPTIONAL { ?node igeo:codeINSEE ?insee }
  OPTIONAL { ?node mlg:siren ?siren }
  OPTIONAL { ?node dcterms:description ?description }
}
""" % " ".join(f"mlg:{name}" for name in ACTOR_KIND_CLASSES)

_ACTIONS = """
SELECT ?node (SAMPLE(?label_) AS ?label) (MIN(?number_) AS ?number)
       (SAMPLE(?description_) AS ?description)
       (GROUP_CONCAT(DISTINCT STR(?theme); separator=" ") AS ?themes)
       (GROUP_CONCAT(DISTINCT STR(?territory); separator=" ") AS ?territories)
WHERE {
  ?node a mlg:Action .
  OPTIONAL { ?node dcterms:title ?label_ }
  OPTIONAL { ?node mlg:number ?number_ }
  OPTIONAL { ?node dcterms:description ?description_ }
  OPTIONAL { ?node dcterms:subject ?theme }
  OPTIONAL { ?node mlg:territory ?territory }
} GROUP BY ?node
"""

# Only competences that an action relies on or a transfer moves, so that unused
# BANATIC codes stay out.
_COMPETENCES = """
SELECT DISTINCT ?node ?label ?notation WHERE {
  { ?action mlg:reliesOnCompetence ?node } UNION { ?transfer mlg:competence ?node }
  OPTIONAL { ?node skos:prefLabel ?label }
  OPTIONAL { ?node skos:notation ?notation }
}
"""

_INVOLVEMENTS = """
SELECT ?source ?target ?role WHERE {
  ?target mlg:involvement ?involvement .
  ?involvement mlg:agent ?source ;
               mlg:role ?role .
}
"""

_FUNDINGS = """
SELECT DISTINCT ?source ?target WHERE {
  ?target mlg:funding ?funding .
  ?funding mlg:funder ?source .
}
"""

_RELIANCES = """
SELECT ?source ?target WHERE {
  ?source mlg:reliesOnCompetence ?target .
}
"""

# One edge per transfer, whose `basis` is its first legal basis in IRI order.
_TRANSFERS = """
SELECT ?transfer ?source ?target (MIN(?act) AS ?basis) (SAMPLE(?from) AS ?start)
       (SAMPLE(?until) AS ?end) WHERE {
  ?transfer mlg:toBody ?source ;
            mlg:competence ?target .
  OPTIONAL { ?transfer mlg:legalBasis ?act }
  OPTIONAL { ?transfer mlg:effectiveDate ?from }
  OPTIONAL { ?transfer mlg:endDate ?until }
} GROUP BY ?transfer ?source ?target
"""

_MEMBERSHIPS = """
SELECT ?membership ?source ?target (MIN(?act) AS ?basis) (SAMPLE(?from) AS ?start)
       (SAMPLE(?until) AS ?end) (SAMPLE(?seen) AS ?observed) WHERE {
  ?membership org:member ?source ;
              org:organization ?target .
  OPTIONAL { ?membership mlg:legalBasis ?act }
  OPTIONAL { ?membership mlg:startDate ?from }
  OPTIONAL { ?membership mlg:endDate ?until }
  OPTIONAL { ?membership mlg:observedOn ?seen }
} GROUP BY ?membership ?source ?target
"""

_BASIS_TITLES = """
SELECT ?act ?title ?source WHERE {
  { ?transfer mlg:legalBasis ?act } UNION { ?membership mlg:legalBasis ?act }
  ?act dcterms:title ?title .
  OPTIONAL { ?act dcterms:source ?source }
}
"""

# The fiche action document of each action: the document behind its involvements.
_ACTION_SHEETS = """
SELECT ?action (MIN(STR(?document)) AS ?sheet) WHERE {
  ?document mlg:aboutAction ?action ;
            dcterms:type %s .
} GROUP BY ?action
"""

_KIND_CONCEPTS = """
SELECT ?concept ?label WHERE {
  ?concept skos:inScheme %s ;
           skos:prefLabel ?label .
}
"""

# Relations that a legal act grounds; the others rest on an action sheet.
LEGAL_RELATIONS = ("holds", "member-of")
# Networks and pages kept per store, for the current and older generations.
CACHE_SIZE = 16

# Keyed by the store object, so that a closed store's networks go with it.
_cache: weakref.WeakKeyDictionary[GraphStore, OrderedDict] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def build_network(
    store: GraphStore,
    iris: Iris,
    graphs: Sequence[NamedNode] | None,
    keep: NetworkFilter | None = None,
) -> nx.MultiDiGraph:
    """Query the graphs the user may read and build the network, then apply `keep`.

    `graphs` is the list that `maillage.graph.access.readable_graphs` returns, None
    meaning every graph. An edge whose ends are not both readable nodes is left out.
    """
    network = nx.MultiDiGraph()
    _add_organisations(network, store, iris, graphs)
    _add_actions(network, store, iris, graphs)
    _add_competences(network, store, iris, graphs)
    _add_edges(network, store, iris, graphs)
    logger.info(
        "network built: %d nodes, %d edges",
        network.number_of_nodes(),
        network.number_of_edges(),
    )
    return filter_network(network, keep) if keep is not None else network


def read_network(
    store: GraphStore, iris: Iris, graphs: Sequence[NamedNode] | None
) -> nx.MultiDiGraph:
    """Return the unfiltered network of `graphs`, built once per store generation.

    The network is shared between requests, so callers must not change it:
    `filter_network` and the exports work on copies.
    """
    key = ("network", iris.base, graph_names(graphs))
    return cached(store, key, lambda: build_network(store, iris, graphs))


def cached(store: GraphStore, key: tuple, build: Callable[[], T]) -> T:
    """Return what `build` makes for `key`, kept until the store is next written.

    A store without a `generation` (a remote one) builds each time. Writes made on
    `store.oxigraph` directly do not change the generation, so they are not seen.
    """
    generation = getattr(store, "generation", None)
    if generation is None:
        return build()
    full_key = (generation, *key)
    with _cache_lock:
        entries = _cache.setdefault(store, OrderedDict())
        if full_key in entries:
            entries.move_to_end(full_key)
            return entries[full_key]
    value = build()
    with _cache_lock:
        entries[full_key] = value
        while len(entries) > CACHE_SIZE:
            entries.popitem(last=False)
    return value


def graph_names(graphs: Sequence[NamedNode] | None) -> tuple[str, ...] | None:
    """Return the names of `graphs` as a sorted tuple, a key for caches."""
    return None if graphs is None else tuple(sorted(graph.value for graph in graphs))


def read_kind_labels(
    store: GraphStore, iris: Iris, graphs: Sequence[NamedNode] | None
) -> dict[str, str]:
    """Return the French name of every node kind, as the `actor-kind` scheme gives it.

    Kinds that the scheme does not name, or all of them when it is not loaded, keep the
    names of `KIND_LABELS`.
    """
    labels = dict(KIND_LABELS)
    query = _KIND_CONCEPTS % iris.scheme("actor-kind")
    prefix = iris.concept("actor-kind", "x").value[: -len("x")]
    for row in store.select(query, default_graph=graphs):
        kind = row["concept"].value.removeprefix(prefix)
        if kind in labels:
            labels[kind] = row["label"].value
    return labels


def _add_organisations(network, store, iris, graphs) -> None:
    for node, row in _organisation_rows(store, graphs).items():
        kind = ACTOR_KIND_CLASSES[_local_name(row["class"])]
        label = _text(row.get("label")) or _fallback_label(iris, node)
        details = [KIND_LABELS[kind]]
        if "insee" in row:
            details.append(f"Code INSEE : {row['insee'].value}")
        if "siren" in row:
            details.append(f"SIREN : {row['siren'].value}")
        details.append(_shorten(_text(row.get("description")), MAX_DESCRIPTION_LENGTH))
        _add_node(network, iris, node, label, kind, details)


def _organisation_rows(store, graphs) -> dict[str, dict[str, Term]]:
    """Return one solution per organisation, of the kind listed first in the model."""
    rank = {name: position for position, name in enumerate(ACTOR_KIND_CLASSES)}
    chosen: dict[str, dict[str, Term]] = {}
    for row in store.select(_ORGANISATIONS, default_graph=graphs):
        node = row["node"].value
        current = chosen.get(node)
        row_rank = rank[_local_name(row["class"])]
        if current is None or row_rank < rank[_local_name(current["class"])]:
            chosen[node] = row
    return chosen


def _local_name(term: Term) -> str:
    return term.value.rsplit("#", 1)[-1]


def _add_actions(network, store, iris, graphs) -> None:
    for row in store.select(_ACTIONS, default_graph=graphs):
        node = row["node"].value
        label = _text(row.get("label")) or _fallback_label(iris, node)
        number = _text(row.get("number"))
        heading = f"Fiche action n° {number}" if number else KIND_LABELS["action"]
        description = _shorten(_text(row.get("description")), MAX_DESCRIPTION_LENGTH)
        _add_node(network, iris, node, label, "action", [heading, description])
        data = network.nodes[node]
        data["heading"] = f"{heading} : {label}"
        # Space-separated IRIs, so that the GraphML and GEXF exports can keep them.
        data["themes"] = _text(row.get("themes"))
        data["territories"] = _text(row.get("territories"))


def _add_competences(network, store, iris, graphs) -> None:
    for row in store.select(_COMPETENCES, default_graph=graphs):
        node = row["node"].value
        notation = _text(row.get("notation"))
        label = _text(row.get("label")) or notation or _fallback_label(iris, node)
        details = [KIND_LABELS["competence"]]
        if notation:
            details.append(f"Code BANATIC : {notation}")
        _add_node(network, iris, node, label, "competence", details)


def _add_node(network, iris, node, label, kind, details) -> None:
    title = "\n".join([label, *(line for line in details if line)])
    network.add_node(
        node,
        id=node,
        label=_shorten(label, MAX_LABEL_LENGTH),
        kind=kind,
        title=title,
        url=_item_path(iris, node),
    )


def _add_edges(network, store, iris, graphs) -> None:
    seen: set[tuple[str, ...]] = set()
    bases = {
        row["act"].value: (row["title"].value, _text(row.get("source")))
        for row in store.select(_BASIS_TITLES, default_graph=graphs)
    }
    sheets = _action_sheets(store, iris, graphs)
    for source, target, relation, row in _edge_rows(store, iris, graphs):
        if source not in network or target not in network:
            logger.debug(
                "edge %s %s %s has an unreadable end", source, relation, target
            )
            continue
        # Each transfer and membership keeps its own edge, for its own valid time.
        origin = row.get("transfer") or row.get("membership")
        identity = (source, target, relation, origin.value if origin else "")
        if identity in seen:
            continue
        seen.add(identity)
        attributes = {"relation": relation, "title": ""}
        if relation in LEGAL_RELATIONS:
            attributes.update(_legal_basis(iris, row, bases))
        else:
            action = source if relation == "relies-on" else target
            attributes.update(_sheet_basis(iris, network, action, sheets))
        attributes["title"] = _edge_title(network, source, target, relation)
        if attributes.get("basis_label"):
            attributes["title"] += "\nBase : " + attributes["basis_label"]
        network.add_edge(source, target, **attributes)


def _legal_basis(iris: Iris, row: dict[str, Term], bases) -> dict[str, object]:
    """Return the act behind a transfer or membership edge, its dates and document."""
    basis = row["basis"].value if "basis" in row else None
    attributes: dict[str, object] = {"basis": basis}
    for bound in ("start", "end", "observed"):
        if bound in row:
            attributes[bound] = row[bound].value
    origin = row.get("transfer") or row.get("membership")
    if origin is not None:
        attributes["origin_url"] = _item_path(iris, origin.value)
    if basis is not None:
        title, source = bases.get(basis, (basis, None))
        attributes["basis_label"] = title
        attributes["basis_url"] = _item_path(iris, basis)
        if source and source.startswith(("http://", "https://")):
            attributes["document_label"] = "Document source de l'acte"
            attributes["document_url"] = source
    return attributes


def _sheet_basis(iris: Iris, network, action: str, sheets) -> dict[str, object]:
    """Return the action sheet behind an involvement, funding or reliance edge."""
    data = network.nodes[action]
    attributes: dict[str, object] = {
        "basis": None,
        "basis_label": data.get("heading", data["label"]),
        "basis_url": data.get("url"),
    }
    sheet = sheets.get(action)
    if sheet is not None:
        attributes["document_label"] = "Fiche action (document)"
        attributes["document_url"] = _item_path(iris, sheet)
    return attributes


def _action_sheets(store, iris, graphs) -> dict[str, str]:
    query = _ACTION_SHEETS % iris.concept("document-type", "fiche-action")
    return {
        row["action"].value: row["sheet"].value
        for row in store.select(query, default_graph=graphs)
    }


def _edge_rows(store, iris, graphs):
    """Yield (source IRI, target IRI, relation, solution) for every relation queried."""
    for row in store.select(_INVOLVEMENTS, default_graph=graphs):
        relation = _role_relation(iris, row["role"])
        if relation is not None:
            yield row["source"].value, row["target"].value, relation, row
    fixed = (
        (_FUNDINGS, "funder"),
        (_RELIANCES, "relies-on"),
        (_TRANSFERS, "holds"),
        (_MEMBERSHIPS, "member-of"),
    )
    for query, relation in fixed:
        for row in store.select(query, default_graph=graphs):
            yield row["source"].value, row["target"].value, relation, row


def _role_relation(iris: Iris, role: Term) -> str | None:
    ref = iris.parse_item(role.value)
    relation = ROLE_RELATIONS.get(ref.key) if ref and ref.type == "concept" else None
    if relation is None:
        logger.warning("involvement with unknown role %s left out", role.value)
    return relation


def _edge_title(network, source: str, target: str, relation: str) -> str:
    source_label = network.nodes[source]["label"]
    target_label = network.nodes[target]["label"]
    return f"{source_label} {RELATION_LABELS[relation]} « {target_label} »"


def _item_path(iris: Iris, node: str) -> str | None:
    ref = iris.parse_item(node)
    return f"/id/{ref.type}/{ref.key}" if ref is not None else None


def _fallback_label(iris: Iris, node: str) -> str:
    ref = iris.parse_item(node)
    return ref.key if ref is not None else node


def _text(term: Term | None) -> str:
    if term is None:
        return ""
    return term.value.strip() if isinstance(term, Literal) else term.value


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
