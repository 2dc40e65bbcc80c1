"""Render the who-does-what network as a page drawn by vis-network.

`build_view` turns the networkx network into vis-network's node and edge lists, with
pyvis's drawing options, and maillage's own template (`viz/templates/network.html`) and
script (`viz/static/network.js`) draw them. pyvis's own template is not used because it
loads Bootstrap and vis-network from a CDN and writes the heading, menu entries and some
tooltips as HTML. Here every text that comes from data travels as JSON inside a
`<script type="application/json">` element, and the script sets it as text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
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
from maillage.viz.filters import NetworkFilter, filter_network
from maillage.viz.kinds import (
    ACTOR_KINDS,
    KIND_LABELS,
    NODE_KINDS,
    RELATION_LABELS,
    RELATIONS,
)
from maillage.viz.network import cached, graph_names, read_kind_labels, read_network

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
# Look of a membership or transfer edge whose validity on the chosen date is unknown.
UNKNOWN_EDGE_COLOUR = "#c9a227"
UNKNOWN_EDGE_DASHES = [2, 6]
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


@dataclass
class View:
    """vis-network's node and edge lists, and pyvis's options with physics off."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    options: Network


def build_view(network: nx.MultiDiGraph) -> View:
    """Build the node and edge lists of `network`, with positions computed.

    NOTE: pyvis's `Network.from_nx` would build the same lists, but it adds both ends
    of every edge again and took most of the page's time at 2,000 nodes (pyvis 0.3.2),
    so the lists are built here and pyvis only gives the options.
    """
    positions = compute_positions(network)
    nodes = []
    for node, data in sorted(network.nodes(data=True)):
        colour, shape, size = KIND_STYLES[data["kind"]]
        x, y = positions[node]
        nodes.append(
            {
                **_present(data),
                "id": node,
                "color": colour,
                "shape": shape,
                "size": size,
                "x": x,
                "y": y,
            }
        )
    edges = []
    for source, target, data in network.edges(data=True):
        relation = data["relation"]
        unknown = data.get("validity") == "unknown"
        edges.append(
            {
                **_present(data),
                "from": source,
                "to": target,
                "color": UNKNOWN_EDGE_COLOUR if unknown else RELATION_COLOURS[relation],
                "dashes": UNKNOWN_EDGE_DASHES if unknown else relation == "member-of",
            }
        )
    options = Network(directed=True, heading=HEADING, cdn_resources="local")
    options.toggle_physics(False)
    return View(nodes, edges, options)


def _present(data: dict[str, Any]) -> dict[str, Any]:
    """Return the attributes that have a value, to keep the page small."""
    return {name: value for name, value in data.items() if value not in (None, "")}


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
        "unknown_edge_color": UNKNOWN_EDGE_COLOUR,
        "nodes": view.nodes,
        "edges": view.edges,
        "options": _vis_options(view.options),
    }


def render_page(payload: dict[str, Any]) -> str:
    """Render the HTML page around `payload`, which the page's script draws.

    The page embeds the compact form of `compact_payload`, which the script expands.
    """
    template = _environment.get_template("network.html")
    return template.render(
        heading=payload["heading"],
        static_url=STATIC_URL,
        data_json=Markup(dump_script_json(compact_payload(payload))),
    )


def compact_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Return `payload` with its nodes and edges as rows of values, not objects.

    `node_fields` and `edge_fields` name the columns of the rows, and a missing value
    is null. An edge names its ends by their index in `nodes`. The page of the
    2,000-node benchmark shrinks from 1.1 MB to 0.7 MB, which the browser parses before
    it can draw.
    """
    node_fields = _field_names(payload["nodes"], ("id",))
    edge_fields = _field_names(payload["edges"], ("from", "to"))
    index = {node["id"]: number for number, node in enumerate(payload["nodes"])}
    edges = [
        {**edge, "from": index[edge["from"]], "to": index[edge["to"]]}
        for edge in payload["edges"]
    ]
    return {
        **payload,
        "node_fields": node_fields,
        "nodes": _rows(payload["nodes"], node_fields),
        "edge_fields": edge_fields,
        "edges": _rows(edges, edge_fields),
    }


def _field_names(items: list[dict[str, Any]], first: tuple[str, ...]) -> list[str]:
    names = dict.fromkeys(first)
    for item in items:
        names.update(dict.fromkeys(item))
    return list(names)


def _rows(items: list[dict[str, Any]], fields: list[str]) -> list[list[Any]]:
    return [[item.get(name) for name in fields] for item in items]


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
    options["edges"]["width"] = 1
    options["edges"]["arrows"] = {"to": {"enabled": True, "scaleFactor": 0.5}}
    options["interaction"].update(
        hover=True, tooltipDelay=150, hideEdgesOnDrag=True, navigationButtons=False
    )
    options["nodes"] = {"font": {"size": 14, "face": "sans-serif"}}
    options["layout"] = {"improvedLayout": False}
    return options


@dataclass(frozen=True)
class PageDocuments:
    """The page's JSON document and its HTML page, both ready to send."""

    json_text: str
    html: str


def read_page_documents(
    store: GraphStore,
    iris: Iris,
    graphs: Sequence[NamedNode] | None,
    keep: NetworkFilter | None = None,
) -> PageDocuments:
    """Return the page and its JSON, built once per store generation and filter."""

    def build() -> PageDocuments:
        payload = read_payload(store, iris, graphs, keep)
        return PageDocuments(dump_script_json(payload), render_page(payload))

    key = ("page", iris.base, graph_names(graphs), keep)
    return cached(store, key, build)


def read_payload(
    store: GraphStore,
    iris: Iris,
    graphs: Sequence[NamedNode] | None,
    keep: NetworkFilter | None = None,
) -> dict[str, Any]:
    """Build the network the user may read, filtered by `keep`, as the page's JSON.

    The filter menus list what the whole network holds, so that a filter can be
    changed for another one.
    """
    full = read_network(store, iris, graphs)
    network = filter_network(full, keep) if keep is not None else full
    payload = build_payload(network, read_kind_labels(store, iris, graphs))
    payload["filters"] = build_filter_menus(full, iris, store, graphs, keep)
    return payload


def build_filter_menus(
    full: nx.MultiDiGraph,
    iris: Iris,
    store: GraphStore,
    graphs: Sequence[NamedNode] | None,
    keep: NetworkFilter | None,
) -> dict[str, Any]:
    """Return the entries of the filter menus and the values chosen, keys as values."""
    keep = keep or NetworkFilter()
    themes = read_theme_labels(store, iris, graphs)
    used_themes = {
        theme
        for _, data in full.nodes(data=True)
        if data["kind"] == "action"
        for theme in (data.get("themes") or "").split()
    }
    return {
        "date": keep.on.isoformat() if keep.on else "",
        "competences": _entries(iris, full, ("competence",), keep.competences),
        "themes": sorted(
            (
                {
                    "value": _key(iris, theme).removeprefix("theme-"),
                    "label": themes.get(theme, _key(iris, theme)),
                    "selected": theme in (keep.themes or ()),
                }
                for theme in used_themes
            ),
            key=lambda entry: entry["label"],
        ),
        "territories": _entries(
            iris, full, ("epci", "departement", "commune"), keep.territories, True
        ),
    }


def read_theme_labels(
    store: GraphStore, iris: Iris, graphs: Sequence[NamedNode] | None
) -> dict[str, str]:
    """Return the French label of every concept of the `theme` scheme."""
    query = _THEME_LABELS % iris.scheme("theme")
    return {
        row["concept"].value: row["label"].value
        for row in store.select(query, default_graph=graphs)
    }


_THEME_LABELS = """
SELECT ?concept (SAMPLE(?name) AS ?label) WHERE {
  ?concept skos:inScheme %s ;
           skos:prefLabel ?name .
} GROUP BY ?concept
"""


def _entries(
    iris: Iris,
    full: nx.MultiDiGraph,
    kinds: tuple[str, ...],
    chosen: frozenset[str] | None,
    typed: bool = False,
) -> list[dict[str, Any]]:
    """Return the menu entries of the nodes of `kinds`, by kind order then label."""
    ordered = []
    for node, data in full.nodes(data=True):
        ref = iris.parse_item(node)
        if data["kind"] not in kinds or ref is None:
            continue
        label = data["title"].split("\n", 1)[0]
        entry = {
            "value": f"{ref.type}/{ref.key}" if typed else ref.key,
            "label": label,
            "group": KIND_LABELS[data["kind"]],
            "selected": node in (chosen or ()),
        }
        ordered.append((kinds.index(data["kind"]), label, entry))
    return [entry for *_, entry in sorted(ordered, key=lambda item: item[:2])]


def _key(iris: Iris, iri: str) -> str:
    ref = iris.parse_item(iri)
    return ref.key if ref is not None else iri
