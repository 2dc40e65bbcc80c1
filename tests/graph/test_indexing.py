"""The search service: opening, rebuild marks, access decisions, writes and purges."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from maillage.graph.access import ANONYMOUS, Role, User
from maillage.graph.attachments import FileTexts
from maillage.graph.files import FileStore
from maillage.graph.indexing import SearchService, index_path, mark_for_rebuild
from maillage.graph.namespaces import DCTERMS
from maillage.graph.search import GraphDocumentReader
from tests.conftest import BASE_IRI
from tests.sample_items import load_sample

ITEM = f"{BASE_IRI}/id/document/"
GRAPH = f"{BASE_IRI}/graph/document/"
LAWYER = User("claire", Role.READER, frozenset({"juristes"}))

RESTRICTED_MOSTLY = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<graph/document/public> {
  <id/document/public> a mlg:Document ; dcterms:title "Bilan public"@fr ;
    mlg:visibility <id/concept/visibility-public> .
}
<graph/document/secret-1> {
  <id/document/secret-1> a mlg:Document ; dcterms:title "Bilan secret un"@fr ;
    mlg:visibility <id/concept/visibility-restricted> ; mlg:readableBy "juristes" .
}
<graph/document/secret-2> {
  <id/document/secret-2> a mlg:Document ; dcterms:title "Bilan secret deux"@fr ;
    mlg:visibility <id/concept/visibility-restricted> ; mlg:readableBy "juristes" .
}
"""


@pytest.fixture
def service(settings, store, iris):
    load_sample(store, iris)
    search = SearchService.open(store, iris, settings)
    yield search
    search.close()


def found(service: SearchService, words: str, user: User = ANONYMOUS) -> set[str]:
    result = service.index.search(words, readable_graphs=service.access(user))
    return {hit.iri.removeprefix(ITEM) for hit in result.hits}


def test_service_open_indexes_every_item(service, store, iris):
    expected = len(list(GraphDocumentReader(store, iris).documents()))
    assert service.index.count() == expected > 0


def test_service_open_rebuilds_empty_index(settings, store, iris):
    SearchService.open(store, iris, settings).close()
    load_sample(store, iris)
    reopened = SearchService.open(store, iris, settings)
    try:
        assert reopened.index.count() > 0
    finally:
        reopened.close()


def test_mark_for_rebuild_without_index_writes_nothing(settings):
    assert mark_for_rebuild(settings) is False
    assert not index_path(settings).exists()


def test_mark_for_rebuild_applies_at_open(service, settings, store, iris):
    service.close()
    graph = NamedNode(GRAPH + "diagnostic-social")
    title = Triple(
        NamedNode(ITEM + "diagnostic-social"),
        DCTERMS.description,
        Literal("Étude", language="fr"),
    )
    store.oxigraph.update(f"INSERT DATA {{ GRAPH {graph} {{ {title} }} }}")
    assert mark_for_rebuild(settings) is True
    reopened = SearchService.open(store, iris, settings)
    try:
        assert "diagnostic-social" in found(reopened, "étude")
    finally:
        reopened.close()


def test_access_hides_restricted_document(service):
    assert "note-juridique" not in found(service, "note juridique")
    assert "note-juridique" in found(service, "note juridique", LAWYER)


def test_access_hides_draft_from_reader(service):
    reader = User("denis", Role.READER)
    editor = User("alice", Role.EDITOR)
    assert "brouillon" not in found(service, "brouillon rapport", reader)
    assert "brouillon" in found(service, "brouillon rapport", editor)


def test_access_lists_few_denied_graphs(service):
    access = service.access(ANONYMOUS)
    assert access.denied is not None
    assert GRAPH + "note-juridique" in access.denied
    assert GRAPH + "diagnostic-social" not in access.denied


def test_access_hides_entry_whose_graph_left_store(service, store):
    assert "diagnostic-social" in found(service, "diagnostic")
    store.drop_graph(NamedNode(GRAPH + "diagnostic-social"))
    # The index still has the entry, since nothing re-indexed the item.
    assert "diagnostic-social" not in found(service, "diagnostic")


def test_access_allow_list_when_most_graphs_denied(settings, store, iris):
    store.oxigraph.load(
        RESTRICTED_MOSTLY.encode(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    search = SearchService.open(store, iris, settings)
    try:
        access = search.access(ANONYMOUS)
        assert access.denied is None
        assert found(search, "bilan") == {"public"}
        assert found(search, "bilan", LAWYER) == {"public", "secret-1", "secret-2"}
    finally:
        search.close()


def test_access_kept_until_store_written(service, store):
    first = service.access(ANONYMOUS)
    assert service.access(ANONYMOUS) is first
    store.add_triples(NamedNode(GRAPH + "nouveau"), [])
    assert service.access(ANONYMOUS) is not first


def test_recording_reindexes_after_block(service, store):
    graph = NamedNode(GRAPH + "diagnostic-social")
    item = NamedNode(ITEM + "diagnostic-social")
    triples = store.graph_triples(graph) + [
        Triple(item, DCTERMS.description, Literal("Mobilité solidaire", language="fr"))
    ]
    with service.recording(item):
        store.replace_graph(graph, triples)
    assert "diagnostic-social" in found(service, "mobilité")
    assert service.index.journal.entries() == []


def test_recording_keeps_entry_when_block_fails(service):
    with pytest.raises(RuntimeError), service.recording(ITEM + "diagnostic-social"):
        raise RuntimeError("the write failed")
    assert [iri for _, iri in service.index.journal.entries()] == [
        ITEM + "diagnostic-social"
    ]


def test_forget_deletes_texts_of_deleted_files(service, settings):
    files = FileStore.from_settings(settings)
    texts = FileTexts.from_settings(settings, files)
    stored = files.store_stream([b"Texte"], client_name="a.txt", max_bytes=100)
    texts.save(stored.sha256, "Texte")
    files.delete(stored.sha256)
    service.forget(ITEM + "diagnostic-social")
    assert not texts.path(stored.sha256).exists()


def test_file_texts_extracts_missing_text(settings):
    files = FileStore.from_settings(settings)
    texts = FileTexts.from_settings(settings, files)
    stored = files.store_stream(
        ["Œuvre sociale\f page".encode()], client_name="a.txt", max_bytes=100
    )
    assert texts.text(stored.sha256, "text/plain") == "Œuvre sociale\n page"
    assert texts.path(stored.sha256).is_file()


def test_file_texts_unreadable_file_gives_empty_text(settings):
    files = FileStore.from_settings(settings)
    texts = FileTexts.from_settings(settings, files)
    stored = files.store_stream(
        [b"%PDF-1.4 broken"], client_name="a.pdf", max_bytes=100
    )
    assert texts.text(stored.sha256, "application/pdf") == ""
