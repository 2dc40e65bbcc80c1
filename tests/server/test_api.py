import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse
from rdflib import Graph
from rdflib.compare import isomorphic

from maillage.graph.iris import ITEM_TYPES
from maillage.server.app import create_app
from tests.sample_items import COMMUNE_COUNT, SAMPLE_KEYS, load_sample

EDITOR = {"authorization": "Bearer editor-secret"}


@pytest.fixture
def client(settings, store, iris):
    load_sample(store, iris)
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def item_graph(store, iris, item_type, key):
    """Return the stored triples of an item and its fragments as an rdflib graph."""
    graph = Graph()
    data = store.oxigraph.dump(
        format=RdfFormat.N_QUADS, from_graph=iris.item_graph(item_type, key)
    )
    graph.parse(data=data.decode(), format="nt")
    return graph


def test_read_types_counts(client):
    response = client.get("/api")
    counts = {entry["type"]: entry["count"] for entry in response.json()["types"]}
    assert list(counts) == list(ITEM_TYPES), response.text
    assert counts["commune"] == COMMUNE_COUNT, response.text
    assert counts["document"] == 2, response.text


def test_read_types_links(client):
    first = client.get("/api").json()["types"][0]
    assert first["href"] == "http://testserver/api/document", first


def test_list_items_first_page(client):
    response = client.get("/api/commune?limit=3")
    body = response.json()
    assert (body["total"], body["offset"], body["limit"]) == (COMMUNE_COUNT, 0, 3)
    assert [item["key"] for item in body["items"]] == ["07010", "07019", "07066"]
    assert body["next"] == "http://testserver/api/commune?offset=3&limit=3", body


def test_list_items_last_page(client):
    body = client.get("/api/commune?offset=6&limit=3").json()
    assert [item["key"] for item in body["items"]] == ["07331"], body
    assert body["next"] is None, body


def test_list_items_title_filter(client):
    body = client.get("/api/commune", params={"q": "CHOMERAC"}).json()
    assert [item["key"] for item in body["items"]] == ["07066"], body
    assert body["total"] == 1, body


def test_list_items_class_filter(client):
    body = client.get("/api/act", params={"class": "mlg:LawArticle"}).json()
    assert [item["key"] for item in body["items"]] == ["cgct-l5216-5-2016-01-01"], body


def test_list_items_limit_over_maximum(client):
    response = client.get("/api/commune?limit=501")
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "invalid query parameter limit='501': must be at most 500",
        "code": "invalid_parameter",
    }


def test_list_items_negative_offset(client):
    response = client.get("/api/commune?offset=-1")
    assert response.json() == {
        "detail": "invalid query parameter offset='-1': must be at least 0",
        "code": "invalid_parameter",
    }


def test_list_items_invalid_class(client):
    response = client.get("/api/act", params={"class": "foo:Bar"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(
        "invalid query parameter class='foo:Bar': invalid class 'foo:Bar': give a full "
        "IRI or a prefixed name with one of the prefixes mlg, org"
    ), response.text


def test_list_items_unknown_type(client):
    response = client.get("/api/things")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "unknown item type 'things'; accepted: " + ", ".join(ITEM_TYPES),
        "code": "unknown_type",
    }


def test_list_items_hides_restricted_and_drafts(client):
    body = client.get("/api/document").json()
    keys = [item["key"] for item in body["items"]]
    assert keys == ["compte-rendu-hostile", "diagnostic-social"], body


def test_list_items_editor_sees_drafts(client):
    body = client.get("/api/document", headers=EDITOR).json()
    assert "brouillon" in [item["key"] for item in body["items"]], body


def test_list_items_wrong_token_unauthorized(client):
    headers = {"authorization": "Bearer not-the-token"}
    response = client.get("/api/document", headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_token", response.text


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_read_item_json_every_type(client, item_type):
    key = SAMPLE_KEYS[item_type]
    response = client.get(f"/api/{item_type}/{key}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@id"] == body["iri"] == f"http://maillage.test/id/{item_type}/{key}"


@pytest.mark.parametrize("item_type", ITEM_TYPES)
def test_read_item_turtle_every_type(client, item_type):
    key = SAMPLE_KEYS[item_type]
    response = client.get(f"/api/{item_type}/{key}", headers={"accept": "text/turtle"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    subjects = {t.subject.value for t in parse(response.content, RdfFormat.TURTLE)}
    assert f"http://maillage.test/id/{item_type}/{key}" in subjects, response.text


def test_read_item_turtle_matches_store(client, store, iris):
    response = client.get("/api/action/fa-01", headers={"accept": "text/turtle"})
    served = Graph().parse(data=response.text, format="turtle")
    assert isomorphic(served, item_graph(store, iris, "action", "fa-01")), response.text


def test_read_item_jsonld_parses_back(client, store, iris):
    headers = {"accept": "application/ld+json"}
    response = client.get("/api/action/fa-01", headers=headers)
    assert response.headers["content-type"] == "application/ld+json", response.text
    served = Graph().parse(data=response.text, format="json-ld")
    assert isomorphic(served, item_graph(store, iris, "action", "fa-01")), response.text


def test_read_item_prefers_by_quality(client):
    headers = {"accept": "application/json;q=0.5, text/turtle;q=0.9"}
    response = client.get("/api/commune/07186", headers=headers)
    assert response.headers["content-type"].startswith("text/turtle"), response.text


def test_read_item_not_acceptable(client):
    response = client.get("/api/commune/07186", headers={"accept": "image/png"})
    assert response.status_code == 406, response.text
    assert response.json() == {
        "detail": "none of the requested media types is available; offered: "
        "application/json, application/ld+json, text/turtle, application/n-triples",
        "code": "not_acceptable",
    }


def test_read_item_missing(client):
    response = client.get("/api/commune/00000")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no commune with key '00000'",
        "code": "not_found",
    }


def test_read_item_restricted_same_as_missing(client):
    response = client.get("/api/document/note-juridique")
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": "no document with key 'note-juridique'",
        "code": "not_found",
    }


def test_read_item_invalid_key(client):
    response = client.get("/api/commune/bad%20key")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_identifier", response.text
