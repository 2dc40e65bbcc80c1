"""The observatory over HTTP after writes: indicator replaces and new memberships.

Each test gets a store of its own with the made-up territory and its RSA table, whose
published copy hides Petitbourg (3 households, under the catalogue's threshold of 5).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from maillage.graph.observatory.service import Observatory
from maillage.server.routes.observatory import (
    RECOMPUTING_HEADER,
    RECOMPUTING_NOTICE,
    hook_writer,
    observatory_of,
)
from tests.conftest import BASE_IRI
from tests.graph.observatory.territory import EPCI
from tests.server.test_observatory import open_client

INDICATOR = "/api/indicator/rsa-households"
INDICATOR_GRAPH = NamedNode(f"{BASE_IRI}/graph/indicator/rsa-households")
# Triples that the server writes on each replace.
SERVER_PREDICATES = {
    "https://w3id.org/maillage/ns#revisionNumber",
    "http://purl.org/dc/terms/modified",
    "http://purl.org/dc/terms/created",
}
MOYENVAL_2019 = (
    "/api/observatory/figure?indicator=rsa-households&territory=commune/99003&year=2019"
)
EPCI_2017 = (
    f"/api/observatory/figure?indicator=rsa-households&territory=epci/{EPCI}&year=2017"
)
MEMBERSHIP = f"""
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{BASE_IRI}/id/membership/{EPCI}-99003-2016> a org:Membership ;
  org:member <{BASE_IRI}/id/commune/99003> ;
  org:organization <{BASE_IRI}/id/epci/{EPCI}> ;
  mlg:startDate "2016-01-01"^^xsd:date ; mlg:endDate "2018-01-01"^^xsd:date .
"""


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[object, TestClient, dict]]:
    store, client, headers = open_client(tmp_path)
    try:
        with client:
            yield store, client, headers
    finally:
        store.close()


def item_triples(store) -> set[str]:
    return {
        str(triple)
        for triple in store.graph_triples(INDICATOR_GRAPH)
        if triple.predicate.value not in SERVER_PREDICATES
    }


def read_until(client, path: str, headers: dict, done, *, seconds: float = 60):
    """GET `path` until `done(figure)` is true and nothing is being recomputed."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        settled = "recomputing" not in body
        if settled and done(body["figure"]) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def replace_indicator(client, headers: dict, **changes) -> None:
    read = client.get(INDICATOR, headers=headers)
    body = {**read.json(), **changes}
    written = client.put(
        INDICATOR, json=body, headers={**headers, "if-match": read.headers["etag"]}
    )
    assert written.status_code == 200, written.text


def test_indicator_get_put_keeps_every_triple(site):
    store, client, headers = site
    before = item_triples(store)
    replace_indicator(client, headers["editor"])
    after = item_triples(store)
    assert before - after == set(), "lost by the replace"
    assert after - before == set(), "added by the replace"


def test_indicator_put_invalid_threshold(site):
    _, client, headers = site
    read = client.get(INDICATOR, headers=headers["editor"])
    body = {**read.json(), "secrecy_threshold": 0}
    etag = {"if-match": read.headers["etag"]}
    written = client.put(INDICATOR, json=body, headers={**headers["editor"], **etag})
    assert written.status_code == 422, written.text
    assert written.json()["errors"] == [
        {"field": "secrecy_threshold", "message": "must be greater than 0"}
    ]


def test_indicator_put_threshold_hides_more(site):
    _, client, headers = site
    shown = client.get(MOYENVAL_2019).json()["figure"]
    replace_indicator(client, headers["editor"], secrecy_threshold=70)
    body = read_until(client, MOYENVAL_2019, {}, lambda f: f["status"] == "hidden")
    figure = body["figure"]
    assert (shown["status"], shown["value"]) == ("published", 60), shown
    assert (figure["status"], figure["value"]) == ("hidden", None), body
    assert figure["hidden"]["rule"] == "primary", body


def test_membership_post_changes_epci_figure(site):
    _, client, headers = site
    admin = headers["administrator"]
    before = client.get(EPCI_2017, headers=admin).json()["figure"]["value"]
    posted = client.post(
        "/graphs",
        params={"graph": f"{BASE_IRI}/graph/dataset/adhesions-2016"},
        content=MEMBERSHIP.encode(),
        headers={**headers["editor"], "content-type": "text/turtle"},
    )
    body = read_until(client, EPCI_2017, admin, lambda f: f["value"] != before)
    assert posted.status_code in (201, 204), posted.text
    assert (before, body["figure"]["value"]) == (393, 448), body


def test_answer_says_figures_are_recomputed(site, iris, tmp_path):
    store, client, headers = site
    observatory = Observatory(store, iris, tmp_path / "slow", wait_seconds=0.0)
    observatory.refresh()
    client.app.state.observatory = observatory
    replace_indicator(client, headers["editor"], secrecy_threshold=70)
    with observatory.index.write_lock:
        response = client.get(MOYENVAL_2019)
    assert observatory.wait(60), "the refresh did not end in 60 s"
    assert response.headers[RECOMPUTING_HEADER] == "true", response.headers
    assert response.json()["recomputing"] == RECOMPUTING_NOTICE, response.text


def test_hooked_writer_republishes_without_reading(site):
    store, client, headers = site
    assert hook_writer in client.app.state.writer_hooks
    observatory = observatory_of(client.app)
    observatory.refresh()
    replace_indicator(client, headers["editor"], secrecy_threshold=70)
    assert observatory.wait(60), "the refresh did not end in 60 s"
    rows = store.select(
        f"SELECT ?s WHERE {{ GRAPH <{BASE_IRI}/graph/dataset/rsa-essai-published> "
        f"{{ ?s sdmx-dimension:refArea <{BASE_IRI}/id/commune/99003> ; "
        "a mlg:SuppressedObservation } }"
    )
    assert len(rows) == 2, rows
