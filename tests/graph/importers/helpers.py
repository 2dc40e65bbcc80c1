"""Helpers shared by the importer tests."""

from __future__ import annotations

from pathlib import Path

from maillage.graph.store import GraphStore

DEMO = Path(__file__).resolve().parents[3] / "graph" / "demo"


def values(store: GraphStore, sparql: str, name: str) -> list[str]:
    """Return the values bound to `name` by a SELECT query with maillage's prefixes."""
    return [row[name].value for row in store.select(sparql) if name in row]


def single(store: GraphStore, sparql: str, name: str) -> str:
    """Return the one value bound to `name`; fail when there is not exactly one."""
    found = values(store, sparql, name)
    assert len(found) == 1, f"expected one value of ?{name}, got {found}"
    return found[0]
