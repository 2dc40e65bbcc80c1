"""Tests of the page rendering: the JSON document, its escaping and the template."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from maillage.viz.network import build_network
from maillage.viz.page import (
    build_payload,
    compact_payload,
    dump_script_json,
    render_page,
)

HOSTILE_LABEL = "<img src=x onerror=alert(1)>"
HOSTILE_TITLE = '<a href="javascript:alert(1)">x</a>'


def test_dump_script_json_escapes_markup():
    text = dump_script_json({"label": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text, text
    assert ">" not in text, text
    assert "&" not in text, text


def test_dump_script_json_round_trips():
    data = {"label": HOSTILE_LABEL, "title": HOSTILE_TITLE, "accent": "Ardèche & Drôme"}
    assert json.loads(dump_script_json(data)) == data


def test_build_payload_nodes_have_positions(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    assert len(payload["nodes"]) == 10, payload["nodes"]
    for node in payload["nodes"]:
        assert isinstance(node["x"], int) and isinstance(node["y"], int), node


def test_build_payload_physics_disabled(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    assert payload["options"]["physics"]["enabled"] is False, payload["options"]


def test_build_payload_edges_keep_relation_and_basis(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    holds = [edge for edge in payload["edges"] if edge["relation"] == "holds"]
    assert holds[0]["basis"] == "http://maillage.test/id/act/arrete-2016-capca", holds


def test_build_payload_legend_lists_present_kinds(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    kinds = [kind["kind"] for kind in payload["kinds"]]
    assert kinds == [
        "commune",
        "epci",
        "cias",
        "departement",
        "caf",
        "action",
        "competence",
    ]


def test_render_page_escapes_heading(network_store, iris):
    payload = build_payload(
        build_network(network_store, iris, None), heading=HOSTILE_LABEL
    )
    page = render_page(payload)
    assert "<img" not in page, page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_render_page_embeds_data_once(network_store, iris):
    page = render_page(build_payload(build_network(network_store, iris, None)))
    blocks = re.findall(
        r'<script type="application/json" id="network-data">(.*?)</script>', page, re.S
    )
    assert len(blocks) == 1, page
    assert len(json.loads(blocks[0])["nodes"]) == 10


def test_render_page_loads_only_own_files(network_store, iris):
    page = render_page(build_payload(build_network(network_store, iris, None)))
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources, page
    for source in sources:
        parts = urlsplit(source)
        assert parts.scheme in ("", "data"), source
        assert parts.netloc == "", source


def expand_rows(fields: list[str], rows: list[list]) -> list[dict]:
    """Expand rows as the page's script does, leaving out null values."""
    return [
        {name: value for name, value in zip(fields, row) if value is not None}
        for row in rows
    ]


def test_compact_payload_nodes_round_trip(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    compact = compact_payload(payload)
    assert compact["node_fields"][0] == "id", compact["node_fields"]
    assert expand_rows(compact["node_fields"], compact["nodes"]) == payload["nodes"]


def test_compact_payload_edges_name_nodes_by_index(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    compact = compact_payload(payload)
    ids = [node["id"] for node in payload["nodes"]]
    edges = expand_rows(compact["edge_fields"], compact["edges"])
    for edge in edges:
        edge["from"], edge["to"] = ids[edge["from"]], ids[edge["to"]]
    assert edges == payload["edges"]


def test_compact_payload_keeps_other_parts(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    compact = compact_payload(payload)
    for part in ("heading", "kinds", "relations", "options"):
        assert compact[part] == payload[part], part


def test_compact_payload_shorter_page(network_store, iris):
    payload = build_payload(build_network(network_store, iris, None))
    compact_size = len(dump_script_json(compact_payload(payload)))
    assert compact_size < len(dump_script_json(payload))


def test_render_page_skips_library_stylesheet(network_store, iris):
    page = render_page(build_payload(build_network(network_store, iris, None)))
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]*)"', page)
    assert stylesheets == ["/static/viz/network.css"], stylesheets
