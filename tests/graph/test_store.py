from types import SimpleNamespace

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from maillage.graph.errors import MalformedRequestError

from maillage.graph.store import GraphStore

EX = "http://maillage.test/id/document/"


def triple(key: str, title: str) -> Triple:
    return Triple(
        NamedNode(EX + key),
        NamedNode("http://purl.org/dc/terms/title"),
        Literal(title, language="fr"),
    )


def test_replace_graph_swaps_content(store: GraphStore, iris):
    graph = iris.item_graph("document", "diagnostic")
    store.replace_graph(graph, [triple("diagnostic", "Diagnostic partagé")])
    store.replace_graph(graph, [triple("diagnostic", "Diagnostic social partagé")])
    titles = [t.object.value for t in store.graph_triples(graph)]
    assert titles == ["Diagnostic social partagé"]


def test_replace_graph_failure_keeps_previous(store: GraphStore, iris):
    graph = iris.item_graph("document", "diagnostic")
    store.replace_graph(graph, [triple("diagnostic", "Première version")])
    # The second triple cannot be written, so the whole replacement must fail.
    unwritable = SimpleNamespace(subject='"a literal"', predicate="<http://e/p>", object='"x"')
    with pytest.raises(MalformedRequestError):
        store.replace_graph(graph, [triple("diagnostic", "Seconde version"), unwritable])
    titles = [t.object.value for t in store.graph_triples(graph)]
    assert titles == ["Première version"]


def test_default_graph_stays_empty_after_load(store: GraphStore, iris, tmp_path):
    data = tmp_path / "data.nq"
    data.write_text(
        '<http://e/a> <http://e/p> "1" .\n<http://e/a> <http://e/p> "2" <http://e/g> .\n'
    )
    from pyoxigraph import DefaultGraph, RdfFormat

    store.bulk_load(
        data, RdfFormat.N_QUADS, base_iri=iris.document_base, to_graph=iris.dataset_graph("x")
    )
    in_default = list(store.oxigraph.quads_for_pattern(None, None, None, DefaultGraph()))
    assert in_default == []
    assert len(store.graph_triples(iris.dataset_graph("x"))) == 1


def test_store_reopens_from_disk(tmp_path, iris):
    first = GraphStore(tmp_path / "s")
    first.replace_graph(iris.item_graph("document", "a"), [triple("a", "Été")])
    first.close()
    second = GraphStore(tmp_path / "s")
    assert not second.is_empty()
    second.close()
