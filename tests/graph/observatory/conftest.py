"""Fixtures of the observatory tests, on the territory of `territory.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.graph.iris import Iris
from maillage.graph.observatory.communes import import_commune_values
from maillage.graph.observatory.service import Observatory
from maillage.graph.store import GraphStore
from tests.graph.observatory.territory import (
    TEST_DATASET,
    load_test_territory,
    table_values,
)


@pytest.fixture
def territory_store(store: GraphStore, iris: Iris) -> GraphStore:
    """Return a store with the catalogue and the test territory, without values."""
    load_test_territory(store, iris)
    return store


@pytest.fixture
def observatory(territory_store: GraphStore, iris: Iris, tmp_path: Path) -> Observatory:
    """Return the observatory of the test territory with the table's values imported."""
    import_commune_values(territory_store, iris, table_values(iris), TEST_DATASET)
    found = Observatory(territory_store, iris, tmp_path / "observatory-data")
    found.refresh()
    return found
