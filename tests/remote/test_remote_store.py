"""The store operations, on the embedded store and on Virtuoso through RemoteStore."""

from types import SimpleNamespace

import pytest
from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    parse,
)

from maillage.graph.errors import MalformedRequestError
from maillage.graph.remote import BackendError, RemoteStore
from tests.remote.conftest import on_virtuoso

XSD = "http://www.w3.org/2001/XMLSchema#"
TITLE = NamedNode("http://purl.org/dc/terms/title")
G1 = NamedNode("http://maillage.test/graph/dataset/one")
G2 = NamedNode("http://maillage.test/graph/dataset/two")


def title(key: str, text: str) -> Triple:
    return Triple(
        NamedNode(f"http://maillage.test/id/document/{key}"),
        TITLE,
        Literal(text, language="fr"),
    )


def test_replace_graph_swaps_content(backend):
    backend.replace_graph(G1, [title("a", "Diagnostic partagé")])
    backend.replace_graph(G1, [title("a", "Diagnostic social partagé")])
    titles = [t.object.value for t in backend.graph_triples(G1)]
    assert titles == ["Diagnostic social partagé"]


def test_replace_graph_failure_keeps_previous(backend, request):
    backend.replace_graph(G1, [title("a", "Première version")])
    unwritable = SimpleNamespace(
        subject='"a literal"', predicate="<urn:p>", object='"x"'
    )
    # Oxigraph's parser rejects a literal subject; Virtuoso's fails while it writes.
    error = BackendError if on_virtuoso(request) else MalformedRequestError
    with pytest.raises(error):
        backend.replace_graph(G1, [title("a", "Seconde version"), unwritable])
    titles = [t.object.value for t in backend.graph_triples(G1)]
    assert titles == ["Première version"]


def test_replace_graph_writes_many_blocks(backend):
    triples = [title(f"d{i}", f"Document {i}") for i in range(4_500)]
    backend.replace_graph(G1, triples)
    assert len(backend.graph_triples(G1)) == 4_500


def test_replace_graph_empty_leaves_no_graph(backend):
    backend.replace_graph(G1, [title("a", "Titre")])
    backend.replace_graph(G1, [])
    assert backend.graph_triples(G1) == []


def test_new_store_is_empty(backend):
    assert backend.is_empty()
    assert backend.named_graphs() == []
    assert backend.count_quads() == 0


def test_named_graphs_lists_written(backend):
    backend.add_triples(G1, [title("a", "Un")])
    backend.add_triples(G2, [title("b", "Deux"), title("c", "Trois")])
    graphs = sorted(graph.value for graph in backend.named_graphs())
    assert graphs == [G1.value, G2.value]
    assert backend.count_quads() == 3
    assert not backend.is_empty()


def test_has_graph(backend):
    backend.add_triples(G1, [title("a", "Un")])
    assert backend.has_graph(G1)
    assert not backend.has_graph(G2)


def test_drop_graph_removes_triples(backend):
    backend.add_triples(G1, [title("a", "Un")])
    backend.drop_graph(G1)
    backend.drop_graph(G2)
    assert backend.graph_triples(G1) == []
    assert not backend.has_graph(G1)


def test_add_quads_go_to_their_graphs(backend):
    quads = [
        Quad(*title("a", "Un"), G1),
        Quad(*title("b", "Deux"), G2),
        Quad(*title("c", "Trois"), G1),
    ]
    backend.add_quads(quads)
    assert len(backend.graph_triples(G1)) == 2
    assert len(backend.graph_triples(G2)) == 1


def test_graph_triples_keep_terms(backend):
    subject = NamedNode("urn:s")
    triples = [
        Triple(subject, NamedNode("urn:label"), Literal("Privas", language="fr")),
        Triple(subject, NamedNode("urn:name"), Literal('Ardèche "07"\nsud')),
        Triple(
            subject,
            NamedNode("urn:amount"),
            Literal("12.5", datatype=NamedNode(XSD + "decimal")),
        ),
        Triple(
            subject,
            NamedNode("urn:count"),
            Literal("42", datatype=NamedNode(XSD + "integer")),
        ),
        Triple(
            subject,
            NamedNode("urn:date"),
            Literal("2017-01-01", datatype=NamedNode(XSD + "date")),
        ),
        Triple(
            subject,
            NamedNode("urn:year"),
            Literal("2024", datatype=NamedNode(XSD + "gYear")),
        ),
        Triple(
            subject,
            NamedNode("urn:flag"),
            Literal("true", datatype=NamedNode(XSD + "boolean")),
        ),
        Triple(
            subject,
            NamedNode("urn:link"),
            NamedNode("http://maillage.test/id/commune/07186"),
        ),
    ]
    backend.replace_graph(G1, triples)
    assert set(backend.graph_triples(G1)) == set(triples)


def test_query_returns_pyoxigraph_types(backend):
    backend.add_triples(G1, [title("a", "Un")])
    select = backend.query("SELECT ?s WHERE { ?s ?p ?o }")
    construct = backend.query("CONSTRUCT WHERE { ?s ?p ?o }")
    ask = backend.query("ASK { ?s ?p ?o }")
    assert isinstance(select, QuerySolutions)
    assert isinstance(construct, QueryTriples)
    assert isinstance(ask, QueryBoolean) and bool(ask)


def test_ask_false_on_nothing(backend):
    assert backend.ask("ASK { ?s ?p ?o }") is False


def test_select_with_prefixes_and_dataset(backend):
    backend.add_triples(G1, [title("a", "Un")])
    backend.add_triples(G2, [title("b", "Deux")])
    rows = backend.select("SELECT ?t WHERE { ?s dcterms:title ?t }", default_graph=[G2])
    assert rows == [{"t": Literal("Deux", language="fr")}]


def test_select_empty_default_graph(backend):
    backend.add_triples(G1, [title("a", "Un")])
    assert backend.select("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[]) == []


def test_bulk_load_moves_default_graph(backend, tmp_path):
    data = tmp_path / "data.nq"
    data.write_text(
        '<urn:a> <urn:p> "1" .\n'
        '<urn:a> <urn:p> "2" <http://maillage.test/graph/dataset/two> .\n'
    )
    backend.bulk_load(
        data, RdfFormat.N_QUADS, base_iri="http://maillage.test/", to_graph=G1
    )
    assert [t.object.value for t in backend.graph_triples(G1)] == ["1"]
    assert [t.object.value for t in backend.graph_triples(G2)] == ["2"]


def test_bulk_load_turtle_into_graph(backend, tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text('@prefix ex: <urn:> . ex:a ex:p "é", "è" .\n')
    backend.bulk_load(
        data, RdfFormat.TURTLE, base_iri="http://maillage.test/", to_graph=G1
    )
    values = sorted(t.object.value for t in backend.graph_triples(G1))
    assert values == ["è", "é"]


def test_dump_writes_every_graph(backend, tmp_path):
    backend.add_triples(G1, [title("a", "Un")])
    backend.add_triples(G2, [title("b", "Deux")])
    path = tmp_path / "dump.nq"
    backend.dump(path, RdfFormat.N_QUADS)
    quads = set(parse(path=str(path), format=RdfFormat.N_QUADS))
    assert quads == {Quad(*title("a", "Un"), G1), Quad(*title("b", "Deux"), G2)}


def test_bulk_load_by_insert_data(virtuoso, remote_store, tmp_path):
    store = RemoteStore(
        virtuoso.sparql_url, virtuoso.sparql_url, auth=virtuoso.auth(), batch_size=3
    )
    data = tmp_path / "data.nt"
    data.write_text("".join(f'<urn:s{i}> <urn:p> "{i}" .\n' for i in range(10)))
    store.bulk_load(
        data, RdfFormat.N_TRIPLES, base_iri="http://maillage.test/", to_graph=G1
    )
    store.close()
    assert len(remote_store.graph_triples(G1)) == 10


def test_bulk_load_without_graph_is_rejected(remote_store, tmp_path):
    data = tmp_path / "data.nt"
    data.write_text('<urn:a> <urn:p> "1" .\n')
    with pytest.raises(MalformedRequestError, match="outside a named graph"):
        remote_store.bulk_load(
            data, RdfFormat.N_TRIPLES, base_iri="http://maillage.test/"
        )


def test_virtuoso_update_keeps_drop_after_runtime_error(remote_store):
    """Virtuoso applies the operations of one update request one after the other."""
    remote_store.add_triples(G1, [title("a", "Avant")])
    failing = (
        f"DROP SILENT GRAPH {G1} ; "
        f"INSERT {{ GRAPH {G1} {{ <urn:s> <urn:p> ?v }} }} WHERE {{ BIND (1/0 AS ?v) }}"
    )
    with pytest.raises(BackendError, match="Division by 0"):
        remote_store.update(failing)
    assert remote_store.graph_triples(G1) == []


def test_virtuoso_rejects_ill_typed_literal_whole(remote_store):
    """A literal Virtuoso cannot convert fails the request before anything runs."""
    remote_store.replace_graph(G1, [title("a", "Avant")])
    bad = Triple(
        NamedNode("urn:s"),
        NamedNode("urn:n"),
        Literal("abc", datatype=NamedNode(XSD + "integer")),
    )
    with pytest.raises(MalformedRequestError):
        remote_store.replace_graph(G1, [bad])
    assert [t.object.value for t in remote_store.graph_triples(G1)] == ["Avant"]


def test_add_quads_default_graph_rejected(remote_store):
    with pytest.raises(MalformedRequestError, match="outside a named graph"):
        remote_store.add_quads([Quad(*title("a", "Un"), DefaultGraph())])


def test_select_with_long_dataset(backend):
    graphs = [
        NamedNode(f"http://maillage.test/graph/dataset/d{i:03d}") for i in range(200)
    ]
    backend.update(
        "INSERT DATA { "
        + " ".join(
            f'GRAPH {g} {{ <urn:s{i}> <urn:p> "{i}" }}' for i, g in enumerate(graphs)
        )
        + " }"
    )
    query = "SELECT ?s WHERE { ?s <urn:p> ?o }"
    rows = backend.select(query, default_graph=graphs[:150], named_graphs=graphs[:150])
    assert len(rows) == 150
