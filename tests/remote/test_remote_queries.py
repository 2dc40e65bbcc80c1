"""The /sparql endpoint's evaluation (`run_query`) on the embedded store and Virtuoso.

The cases are those of tests/graph/test_sparql_query.py that depend on the store:
the dataset of a query, result shapes that SPARQL engines get wrong, and the terms of
the results. A known wrong result of Virtuoso is a strict xfail on its backend only.
"""

import json

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse
from rdflib import Graph
from rdflib.compare import isomorphic

from maillage.graph.sparql import DatasetRequest, QueryRequest, run_query
from maillage.graph.sparql.formats import FORMATS_BY_FORM, find_format
from tests.remote.conftest import on_virtuoso

G1 = NamedNode("http://maillage.test/graph/dataset/one")
G2 = NamedNode("http://maillage.test/graph/dataset/two")
G3 = NamedNode("http://maillage.test/graph/dataset/three")
P = NamedNode("urn:p")
XSD = "http://www.w3.org/2001/XMLSchema#"


def answer(store, text, *, form_format="json", readable=None, **dataset):
    """Run `text` as the endpoint does; return the answer in the format named."""

    def choose(form):
        return find_format(form, form_format) or FORMATS_BY_FORM[form][0]

    request = QueryRequest(text, DatasetRequest(**dataset))
    return run_query(
        store, request, choose_format=choose, readable=readable, max_rows=100
    )


def bindings(store, text, **options):
    return json.loads(answer(store, text, **options).body)["results"]["bindings"]


def subjects(store, text, **options):
    return sorted(b["s"]["value"] for b in bindings(store, text, **options) if "s" in b)


def known_virtuoso_failure(request, reason: str) -> None:
    if on_virtuoso(request):
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


@pytest.fixture
def loaded(backend):
    """Store three graphs of one subject each: urn:s1 in G1 ... urn:s3 in G3."""
    for index, graph in enumerate((G1, G2, G3), start=1):
        subject = NamedNode(f"urn:s{index}")
        backend.add_quads([Quad(subject, P, Literal(str(index)), graph)])
    return backend


def test_run_query_group_by_on_nothing(backend):
    query = "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x a <urn:none> } GROUP BY ?x"
    assert bindings(backend, query) == []


def test_run_query_values_optional_keeps_row(backend):
    query = "SELECT * WHERE { VALUES ?c { <urn:a> } OPTIONAL { ?c <urn:p> ?v } }"
    assert bindings(backend, query) == [{"c": {"type": "uri", "value": "urn:a"}}]


def test_run_query_order_by_after_group_by(backend):
    kinds = "abbcccb"
    backend.add_quads(
        [
            Quad(NamedNode(f"urn:i{i}"), NamedNode("urn:kind"), Literal(k), G1)
            for i, k in enumerate(kinds)
        ]
    )
    query = (
        "SELECT ?k (COUNT(?i) AS ?n) WHERE { ?i <urn:kind> ?k } "
        "GROUP BY ?k ORDER BY DESC(?n) ?k"
    )
    rows = [(b["k"]["value"], b["n"]["value"]) for b in bindings(backend, query)]
    assert rows == [("b", "3"), ("c", "3"), ("a", "1")]


def test_run_query_exists_after_bind(backend, request):
    known_virtuoso_failure(
        request, "Virtuoso 7.2 reads FILTER EXISTS after a BIND as true"
    )
    query = "SELECT ?x WHERE { BIND (1 AS ?x) FILTER EXISTS { <urn:none> ?p ?o } }"
    assert bindings(backend, query) == []


def test_run_query_optional_only_graph_group(backend, request):
    known_virtuoso_failure(
        request,
        "Virtuoso 7.2 skips the graphs where an OPTIONAL-only group matches nothing",
    )
    backend.add_quads([Quad(NamedNode("urn:s1"), P, Literal("1"), G1)])
    backend.add_quads([Quad(NamedNode("urn:s2"), NamedNode("urn:q"), Literal("2"), G2)])
    query = "SELECT ?g ?v WHERE { GRAPH ?g { OPTIONAL { ?s <urn:p> ?v } } } ORDER BY ?g"
    rows = [
        (b["g"]["value"], b.get("v", {}).get("value")) for b in bindings(backend, query)
    ]
    assert rows == [(G1.value, "1"), (G2.value, None)]


@pytest.fixture
def typed(backend):
    subject = NamedNode("urn:s")
    values = [
        (NamedNode("urn:label"), Literal("Privas", language="fr")),
        (NamedNode("urn:amount"), Literal("12.5", datatype=NamedNode(XSD + "decimal"))),
        (
            NamedNode("urn:date"),
            Literal("2017-01-01", datatype=NamedNode(XSD + "date")),
        ),
        (NamedNode("urn:flag"), Literal("true", datatype=NamedNode(XSD + "boolean"))),
    ]
    backend.add_quads(
        [Quad(subject, predicate, value, G1) for predicate, value in values]
    )
    return backend


TYPED_QUERY = (
    "SELECT ?label ?amount ?date ?flag WHERE { "
    "?s <urn:label> ?label ; <urn:amount> ?amount ; "
    "<urn:date> ?date ; <urn:flag> ?flag }"
)


def test_run_query_json_keeps_datatype_and_language(typed):
    binding = bindings(typed, TYPED_QUERY)[0]
    assert binding["label"] == {"type": "literal", "value": "Privas", "xml:lang": "fr"}
    assert binding["amount"] == {
        "type": "literal",
        "value": "12.5",
        "datatype": XSD + "decimal",
    }
    assert binding["date"] == {
        "type": "literal",
        "value": "2017-01-01",
        "datatype": XSD + "date",
    }
    assert binding["flag"] == {
        "type": "literal",
        "value": "true",
        "datatype": XSD + "boolean",
    }


def test_run_query_tsv_keeps_datatype_and_language(typed):
    lines = answer(typed, TYPED_QUERY, form_format="tsv").body.decode().splitlines()
    assert lines[1] == f'"Privas"@fr\t12.5\t"2017-01-01"^^<{XSD}date>\ttrue'


def test_run_query_construct_is_isomorphic(loaded):
    result = answer(loaded, "CONSTRUCT WHERE { ?s ?p ?o }", form_format="ttl")
    expected = Graph().parse(
        data="<urn:s1> <urn:p> '1' . <urn:s2> <urn:p> '2' . <urn:s3> <urn:p> '3' .",
        format="turtle",
    )
    assert isomorphic(Graph().parse(data=result.body, format="turtle"), expected)


def test_run_query_construct_jsonld(loaded):
    result = answer(loaded, "CONSTRUCT WHERE { <urn:s1> ?p ?o }", form_format="jsonld")
    assert len(list(parse(result.body, format=RdfFormat.JSON_LD))) == 1


def test_run_query_ask(loaded):
    body = json.loads(answer(loaded, "ASK { <urn:s2> ?p ?o }").body)
    assert body == {"head": {}, "boolean": True}


def test_run_query_default_is_union_of_readable(loaded):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    assert subjects(loaded, query, readable=[G1, G3]) == ["urn:s1", "urn:s3"]


def test_run_query_graph_ranges_over_readable(loaded):
    query = "SELECT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    rows = bindings(loaded, query, readable=[G2])
    assert [(b["s"]["value"], b["g"]["value"]) for b in rows] == [("urn:s2", G2.value)]


def test_run_query_admin_reads_union_of_all(loaded):
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    assert subjects(loaded, query) == ["urn:s1", "urn:s2", "urn:s3"]


def test_run_query_from_selects_default_graph(loaded):
    query = f"SELECT ?s FROM <{G2.value}> WHERE {{ ?s ?p ?o }}"
    assert subjects(loaded, query) == ["urn:s2"]


def test_run_query_from_named_only_leaves_default_empty(loaded):
    query = f"SELECT ?s FROM NAMED <{G2.value}> WHERE {{ ?s ?p ?o }}"
    assert subjects(loaded, query) == []


def test_run_query_from_named_limits_graph(loaded):
    query = (
        f"SELECT ?s FROM <{G1.value}> FROM NAMED <{G3.value}> "
        "WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    assert subjects(loaded, query) == ["urn:s3"]


def test_run_query_protocol_dataset_replaces_from(loaded):
    query = f"SELECT ?s FROM <{G1.value}> WHERE {{ ?s ?p ?o }}"
    found = subjects(loaded, query, default_graph_uris=(G3.value,))
    assert found == ["urn:s3"]


def test_run_query_from_unreadable_graph_is_empty(loaded):
    query = f"SELECT ?s FROM <{G2.value}> WHERE {{ ?s ?p ?o }}"
    assert subjects(loaded, query, readable=[G1, G3]) == []


def test_run_query_unreadable_graph_binds_nothing(loaded):
    query = f"SELECT ?s WHERE {{ GRAPH <{G2.value}> {{ ?s ?p ?o }} }}"
    assert subjects(loaded, query, readable=[G1, G3]) == []


def test_run_query_unreadable_graph_has_no_solution(loaded, request):
    known_virtuoso_failure(
        request,
        "Virtuoso 7.2 gives GRAPH <iri> outside the dataset one empty solution",
    )
    query = f"ASK {{ GRAPH <{G2.value}> {{ ?s ?p ?o }} }}"
    body = json.loads(answer(loaded, query, readable=[G1, G3]).body)
    assert body["boolean"] is False


def test_run_query_empty_dataset_reads_nothing(loaded):
    assert subjects(loaded, "SELECT ?s WHERE { ?s ?p ?o }", readable=[]) == []
    assert (
        subjects(loaded, "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", readable=[]) == []
    )
