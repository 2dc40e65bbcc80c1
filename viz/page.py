"""Render the who-does-what network as a page drawn by vis-network.

pyvis turns the networkx network into vis-network's node and edge lists, and maillage's
own template (`viz/templates/network.html`) and script (`viz/static/network.js`) draw
them. pyvis's own template is not used because it loads Bootstrap and vis-network from a
CDN and writes the heading, menu entries and some tooltips as HTML. Here every text that
comes from data travels as JSON inside a `<script type="application/json">` element, and
the script sets it as text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
from markupsafe import Markup
from pyoxigraph import NamedNode
from pyvis.network import Network

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore
from maillage.viz.layout import compute_positions
from maillage.viz.network import (
    ACTOR_KINDS,
    KIND_LABELS,
    NODE_KINDS,
    RELATION_LABELS,
    RELATIONS,
    NetworkFilter,
    build_network,
    read_kind_labels,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# Path under which the server exposes STATIC_DIR.
STATIC_URL = "/static/viz"
HEADING = "Qui fait quoi"

# Look of each node kind: fill colour, vis-network shape and size in canvas units.
KIND_STYLES: dict[str, tuple[str, str, int]] = {
    "commune": ("#9ecae1", "dot", 10),
    "commune-deleguee": ("#c6dbef", "dot", 8),
    "commune-associee": ("#deebf7", "dot", 8),
    "epci": ("#08519c", "dot", 28),
    "ccas": ("#74c476", "dot", 14),
    "cias": ("#238b45", "dot", 20),
    "departement": ("#6a51a3", "dot", 24),
    "region": ("#9e9ac8", "dot", 24),
    "caf": ("#fd8d3c", "dot", 20),
    "state-service": ("#d94801", "dot", 18),
    "association": ("#e7298a", "dot", 14),
    "other-partner": ("#969696", "dot", 14),
    "action": ("#f2b701", "diamond", 18),
    "competence": ("#a50f15", "square", 13),
}
RELATION_COLOURS: dict[str, str] = {
    "lead": "#08519c",
    "partner": "#6baed6",
    "funder": "#fd8d3c",
    "operator": "#31a354",
    "relies-on": "#a50f15",
    "holds": "#756bb1",
    "member-of": "#bdbdbd",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def build_view(network: nx.MultiDiGraph) -> Network:
    """Build the pyvis view of `network`, with positions computed and physics off."""
    positions = compute_positions(network)
    styled = nx.MultiDiGraph()
    for node, data in sorted(network.nodes(data=True)):
        colour, shape, size = KIND_STYLES[data["kind"]]
        x, y = positions[node]
        styled.add_node(node, **data, color=colour, shape=shape, size=size, x=x, y=y)
    for source, target, data in network.edges(data=True):
        relation = data["relation"]
        styled.add_edge(
            source,
            target,
            **data,
            color=RELATION_COLOURS[relation],
            dashes=relation == "member-of",
        )
    # from_nx writes `size` and `width` into the data it reads, so it reads the copy.
    view = Network(directed=True, heading=HEADING, cdn_resources="local")
    view.from_nx(styled, show_edge_weights=False)
    view.toggle_physics(False)
    for edge in view.edges:
        # pyvis sets arrows on every edge of a directed view, which would override
        # the arrow options.
        edge.pop("arrows", None)
    return view


def build_payload(
    network: nx.MultiDiGraph,
    kind_labels: dict[str, str] | None = None,
    heading: str = HEADING,
) -> dict[str, Any]:
    """Build the page's JSON document: heading, legend, nodes, edges, vis options."""
    view = build_view(network)
    labels = kind_labels or KIND_LABELS
    present = {kind for _, kind in network.nodes(data="kind")}
    kinds = [
        {
            "kind": kind,
            "label": labels[kind],
            "color": KIND_STYLES[kind][0],
            "shape": KIND_STYLES[kind][1],
            "actor": kind in ACTOR_KINDS,
        }
        for kind in NODE_KINDS
        if kind in present
    ]
    relations = [
        {"relation": relation, "label": RELATION_LABELS[relation]}
        for relation in RELATIONS
    ]
    return {
        "heading": heading,
        "kinds": kinds,
        "relations": relations,
        "nodes": view.nodes,
        "edges": view.edges,
        "options": _vis_options(view),
    }


def render_page(payload: dict[str, Any]) -> str:
    """Render the HTML page around `payload`, which the page's script draws."""
    template = _environment.get_template("network.html")
    return template.render(
        heading=payload["heading"],
        static_url=STATIC_URL,
        data_json=Markup(dump_script_json(payload)),
    )


def dump_script_json(data: Any) -> str:
    """Serialize `data` as JSON that is safe inside an HTML `<script>` element.

    `<`, `>` and `&` become `\\u003c`, `\\u003e` and `\\u0026`, so no text from the data
    can close the element or start a comment. JSON.parse reads them back unchanged.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _vis_options(view: Network) -> dict[str, Any]:
    options = json.loads(view.options.to_json())
    # Straight edges need no support nodes, which keeps 2,000 nodes fast to draw.
    options["edges"]["smooth"] = {"enabled": False}
    options["edges"]["color"] = {"inherit": False}
    options["edges"]["arrows"] = {"to": {"enabled": True, "scaleFactor": 0.5}}
    options["interaction"].update(
        hover=True, tooltipDelay=150, hideEdgesOnDrag=True, navigationButtons=False
    )
    options["nodes"] = {"font": {"size": 14, "face": "sans-serif"}}
    options["layout"] = {"improvedLayout": False}
    return options


def read_payload(
    store: GraphStore,
    iris: Iris,
    graphs: Sequence[NamedNode] | None,
    keep: NetworkFilter | None = None,
) -> dict[str, Any]:
    """Build the network the user may read, filtered by `keep`, as the page's JSON."""
    network = build_network(store, iris, graphs, keep)
    return build_payload(network, read_kind_labels(store, iris, graphs))
