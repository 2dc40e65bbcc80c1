"""Tests of the GraphML and GEXF exports, read back with networkx."""

from __future__ import annotations

import io

import networkx as nx

from maillage.viz.export import exportable, serialize_gexf, serialize_graphml
from maillage.viz.network import build_network

BASE = "http://maillage.test/id/"


def test_exportable_drops_none_values(network_store, iris):
    network = build_network(network_store, iris, None)
    copy = exportable(network)
    values = [
        value for _, _, data in copy.edges(data=True) for value in data.values()
    ] + [value for _, data in copy.nodes(data=True) for value in data.values()]
    assert all(isinstance(value, (str, int, float, bool)) for value in values)


def test_graphml_read_back(network_store, iris):
    network = build_network(network_store, iris, None)
    read = nx.read_graphml(
        io.BytesIO(serialize_graphml(network)), force_multigraph=True
    )
    assert set(read) == set(network)
    assert read.number_of_edges() == network.number_of_edges() == 12


def test_graphml_keeps_attributes(network_store, iris):
    network = build_network(network_store, iris, None)
    read = nx.read_graphml(
        io.BytesIO(serialize_graphml(network)), force_multigraph=True
    )
    assert read.nodes[BASE + "commune/07186"]["label"] == "Privas"
    (edge,) = read.get_edge_data(
        BASE + "commune/07186", BASE + "epci/200071413"
    ).values()
    assert edge["basis"] == BASE + "act/arrete-2016-capca", edge
    assert edge["start"] == "2017-01-01", edge


def test_graphml_is_directed(network_store, iris):
    network = build_network(network_store, iris, None)
    read = nx.read_graphml(
        io.BytesIO(serialize_graphml(network)), force_multigraph=True
    )
    assert read.is_directed()


def test_gexf_read_back_with_positions(network_store, iris):
    network = build_network(network_store, iris, None)
    read = nx.read_gexf(io.BytesIO(serialize_gexf(network)))
    assert set(read) == set(network)
    assert "position" in read.nodes[BASE + "epci/200071413"]["viz"]
