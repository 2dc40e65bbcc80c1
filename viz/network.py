"""Build the who-does-what network from the store.

The network is a `networkx.MultiDiGraph` whose nodes are organisations, action sheets
and competences, keyed by their IRI. Each node carries `label`, `kind`, `title` (the
plain-text tooltip) and `url` (the `/id/...` path of its page, or None for an IRI of
another base). Each edge carries `relation`, one of `RELATIONS`, and `basis`, the IRI of
the legal act behind it or None. Edges point from the actor to what it does:

    actor  --lead|partner|funder|operator-->  action
    action --relies-on-->                     competence
    body   --holds-->                         competence   (a competence transfer)
    commune --member-of-->                    EPCI         (an org:Membership)

Terms and cardinalities follow `docs/model.md`. The queries run over the union of the
graphs the user may read, so the network shows nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import networkx as nx
from pyoxigraph import Literal, NamedNode

from maillage.graph.errors import MalformedRequestError
from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore, Term

logger = logging.getLogger(__name__)

# Node kinds of organisations, keyed by the local name of their `mlg` class.
ACTOR_KIND_CLASSES: dict[str, str] = {
    "Commune": "commune",
    "CommuneDeleguee": "commune-deleguee",
    "CommuneAssociee": "commune-associee",
    "EPCI": "epci",
    "CCAS": "ccas",
    "CIAS": "cias",
    "Departement": "departement",
    "Region": "region",
    "CAF": "caf",
    "StateService": "state-service",
    "Association": "association",
    "OtherPartner": "other-partner",
}
ACTOR_KINDS: tuple[str, ...] = tuple(ACTOR_KIND_CLASSES.values())
NODE_KINDS: tuple[str, ...] = (*ACTOR_KINDS, "action", "competence")

# French names of the node kinds, used when the store has no `actor-kind` scheme.
KIND_LABELS: dict[str, str] = {
    "commune": "Commune",
    "commune-deleguee": "Commune déléguée",
    "commune-associee": "Commune associée",
    "epci": "EPCI à fiscalité propre",
    "ccas": "Centre communal d'action sociale",
    "cias": "Centre intercommunal d'action sociale",
    "departement": "Département",
    "region": "Région",
    "caf": "Caisse d'allocations familiales",
    "state-service": "Service de l'État",
    "association": "Association",
    "other-partner": "Autre partenaire",
    "action": "Fiche action",
    "competence": "Compétence",
}

RELATIONS: tuple[str, ...] = (
    "lead",
    "partner",
    "funder",
    "operator",
    "relies-on",
    "holds",
    "member-of",
)
RELATION_LABELS: dict[str, str] = {
    "lead": "pilote",
    "partner": "partenaire de",
    "funder": "finance",
    "operator": "met en œuvre",
    "relies-on": "relève de la compétence",
    "holds": "exerce la compétence",
    "member-of": "membre de",
}

# Keys of the `role` concepts, as in `{base}/id/concept/role-lead`.
ROLE_RELATIONS: dict[str, str] = {
    "role-lead": "lead",
    "role-partner": "partner",
    "role-funder": "funder",
    "role-operator": "operator",
}

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
SELECT ?node ?label ?number ?description WHERE {
  ?node a mlg:Action .
  OPTIONAL { ?node dcterms:title ?label }
  OPTIONAL { ?node mlg:number ?number }
  OPTIONAL { ?node dcterms:description ?description }
}
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
SELECT ?source ?target (MIN(?act) AS ?basis) (SAMPLE(?from) AS ?start)
       (SAMPLE(?until) AS ?end) WHERE {
  ?transfer mlg:toBody ?source ;
            mlg:competence ?target .
  OPTIONAL { ?transfer mlg:legalBasis ?act }
  OPTIONAL { ?transfer mlg:effectiveDate ?from }
  OPTIONAL { ?transfer mlg:endDate ?until }
} GROUP BY ?transfer ?source ?target
"""

_MEMBERSHIPS = """
SELECT ?source ?target (MIN(?act) AS ?basis) (SAMPLE(?from) AS ?start)
       (SAMPLE(?until) AS ?end) WHERE {
  ?membership org:member ?source ;
              org:organization ?target .
  OPTIONAL { ?membership mlg:legalBasis ?act }
  OPTIONAL { ?membership mlg:startDate ?from }
  OPTIONAL { ?membership mlg:endDate ?until }
} GROUP BY ?membership ?source ?target
"""

_BASIS_TITLES = """
SELECT ?act ?title WHERE {
  { ?transfer mlg:legalBasis ?act } UNION { ?membership mlg:legalBasis ?act }
  ?act dcterms:title ?title .
}
"""

_KIND_CONCEPTS = """
SELECT ?concept ?label WHERE {
  ?concept skos:inScheme %s ;
           skos:prefLabel ?label .
}
"""


@dataclass(frozen=True)
class NetworkFilter:
    """Actor kinds and relations to keep, where None keeps them all."""

    actor_kinds: frozenset[str] | None = None
    relations: frozenset[str] | None = None

    @classmethod
    def parse(
        cls,
        actor_kinds: Collection[str] | None = None,
        relations: Collection[str] | None = None,
    ) -> NetworkFilter:
        """Check the names given and build the filter, where empty lists keep all."""
        return cls(
            actor_kinds=_check_names(actor_kinds, ACTOR_KINDS, "actor kind"),
            relations=_check_names(relations, RELATIONS, "relation"),
        )


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


def filter_network(network: nx.MultiDiGraph, keep: NetworkFilter) -> nx.MultiDiGraph:
    """Return a copy of `network` with only the actor kinds and relations in `keep`.

    Action and competence nodes that lose every edge are dropped too, because they only
    mean something through the actors linked to them.
    """
    kept = network.copy()
    if keep.actor_kinds is not None:
        dropped = [
            node
            for node, kind in kept.nodes(data="kind")
            if kind in ACTOR_KINDS and kind not in keep.actor_kinds
        ]
        kept.remove_nodes_from(dropped)
    if keep.relations is not None:
        dropped_edges = [
            (source, target, key)
            for source, target, key, relation in kept.edges(keys=True, data="relation")
            if relation not in keep.relations
        ]
        kept.remove_edges_from(dropped_edges)
    orphans = [
        node
        for node, kind in kept.nodes(data="kind")
        if kind in ("action", "competence") and kept.degree(node) == 0
    ]
    kept.remove_nodes_from(orphans)
    return kept


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
    seen: set[tuple[str, str, str]] = set()
    basis_titles = {
        row["act"].value: row["title"].value
        for row in store.select(_BASIS_TITLES, default_graph=graphs)
    }
    for source, target, relation, row in _edge_rows(store, iris, graphs):
        if source not in network or target not in network:
            logger.debug(
                "edge %s %s %s has an unreadable end", source, relation, target
            )
            continue
        if (source, target, relation) in seen:
            continue
        seen.add((source, target, relation))
        basis = row["basis"].value if "basis" in row else None
        attributes = {"relation": relation, "basis": basis}
        for bound in ("start", "end"):
            if bound in row:
                attributes[bound] = row[bound].value
        attributes["title"] = _edge_title(network, source, target, relation)
        if basis is not None:
            attributes["title"] += "\nBase : " + basis_titles.get(basis, basis)
        network.add_edge(source, target, **attributes)


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


def _check_names(
    names: Collection[str] | None, accepted: tuple[str, ...], what: str
) -> frozenset[str] | None:
    if not names:
        return None
    for name in names:
        if name not in accepted:
            raise MalformedRequestError(
                f"unknown {what} {name[:80]!r}; accepted: {', '.join(accepted)}"
            )
    return frozenset(names)
