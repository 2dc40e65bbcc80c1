"""The demo's generated commune series: labelled as generated, protected by secrecy."""

from __future__ import annotations

from collections import Counter

import pytest

from maillage.graph.demo import load_demo
from maillage.graph.iris import Iris
from maillage.graph.observatory.demo import DEMO_SLUG
from maillage.graph.observatory.generate import CommuneSeed, generate_values
from maillage.graph.store import GraphStore
from tests.conftest import BASE_IRI

PUBLISHED = f"{BASE_IRI}/graph/dataset/{DEMO_SLUG}-published"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory):
    store = GraphStore(tmp_path_factory.mktemp("observatory-demo") / "store")
    load_demo(store, Iris(BASE_IRI))
    yield store
    store.close()


def test_demo_dataset_is_labelled_generated(demo_store):
    rows = demo_store.select(
        "SELECT ?generated ?description WHERE { "
        f"<{BASE_IRI}/id/dataset/{DEMO_SLUG}> mlg:isGenerated ?generated ; "
        "dcterms:description ?description }"
    )
    assert rows[0]["generated"].value == "true"
    assert "générées" in rows[0]["description"].value


def test_demo_series_cover_capca_communes(demo_store):
    rows = demo_store.select(
        "SELECT (COUNT(DISTINCT ?area) AS ?n) WHERE { GRAPH <%s> { "
        "?o a qb:Observation ; sdmx-dimension:refArea ?area } }" % PUBLISHED
    )
    assert int(rows[0]["n"].value) == 42


def test_demo_published_copy_secondary_suppression(demo_store):
    rows = demo_store.select(
        "SELECT ?indicator ?year WHERE { GRAPH <%s> { "
        "?s a mlg:SuppressedObservation ; qb:measureType ?indicator ; "
        "sdmx-dimension:refPeriod ?year } }" % PUBLISHED
    )
    per_table = Counter((r["indicator"].value, r["year"].value) for r in rows)
    # All 42 communes form one EPCI table: one hidden cell alone could be recovered.
    assert rows and 1 not in per_table.values(), per_table


def test_generate_values_repeats_with_seed():
    seeds = [CommuneSeed("c1", 120), CommuneSeed("c2", 8000)]
    first = generate_values(seeds, range(2020, 2023), seed=7, base_year=2022)
    second = generate_values(seeds, range(2020, 2023), seed=7, base_year=2022)
    assert first == second


def test_generate_values_scale_with_population():
    seeds = [CommuneSeed("village", 100), CommuneSeed("town", 8000)]
    values = generate_values(seeds, [2022], seed=1, base_year=2022)
    village = values[("village", "rsa-households", 2022)]
    town = values[("town", "rsa-households", 2022)]
    assert village < 10 < 40 < town < 400, (village, town)


def test_generate_values_keeps_base_year_population():
    values = generate_values([CommuneSeed("c", 1234)], [2022], seed=3, base_year=2022)
    assert values[("c", "population-municipale", 2022)] == 1234
