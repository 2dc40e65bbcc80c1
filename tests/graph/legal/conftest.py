"""Fixtures of the legal tracing tests: the scenario of data/scenario.ttl in a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from maillage.graph.iris import Iris
from maillage.graph.legal.facts import LegalFacts, load_facts
from maillage.graph.store import GraphStore

DATA = Path(__file__).parent / "data"
TERRITORY = DATA / "territory.ttl"
SCENARIO = DATA / "scenario.ttl"


def load_territory(store: GraphStore, iris: Iris) -> None:
    """Load the scenario's communes, EPCI and competences into `legal-territory`."""
    store.bulk_load(
        TERRITORY,
        RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=iris.dataset_graph("legal-territory"),
    )


def load_scenario(store: GraphStore, iris: Iris) -> None:
    """Load the territory, then the scenario's events into `legal-scenario`."""
    load_territory(store, iris)
    store.bulk_load(
        SCENARIO,
        RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=iris.dataset_graph("legal-scenario"),
    )


@pytest.fixture
def scenario_store(store: GraphStore, iris: Iris) -> GraphStore:
    load_scenario(store, iris)
    return store


@pytest.fixture
def facts(scenario_store: GraphStore, iris: Iris) -> LegalFacts:
    return load_facts(scenario_store, iris, None)
