import csv
import json
from datetime import date
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from maillage.graph.demo import DEMO_FOLDER, is_loaded, load_demo
from maillage.graph.importers.communes import import_communes
from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore
from maillage.graph.territory import members_on
from tests.conftest import BASE_IRI

CAPCA = f"{BASE_IRI}/id/epci/200071413"
MEMBERS = """
SELECT ?code ?population WHERE {
  ?membership org:organization <%s> ; org:member ?commune .
  ?commune igeo:codeINSEE ?code .
  OPTIONAL { ?commune mlg:population ?population }
}
"""
RSA_2019 = """
SELECT ?value ?unit ?label WHERE {
  ?o mlg:indicator ?i ; ?i ?value ; sdmx-attribute:unitMeasure ?unit ;
     sdmx-dimension:refArea <%s/id/departement/07> ;
     sdmx-dimension:refPeriod "2019"^^xsd:gYear .
  ?i mlg:sourceColumn "RSAalloc" ; rdfs:label ?label .
}
"""


@pytest.fixture(scope="module")
def demo_load(tmp_path_factory):
    """Load the demo once for this module; return the store, the reports and the steps.

    Tests only read this store, except the one that loads the demo again and checks
    that nothing changes.
    """
    graph_store = GraphStore(tmp_path_factory.mktemp("demo") / "store")
    steps = []
    reports = load_demo(
        graph_store, Iris(BASE_IRI), progress=lambda *s: steps.append(s)
    )
    yield graph_store, reports, steps
    graph_store.close()


@pytest.fixture
def demo_store(demo_load):
    return demo_load[0]


def members(store: GraphStore, epci: str) -> tuple[list[str], int]:
    rows = store.select(MEMBERS % epci)
    codes = sorted(row["code"].value for row in rows)
    return codes, sum(
        int(row["population"].value) for row in rows if "population" in row
    )


def test_load_demo_capca_members_and_population(demo_store):
    codes, population = members(demo_store, CAPCA)
    assert len(codes) == 42, codes
    assert population == 44356


def test_load_demo_capca_members_match_public_list(demo_store, shared_data):
    path = shared_data / "communes" / "capca_communes.csv"
    with path.open(encoding="utf-8") as handle:
        expected = sorted(row["code_insee"] for row in csv.DictReader(handle))
    codes, _ = members(demo_store, CAPCA)
    assert codes == expected


def test_load_demo_privas_chef_lieu_of_ardeche(demo_store):
    assert demo_store.ask(
        f"ASK {{ <{BASE_IRI}/id/departement/07> "
        f"igeo:chefLieu <{BASE_IRI}/id/commune/07186> }}"
    )


def test_load_demo_ardeche_rsa_households_2019(demo_store):
    rows = demo_store.select(RSA_2019 % BASE_IRI)
    found = [(r["value"].value, r["unit"].value, r["label"].value) for r in rows]
    assert found == [("6598", "foyers", "Foyers allocataires du RSA")]


def test_load_demo_law_articles_are_references(demo_store):
    rows = demo_store.select(
        f"SELECT ?path WHERE {{ <{BASE_IRI}/id/act/cgct-l5216-5-2016-01-01> "
        "a mlg:LawArticle . OPTIONAL { ?a mlg:textPath ?path } }"
    )
    assert rows == [{}]


def test_load_demo_mission_items_in_own_graphs(demo_store):
    graphs = {graph.value for graph in demo_store.named_graphs()}
    assert f"{BASE_IRI}/graph/actor/caf-ardeche" in graphs


def test_load_demo_marks_store_loaded(demo_store):
    assert is_loaded(demo_store)


def test_is_loaded_false_on_empty_store(store):
    assert not is_loaded(store)


def test_load_demo_twice_same_quads(demo_store, iris):
    first = demo_store.count_quads()
    load_demo(demo_store, iris)
    assert demo_store.count_quads() == first


def test_load_demo_reports_no_problem(demo_load):
    _, reports, steps = demo_load
    assert [(r.dataset, r.problems) for r in reports if r.problems] == []
    assert steps[-1] == ("", 7, 7)


def test_load_demo_legal_texts_folder_gives_text_paths(store, iris, shared_data):
    load_demo(store, iris, legal_texts=shared_data / "legal")
    rows = store.select("SELECT ?p WHERE { ?a mlg:textPath ?p }")
    assert len(rows) == 6


def test_load_demo_other_base_iri(tmp_path):
    graph_store = GraphStore(tmp_path / "store")
    try:
        load_demo(graph_store, Iris("https://maillage.example.org"))
        codes, _ = members(
            graph_store, "https://maillage.example.org/id/epci/200071413"
        )
    finally:
        graph_store.close()
    assert len(codes) == 42


def test_members_on_earlier_date_is_unknown(demo_store, iris):
    answer = members_on(demo_store, iris, NamedNode(CAPCA), date(2015, 1, 1))
    assert answer.known == []
    assert len(answer.unknown) == 42
    assert "2026-01-01" in answer.note, answer.note


def test_members_on_observation_date_is_known(demo_store, iris):
    answer = members_on(demo_store, iris, NamedNode(CAPCA), date(2026, 1, 1))
    assert len(answer.known) == 42
    assert (answer.unknown, answer.note) == ([], "")


def test_import_other_epci_into_empty_store(store, iris, shared_data):
    folder = shared_data / "communes"
    communes = json.loads((folder / "communes_dep07.json").read_text())["communes"]
    epci = json.loads((folder / "epci_dep07.json").read_text())["epci"]
    (annonay,) = [record for record in epci if record["code"] == "200072015"]
    expected = sorted(member["code"] for member in annonay["membres"])
    population = {c["code"]: c.get("population", 0) for c in communes}
    import_communes(
        store,
        iris,
        folder / "communes_dep07.json",
        folder / "epci_dep07.json",
        folder / "dep07_region_arrondissements.json",
        epci_sirens=["200072015"],
    )
    codes, total = members(store, f"{BASE_IRI}/id/epci/200072015")
    assert codes == expected
    assert total == sum(population[code] for code in expected)


def test_demo_folder_holds_no_legal_text():
    names = {path.name for path in Path(DEMO_FOLDER).rglob("*")}
    assert not any(name.endswith(".md") and name != "README.md" for name in names), (
        names
    )
