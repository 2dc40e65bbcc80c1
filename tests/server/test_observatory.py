"""The observatory over HTTP: exports, charts, page, imports, and SPARQL by role.

The module shares one store with the made-up territory of the observatory tests and
its RSA table, where Petitbourg's 3 households are under the threshold of 5. The tests
that import files get a store of their own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from maillage.graph.access import Role
from maillage.graph.iris import Iris
from maillage.graph.observatory.communes import import_commune_values
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import USERS_FILE, UserDirectory
from maillage.server.app import create_app
from tests.conftest import BASE_IRI
from tests.graph.observatory.territory import (
    EPCI,
    TEST_DATASET,
    load_test_territory,
    table_values,
)

ACCOUNTS = {
    "reader": ("lectrice", Role.READER),
    "editor": ("redacteur", Role.EDITOR),
    "administrator": ("administratrice", Role.ADMINISTRATOR),
}
RAW_GRAPH = f"{BASE_IRI}/graph/dataset/rsa-essai"
PUBLISHED_GRAPH = f"{BASE_IRI}/graph/dataset/rsa-essai-published"
PETITBOURG = f"{BASE_IRI}/id/commune/99001"
SERIES = "/api/observatory/series?indicator=rsa-households&territory=commune/99001"
COMMUNES = f"/api/observatory/communes?indicator=rsa-households&epci={EPCI}&year=2019"


def open_client(root, *, with_table: bool = True):
    settings = Settings(
        store_path=root / "store", data_path=root / "data", base_iri=BASE_IRI
    )
    iris = Iris(BASE_IRI)
    store = GraphStore(settings.store_path)
    load_test_territory(store, iris)
    if with_table:
        import_commune_values(store, iris, table_values(iris), TEST_DATASET)
    headers = issue_tokens(UserDirectory(settings.data_path / USERS_FILE))
    return store, TestClient(create_app(settings, store=store)), headers


def issue_tokens(directory: UserDirectory) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, (name, account_role) in ACCOUNTS.items():
        directory.create_user(name, account_role)
        secret = directory.create_token(name, label="observatory tests").secret
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[TestClient, dict]]:
    store, client, headers = open_client(tmp_path_factory.mktemp("observatory-http"))
    try:
        with client:
            yield client, headers
    finally:
        store.close()


@pytest.fixture
def writable(tmp_path) -> Iterator[tuple[TestClient, dict]]:
    store, client, headers = open_client(tmp_path, with_table=False)
    try:
        with client:
            yield client, headers
    finally:
        store.close()


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- exports ----------------------------------------------------------------------


def test_indicators_lists_catalogue_by_theme(server):
    client, _ = server
    body = client.get("/api/observatory/indicators").json()
    keys = {indicator["key"] for indicator in body["indicators"]}
    rate = next(i for i in body["indicators"] if i["key"] == "rsa-households-per-1000")
    assert {"rsa-households", "poverty-rate", "ase-children"} <= keys
    assert (rate["numerator"], rate["denominator"], rate["multiplier"]) == (
        "rsa-households",
        "population-municipale",
        1000.0,
    )


def test_series_hidden_for_anonymous(server):
    client, headers = server
    response = client.get(SERIES, headers=headers["anonymous"])
    figure = response.json()["figures"][-1]
    assert (figure["status"], figure["value"]) == ("hidden", None), response.text
    assert figure["hidden"]["rule"] == "primary", response.text


def test_series_value_for_administrator(server):
    client, headers = server
    response = client.get(SERIES, headers=headers["administrator"])
    figure = response.json()["figures"][-1]
    assert (figure["status"], figure["value"]) == ("published", 3.0), response.text


@pytest.mark.parametrize("role", ["anonymous", "reader", "editor"])
def test_communes_csv_hides_small_counts(server, role):
    client, headers = server
    response = client.get(COMMUNES + "&format=csv", headers=headers[role])
    rows = {row["territory_label"]: row for row in csv_rows(response.text)}
    assert response.headers["content-type"].startswith("text/csv"), response.text
    assert (rows["Petitbourg"]["status"], rows["Petitbourg"]["value"]) == (
        "hidden",
        "",
    )
    assert rows["Petitbourg"]["hidden_reason"].startswith("Effectif inférieur à 5")
    assert rows["Horsdate"]["hidden_rule"] == "secondary", response.text


def test_communes_csv_by_accept_for_administrator(server):
    client, headers = server
    response = client.get(
        COMMUNES, headers={**headers["administrator"], "Accept": "text/csv"}
    )
    rows = {row["territory_label"]: row for row in csv_rows(response.text)}
    assert (rows["Petitbourg"]["status"], rows["Petitbourg"]["value"]) == (
        "published",
        "3.0",
    )


def test_communes_json_epci_total(server):
    client, _ = server
    body = client.get(COMMUNES).json()
    assert body["epci"]["value"] == 475.0, body["epci"]
    assert "inconnu pour 1 commune" in body["perimeter_note"], body


def test_comparison_json(server):
    client, _ = server
    response = client.get(
        "/api/observatory/comparison?indicator=rsa-households-per-1000"
        f"&territory=epci/{EPCI}&year=2019"
    )
    first = response.json()["figures"][0]
    assert first["value"] == pytest.approx(48.5685072), response.text


def test_group_of_communes(server):
    client, _ = server
    response = client.get(
        "/api/observatory/group?indicator=rsa-households&year=2019"
        "&commune=99001&commune=99002&commune=99003"
    )
    body = response.json()
    assert (body["value"], body["hidden_communes"]) == (460.0, [PETITBOURG]), body


def test_latest_gives_changes(server):
    client, _ = server
    body = client.get(f"/api/observatory/latest?territory=epci/{EPCI}").json()
    entry = next(e for e in body["indicators"] if e["indicator"] == "rsa-households")
    assert (entry["figure"]["year"], entry["figure"]["value"]) == (2019, 475.0)


def test_epci_of_departement(server):
    client, _ = server
    body = client.get(
        "/api/observatory/epci?indicator=rsa-households&departement=99&year=2017"
    ).json()
    assert [(e["territory_label"], e["value"]) for e in body["epci"]] == [
        ("CC d'essai", 393.0)
    ]


def test_unknown_territory_is_404(server):
    client, _ = server
    response = client.get(
        "/api/observatory/series?indicator=rsa-households&territory=commune/99999"
    )
    assert response.status_code == 404, response.text
    assert response.json()["code"] == "not_found"


def test_invalid_territory_is_422(server):
    client, _ = server
    response = client.get(
        "/api/observatory/series?indicator=rsa-households&territory=nowhere"
    )
    assert response.status_code == 422, response.text


# -- charts and pages ---------------------------------------------------------------


def test_communes_chart_shows_secrecy_not_zero(server):
    client, headers = server
    response = client.get(
        f"/observatoire/graphiques/communes.svg?indicator=rsa-households&epci={EPCI}"
        "&year=2019",
        headers=headers["anonymous"],
    )
    assert response.headers["content-type"] == "image/svg+xml", response.text
    assert "<title id='chart-title'>" in response.text
    assert "Petitbourg : secret statistique" in response.text


def test_series_chart_for_administrator_draws_value(server):
    client, headers = server
    response = client.get(
        "/observatoire/graphiques/evolution.svg?indicator=rsa-households"
        "&territory=commune/99001",
        headers=headers["administrator"],
    )
    assert "2019 : 3" in response.text, response.text


def test_overview_page_lists_themes(server):
    client, _ = server
    response = client.get(f"/observatoire?territoire=epci/{EPCI}")
    assert response.status_code == 200, response.text
    assert "<h2>Précarité</h2>" in response.text
    assert "CC d&#39;essai" in response.text


def test_indicator_page_inlines_charts(server):
    client, _ = server
    response = client.get(
        f"/observatoire/indicateurs/rsa-households?territoire=epci/{EPCI}"
    )
    assert response.text.count("<svg ") == 3, response.text[:2000]
    assert "id='communes-desc'" in response.text


# -- imports ------------------------------------------------------------------------

GOOD_CSV = "CODGEO;NB_RSA\n99001;3\n99002;400\n99003;60\n99004;12\n"
BAD_CSV = "CODGEO;NB_RSA\n99001;3\n99002;quatre cents\n990;12\n"


def post_import(client, headers, text: str):
    return client.post(
        "/api/observatory/imports",
        headers=headers,
        files={"file": ("rsa_2020.csv", text.encode(), "text/csv")},
        data={"columns": "NB_RSA=rsa-households", "year": "2020", "producer": "CAF"},
    )


def test_import_by_editor_is_published(writable):
    client, headers = writable
    response = post_import(client, headers["editor"], GOOD_CSV)
    figure = client.get(SERIES).json()
    assert response.status_code == 201, response.text
    assert figure["figures"][-1]["status"] == "hidden", figure


def test_import_rejected_lists_rows_and_reasons(writable):
    client, headers = writable
    response = post_import(client, headers["editor"], BAD_CSV)
    assert response.status_code == 422, response.text
    assert response.json()["problems"] == [
        {
            "origin": "row 3, column NB_RSA",
            "reason": "invalid number 'quatre cents': write digits with a decimal "
            "comma or point, or leave the cell empty",
        },
        {
            "origin": "row 4",
            "reason": "invalid CODGEO '990': expected a commune code like 07186",
        },
    ]
    assert response.json()["code"] == "import_rejected"


def test_import_rejected_writes_nothing(writable):
    client, headers = writable
    post_import(client, headers["editor"], BAD_CSV)
    response = client.get(SERIES, headers=headers["administrator"])
    assert response.json()["figures"] == [], response.text


def test_import_by_anonymous_is_forbidden(writable):
    client, headers = writable
    response = post_import(client, headers["anonymous"], GOOD_CSV)
    assert response.status_code == 403, response.text


# -- SPARQL by role -------------------------------------------------------------------

RAW_VALUES = (
    f"SELECT ?value WHERE {{ GRAPH <{RAW_GRAPH}> {{ "
    f"?o <http://purl.org/linked-data/sdmx/2009/dimension#refArea> <{PETITBOURG}> ; "
    "<https://w3id.org/maillage/ns#indicator> ?i ; ?i ?value } }"
)
UNION_VALUES = (
    "SELECT ?value WHERE { "
    f"?o <http://purl.org/linked-data/sdmx/2009/dimension#refArea> <{PETITBOURG}> ; "
    "<https://w3id.org/maillage/ns#indicator> "
    f"<{BASE_IRI}/id/indicator/rsa-households> ; "
    f"<{BASE_IRI}/id/indicator/rsa-households> ?value }}"
)
SUPPRESSED = (
    "SELECT ?reason WHERE { "
    "?s a <https://w3id.org/maillage/ns#SuppressedObservation> ; "
    f"<http://purl.org/linked-data/sdmx/2009/dimension#refArea> <{PETITBOURG}> ; "
    "<https://w3id.org/maillage/ns#suppressionReason> ?reason }"
)


def sparql_values(client, headers, query: str) -> list[str]:
    response = client.get(
        "/sparql",
        params={"query": query},
        headers={**headers, "Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    return sorted(next(iter(b.values()))["value"] for b in bindings)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", []),
        ("reader", []),
        ("editor", []),
        ("administrator", ["3", "3", "80", "80"]),
    ],
)
def test_sparql_raw_graph_by_role(server, role, expected):
    client, headers = server
    assert sparql_values(client, headers[role], RAW_VALUES) == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", []),
        ("reader", []),
        ("editor", []),
        ("administrator", ["3", "3"]),
    ],
)
def test_sparql_default_graph_hides_small_count(server, role, expected):
    client, headers = server
    assert sparql_values(client, headers[role], UNION_VALUES) == expected


@pytest.mark.parametrize("role", ["anonymous", "reader", "editor", "administrator"])
def test_sparql_published_copy_gives_reason(server, role):
    client, headers = server
    reasons = sparql_values(client, headers[role], SUPPRESSED)
    assert len(reasons) == 2, reasons
    assert reasons[0].startswith("Effectif inférieur à 5"), reasons
