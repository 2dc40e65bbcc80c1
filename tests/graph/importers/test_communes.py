import csv
import json
from pathlib import Path

import pytest

from maillage.graph.errors import MalformedRequestError, NotFoundError
from maillage.graph.importers.communes import import_communes
from tests.graph.importers.helpers import DEMO, single, values

CAPCA = "200071413"
ANNONAY = "200072015"
CAPCA_PRIVAS = "<http://maillage.test/id/membership/200071413-07186>"

MEMBERS = """
SELECT ?code ?population WHERE {
  ?membership org:organization <http://maillage.test/id/epci/%s> ; org:member ?commune .
  ?commune igeo:codeINSEE ?code .
  OPTIONAL { ?commune mlg:population ?population }
}
"""


def import_dep07(store, iris, folder: Path, **options):
    return import_communes(
        store,
        iris,
        folder / "communes_dep07.json",
        folder / "epci_dep07.json",
        folder / "territoires_dep07.json",
        **options,
    )


def members(store, siren: str) -> tuple[list[str], int]:
    rows = store.select(MEMBERS % siren)
    codes = sorted(row["code"].value for row in rows)
    population = sum(
        int(row["population"].value) for row in rows if "population" in row
    )
    return codes, population


def test_import_communes_capca_from_public_files(store, iris, shared_data):
    folder = shared_data / "communes"
    import_communes(
        store,
        iris,
        folder / "communes_dep07.json",
        folder / "capca_epci.json",
        folder / "dep07_region_arrondissements.json",
        epci_sirens=[CAPCA],
    )
    with (folder / "capca_communes.csv").open(encoding="utf-8") as handle:
        expected = sorted(row["code_insee"] for row in csv.DictReader(handle))
    codes, population = members(store, CAPCA)
    assert codes == expected
    assert population == 44356


def test_import_communes_other_epci_from_public_files(store, iris, shared_data):
    folder = shared_data / "communes"
    communes = json.loads((folder / "communes_dep07.json").read_text())["communes"]
    epci = json.loads((folder / "epci_dep07.json").read_text())["epci"]
    (annonay,) = [record for record in epci if record["code"] == ANNONAY]
    expected_codes = sorted(member["code"] for member in annonay["membres"])
    population_by_code = {
        c["code"]: c["population"] for c in communes if c["type"] == "commune-actuelle"
    }
    import_communes(
        store,
        iris,
        folder / "communes_dep07.json",
        folder / "epci_dep07.json",
        folder / "dep07_region_arrondissements.json",
        epci_sirens=[ANNONAY],
    )
    codes, population = members(store, ANNONAY)
    assert codes == expected_codes
    assert population == sum(population_by_code[code] for code in expected_codes)


def test_import_communes_full_report_counts(store, iris, shared_data):
    folder = shared_data / "communes"
    report = import_communes(
        store,
        iris,
        folder / "communes_dep07.json",
        folder / "epci_dep07.json",
        folder / "dep07_region_arrondissements.json",
    )
    assert report.problems == [], report.problems
    assert report.counts["communes"] == 335 + 69, report.counts
    assert report.counts["memberships"] == 404, report.counts


def test_import_communes_keeps_deleguee_apart_from_commune(store, iris):
    import_dep07(store, iris, DEMO)
    labels = {
        kind: single(
            store,
            f"SELECT ?l WHERE {{ <http://maillage.test/id/{kind}/07011> "
            "skos:prefLabel ?l }",
            "l",
        )
        for kind in ("commune", "commune-deleguee")
    }
    assert labels["commune"] != labels["commune-deleguee"], labels
    parent = single(
        store,
        "SELECT ?p WHERE { <http://maillage.test/id/commune-deleguee/07011> "
        "igeo:subdivisionDirecteDe ?p }",
        "p",
    )
    assert parent == "http://maillage.test/id/commune/07011"


def test_import_communes_members_outside_files_get_minimal_node(store, iris):
    report = import_dep07(store, iris, DEMO)
    epci = json.loads((DEMO / "epci_dep07.json").read_text())["epci"]
    outside = {
        m["code"] for r in epci for m in r["membres"] if not m["code"].startswith("07")
    }
    described = values(
        store,
        "SELECT ?code WHERE { ?c a mlg:Commune ; igeo:codeINSEE ?code ; "
        "skos:prefLabel ?n ; mlg:siren ?s ; mlg:populationDGCL ?p . "
        'FILTER(!STRSTARTS(?code, "07")) }',
        "code",
    )
    assert sorted(described) == sorted(outside), report.warnings
    assert report.warnings and "69 member communes" in report.warnings[0]


def test_import_communes_membership_has_no_start_date(store, iris):
    import_dep07(store, iris, DEMO)
    rows = store.select(
        f"SELECT ?observed ?start WHERE {{ {CAPCA_PRIVAS} mlg:observedOn ?observed ; "
        "prov:wasDerivedFrom ?dataset . "
        f"OPTIONAL {{ {CAPCA_PRIVAS} mlg:startDate ?start }} }}"
    )
    assert [(r["observed"].value, "start" in r) for r in rows] == [
        ("2026-01-01", False)
    ]


def test_import_communes_privas_is_chef_lieu(store, iris):
    import_dep07(store, iris, DEMO)
    chef_lieu = single(
        store,
        "SELECT ?c WHERE { <http://maillage.test/id/departement/07> igeo:chefLieu ?c }",
        "c",
    )
    assert chef_lieu == "http://maillage.test/id/commune/07186"


def test_import_communes_unknown_epci_raises(store, iris):
    with pytest.raises(NotFoundError, match="999999999"):
        import_dep07(store, iris, DEMO, epci_sirens=["999999999"])


def test_import_communes_without_vintage_raises(store, iris, tmp_path):
    (tmp_path / "communes.json").write_text("[]")
    (tmp_path / "epci.json").write_text("[]")
    with pytest.raises(MalformedRequestError, match="no vintage"):
        import_communes(store, iris, tmp_path / "communes.json", tmp_path / "epci.json")


def test_import_communes_reimport_replaces_graph(store, iris):
    import_dep07(store, iris, DEMO)
    before = store.count_quads()
    import_dep07(store, iris, DEMO)
    assert store.count_quads() == before
