"""Export the who-does-what network as GraphML and GEXF, with networkx's writers.

Both formats take only strings, numbers and booleans as attribute values, so the export
drops attributes whose value is None and writes any other value as text. Node keys are
the IRIs. The GEXF file also carries the page's layout and colours (`viz:position`,
`viz:color`), so Gephi opens it as the page draws it.
"""

from __future__ import annotations

import io

import networkx as nx

from maillage.viz.layout import compute_positions
from maillage.viz.page import KIND_STYLES

GRAPHML = "application/graphml+xml"
GEXF = "application/gexf+xml"

_PLAIN = (str, int, float, bool)


def exportable(network: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Return a copy of `network` whose attribute values are strings or numbers."""
    copy = nx.MultiDiGraph()
    for node, data in network.nodes(data=True):
        copy.add_node(node, **_plain(data))
    for source, target, key, data in network.edges(keys=True, data=True):
        copy.add_edge(source, target, key=key, **_plain(data))
    return copy


def serialize_graphml(network: nx.MultiDiGraph) -> bytes:
    """Write the network as GraphML, UTF-8."""
    buffer = io.BytesIO()
    nx.write_graphml(exportable(network), buffer, encoding="utf-8")
    return buffer.getvalue()


def serialize_gexf(network: nx.MultiDiGraph) -> bytes:
    """Write the network as GEXF 1.2, UTF-8, with positions and colours."""
    copy = exportable(network)
    positions = compute_positions(network)
    for node, data in copy.nodes(data=True):
        x, y = positions[node]
        colour = KIND_STYLES[data["kind"]][0]
        data["viz"] = {
            "position": {"x": float(x), "y": float(-y), "z": 0.0},
            "color": _rgb(colour),
        }
    buffer = io.BytesIO()
    nx.write_gexf(copy, buffer, encoding="utf-8")
    return buffer.getvalue()


def _plain(data: dict) -> dict:
    return {
        name: value if isinstance(value, _PLAIN) else str(value)
        for name, value in data.items()
        if value is not None
    }


def _rgb(colour: str) -> dict[str, int | float]:
    """Return `#rrggbb` as GEXF's color attributes."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return {"r": red, "g": green, "b": blue, "a": 1.0}
