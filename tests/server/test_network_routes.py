"""Tests of the network routes: page, JSON data and the page's own files."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from maillage.server.app import create_app
from maillage.server.routes.network import PAGE_SECURITY_POLICY
from tests.viz.conftest import DATA, load_turtle


@pytest.fixture
def client(settings, store, iris):
    store.bulk_load(
        DATA / "network.ttl",
        RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=iris.dataset_graph("network-fixture"),
    )
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def test_read_network_page_html(client):
    response = client.get("/network")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<h1 id="network-heading">Qui fait quoi</h1>' in response.text


def test_read_network_page_security_policy(client):
    response = client.get("/network")
    assert response.headers["content-security-policy"] == PAGE_SECURITY_POLICY


def test_read_network_data(client):
    body = client.get("/network.json").json()
    assert len(body["nodes"]) == 10, body["nodes"]
    assert len(body["edges"]) == 12, body["edges"]


def test_read_network_data_kind_filter(client):
    body = client.get("/network.json", params={"kind": ["caf"]}).json()
    labels = sorted(node["label"] for node in body["nodes"])
    assert labels == [
        "Accès aux droits",
        "Action sociale",
        "Aller vers les publics isolés",
        "CAF de l'Ardèche",
    ]


def test_read_network_data_relation_filter(client):
    body = client.get("/network.json", params={"relation": ["lead", "holds"]}).json()
    relations = {edge["relation"] for edge in body["edges"]}
    assert relations == {"lead", "holds"}, body["edges"]


def test_read_network_data_unknown_relation(client):
    response = client.get("/network.json", params={"relation": "owns"})
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "unknown relation 'owns'; accepted: lead, partner, funder, operator, "
        "relies-on, holds, member-of",
        "code": "malformed_request",
    }


def test_read_network_page_unknown_kind(client):
    response = client.get("/network", params={"kind": "mairie"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_request", response.text


def test_read_network_data_hides_restricted_graph(client, store, iris):
    load_turtle(
        store,
        iris,
        """<id/action/fa-03> a mlg:Action ;
            dcterms:title "Action confidentielle"@fr ;
            mlg:visibility <id/concept/visibility-restricted> ;
            mlg:involvement [ mlg:agent <id/actor/caf-07> ;
                              mlg:role <id/concept/role-lead> ] .""",
        iris.item_graph("action", "fa-03"),
    )
    body = client.get("/network.json").json()
    labels = {node["label"] for node in body["nodes"]}
    assert "Action confidentielle" not in labels, labels
    assert "Accès aux droits" in labels, labels


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("vis-network.min.js", "text/javascript; charset=utf-8"),
        ("network.js", "text/javascript; charset=utf-8"),
        ("network.css", "text/css; charset=utf-8"),
        ("vis-network.LICENSE.txt", "text/plain; charset=utf-8"),
    ],
)
def test_read_network_asset(client, name, media_type):
    response = client.get(f"/static/viz/{name}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type


def test_read_network_asset_unknown(client):
    response = client.get("/static/viz/network.py")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no network page file named 'network.py'",
        "code": "not_found",
    }
