"""The Graph Store HTTP Protocol at /graphs.

The first tests follow the W3C test cases of the SPARQL 1.1 Graph Store HTTP Protocol
(http://www.w3.org/2009/sparql/docs/tests/data-sparql11/http-rdf-update/), each with its
graphs loaded into the store beforehand, never fetched. maillage names graphs with
`?graph=` only, and its default graph is read-only, so "PUT - default graph" expects
405 here instead of a write.
"""

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse
from rdflib import Graph
from rdflib.compare import isomorphic

from maillage.server.app import create_app

BASE = "http://maillage.test"
EDITOR = {"Authorization": "Bearer editor-secret"}
TTL = "text/turtle"
TURTLE = {"Content-Type": "text/turtle; charset=utf-8"}
PREFIXES = """
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix v: <http://www.w3.org/2006/vcard/ns#> .
"""
PERSON = f"{BASE}/id/actor/referent-1"
JOHN = PREFIXES + f"""
<{PERSON}> a foaf:Person ;
    foaf:businessCard [ a v:VCard ; v:fn "Jean Dupont" ] .
"""
JANE = PREFIXES + f"""
<{PERSON}> a foaf:Person ;
    foaf:businessCard [ a v:VCard ; v:fn "Jeanne Dupont" ] .
"""
ALICE = PREFIXES + """
[] a foaf:Person ;
    foaf:businessCard [ a v:VCard ; v:given-name "Alice" ] .
"""


def graph_iri(slug):
    return f"{BASE}/graph/dataset/{slug}"


def url(slug):
    return "/graphs?graph=" + quote(graph_iri(slug), safe="")


def load(store, slug, turtle):
    quads = parse(turtle.encode(), format=RdfFormat.TURTLE, base_iri=f"{BASE}/")
    graph = NamedNode(graph_iri(slug))
    store.add_quads(Quad(q.subject, q.predicate, q.object, graph) for q in quads)


def rdf(text, format="turtle"):
    return Graph().parse(data=text, format=format, publicID=f"{BASE}/")


def same_graph(response, turtle):
    return isomorphic(rdf(response.text), rdf(turtle))


@pytest.fixture
def client(settings, store):
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


# W3C test cases


def test_gsp_put_initial_state(client):
    response = client.put(url("person-1"), content=JOHN, headers={**TURTLE, **EDITOR})
    assert response.status_code == 201, response.text


def test_gsp_get_of_put_initial_state(client):
    client.put(url("person-1"), content=JOHN, headers={**TURTLE, **EDITOR})
    response = client.get(url("person-1"), headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    assert same_graph(response, JOHN), response.text


def test_gsp_head_on_existing_graph(client, store):
    load(store, "person-1", JOHN)
    response = client.head(url("person-1"), headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""


def test_gsp_head_on_non_existing_graph(client):
    response = client.head(url("person-4"))
    assert response.status_code == 404


def test_gsp_put_graph_already_in_store(client, store):
    load(store, "person-1", JOHN)
    response = client.put(url("person-1"), content=JANE, headers={**TURTLE, **EDITOR})
    assert response.status_code == 204, response.text


def test_gsp_get_of_put_graph_already_in_store(client, store):
    load(store, "person-1", JOHN)
    client.put(url("person-1"), content=JANE, headers={**TURTLE, **EDITOR})
    response = client.get(url("person-1"), headers={"Accept": "text/turtle"})
    assert same_graph(response, JANE), response.text


def test_gsp_put_default_graph_not_allowed(client):
    response = client.put(
        "/graphs?default", content=ALICE, headers={**TURTLE, **EDITOR}
    )
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json()["code"] == "method_not_allowed"


def test_gsp_get_of_put_default_graph_unchanged(client, store):
    load(store, "person-1", JOHN)
    client.put("/graphs?default", content=ALICE, headers={**TURTLE, **EDITOR})
    response = client.get("/graphs?default", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert same_graph(response, JOHN), response.text


def test_gsp_put_mismatched_payload(client, store):
    load(store, "person-1", JOHN)
    headers = {"Content-Type": "application/rdf+xml", **EDITOR}
    response = client.put(url("person-1"), content=JANE, headers=headers)
    assert response.status_code == 400, response.text
    kept = client.get(url("person-1"))
    assert same_graph(kept, JOHN), kept.text


def test_gsp_put_empty_graph(client):
    response = client.put(url("person-2"), content=b"", headers={**TURTLE, **EDITOR})
    assert response.status_code == 201, response.text


def test_gsp_get_of_put_empty_graph(client):
    client.put(url("person-2"), content=b"", headers={**TURTLE, **EDITOR})
    response = client.get(url("person-2"), headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert len(rdf(response.text)) == 0, response.text


def test_gsp_put_replace_empty_graph(client):
    client.put(url("person-2"), content=b"", headers={**TURTLE, **EDITOR})
    response = client.put(url("person-2"), content=ALICE, headers={**TURTLE, **EDITOR})
    assert response.status_code == 204, response.text
    assert same_graph(client.get(url("person-2")), ALICE)


def test_gsp_delete_existing_graph(client, store):
    load(store, "person-2", ALICE)
    response = client.delete(url("person-2"), headers=EDITOR)
    assert response.status_code == 204, response.text


def test_gsp_get_of_delete_existing_graph(client, store):
    load(store, "person-2", ALICE)
    client.delete(url("person-2"), headers=EDITOR)
    response = client.get(url("person-2"), headers={"Accept": "text/turtle"})
    assert response.status_code == 404, response.text


def test_gsp_delete_non_existent_graph(client):
    response = client.delete(url("person-2"), headers=EDITOR)
    assert response.status_code == 404, response.text
    assert response.json() == {
        "detail": f"no graph <{graph_iri('person-2')}> to delete",
        "code": "not_found",
    }


def test_gsp_post_existing_graph(client, store):
    load(store, "person-1", JANE)
    body = f'<{PERSON}> <http://xmlns.com/foaf/0.1/name> "Jeanne Dupont" .'
    response = client.post(url("person-1"), content=body, headers={**TURTLE, **EDITOR})
    assert response.status_code == 204, response.text
    expected = JANE + f'<{PERSON}> foaf:name "Jeanne Dupont" .'
    assert same_graph(client.get(url("person-1")), expected)


def test_gsp_post_multipart_form_data(client, store):
    load(store, "person-1", JANE)
    files = [
        ("nom.ttl", ("nom.ttl", f'<{PERSON}> <urn:familyName> "Dupont" .', TTL)),
        ("prenom.nt", ("prenom.nt", f'<{PERSON}> <urn:givenName> "Jeanne" .', "")),
    ]
    response = client.post(url("person-1"), files=files, headers=EDITOR)
    assert response.status_code == 204, response.text
    expected = JANE + (
        f'<{PERSON}> <urn:familyName> "Dupont" ; <urn:givenName> "Jeanne" .'
    )
    assert same_graph(client.get(url("person-1")), expected)


def test_gsp_post_create_new_graph(client):
    response = client.post("/graphs", content=ALICE, headers={**TURTLE, **EDITOR})
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith("http://testserver/graphs?graph=")
    created = client.get(location, headers={"Accept": "text/turtle"})
    assert same_graph(created, ALICE), created.text


def test_gsp_post_empty_graph_to_existing_graph(client, store):
    load(store, "person-3", ALICE)
    response = client.post(url("person-3"), content=b"", headers={**TURTLE, **EDITOR})
    assert response.status_code == 204, response.text
    assert same_graph(client.get(url("person-3")), ALICE)


# maillage's rules


def test_gsp_relative_iris_resolve_against_base(client):
    body = '@prefix dct: <http://purl.org/dc/terms/> . <fiche-action-3> dct:title "x" .'
    client.put(url("relative-iris"), content=body, headers={**TURTLE, **EDITOR})
    accept = {"Accept": "application/n-triples"}
    response = client.get(url("relative-iris"), headers=accept)
    assert response.text == (
        f'<{BASE}/fiche-action-3> <http://purl.org/dc/terms/title> "x" .\n'
    )


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        (
            "?default&graph=" + quote(graph_iri("a"), safe=""),
            "the request gives both 'graph' and 'default': name one graph",
        ),
        ("", "missing parameter: name the graph with '?graph=IRI' or '?default'"),
        (
            "?graph=relative",
            "invalid graph IRI 'relative' in the 'graph' parameter: give an absolute "
            "IRI",
        ),
    ],
)
def test_gsp_graph_parameter_errors(client, query, detail):
    response = client.get("/graphs" + query)
    assert response.status_code == 400, response.text
    assert response.json() == {"detail": detail, "code": "malformed_request"}


def test_gsp_get_restricted_graph_is_not_found(client, store):
    load(store, "secret", JOHN)
    restricted = Quad(
        NamedNode(f"{BASE}/id/dataset/secret"),
        NamedNode("https://w3id.org/maillage/ns#visibility"),
        NamedNode(f"{BASE}/id/concept/visibility-restricted"),
        NamedNode(graph_iri("secret")),
    )
    store.add_quads([restricted])
    response = client.get(url("secret"))
    assert response.status_code == 404, response.text


def test_gsp_default_graph_hides_restricted_graph(client, store):
    load(store, "public", ALICE)
    load(store, "secret", JOHN)
    store.add_quads(
        [
            Quad(
                NamedNode(f"{BASE}/id/dataset/secret"),
                NamedNode("https://w3id.org/maillage/ns#visibility"),
                NamedNode(f"{BASE}/id/concept/visibility-restricted"),
                NamedNode(graph_iri("secret")),
            )
        ]
    )
    response = client.get("/graphs?default")
    assert same_graph(response, ALICE), response.text


@pytest.mark.parametrize(
    ("media_type", "rdflib_format"),
    [
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
    ],
)
def test_gsp_get_negotiates_format(client, store, media_type, rdflib_format):
    load(store, "person-1", JOHN)
    response = client.get(url("person-1"), headers={"Accept": media_type})
    assert response.headers["content-type"].startswith(media_type), response.text
    assert isomorphic(rdf(response.text, rdflib_format), rdf(JOHN))


def test_gsp_get_not_acceptable(client, store):
    load(store, "person-1", JOHN)
    response = client.get(url("person-1"), headers={"Accept": "image/png"})
    assert response.status_code == 406, response.text
    assert response.json()["code"] == "not_acceptable"


def test_gsp_put_without_token(client):
    response = client.put(url("person-1"), content=JOHN, headers=TURTLE)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"


def test_gsp_put_item_graph_forbidden(client):
    item_graph = quote(f"{BASE}/graph/action/fa-01", safe="")
    response = client.put(
        f"/graphs?graph={item_graph}", content=JOHN, headers={**TURTLE, **EDITOR}
    )
    assert response.status_code == 403, response.text
    assert response.json() == {
        "detail": f"the graph <{BASE}/graph/action/fa-01> contains the action item "
        "'fa-01', which is written through the REST API at /api/action, not through "
        "SPARQL",
        "code": "forbidden",
    }


def test_gsp_delete_ontology_graph_forbidden(client, store):
    ontology = f"{BASE}/graph/ontology"
    store.add_quads(
        [Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("x"), NamedNode(ontology))]
    )
    target = quote(ontology, safe="")
    response = client.delete(f"/graphs?graph={target}", headers=EDITOR)
    assert response.status_code == 403, response.text
    assert store.has_graph(NamedNode(ontology))


def test_gsp_put_bad_body_keeps_graph(client, store):
    load(store, "person-1", JOHN)
    broken = JANE + "<urn:a> <urn:b> ."
    response = client.put(url("person-1"), content=broken, headers={**TURTLE, **EDITOR})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_request"
    assert same_graph(client.get(url("person-1")), JOHN)


def test_gsp_post_bad_multipart_part_writes_nothing(client, store):
    load(store, "person-1", JOHN)
    files = [
        ("ok.ttl", ("ok.ttl", f'<{PERSON}> <urn:p> "ok" .', "text/turtle")),
        ("bad.ttl", ("bad.ttl", "<urn:a> <urn:b> .", "text/turtle")),
    ]
    response = client.post(url("person-1"), files=files, headers=EDITOR)
    assert response.status_code == 400, response.text
    assert same_graph(client.get(url("person-1")), JOHN)


def test_gsp_put_unsupported_media_type(client):
    headers = {"Content-Type": "text/csv", **EDITOR}
    response = client.put(url("person-1"), content="a,b", headers=headers)
    assert response.status_code == 415, response.text


def test_gsp_put_doctype_rejected(client):
    body = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    )
    headers = {"Content-Type": "application/rdf+xml", **EDITOR}
    response = client.put(url("person-1"), content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "unsafe_request"


def test_gsp_put_body_with_named_graph(client):
    body = "<urn:g> { <urn:a> <urn:b> <urn:c> }"
    headers = {"Content-Type": "application/trig", **EDITOR}
    response = client.put(url("person-1"), content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith("the body puts triples in the graph")


def test_gsp_put_then_query_sees_graph(client):
    client.put(url("person-1"), content=JOHN, headers={**TURTLE, **EDITOR})
    query = f"ASK {{ GRAPH <{graph_iri('person-1')}> {{ <{PERSON}> ?p ?o }} }}"
    response = client.get("/sparql", params={"query": query})
    assert response.json()["boolean"] is True, response.text
