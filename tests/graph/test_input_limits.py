"""Limits of model values, errors in maillage's words, atomic dataset replacement,
and lists of items that read each item from its own graph."""

import time

import pytest
from pydantic import ValidationError
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from maillage.graph import repository
from maillage.graph.errors import MalformedRequestError, ParameterError
from maillage.graph.importers.ntriples import (
    TripleWriter,
    iri,
    replace_dataset_graph,
    swap_graph,
    text,
)
from maillage.graph.importers.rdf import load_rdf_file
from maillage.graph.models import Document
from maillage.graph.models.base import MAX_LIST_ITEMS
from maillage.graph.namespaces import DCTERMS, MLG, RDF
from tests.sample_items import load_sample

BASE = "http://maillage.test"


def document_data(**changes):
    data = {
        "key": "note",
        "title": "Note",
        "visibility": f"{BASE}/id/concept/visibility-public",
        "workflow_state": f"{BASE}/id/concept/workflow-state-draft",
        "document_type": f"{BASE}/id/concept/document-type-report",
    }
    return {**data, **changes}


def errors_of(data, **options):
    with pytest.raises(ValidationError) as caught:
        Document.model_validate(data, **options)
    return caught.value.errors(include_url=False)


# Limits of the models.


def test_document_title_over_limit():
    (error,) = errors_of(document_data(title="x" * 501))
    assert error["loc"] == ("title",), error
    assert error["msg"] == "has 501 characters; at most 500 are accepted", error


def test_document_title_five_megabytes_fast():
    started = time.perf_counter()
    (error,) = errors_of(document_data(title="é" * 5_000_000))
    elapsed = time.perf_counter() - started
    assert error["msg"] == "has 5000000 characters; at most 500 are accepted", error
    assert elapsed < 0.2, elapsed


def test_document_description_over_limit():
    (error,) = errors_of(document_data(description="x" * 20_001))
    assert error["msg"] == "has 20001 characters; at most 20000 are accepted", error


def test_document_keywords_over_limit():
    keywords = [f"mot-{number}" for number in range(MAX_LIST_ITEMS + 1)]
    (error,) = errors_of(document_data(keywords=keywords))
    assert error["loc"] == ("keywords",), error
    assert error["msg"] == "has 1001 values; at most 1000 are accepted", error


def test_document_iri_over_limit():
    (error,) = errors_of(document_data(creators=[f"{BASE}/id/actor/" + "a" * 2000]))
    assert error["loc"] == ("creators", 0), error
    assert error["msg"] == "has 2030 characters; at most 2000 are accepted", error


def test_document_errors_in_own_words():
    errors = errors_of(document_data(title=12, issued="demain", bogus=1))
    messages = {error["loc"]: error["msg"] for error in errors}
    assert messages[("title",)] == "must be a string, not a number", messages
    assert messages[("issued",)] == ("'demain' is not a date in the form YYYY-MM-DD"), (
        messages
    )
    assert messages[("bogus",)].startswith("unknown field; accepted fields: key,"), (
        messages
    )


def test_document_error_quotes_value_cut():
    (error,) = errors_of(document_data(issued="9" * 5000))
    assert len(error["msg"]) < 160, error["msg"]
    assert "..." in error["msg"], error["msg"]


def test_nested_error_keeps_location():
    data = document_data(files=[{"file_name": "a.pdf", "byte_size": "many"}])
    (error,) = errors_of(data)
    assert error["loc"] == ("files", 0, "byte_size"), error
    assert error["msg"] == "'many' is not an integer", error


def test_readable_by_invalid_group_name():
    (error,) = errors_of(document_data(readable_by=["Juristes CAPCA"]))
    assert error["loc"] == ("readable_by", 0), error
    assert error["msg"].startswith("'Juristes CAPCA' is not a group name"), error


def test_readable_by_unknown_group_in_context():
    data = document_data(readable_by=["juristes", "fantomes"])
    (error,) = errors_of(data, context={"groups": {"juristes"}})
    assert error["msg"] == "no group named 'fantomes'; existing groups: juristes", error


def test_readable_by_known_group_in_context():
    data = document_data(readable_by=["juristes"])
    document = Document.model_validate(data, context={"groups": {"juristes"}})
    assert document.readable_by == ["juristes"]


# Atomic replacement of a dataset graph.


def writer_of(count, last_object=None):
    writer = TripleWriter()
    for number in range(count):
        subject = iri(f"{BASE}/id/commune/{number:05d}")
        writer.add(subject, iri("http://e/p"), text(f"valeur {number}"))
    if last_object is not None:
        writer.add(iri(f"{BASE}/id/commune/99999"), iri("http://e/p"), last_object)
    return writer


def test_replace_dataset_bad_end_keeps_graph(store, iris):
    replace_dataset_graph(store, iris, "sample", writer_of(3))
    before = set(store.graph_triples(iris.dataset_graph("sample")))
    broken = writer_of(2000, last_object="<not an iri>")
    with pytest.raises(MalformedRequestError) as caught:
        replace_dataset_graph(store, iris, "sample", broken)
    after = set(store.graph_triples(iris.dataset_graph("sample")))
    assert after == before, len(after)
    assert caught.value.line == 2001, caught.value.message


def test_replace_dataset_graph_replaces_content(store, iris):
    replace_dataset_graph(store, iris, "sample", writer_of(3))
    replace_dataset_graph(store, iris, "sample", writer_of(2))
    triples = store.graph_triples(iris.dataset_graph("sample"))
    values = sorted(triple.object.value for triple in triples)
    assert values == ["valeur 0", "valeur 1"], values


def test_swap_graph_with_blank_nodes(store, iris):
    graph = iris.dataset_graph("blank")
    store.oxigraph.load(
        b"_:a <http://e/p> 'old' .",
        format=RdfFormat.TURTLE,
        to_graph=graph,
    )
    new = [Triple(NamedNode("http://e/s"), NamedNode("http://e/p"), Literal("new"))]
    swap_graph(store, graph, new)
    assert store.graph_triples(graph) == new


def test_load_replace_bad_file_keeps_graph(store, iris, tmp_path):
    first = tmp_path / "first.ttl"
    first.write_text("<http://e/s> <http://e/p> 'ancien' .\n")
    load_rdf_file(store, iris, first, graph="urn:maillage:test")
    broken = tmp_path / "broken.ttl"
    lines = [f"<http://e/s{number}> <http://e/p> 'nouveau' ." for number in range(500)]
    broken.write_text("\n".join(lines) + "\n<http://e/s> <http://e/p> .\n")
    with pytest.raises(MalformedRequestError) as caught:
        load_rdf_file(store, iris, broken, graph="urn:maillage:test", replace=True)
    triples = store.graph_triples(NamedNode("urn:maillage:test"))
    assert [triple.object.value for triple in triples] == ["ancien"], len(triples)
    assert caught.value.message.startswith(
        "broken.ttl is not valid Turtle at line 501, column"
    ), caught.value.message


def test_load_rdf_file_replace_swaps_graph(store, iris, tmp_path):
    path = tmp_path / "data.ttl"
    path.write_text("<http://e/s> <http://e/p> 'ancien' .\n")
    load_rdf_file(store, iris, path, graph="urn:maillage:test")
    path.write_text("<http://e/s> <http://e/p> 'nouveau' .\n")
    load_rdf_file(store, iris, path, graph="urn:maillage:test", replace=True)
    triples = store.graph_triples(NamedNode("urn:maillage:test"))
    assert [triple.object.value for triple in triples] == ["nouveau"]


# Lists and counts read each item from its own graph.


def add_fake_class(store, iris, item_iri):
    """Write `<item> a mlg:Document` and a label into a readable dataset graph."""
    graph = iris.dataset_graph("faux")
    store.add_triples(
        graph,
        [
            Triple(item_iri, RDF.type, MLG.Document),
            Triple(item_iri, DCTERMS["title"], Literal("Faux titre", language="fr")),
        ],
    )
    return graph


def public_graphs(store, iris):
    """Return every graph but the draft's own: a reader who may not read the draft."""
    hidden = iris.item_graph("document", "brouillon")
    return [graph for graph in store.named_graphs() if graph != hidden]


def test_list_items_ignores_class_in_dataset_graph(store, iris):
    load_sample(store, iris)
    add_fake_class(store, iris, iris.item("document", "brouillon"))
    graphs = public_graphs(store, iris)
    page = repository.list_items(store, iris, "document", graphs=graphs)
    keys = [item.key for item in page.items]
    assert "brouillon" not in keys, keys
    assert page.total == len(keys), page.total


def test_count_items_ignores_class_in_dataset_graph(store, iris):
    load_sample(store, iris)
    graphs = public_graphs(store, iris)
    before = repository.count_items(store, iris, "document", graphs=graphs)
    add_fake_class(store, iris, iris.item("document", "brouillon"))
    after = repository.count_items(store, iris, "document", graphs=graphs)
    assert after == before, (before, after)


def test_list_items_title_filter_ignores_dataset_label(store, iris):
    load_sample(store, iris)
    add_fake_class(store, iris, iris.item("document", "diagnostic-social"))
    page = repository.list_items(
        store, iris, "document", graphs=None, title_contains="faux titre"
    )
    assert page.items == [], [item.key for item in page.items]


def test_list_items_imported_item_without_own_graph(store, iris):
    load_sample(store, iris)
    ghost = NamedNode(f"{BASE}/id/commune/07999")
    store.add_triples(
        iris.dataset_graph("communes"), [Triple(ghost, RDF.type, MLG.Commune)]
    )
    keys = [
        item.key
        for item in repository.list_items(
            store, iris, "commune", graphs=None, limit=500
        ).items
    ]
    assert "07999" in keys, keys


# Sorts.


def test_list_items_sort_label(store, iris):
    load_sample(store, iris)
    page = repository.list_items(store, iris, "commune", graphs=None, sort="label")
    labels = [item.label for item in page.items]
    folded = [repository.fold_text(label) for label in labels]
    assert folded == sorted(folded), labels


def test_list_items_sort_modified(store, iris):
    load_sample(store, iris)
    for key, moment in (
        ("brouillon", "2026-01-02"),
        ("diagnostic-social", "2026-03-04"),
    ):
        store.add_triples(
            iris.item_graph("document", key),
            [
                Triple(
                    iris.item("document", key),
                    DCTERMS.modified,
                    Literal(
                        f"{moment}T10:00:00+00:00",
                        datatype=NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
                    ),
                )
            ],
        )
    page = repository.list_items(store, iris, "document", graphs=None, sort="modified")
    keys = [item.key for item in page.items]
    assert keys[:2] == ["diagnostic-social", "brouillon"], keys


def test_list_items_unknown_sort(store, iris):
    with pytest.raises(ParameterError) as caught:
        repository.list_items(store, iris, "document", graphs=None, sort="titre")
    assert caught.value.message == (
        "invalid query parameter sort='titre': accepted values: iri, label, modified"
    )
