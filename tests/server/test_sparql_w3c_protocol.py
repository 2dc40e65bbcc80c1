"""The W3C SPARQL 1.1 Protocol test cases, run against /sparql.

The cases follow the list of the SPARQL 1.1 Protocol test suite
(http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/). Their graphs
`data0.rdf` to `data3.rdf` are dataset graphs loaded into the store beforehand: the
endpoint reads graph IRIs as names in the store, never as documents to fetch. maillage
writes dataset graphs only, so the update cases write `{base}/graph/dataset/...` and
`CLEAR ALL` is forbidden (403) rather than run.
"""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Quad

from maillage.server.app import create_app

BASE = "http://maillage.test"
EDITOR = {"Authorization": "Bearer editor-secret"}
QUERY = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FOAF_DOCUMENT = NamedNode("http://xmlns.com/foaf/0.1/Document")
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
BIBLIOGRAPHIC = "http://purl.org/dc/terms/BibliographicResource"


def data(n):
    return f"{BASE}/graph/dataset/data{n}"


@pytest.fixture
def client(settings, store):
    # Each graph says that its own name is a foaf:Document.
    store.add_quads(
        Quad(NamedNode(data(n)), RDF_TYPE, FOAF_DOCUMENT, NamedNode(data(n)))
        for n in range(4)
    )
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def ask(client, text, headers=None, **kwargs):
    headers = {**QUERY, **(headers or {})}
    response = client.post("/sparql", content=text.encode(), headers=headers, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


# Positive query cases


def test_protocol_query_get(client):
    response = client.get("/sparql?query=ASK%20%7B%7D")
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


def test_protocol_query_post_form(client):
    response = client.post("/sparql", content=b"query=ASK%20%7B%7D", headers=FORM)
    assert response.status_code == 200, response.text


def test_protocol_query_post_direct(client):
    response = client.post("/sparql", content=b"ASK {}", headers=QUERY)
    assert response.status_code == 200, response.text


def test_protocol_query_dataset_default_graph(client):
    params = {"default-graph-uri": data(1)}
    assert ask(client, f"ASK {{ <{data(1)}> ?p ?o }}", params=params) is True


def test_protocol_query_dataset_default_graphs(client):
    params = {"default-graph-uri": [data(1), data(2)]}
    text = f"ASK {{ <{data(1)}> ?p ?o . <{data(2)}> ?p ?o }}"
    assert ask(client, text, params=params) is True


def test_protocol_query_dataset_named_graphs(client):
    params = {"named-graph-uri": [data(1), data(2)]}
    assert ask(client, "ASK { GRAPH ?g { ?s ?p ?o } }", params=params) is True


def test_protocol_query_dataset_full(client):
    params = {"default-graph-uri": data(3), "named-graph-uri": [data(1), data(2)]}
    text = "SELECT ?g ?x ?s { ?x ?y ?o GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    response = client.post("/sparql", content=text, headers=QUERY, params=params)
    bindings = response.json()["results"]["bindings"]
    assert [b["g"]["value"] for b in bindings] == [data(1), data(2)], response.text
    assert {b["x"]["value"] for b in bindings} == {data(3)}


def test_protocol_query_multiple_dataset(client):
    # The protocol's dataset wins over FROM in the query.
    params = {"default-graph-uri": data(2)}
    text = f"ASK FROM <{data(1)}> {{ <{data(1)}> ?p ?o }}"
    assert ask(client, text, params=params) is False


@pytest.mark.parametrize(
    ("text", "media_types"),
    [
        ("SELECT (1 AS ?value) {}", {"application/sparql-results+json"}),
        ("ASK {}", {"application/sparql-results+json"}),
        ("DESCRIBE <http://example.org/>", {"text/turtle"}),
        ("CONSTRUCT { <urn:s> <urn:p> 1 } WHERE {}", {"text/turtle"}),
    ],
)
def test_protocol_query_content_type(client, text, media_types):
    response = client.post("/sparql", content=text.encode(), headers=QUERY)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] in media_types


# Negative query cases


def test_protocol_bad_query_method(client):
    response = client.put("/sparql?query=ASK%20%7B%7D")
    assert response.status_code == 405, response.text


def test_protocol_bad_multiple_queries(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400, response.text


def test_protocol_bad_query_wrong_media_type(client):
    headers = {"Content-Type": "text/plain"}
    response = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert response.status_code == 415, response.text


@pytest.mark.parametrize("body", [b"query=ASK%20%7B%7D", b"ASK {}"])
def test_protocol_bad_query_missing_type(client, body):
    # Covers bad-query-missing-form-type and bad-query-missing-direct-type.
    response = client.post("/sparql", content=body, headers={"Content-Type": ""})
    assert response.status_code == 400, response.text


def test_protocol_bad_query_non_utf8(client):
    headers = {"Content-Type": "application/sparql-query; charset=UTF-16"}
    body = "ASK {}".encode("utf-16")
    response = client.post("/sparql", content=body, headers=headers)
    assert response.status_code == 415, response.text


def test_protocol_bad_query_syntax(client):
    response = client.get("/sparql?query=ASK%20%7B")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_query"


# Update cases


def test_protocol_update_post_form(client, store):
    target = quote(data(0), safe="")
    body = f"update=CLEAR%20GRAPH%20%3C{target}%3E".encode()
    response = client.post("/sparql", content=body, headers={**FORM, **EDITOR})
    assert response.status_code == 204, response.text
    assert store.graph_triples(NamedNode(data(0))) == []


def test_protocol_update_post_direct(client, store):
    text = f"CLEAR GRAPH <{data(0)}>"
    response = client.post("/sparql", content=text, headers={**UPDATE, **EDITOR})
    assert response.status_code == 204, response.text
    assert store.graph_triples(NamedNode(data(0))) == []


def test_protocol_update_clear_all_forbidden(client):
    response = client.post("/sparql", content="CLEAR ALL", headers={**UPDATE, **EDITOR})
    assert response.status_code == 403, response.text


def test_protocol_update_dataset_default_graph(client):
    target = f"{BASE}/graph/dataset/protocol-update-dataset-test"
    update = (
        f"INSERT {{ GRAPH <{target}> {{ ?s a <{BIBLIOGRAPHIC}> }} }} "
        "WHERE { ?s a <http://xmlns.com/foaf/0.1/Document> }"
    )
    response = client.post(
        "/sparql",
        content=update,
        headers={**UPDATE, **EDITOR},
        params={"using-graph-uri": data(1)},
    )
    assert response.status_code == 204, response.text
    check = f"ASK {{ GRAPH <{target}> {{ <{data(1)}> a <{BIBLIOGRAPHIC}> }} }}"
    assert ask(client, check, headers=EDITOR) is True
    other = f"ASK {{ GRAPH <{target}> {{ <{data(2)}> ?p ?o }} }}"
    assert ask(client, other, headers=EDITOR) is False


def test_protocol_update_dataset_default_graphs(client):
    target = f"{BASE}/graph/dataset/protocol-update-dataset-graphs-test"
    update = (
        f"INSERT {{ GRAPH <{target}> {{ ?s a <{BIBLIOGRAPHIC}> }} }} "
        "WHERE { ?s a <http://xmlns.com/foaf/0.1/Document> }"
    )
    client.post(
        "/sparql",
        content=update,
        headers={**UPDATE, **EDITOR},
        params={"using-graph-uri": [data(1), data(2)]},
    )
    check = (
        f"ASK {{ GRAPH <{target}> {{ <{data(1)}> a <{BIBLIOGRAPHIC}> . "
        f"<{data(2)}> a <{BIBLIOGRAPHIC}> }} }}"
    )
    assert ask(client, check, headers=EDITOR) is True


def test_protocol_update_dataset_named_graphs(client):
    target = f"{BASE}/graph/dataset/protocol-update-dataset-named-graphs-test"
    update = (
        f"INSERT {{ GRAPH <{target}> {{ ?g a <{BIBLIOGRAPHIC}> }} }} "
        "WHERE { GRAPH ?g { ?g a <http://xmlns.com/foaf/0.1/Document> } }"
    )
    client.post(
        "/sparql",
        content=update,
        headers={**UPDATE, **EDITOR},
        params={"using-named-graph-uri": [data(1), data(2)]},
    )
    select = f"SELECT ?s WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }} ORDER BY ?s"
    response = client.post("/sparql", content=select, headers={**QUERY, **EDITOR})
    values = [b["s"]["value"] for b in response.json()["results"]["bindings"]]
    assert values == [data(1), data(2)], response.text


def test_protocol_update_dataset_delete_where(client, store):
    # DELETE WHERE reads the protocol's dataset too, through its long form.
    update = f"DELETE WHERE {{ GRAPH <{data(0)}> {{ ?s a ?type }} }}"
    response = client.post(
        "/sparql",
        content=update,
        headers={**UPDATE, **EDITOR},
        params={"using-named-graph-uri": data(0)},
    )
    assert response.status_code == 204, response.text
    assert store.graph_triples(NamedNode(data(0))) == []


def test_protocol_bad_update_get(client):
    response = client.get("/sparql?update=CLEAR%20ALL")
    assert response.status_code == 405, response.text


def test_protocol_bad_multiple_updates(client):
    body = b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT"
    response = client.post("/sparql", content=body, headers={**FORM, **EDITOR})
    assert response.status_code == 400, response.text


def test_protocol_bad_update_wrong_media_type(client):
    headers = {"Content-Type": "text/plain", **EDITOR}
    response = client.post("/sparql", content=b"CLEAR NAMED", headers=headers)
    assert response.status_code == 415, response.text


def test_protocol_bad_update_non_utf8(client):
    headers = {"Content-Type": "application/sparql-update; charset=UTF-16", **EDITOR}
    body = "CLEAR NAMED".encode("utf-16")
    response = client.post("/sparql", content=body, headers=headers)
    assert response.status_code == 415, response.text


def test_protocol_bad_update_syntax(client):
    body = b"update=CLEAR%20XYZ"
    response = client.post("/sparql", content=body, headers={**FORM, **EDITOR})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "parameter", ["using-graph-uri", "using-named-graph-uri"]
)
def test_protocol_bad_update_dataset_conflict(client, parameter):
    update = (
        f"WITH <{data(0)}> DELETE {{ ?s ?p 'Bill' }} INSERT {{ ?s ?p 'William' }} "
        "WHERE { ?s ?p 'Bill' }"
    )
    response = client.post(
        "/sparql",
        data={parameter: data(1), "update": update},
        headers=EDITOR,
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "dataset_conflict"


def test_protocol_bad_update_using_clause_conflict(client):
    update = (
        f"INSERT {{ GRAPH <{data(0)}> {{ ?s ?p ?o }} }} USING <{data(2)}> "
        "WHERE { ?s ?p ?o }"
    )
    response = client.post(
        "/sparql",
        content=update,
        headers={**UPDATE, **EDITOR},
        params={"using-graph-uri": data(1)},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "dataset_conflict"


def test_protocol_update_base_iri(client):
    target = f"{BASE}/graph/dataset/protocol-base-test"
    update = (
        f"INSERT DATA {{ GRAPH <{target}> {{ <http://example.org/s> "
        "<http://example.org/p> <test> } }"
    )
    response = client.post("/sparql", content=update, headers={**UPDATE, **EDITOR})
    assert response.status_code == 204, response.text
    select = f"SELECT ?o WHERE {{ GRAPH <{target}> {{ ?s ?p ?o }} }}"
    result = client.post("/sparql", content=select, headers={**QUERY, **EDITOR})
    value = result.json()["results"]["bindings"][0]["o"]["value"]
    assert value.startswith("http"), value
    assert value.endswith("test"), value
