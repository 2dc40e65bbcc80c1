"""Tests of the server-side layout of the network."""

from __future__ import annotations

import math

import networkx as nx

from maillage.viz.layout import LEAF_SPACING, clear_layout_cache, compute_positions


def star_network(hubs: int, leaves_per_hub: int, prefix: str = "") -> nx.MultiDiGraph:
    """Return hubs linked in a ring, each with leaves, plus two unlinked nodes."""
    network = nx.MultiDiGraph()
    for hub in range(hubs):
        network.add_edge(f"{prefix}hub-{hub}", f"{prefix}hub-{(hub + 1) % hubs}")
        for leaf in range(leaves_per_hub):
            network.add_edge(f"{prefix}leaf-{hub}-{leaf}", f"{prefix}hub-{hub}")
    network.add_nodes_from([f"{prefix}alone-1", f"{prefix}alone-2"])
    return network


def distance(a: tuple[int, int], b: tuple[int, int]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def test_compute_positions_covers_every_node():
    network = star_network(5, 20)
    positions = compute_positions(network)
    assert set(positions) == set(network), set(network) ^ set(positions)


def test_compute_positions_integer_coordinates():
    positions = compute_positions(star_network(3, 4))
    assert all(isinstance(x, int) and isinstance(y, int) for x, y in positions.values())


def test_compute_positions_same_network_same_picture():
    first = star_network(6, 10)
    # The same nodes and edges, added in reverse order.
    second = nx.MultiDiGraph()
    second.add_nodes_from(reversed(list(first.nodes)))
    second.add_edges_from(reversed(list(first.edges())))
    first_positions = compute_positions(first)
    clear_layout_cache()
    assert compute_positions(second) == first_positions


def test_compute_positions_leaves_around_their_hub():
    positions = compute_positions(star_network(4, 30, prefix="around-"))
    for hub in range(4):
        centre = positions[f"around-hub-{hub}"]
        nearest_other = min(
            distance(centre, positions[f"around-hub-{other}"])
            for other in range(4)
            if other != hub
        )
        farthest_leaf = max(
            distance(centre, positions[f"around-leaf-{hub}-{leaf}"])
            for leaf in range(30)
        )
        assert farthest_leaf < nearest_other, (hub, farthest_leaf, nearest_other)


def test_compute_positions_nodes_apart():
    positions = list(compute_positions(star_network(8, 25, prefix="apart-")).values())
    closest = min(
        distance(a, b)
        for index, a in enumerate(positions)
        for b in positions[index + 1 :]
    )
    assert closest >= LEAF_SPACING / 2, closest


def test_compute_positions_single_node():
    network = nx.MultiDiGraph()
    network.add_node("only")
    assert compute_positions(network) == {"only": (0, 0)}


def test_compute_positions_empty_network():
    assert compute_positions(nx.MultiDiGraph()) == {}
