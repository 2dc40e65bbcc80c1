"""The /sparql endpoint over HTTP: protocol, negotiation, errors and rights."""

import json
import logging
from urllib.parse import quote, urlencode

import pytest
from fastapi.testclient import TestClient
from maillage.server.app import create_app
from maillage.server.sparql_protocol import parse_parameters
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import Namespace

MLG = "https://w3id.org/maillage/ns#"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SELECT_ALL = "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?s"
EDITOR = {"Authorization": "Bearer editor-secret"}
FORM = "application/x-www-form-urlencoded"


def public_graph(iris):
    return iris.dataset_graph("public")


def partners_graph(iris):
    return iris.dataset_graph("partners")


def add_dataset(store, iris, slug, visibility, subject):
    """Store a dataset graph of one triple, with the visibility set on the dataset."""
    graph = iris.dataset_graph(slug)
    store.add_quads(
        [
            Quad(
                iris.item("dataset", slug),
                NamedNode(MLG + "visibility"),
                iris.concept("visibility", visibility),
                graph,
            ),
            Quad(NamedNode(subject), NamedNode("urn:p"), Literal(slug), graph),
        ]
    )


@pytest.fixture
def client(settings, store, iris):
    add_dataset(store, iris, "public", "public", "urn:s1")
    add_dataset(store, iris, "partners", "partners", "urn:s2")
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def values(response, name="o"):
    bindings = response.json()["results"]["bindings"]
    return [binding[name]["value"] for binding in bindings]


def test_query_get(client):
    response = client.get("/sparql", params={"query": SELECT_ALL})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/sparql-results+json"
    assert values(response) == ["public"]


def test_query_post_form(client):
    response = client.post("/sparql", data={"query": SELECT_ALL})
    assert response.status_code == 200, response.text
    assert values(response) == ["public"]


def test_query_post_direct(client):
    response = client.post(
        "/sparql",
        content=SELECT_ALL.encode(),
        headers={"Content-Type": "application/sparql-query; charset=UTF-8"},
    )
    assert response.status_code == 200, response.text
    assert values(response) == ["public"]


def test_query_editor_reads_partner_graph(client):
    response = client.get("/sparql", params={"query": SELECT_ALL}, headers=EDITOR)
    assert values(response) == ["public", "partners"]


def test_query_graph_variable_hides_unreadable(client, iris):
    query = "SELECT ?g WHERE { GRAPH ?g { ?s <urn:p> ?o } }"
    response = client.get("/sparql", params={"query": query})
    assert values(response, "g") == [public_graph(iris).value]


def test_query_from_unreadable_graph_is_empty(client, iris):
    query = f"SELECT ?o FROM <{partners_graph(iris).value}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert values(response) == []


def test_query_protocol_dataset_parameters(client, iris):
    query = "SELECT ?o WHERE { ?s <urn:p> ?o }"
    response = client.get(
        "/sparql",
        params={
            "query": query,
            "default-graph-uri": [partners_graph(iris).value],
            "named-graph-uri": [public_graph(iris).value],
        },
        headers=EDITOR,
    )
    assert values(response) == ["partners"]


def test_query_protocol_dataset_in_form(client, iris):
    response = client.post(
        "/sparql",
        data={
            "query": "SELECT ?o WHERE { GRAPH ?g { ?s <urn:p> ?o } }",
            "named-graph-uri": [public_graph(iris).value, partners_graph(iris).value],
        },
    )
    assert values(response) == ["public"]


def test_query_two_query_parameters(client):
    response = client.get(
        "/sparql", params=[("query", SELECT_ALL), ("query", "ASK {}")]
    )
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "the parameter 'query' is given 2 times; give it once",
        "code": "malformed_request",
    }


def test_query_in_url_and_body(client):
    response = client.post(
        f"/sparql?query={quote('ASK {}')}",
        content=SELECT_ALL.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400, response.text


def test_query_body_not_utf8(client):
    response = client.post(
        "/sparql",
        content="SELECT * WHERE { ?s ?p 'é' }".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "the body is not valid UTF-8 at byte 24"


def test_query_percent_escape_not_utf8(client):
    response = client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%E9%22%20%7D")
    assert response.status_code == 400, response.text
    assert "not valid UTF-8" in response.json()["detail"]


def test_query_form_body_not_utf8(client):
    response = client.post(
        "/sparql", content=b"query=ASK%20%7B%7D%E9", headers={"Content-Type": FORM}
    )
    assert response.status_code == 400, response.text


def test_query_form_body_not_utf8_each_time(client):
    body = b"query=ASK%20%7B%7D%E9"
    for _ in range(3):
        response = client.post("/sparql", content=body, headers={"Content-Type": FORM})
        assert response.status_code == 400, response.text
        assert "not valid UTF-8" in response.json()["detail"]


def test_parse_parameters_repeated_body_gives_fresh_lists():
    body = b"query=ASK%20%7B%7D&default-graph-uri=urn%3Aa"
    first = parse_parameters(body, "body")
    first["query"].append("SELECT * WHERE {}")
    first["named-graph-uri"] = ["urn:b"]
    again = parse_parameters(body, "body")
    assert again == {"query": ["ASK {}"], "default-graph-uri": ["urn:a"]}


def test_parse_parameters_long_body_like_short():
    text = "SELECT * WHERE { ?s ?p 'é' } # " + "x" * 20_000
    body = urlencode({"query": text}).encode()
    assert parse_parameters(body, "body") == {"query": [text]}
    assert parse_parameters(b"", "URL") == {}


def test_query_post_without_content_type(client):
    response = client.post("/sparql", content=SELECT_ALL.encode())
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "missing Content-Type: send one of "
        "application/x-www-form-urlencoded, application/sparql-query, "
        "application/sparql-update",
        "code": "malformed_request",
    }


def test_query_post_unsupported_content_type(client):
    response = client.post(
        "/sparql", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported_media_type"


def test_query_post_other_charset(client):
    response = client.post(
        "/sparql",
        content=SELECT_ALL.encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=utf-16"},
    )
    assert response.status_code == 415, response.text


def test_query_post_form_without_query(client):
    response = client.post("/sparql", data={"format": "json"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("missing parameter 'query' or 'update'")


def test_query_body_over_limit(settings, store):
    settings.max_body_bytes = 100
    with TestClient(create_app(settings, store=store)) as client:
        response = client.post(
            "/sparql",
            content=("# " + "x" * 200 + "\nASK {}").encode(),
            headers={"Content-Type": "application/sparql-query"},
        )
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": "the request body is larger than 100 bytes, the limit of this "
        "endpoint",
        "code": "payload_too_large",
    }


def test_query_form_field_over_one_megabyte(settings, store, iris):
    # Starlette's own form parser stops at 1 MB per field.
    settings.max_query_bytes = 2 * 1024 * 1024
    add_dataset(store, iris, "public", "public", "urn:s1")
    query = "# " + "x" * (1024 * 1024 + 10) + "\n" + SELECT_ALL
    with TestClient(create_app(settings, store=store)) as client:
        response = client.post("/sparql", data={"query": query})
    assert response.status_code == 200, response.text
    assert values(response) == ["public"]


def test_query_malformed_gives_position(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400, response.text
    assert response.json() == {
        "detail": "invalid SPARQL request at line 1, column 18: the text from there "
        "does not parse; the parser stopped at line 1, column 25 (expected one of "
        "LATERAL, SERVICE)",
        "code": "malformed_query",
        "line": 1,
        "column": 18,
    }


def test_query_empty(client):
    response = client.get("/sparql", params={"query": ""})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_query"


def test_query_result_too_large(settings, store, iris):
    add_dataset(store, iris, "public", "public", "urn:s1")
    settings.max_result_rows = 1
    with TestClient(create_app(settings, store=store)) as client:
        response = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "result_too_large"
    assert "LIMIT and OFFSET" in response.json()["detail"]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        (
            "text/*;q=0.5, application/sparql-results+xml;q=0.9",
            "application/sparql-results+xml",
        ),
        ("application/sparql-results+json;q=0.1, text/csv", "text/csv; charset=utf-8"),
        ("text/html, */*;q=0.1", "application/sparql-results+json"),
    ],
)
def test_query_select_negotiates_accept(client, accept, media_type):
    response = client.get(
        "/sparql", params={"query": SELECT_ALL}, headers={"Accept": accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle; charset=utf-8"),
        ("application/n-triples", "application/n-triples"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
    ],
)
def test_query_construct_negotiates_accept(client, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    query = "CONSTRUCT WHERE { ?s <urn:p> ?o }"
    response = client.get("/sparql", params={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type


def test_query_construct_turtle_content(client):
    response = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s <urn:p> ?o }"}
    )
    graph = Graph().parse(data=response.text, format="turtle")
    assert set(graph) == {(URIRef("urn:s1"), URIRef("urn:p"), RDFLiteral("public"))}


def test_query_not_acceptable(client):
    response = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Accept": "text/csv"}
    )
    assert response.status_code == 406, response.text
    assert response.json() == {
        "detail": "no format of ASK results matches Accept 'text/csv'; offered: "
        "application/sparql-results+json, application/sparql-results+xml, "
        "application/json",
        "code": "not_acceptable",
    }


def test_query_format_parameter(client):
    response = client.get("/sparql", params={"query": SELECT_ALL, "format": "tsv"})
    assert response.status_code == 200, response.text
    assert response.text.splitlines()[0] == "?s\t?o"


def test_query_format_parameter_wins_over_accept(client):
    query = "CONSTRUCT WHERE { ?s <urn:p> ?o }"
    response = client.get(
        "/sparql",
        params={"query": query, "format": "nt"},
        headers={"Accept": "text/turtle"},
    )
    assert response.headers["content-type"] == "application/n-triples"


def test_query_format_parameter_wrong_form(client):
    response = client.get("/sparql", params={"query": SELECT_ALL, "format": "ttl"})
    assert response.status_code == 406, response.text


def test_query_format_parameter_unknown(client):
    response = client.get("/sparql", params={"query": SELECT_ALL, "format": "html"})
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == (
        "unknown result format 'html'; accepted: json, xml, csv, tsv, ttl, nt, nq, "
        "trig, rdfxml, jsonld"
    )


def test_query_logs_one_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="maillage.server.routes.sparql"):
        client.get("/sparql", params={"query": SELECT_ALL})
    lines = [r.getMessage() for r in caplog.records if r.name.endswith("routes.sparql")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("SPARQL SELECT query: ")
    assert " bytes as json in " in lines[0]
    assert lines[0].endswith("ms, role anonymous")


def read_description(response):
    return Graph().parse(data=response.text, format="turtle")


def test_service_description_names_endpoint(client):
    response = client.get("/sparql")
    assert response.status_code == 200, response.text
    description = read_description(response)
    service = description.value(
        predicate=SD.endpoint, object=URIRef("http://testserver/sparql")
    )
    assert service is not None, response.text
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) in description


def test_service_description_lists_result_formats(client):
    description = read_description(client.get("/sparql"))
    formats = set(description.objects(predicate=SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats


def test_service_description_lists_readable_graphs_only(client, iris):
    description = read_description(client.get("/sparql"))
    names = set(description.objects(predicate=SD.name))
    assert names == {URIRef(public_graph(iris).value)}


def test_service_description_for_editor(client, iris):
    description = read_description(client.get("/sparql", headers=EDITOR))
    names = set(description.objects(predicate=SD.name))
    assert names == {
        URIRef(public_graph(iris).value),
        URIRef(partners_graph(iris).value),
    }


def test_service_description_json_ld(client):
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200, response.text
    assert isinstance(json.loads(response.text), list)


def test_service_description_not_acceptable(client):
    response = client.get("/sparql", headers={"Accept": "text/csv"})
    assert response.status_code == 406, response.text
    assert response.json()["detail"].startswith("no format of the service description")


def test_query_deep_nesting(client):
    query = "SELECT * WHERE " + "{ " * 200 + "?s ?p ?o " + "} " * 200
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == (
        "invalid SPARQL request: it nests groups or expressions too deeply to be "
        "checked"
    )


def test_service_description_sends_browsers_to_query_page(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("/query")


def test_service_description_for_any_type(client):
    response = client.get("/sparql", headers={"Accept": "*/*"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
