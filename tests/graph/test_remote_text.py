"""SPARQL text that RemoteStore reads, rewrites and writes."""

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from maillage.graph.errors import MalformedRequestError, UnsafeRequestError
from maillage.graph.remote_text import (
    TEMPLATE_SIZE,
    check_remote_text,
    insert_operations,
    mentions_graph_keyword,
    query_form,
    remove_dataset_clauses,
)

G = NamedNode("http://maillage.test/graph/dataset/one")


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE {}", "SELECT"),
        (
            "prefix ex: <urn:> base <http://a/> construct { ?s ?p ?o } WHERE {}",
            "CONSTRUCT",
        ),
        ("# SELECT in a comment\nASK {}", "ASK"),
        ("PREFIX : <urn:>\nDESCRIBE :a", "DESCRIBE"),
    ],
)
def test_query_form(text, form):
    assert query_form(text) == form


def test_query_form_rejects_update():
    with pytest.raises(MalformedRequestError, match="does not start with SELECT"):
        query_form("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_remove_dataset_clauses_keeps_the_rest():
    text = (
        "PREFIX g: <http://g/>\nSELECT ?from FROM <http://g/a> from named g:b\n"
        'WHERE { ?s <urn:from> "FROM <x>" ; ex:from ?from } # FROM <y>'
    )
    stripped = remove_dataset_clauses(text)
    assert "<http://g/a>" not in stripped
    assert "g:b" not in stripped
    assert stripped.endswith(
        'WHERE { ?s <urn:from> "FROM <x>" ; ex:from ?from } # FROM <y>'
    )
    assert len(stripped) == len(text)


def test_remove_dataset_clauses_result_still_parses():
    text = "SELECT * FROM <http://g/a> FROM NAMED <http://g/b> WHERE { ?s ?p ?o }"
    Store().query(remove_dataset_clauses(text))


def test_remove_dataset_clauses_ignores_language_tag():
    text = 'SELECT * WHERE { ?s ?p "x"@from, <urn:o> }'
    assert remove_dataset_clauses(text) == text


def test_mentions_graph_keyword():
    assert mentions_graph_keyword("SELECT * WHERE { graph ?g { ?s ?p ?o } }")
    assert not mentions_graph_keyword('SELECT * WHERE { ?s <urn:graph> "GRAPH" }')


@pytest.mark.parametrize(
    "text",
    [
        "SELECT (<bif:http_get>('http://x/') AS ?x) WHERE {}",
        "PREFIX b: <bif:> SELECT (b:length('x') AS ?x) WHERE {}",
        "BASE <bif:> SELECT (<length>('x') AS ?x) WHERE {}",
        "SELECT (bif:length('x') AS ?x) WHERE {}",
        "SELECT (<SQL:DB.DBA.USER_CREATE>('a', 'b') AS ?x) WHERE {}",
        "SELECT ?x WHERE { FILTER (?x<1&&bif:length('x')>2) }",
        "SELECT (<\\u0062if:length>('x') AS ?x) WHERE {}",
        'define get:soft "replace" SELECT * FROM <http://x/> WHERE { ?s ?p ?o }',
    ],
)
def test_check_remote_text_rejects(text):
    with pytest.raises(UnsafeRequestError):
        check_remote_text(text)


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * WHERE { ?s ?p "see bif:length and sql:x, define" }',
        "SELECT * WHERE { ?s <http://example.org/bif:x> <urn:sql:y> } # bif:z",
        "SELECT ?define WHERE { ?define ex:define ?o }",
    ],
)
def test_check_remote_text_accepts(text):
    check_remote_text(text)


def test_insert_operations_ground_triples_in_blocks():
    triples = [
        Triple(NamedNode(f"urn:s{i}"), NamedNode("urn:p"), Literal(str(i)))
        for i in range(4500)
    ]
    operations = insert_operations(G, triples)
    assert len(operations) == 1
    assert operations[0].count(f"GRAPH {G}") == 3


def test_insert_operations_blank_nodes_in_templates():
    list_head, rest = BlankNode("l1"), BlankNode("l2")
    triples = [
        Triple(NamedNode("urn:s"), NamedNode("urn:p"), Literal("x")),
        Triple(NamedNode("urn:s"), NamedNode("urn:list"), list_head),
        Triple(list_head, NamedNode("urn:rest"), rest),
        Triple(rest, NamedNode("urn:first"), Literal("y")),
    ]
    operations = insert_operations(G, triples)
    assert operations[0].startswith("INSERT DATA")
    assert operations[1].startswith("INSERT {") and operations[1].endswith("WHERE {}")
    assert len(operations) == 2


def test_insert_operations_keep_blank_node_groups_whole():
    groups = [
        [
            Triple(BlankNode(f"b{g}"), NamedNode("urn:p"), Literal(str(i)))
            for i in range(300)
        ]
        for g in range(3)
    ]
    operations = insert_operations(G, [t for group in groups for t in group])
    assert len(operations) == 3
    assert all(operation.count("_:b") == 300 for operation in operations)
    assert TEMPLATE_SIZE < 600


def test_insert_operations_parse_in_oxigraph():
    triples = [
        Triple(
            NamedNode("urn:s"),
            NamedNode("urn:p"),
            Literal('quote " and\nline', language="fr"),
        ),
        Triple(BlankNode("b"), NamedNode("urn:p"), NamedNode("urn:o")),
    ]
    store = Store()
    store.update(" ;\n".join(insert_operations(G, triples)))
    assert len(store) == 2
