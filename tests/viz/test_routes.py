"""Tests of the network routes added for filters, analytics and exports."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app
from tests.viz.conftest import load_turtle

BASE = "http://maillage.test/id/"


@pytest.fixture
def client(settings, network_store):
    with TestClient(create_app(settings, store=network_store)) as test_client:
        yield test_client


def test_read_network_graphml(client):
    response = client.get("/network.graphml")
    read = nx.read_graphml(io.BytesIO(response.content), force_multigraph=True)
    assert response.headers["content-type"] == "application/graphml+xml", response.text
    assert read.number_of_nodes() == 10


def test_read_network_graphml_filtered_by_date(client):
    response = client.get("/network.graphml", params={"date": "2016-06-01"})
    read = nx.read_graphml(io.BytesIO(response.content), force_multigraph=True)
    relations = [data["relation"] for _, _, data in read.edges(data=True)]
    assert "holds" not in relations, relations


def test_read_network_gexf(client):
    response = client.get("/network.gexf", params={"kind": "caf"})
    read = nx.read_gexf(io.BytesIO(response.content))
    assert response.headers["content-type"] == "application/gexf+xml", response.text
    assert BASE + "actor/caf-07" in read


def test_read_network_analytics(client):
    body = client.get("/network/analytics.json").json()
    assert body["nodes"] == 10, body
    assert body["betweenness_samples"] is None, body
    assert [a["label"] for a in body["isolated_actors"]] == [
        "Chomérac",
        "La Voulte-sur-Rhône",
    ], body


def test_read_network_data_filter_menus(client):
    filters = client.get("/network.json", params={"date": "2017-06-01"}).json()[
        "filters"
    ]
    assert filters["date"] == "2017-06-01"
    assert [e["value"] for e in filters["competences"]] == ["C2520"]
    assert [e["value"] for e in filters["territories"]][:2] == [
        "epci/200071413",
        "departement/07",
    ]


def test_read_network_data_edge_basis(client):
    edges = client.get("/network.json").json()["edges"]
    holds = next(e for e in edges if e["relation"] == "holds")
    assert holds["basis_label"] == "Arrêté préfectoral de fusion", holds
    assert holds["basis_url"] == "/id/act/arrete-2016-capca", holds
    assert holds["origin_url"] == "/id/transfer/action-sociale", holds


def test_read_network_data_involvement_basis(client):
    edges = client.get("/network.json").json()["edges"]
    lead = next(
        e for e in edges if e["relation"] == "lead" and e["to"].endswith("fa-01")
    )
    assert lead["basis_label"] == "Fiche action n° 1 : Accès aux droits", lead
    assert lead["basis_url"] == "/id/action/fa-01", lead


def test_read_network_data_empty_menu_values_ignored(client):
    response = client.get(
        "/network.json",
        params={"competence": "", "theme": "", "territory": "", "date": "2017-06-01"},
    )
    assert len(response.json()["nodes"]) == 10, response.text


def test_read_network_data_unknown_territory_type(client):
    response = client.get("/network.json", params={"territory": "actor/caf-07"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_identifier", response.text


def test_read_network_data_bad_date(client):
    response = client.get("/network.json", params={"date": "2017-02-30"})
    assert response.status_code == 422, response.text


def test_read_network_graphml_escapes_markup(client, network_store, iris):
    load_turtle(
        network_store,
        iris,
        '<id/actor/hostile> a mlg:Association ; skos:prefLabel "<b>&amp;</b>"@fr .',
        iris.item_graph("actor", "hostile"),
    )
    read = nx.read_graphml(io.BytesIO(client.get("/network.graphml").content))
    assert read.nodes[BASE + "actor/hostile"]["label"] == "<b>&amp;</b>"


def test_read_network_data_empty_date(client):
    response = client.get("/network.json", params={"date": ""})
    assert response.status_code == 200, response.text
    assert response.json()["filters"]["date"] == "", response.text
