"""Results of `run_query` on an Oxigraph store: solutions, datasets, formats, limits."""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from maillage.graph.errors import ResultTooLargeError
from maillage.graph.sparql import DatasetRequest, QueryRequest, run_query
from maillage.graph.sparql.errors import MalformedQueryError
from maillage.graph.sparql.formats import FORMATS_BY_FORM, find_format
from maillage.graph.sparql.query import count_solutions, evaluate_query, prepare_query
from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat, parse
from rdflib import Graph
from rdflib.compare import isomorphic

G1 = NamedNode("http://maillage.test/graph/dataset/one")
G2 = NamedNode("http://maillage.test/graph/dataset/two")
G3 = NamedNode("http://maillage.test/graph/dataset/three")
P = NamedNode("urn:p")
XSD_DECIMAL = NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
XSD_DATE = NamedNode("http://www.w3.org/2001/XMLSchema#date")
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture
def loaded(store):
    """Store three graphs of one subject each: urn:s1 in G1 ... urn:s3 in G3."""
    for index, graph in enumerate((G1, G2, G3), start=1):
        subject = NamedNode(f"urn:s{index}")
        store.add_quads([Quad(subject, P, Literal(str(index)), graph)])
    return store


def answer(store, text, *, form_format="json", readable=None, max_rows=100, **dataset):
    """Run `text` and return the answer serialized in the format named `form_format`."""

    def choose(form):
        return find_format(form, form_format) or FORMATS_BY_FORM[form][0]

    request = QueryRequest(text, DatasetRequest(**dataset))
    return run_query(
        store, request, choose_format=choose, readable=readable, max_rows=max_rows
    )


def subjects(store, text, **options):
    body = json.loads(answer(store, text, **options).body)
    return sorted(binding["s"]["value"] for binding in body["results"]["bindings"])


def test_run_query_group_by_on_nothing(store):
    query = "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x a <urn:none> } GROUP BY ?x"
    body = json.loads(answer(store, query).body)
    assert body["results"]["bindings"] == []


def test_run_query_values_optional_on_empty_store(store):
    query = "SELECT * WHERE { VALUES ?c { <urn:a> } OPTIONAL { ?c <urn:p> ?v } }"
    body = json.loads(answer(store, query).body)
    assert body["results"]["bindings"] == [{"c": {"type": "uri", "value": "urn:a"}}]


def test_run_query_order_by_after_group_by(store):
    quads = [
        Quad(NamedNode(f"urn:item{i}"), NamedNode("urn:kind"), Literal(kind), G1)
        for i, kind in enumerate("abbcccb")
    ]
    store.add_quads(quads)
    query = (
        "SELECT ?k (COUNT(?i) AS ?n) WHERE { ?i <urn:kind> ?k } "
        "GROUP BY ?k ORDER BY DESC(?n) ?k"
    )
    body = json.loads(answer(store, query).body)
    rows = [(b["k"]["value"], b["n"]["value"]) for b in body["results"]["bindings"]]
    assert rows == [("b", "3"), ("c", "3"), ("a", "1")]


@pytest.fixture
def typed(store):
    subject = NamedNode("urn:s")
    store.add_quads(
        [
            Quad(subject, NamedNode("urn:label"), Literal("Privas", language="fr"), G1),
            Quad(
                subject,
                NamedNode("urn:amount"),
                Literal("12.5", datatype=XSD_DECIMAL),
                G1,
            ),
            Quad(
                subject,
                NamedNode("urn:date"),
                Literal("2017-01-01", datatype=XSD_DATE),
                G1,
            ),
        ]
    )
    return store


TYPED_QUERY = (
    "SELECT ?label ?amount ?date "
    "WHERE { ?s <urn:label> ?label ; <urn:amount> ?amount ; <urn:date> ?date }"
)


def test_run_query_json_keeps_datatype_and_language(typed):
    binding = json.loads(answer(typed, TYPED_QUERY).body)["results"]["bindings"][0]
    assert binding["label"] == {"type": "literal", "value": "Privas", "xml:lang": "fr"}
    assert binding["amount"]["datatype"] == XSD_DECIMAL.value
    assert binding["date"]["datatype"] == XSD_DATE.value


def test_run_query_xml_keeps_datatype_and_language(typed):
    root = ET.fromstring(answer(typed, TYPED_QUERY, form_format="xml").body)
    literals = {
        binding.get("name"): binding.find(f"{RESULTS_NS}literal")
        for binding in root.iter(f"{RESULTS_NS}binding")
    }
    assert literals["label"].get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert literals["amount"].get("datatype") == XSD_DECIMAL.value
    assert literals["date"].get("datatype") == XSD_DATE.value


def test_run_query_tsv_keeps_datatype_and_language(typed):
    lines = answer(typed, TYPED_QUERY, form_format="tsv").body.decode().splitlines()
    assert lines[0] == "?label\t?amount\t?date"
    # TSV writes terms in Turtle syntax, where a bare 12.5 is an xsd:decimal.
    assert lines[1] == f'"Privas"@fr\t12.5\t"2017-01-01"^^<{XSD_DATE.value}>'


def test_run_query_csv_has_header_and_values(typed):
    body = answer(typed, TYPED_QUERY, form_format="csv").body.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows == [["label", "amount", "date"], ["Privas", "12.5", "2017-01-01"]]


def test_run_query_construct_turtle_is_isomorphic(loaded):
    result = answer(loaded, "CONSTRUCT WHERE { ?s ?p ?o }", form_format="ttl")
    expected = Graph().parse(
        data="<urn:s1> <urn:p> '1' . <urn:s2> <urn:p> '2' . <urn:s3> <urn:p> '3' .",
        format="turtle",
    )
    assert isomorphic(Graph().parse(data=result.body, format="turtle"), expected)
    assert result.size == 3


def test_run_query_construct_jsonld(loaded):
    result = answer(loaded, "CONSTRUCT WHERE { <urn:s1> ?p ?o }", form_format="jsonld")
    triples = list(parse(result.body, format=RdfFormat.JSON_LD))
    assert len(triples) == 1


def test_run_query_ask_json(loaded):
    assert json.loads(answer(loaded, "ASK { <urn:s2> ?p ?o }").body) == {
        "head": {},
        "boolean": True,
    }


def test_run_query_default_is_union_of_readable(loaded):
    assert subjects(loaded, "SELECT ?s WHERE { ?s ?p ?o }", readable=[G1, G3]) == [
        "urn:s1",
        "urn:s3",
    ]


def test_run_query_graph_ranges_over_readable(loaded):
    query = "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert subjects(loaded, query, readable=[G2]) == ["urn:s2"]


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


def test_run_query_from_unreadable_graph_is_empty(loaded):
    query = f"SELECT ?s FROM <{G2.value}> WHERE {{ ?s ?p ?o }}"
    assert subjects(loaded, query, readable=[G1, G3]) == []


def test_run_query_from_unknown_graph_is_empty(loaded):
    query = "SELECT ?s FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"
    assert subjects(loaded, query) == []


def test_run_query_protocol_overrides_from(loaded):
    query = f"SELECT ?s FROM <{G1.value}> WHERE {{ ?s ?p ?o }}"
    found = subjects(loaded, query, default_graph_uris=(G2.value, G3.value))
    assert found == ["urn:s2", "urn:s3"]


def test_run_query_protocol_named_graphs_only(loaded):
    query = (
        f"SELECT ?s FROM <{G1.value}> "
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    )
    # The protocol's dataset replaces the whole dataset clause, FROM included.
    assert subjects(loaded, query, named_graph_uris=(G2.value,)) == ["urn:s2"]


def test_run_query_protocol_default_and_named(loaded):
    query = "SELECT ?s WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }"
    found = subjects(
        loaded,
        query,
        default_graph_uris=(G1.value, G2.value),
        named_graph_uris=(G2.value,),
    )
    assert found == ["urn:s1"]


def test_run_query_protocol_graphs_limited_to_readable(loaded):
    query = "SELECT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    found = subjects(
        loaded,
        query,
        readable=[G1],
        default_graph_uris=(G1.value, G2.value),
        named_graph_uris=(G2.value, G3.value),
    )
    assert found == ["urn:s1"]


def test_run_query_readable_none_keeps_graph_names(loaded):
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    body = json.loads(answer(loaded, query, readable=[]).body)
    assert body["results"]["bindings"] == []


def test_run_query_too_many_solutions(loaded):
    with pytest.raises(ResultTooLargeError) as raised:
        answer(loaded, "SELECT * WHERE { ?s ?p ?o }", max_rows=2)
    assert raised.value.message == (
        "the query returns more than 2 solutions, the limit of this endpoint; "
        "read the result in pages with ORDER BY, LIMIT and OFFSET"
    )


def test_run_query_solutions_at_limit(loaded):
    result = answer(loaded, "SELECT * WHERE { ?s ?p ?o }", max_rows=3)
    assert result.size == 3
    assert len(json.loads(result.body)["results"]["bindings"]) == 3


def test_run_query_too_many_triples(loaded):
    with pytest.raises(ResultTooLargeError) as raised:
        answer(loaded, "CONSTRUCT WHERE { ?s ?p ?o }", max_rows=2)
    assert "more than 2 triples" in raised.value.message


def test_run_query_oxigraph_semantic_error(loaded):
    with pytest.raises(MalformedQueryError) as raised:
        answer(loaded, "SELECT * WHERE { ?s ?p ?o } GROUP BY ?s")
    assert raised.value.code == "malformed_query"
    assert "GROUP BY" in raised.value.message


def test_run_query_knows_maillage_prefixes(store):
    store.add_quads(
        [
            Quad(
                NamedNode("urn:c"),
                NamedNode("https://w3id.org/maillage/ns#population"),
                Literal("10"),
                G1,
            )
        ]
    )
    body = json.loads(answer(store, "SELECT ?s WHERE { ?s mlg:population ?n }").body)
    assert body["results"]["bindings"] == [{"s": {"type": "uri", "value": "urn:c"}}]


@pytest.mark.parametrize("form_format", ["json", "xml", "csv", "tsv"])
def test_select_limit_counts_each_format(loaded, form_format):
    text = "SELECT * WHERE { ?s ?p ?o }"
    with pytest.raises(ResultTooLargeError):
        answer(loaded, text, form_format=form_format, max_rows=2)
    result = answer(loaded, text, form_format=form_format, max_rows=3)
    assert result.size in (3, None)


@pytest.mark.parametrize("form_format", ["json", "xml", "csv", "tsv"])
def test_uncapped_select_same_body_and_limit(loaded, form_format):
    def choose(form):
        return find_format(form, form_format)

    request = QueryRequest("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s")
    prepared = prepare_query(request, choose_format=choose, readable=None)
    capped = evaluate_query(loaded, prepared, max_rows=3)
    uncapped = evaluate_query(loaded, prepared, max_rows=3, capped=False)
    assert uncapped.body == capped.body
    assert uncapped.size == capped.size
    with pytest.raises(ResultTooLargeError):
        evaluate_query(loaded, prepared, max_rows=2, capped=False)


@pytest.mark.parametrize(
    ("results_format", "body", "expected"),
    [
        (QueryResultsFormat.TSV, b'?x\n"a<result>\\n"\n\n', 2),
        (QueryResultsFormat.XML, b"<results><result></result>" * 2, 2),
        (QueryResultsFormat.JSON, b'{"results":{"bindings":[{},{}]}}', None),
    ],
)
def test_count_solutions_reads_exact_formats(results_format, body, expected):
    assert count_solutions(body, results_format) == expected


def test_count_solutions_parses_on_demand():
    json_body = b'{"head":{"vars":["x"]},"results":{"bindings":[{},{},{}]}}'
    assert count_solutions(json_body, QueryResultsFormat.JSON, parse=True) == 3
    csv_body = b'x\r\n"a\r\nb"\r\nc\r\n'
    assert count_solutions(csv_body, QueryResultsFormat.CSV, parse=True) == 2
