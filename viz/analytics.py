"""Analytics of the who-does-what network, computed with networkx.

- degree and betweenness centrality of each actor, on the network seen as a simple
  undirected graph: degree counts distinct neighbours, betweenness is normalised to
  [0, 1] as `networkx.betweenness_centrality` gives it;
- actors isolated from the action plan: no lead, partner, funder or operator edge;
- themes of the diagnosis (the subjects of documents of type `diagnostic`) with no
  action sheet, or whose action sheets have no lead.

Betweenness is exact up to `EXACT_BETWEENNESS_NODES` nodes. Above, it is estimated
from `BETWEENNESS_SAMPLES` source nodes drawn with a fixed seed, and the result gives
their number in `betweenness_samples`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import networkx as nx
from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore
from maillage.viz.kinds import ACTOR_KINDS, KIND_LABELS
from maillage.viz.layout import SEED

logger = logging.getLogger(__name__)

# Relations that make an actor part of the action plan.
PLAN_RELATIONS = ("lead", "partner", "funder", "operator")
# Largest network whose betweenness is computed exactly; exact betweenness costs time
# in the number of nodes times the number of edges.
EXACT_BETWEENNESS_NODES = 600
BETWEENNESS_SAMPLES = 300

_DIAGNOSIS_THEMES = """
SELECT ?theme (SAMPLE(?label_) AS ?label) (COUNT(DISTINCT ?action) AS ?actions)
       (COUNT(DISTINCT ?led) AS ?led_actions) WHERE {
  ?document dcterms:type %(diagnostic)s ;
            dcterms:subject ?theme .
  OPTIONAL { ?theme skos:prefLabel ?label_ }
  OPTIONAL {
    ?action a mlg:Action ;
            dcterms:subject ?theme .
    OPTIONAL {
      ?action mlg:involvement ?involvement .
      ?involvement mlg:role %(lead)s .
      BIND (?action AS ?led)
    }
  }
} GROUP BY ?theme
"""


def compute_analytics(
    network: nx.MultiDiGraph,
    store: GraphStore,
    iris: Iris,
    graphs: Sequence[NamedNode] | None,
) -> dict[str, Any]:
    """Compute the analytics of `network` and of the diagnosis the user may read."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(network))
    simple.add_edges_from((s, t) for s, t in network.edges() if s != t)
    centrality, sampled = _betweenness(simple)
    actors = [
        {
            "id": node,
            "label": data["label"],
            "kind": data["kind"],
            "kind_label": KIND_LABELS[data["kind"]],
            "url": data.get("url"),
            "degree": simple.degree(node),
            "betweenness": round(centrality.get(node, 0.0), 6),
        }
        for node, data in sorted(network.nodes(data=True))
        if data["kind"] in ACTOR_KINDS
    ]
    actors.sort(key=lambda row: (-row["betweenness"], -row["degree"], row["label"]))
    return {
        "nodes": network.number_of_nodes(),
        "edges": network.number_of_edges(),
        "betweenness_samples": sampled,
        "actors": actors,
        "isolated_actors": _isolated(network, actors),
        "themes": read_diagnosis_themes(store, iris, graphs),
    }


def read_diagnosis_themes(
    store: GraphStore, iris: Iris, graphs: Sequence[NamedNode] | None
) -> list[dict[str, Any]]:
    """Return the themes of the diagnosis with no action, or with no lead.

    `status` is `no-action` when no action sheet has the theme, `no-lead` when some
    do but none of them has a lead.
    """
    query = _DIAGNOSIS_THEMES % {
        "diagnostic": iris.concept("document-type", "diagnostic"),
        "lead": iris.concept("role", "lead"),
    }
    themes = []
    for row in store.select(query, default_graph=graphs):
        actions = int(row["actions"].value)
        led = int(row["led_actions"].value)
        if actions and led:
            continue
        theme = row["theme"].value
        themes.append(
            {
                "id": theme,
                "label": row["label"].value if "label" in row else theme,
                "actions": actions,
                "status": "no-lead" if actions else "no-action",
            }
        )
    return sorted(themes, key=lambda row: (row["status"], row["label"]))


def _betweenness(simple: nx.Graph) -> tuple[dict[str, float], int | None]:
    if simple.number_of_nodes() <= EXACT_BETWEENNESS_NODES:
        return nx.betweenness_centrality(simple, normalized=True), None
    samples = min(BETWEENNESS_SAMPLES, simple.number_of_nodes())
    logger.info(
        "betweenness estimated from %d of %d nodes", samples, simple.number_of_nodes()
    )
    return (
        nx.betweenness_centrality(simple, k=samples, normalized=True, seed=SEED),
        samples,
    )


def _isolated(network: nx.MultiDiGraph, actors: list[dict[str, Any]]) -> list[dict]:
    """Return the actors with no part in any action, as in `actors`."""
    involved = {
        source
        for source, _, relation in network.edges(data="relation")
        if relation in PLAN_RELATIONS
    }
    return [
        {key: row[key] for key in ("id", "label", "kind", "kind_label", "url")}
        for row in sorted(actors, key=lambda row: (row["kind"], row["label"]))
        if row["id"] not in involved
    ]
