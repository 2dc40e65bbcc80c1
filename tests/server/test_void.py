"""The VoID description at /void, counted for the requesting user."""

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph, Namespace, URIRef
from rdflib import Literal as RDFLiteral

from maillage.server.app import create_app

BASE = "http://maillage.test"
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
MLG = "https://w3id.org/maillage/ns#"
EDITOR = {"Authorization": "Bearer editor-secret"}
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DATASET = URIRef("http://testserver/void#dataset")


def graph(slug):
    return f"{BASE}/graph/dataset/{slug}"


@pytest.fixture
def client(settings, store):
    public = NamedNode(graph("public"))
    secret = NamedNode(graph("secret"))
    store.add_quads(
        [
            Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("1"), public),
            Quad(NamedNode("urn:a"), NamedNode("urn:q"), NamedNode("urn:b"), public),
            Quad(NamedNode("urn:b"), RDF_TYPE, NamedNode("urn:C"), public),
            Quad(
                NamedNode(f"{BASE}/id/dataset/secret"),
                NamedNode(f"{MLG}visibility"),
                NamedNode(f"{BASE}/id/concept/visibility-restricted"),
                secret,
            ),
            Quad(NamedNode("urn:s"), NamedNode("urn:p"), Literal("2"), secret),
        ]
    )
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def read_void(client, headers=None):
    response = client.get("/void", headers=headers or {})
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.text, format="turtle")


def count(description, subject, prop):
    return description.value(subject, prop).toPython()


def test_void_counts_for_anonymous(client):
    description = read_void(client)
    assert count(description, DATASET, VOID.triples) == 3
    assert count(description, DATASET, VOID.classes) == 1
    assert count(description, DATASET, VOID.distinctSubjects) == 2


def test_void_lists_readable_subsets_only(client):
    description = read_void(client)
    subsets = set(description.objects(DATASET, VOID.subset))
    assert subsets == {URIRef(graph("public"))}
    assert count(description, URIRef(graph("public")), VOID.triples) == 3


def test_void_names_endpoint(client):
    description = read_void(client)
    endpoint = description.value(DATASET, VOID.sparqlEndpoint)
    assert endpoint == URIRef("http://testserver/sparql")


def test_void_well_known_location(client):
    response = client.get("/.well-known/void")
    assert response.status_code == 200, response.text
    assert "void:triples" in response.text


def test_void_json_ld(client):
    response = client.get("/void", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"] == "application/ld+json", response.text


def test_service_description_links_void(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    description = Graph().parse(data=response.text, format="turtle")
    service = description.value(None, SD.endpoint, URIRef("http://testserver/sparql"))
    assert description.value(service, SD.defaultDataset) == DATASET, response.text


def test_void_counts_change_after_write(client):
    before = count(read_void(client), DATASET, VOID.triples)
    client.put(
        "/graphs?graph=" + graph("public"),
        content=b"<urn:x> <urn:y> <urn:z> .",
        headers={"Content-Type": "application/n-triples", **EDITOR},
    )
    after = count(read_void(client), DATASET, VOID.triples)
    assert (before, after) == (3, 1)


def test_void_literal_type(client):
    description = read_void(client)
    triples = description.value(DATASET, VOID.triples)
    assert isinstance(triples, RDFLiteral)
    assert triples.datatype == URIRef("http://www.w3.org/2001/XMLSchema#integer")


def test_void_shows_as_text_in_a_browser(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/void", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "void:Dataset" in response.text
