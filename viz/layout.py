"""Place the nodes of a network on a plane, so that the page draws without physics.

A force-directed layout of every node costs seconds for a couple of thousand nodes, and
most nodes of a territory are communes that only belong to their EPCI. So the layout
runs networkx's `spring_layout` on the core of the network only, and places each leaf (a
node linked to a single core node) in a sunflower disk around that node. Unlinked nodes
get a disk of their own beside the core. Positions are in vis-network canvas units
(pixels at zoom 1) and depend only on the nodes and edges, so a network always looks the
same.

NOTE: a core of 2,000 nodes, none of them a leaf, still takes about 12 s with
networkx 3.6 `spring_layout` on 2 cores. Layouts are cached for that reason.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import OrderedDict, defaultdict

import networkx as nx
import numpy as np

logger = logging.getLogger(__name__)

Position = tuple[int, int]

# Seed of the force-directed layout, fixed so that a network always looks the same.
SEED = 20240607
# Distance between two neighbouring leaves of a disk, in canvas units.
LEAF_SPACING = 50.0
# Distance aimed at between two core nodes, in canvas units.
CORE_SPACING = 170.0
# Maximum number of passes that push apart core nodes whose disks overlap.
MAX_SEPARATION_PASSES = 60
# Layouts kept in memory, keyed by the network's nodes and edges.
CACHE_SIZE = 16

_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
_cache: OrderedDict[str, dict[str, Position]] = OrderedDict()
_cache_lock = threading.Lock()


def compute_positions(network: nx.Graph) -> dict[str, Position]:
    """Compute an (x, y) position for every node of `network`, or read it from cache."""
    key = _structure_key(network)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    positions = _layout(_undirected(network))
    with _cache_lock:
        _cache[key] = positions
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return positions


def clear_layout_cache() -> None:
    """Forget every layout computed so far."""
    with _cache_lock:
        _cache.clear()


def _structure_key(network: nx.Graph) -> str:
    digest = hashlib.sha256()
    for node in sorted(network):
        digest.update(node.encode() + b"\n")
    for source, target in sorted(_undirected(network).edges()):
        digest.update(f"{source}\t{target}\n".encode())
    return digest.hexdigest()


def _undirected(network: nx.Graph) -> nx.Graph:
    """Return the simple undirected network, nodes and edges in sorted order."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(network))
    pairs = {tuple(sorted((s, t))) for s, t in network.edges() if s != t}
    simple.add_edges_from(sorted(pairs))
    return simple


def _layout(simple: nx.Graph) -> dict[str, Position]:
    leaves_of: dict[str, list[str]] = defaultdict(list)
    isolated: list[str] = []
    for node in simple:
        degree = simple.degree(node)
        if degree == 0:
            isolated.append(node)
            continue
        hub = next(iter(simple.neighbors(node)))
        if degree == 1 and simple.degree(hub) > 1:
            leaves_of[hub].append(node)
    leaves = {leaf for group in leaves_of.values() for leaf in group}
    core = [node for node in simple if node not in leaves and node not in isolated]

    radii = {node: _disk_radius(len(leaves_of.get(node, ()))) for node in core}
    centres = _core_centres(simple.subgraph(core), radii)
    positions = dict(centres)
    for hub, group in leaves_of.items():
        positions.update(_sunflower(centres[hub], group))
    if isolated:
        positions.update(
            _sunflower(_beside(positions, len(isolated)), isolated, hole=0)
        )
    logger.debug(
        "layout: %d core nodes, %d leaves, %d unlinked",
        len(core),
        len(leaves),
        len(isolated),
    )
    return {node: (round(x), round(y)) for node, (x, y) in positions.items()}


def _disk_radius(count: int, hole: int = 3) -> float:
    return LEAF_SPACING * math.sqrt(count + hole) if count else 0.0


def _core_centres(
    core: nx.Graph, radii: dict[str, float]
) -> dict[str, tuple[float, float]]:
    """Lay the core out with `spring_layout`, then push apart overlapping disks."""
    nodes = list(core)
    if len(nodes) <= 1:
        return {node: (0.0, 0.0) for node in nodes}
    unit = nx.spring_layout(core, seed=SEED)
    # spring_layout fits the nodes in [-1, 1], so spread them about CORE_SPACING apart.
    scale = CORE_SPACING * math.sqrt(len(nodes)) / 2
    points = np.array([unit[node] for node in nodes], dtype=float) * scale
    room = np.array([radii[node] + CORE_SPACING / 2 for node in nodes])
    points = _separate(points, room)
    return {
        node: (float(x), float(y)) for node, (x, y) in zip(nodes, points, strict=True)
    }


def _separate(points: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Move points apart until no two are closer than the sum of their `room`."""
    minimum = room[:, None] + room[None, :]
    np.fill_diagonal(minimum, 0.0)
    rng = np.random.default_rng(SEED)
    for _ in range(MAX_SEPARATION_PASSES):
        delta = points[:, None, :] - points[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        overlap = minimum - distance
        np.fill_diagonal(overlap, 0.0)
        if overlap.max() <= 1.0:
            break
        # Points at the same place get a random direction instead of a zero one.
        same = distance < 1e-6
        delta[same] = rng.normal(size=(int(same.sum()), 2))
        distance = np.where(same, np.hypot(delta[..., 0], delta[..., 1]), distance)
        push = np.clip(overlap, 0.0, None) / (2 * distance)
        points = points + (delta * push[..., None]).sum(axis=1) / 2
    return points


def _sunflower(
    centre: tuple[float, float], nodes: list[str], hole: int = 3
) -> dict[str, tuple[float, float]]:
    """Spread `nodes` evenly in a disk around `centre`, `hole` slots from the middle."""
    x0, y0 = centre
    placed = {}
    for index, node in enumerate(nodes):
        radius = LEAF_SPACING * math.sqrt(index + hole)
        angle = (index + hole) * _GOLDEN_ANGLE
        placed[node] = (x0 + radius * math.cos(angle), y0 + radius * math.sin(angle))
    return placed


def _beside(placed: dict[str, tuple[float, float]], count: int) -> tuple[float, float]:
    """Return the centre of a disk of `count` nodes to the right of the nodes placed."""
    if not placed:
        return (0.0, 0.0)
    right = max(x for x, _ in placed.values())
    middle = sum(y for _, y in placed.values()) / len(placed)
    return (right + CORE_SPACING + _disk_radius(count, hole=0), middle)
