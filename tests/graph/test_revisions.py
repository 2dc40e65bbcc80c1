"""The revision store, the history rules and the access rights on old versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple

from maillage.graph.errors import NotFoundError
from maillage.graph.files import FileStore
from maillage.graph.namespaces import DCTERMS, MLG, RDFS
from maillage.graph.revisions import (
    Revision,
    RevisionStore,
    canonical_lines,
    diff_triples,
    graph_etag,
    read_history,
    read_revision,
)
from maillage.graph.writes import ContentWriter
from tests.graph.write_samples import (
    ANONYMOUS_USER,
    EDITOR,
    LAWYER,
    READER,
    concept,
    document_body,
)
from tests.sample_items import load_sample

WHEN = datetime(2015, 3, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def revisions(iris, tmp_path):
    revision_store = RevisionStore(tmp_path / "revisions", iris)
    yield revision_store
    revision_store.close()


@pytest.fixture
def writer(store, iris, revisions, tmp_path):
    load_sample(store, iris)
    return ContentWriter(store, iris, revisions, files=FileStore(tmp_path / "files"))


def title_triple(iris, text: str) -> Triple:
    item = iris.item("document", "etude")
    return Triple(item, DCTERMS["title"], Literal(text, language="fr"))


def history_of(writer, iris, user=EDITOR, key="etude-besoins"):
    return read_history(writer.store, writer.revisions, iris, "document", key, user)


def revision_of(writer, iris, number, user, key="etude-besoins"):
    return read_revision(
        writer.store, writer.revisions, iris, "document", key, number, user
    )


def test_revision_store_round_trip(revisions, iris):
    item = iris.item("document", "etude")
    revision = Revision(
        1,
        "transition",
        "alice",
        WHEN,
        comment="validé",
        from_state=concept(iris, "workflow-state", "draft"),
        to_state=concept(iris, "workflow-state", "published"),
    )
    revisions.add(item, revision, [title_triple(iris, "Étude")])
    assert revisions.list(item) == [revision]
    assert revisions.triples(item, 1) == [title_triple(iris, "Étude")]


def test_revision_store_replaces_same_number(revisions, iris):
    item = iris.item("document", "etude")
    revisions.add(item, Revision(1, "create", "alice", WHEN), [title_triple(iris, "A")])
    revisions.add(item, Revision(1, "create", "bruno", WHEN), [title_triple(iris, "B")])
    assert [r.user for r in revisions.list(item)] == ["bruno"]
    assert revisions.triples(item, 1) == [title_triple(iris, "B")]


def test_revision_store_remove(revisions, iris):
    item = iris.item("document", "etude")
    revisions.add(item, Revision(1, "create", "alice", WHEN), [title_triple(iris, "A")])
    revisions.remove(item, 1)
    assert revisions.list(item) == []
    assert revisions.triples(item, 1) == []


def test_revision_store_provenance(revisions, iris):
    item = iris.item("document", "etude")
    revisions.add(item, Revision(1, "create", "alice", WHEN, "premier jet"), [])
    history = revisions.store.graph_triples(revisions.history_graph(item))
    activity = revisions.activity(item, 1)
    by_predicate = {
        t.predicate.value: t.object for t in history if t.subject == activity
    }
    assert (
        by_predicate["http://www.w3.org/ns/prov#endedAtTime"].value
        == "2015-03-20T09:30:00Z"
    ), by_predicate
    assert by_predicate["http://www.w3.org/ns/prov#wasAssociatedWith"] == NamedNode(
        "http://maillage.test/user/alice"
    )
    assert by_predicate[RDFS.comment.value].value == "premier jet"


def test_revisions_live_outside_main_store(writer, iris, tmp_path):
    writer.create("document", document_body(iris), EDITOR)
    graphs = [graph.value for graph in writer.store.named_graphs()]
    assert not any("/graph/revision/" in graph for graph in graphs), graphs
    assert (tmp_path / "revisions").is_dir()


def test_history_lists_revisions(writer, iris):
    first = writer.create("document", document_body(iris), EDITOR, comment="début")
    writer.patch(
        "document", "etude-besoins", {"title": "Suite"}, LAWYER, if_match=first.etag
    )
    state, revisions = history_of(writer, iris)
    summary = [(r.number, r.operation, r.user, r.comment) for r in revisions]
    assert summary == [(1, "create", "alice", "début"), (2, "patch", "claire", None)]
    assert state.status == "live", state


def test_history_hides_revision_of_failed_write(writer, iris):
    first = writer.create("document", document_body(iris), EDITOR)
    # A write that recorded revision 2, then died before writing the item graph.
    orphan = Revision(2, "update", "bruno", WHEN)
    writer.revisions.add(first.iri, orphan, [title_triple(iris, "perdu")])
    _, revisions = history_of(writer, iris)
    assert [r.number for r in revisions] == [1]


def test_next_write_replaces_failed_revision(writer, iris):
    first = writer.create("document", document_body(iris), EDITOR)
    writer.revisions.add(
        first.iri, Revision(2, "update", "bruno", WHEN), [title_triple(iris, "perdu")]
    )
    writer.patch(
        "document", "etude-besoins", {"title": "Gardé"}, EDITOR, if_match=first.etag
    )
    _, revisions = history_of(writer, iris)
    titles = [
        t.object.value
        for t in revision_of(writer, iris, 2, EDITOR)
        if t.predicate == DCTERMS["title"]
    ]
    assert [(r.number, r.user) for r in revisions] == [(1, "alice"), (2, "alice")]
    assert titles == ["Gardé"], titles


def test_history_of_draft_hidden_from_reader(writer, iris):
    writer.create("document", document_body(iris), EDITOR)
    for user in (READER, ANONYMOUS_USER):
        with pytest.raises(NotFoundError):
            history_of(writer, iris, user)


def test_history_of_restricted_item(writer, iris):
    _, revisions = history_of(writer, iris, LAWYER, key="note-juridique")
    assert revisions == []
    with pytest.raises(NotFoundError):
        history_of(writer, iris, EDITOR, key="note-juridique")


def test_history_of_trashed_item(writer, iris):
    first = writer.create("document", document_body(iris), EDITOR)
    state = writer.transition(
        "document", "etude-besoins", "published", EDITOR, if_match=first.etag
    )
    writer.delete("document", "etude-besoins", EDITOR, if_match=state.etag)
    trashed, revisions = history_of(writer, iris)
    assert trashed.status == "trash", trashed
    assert [r.operation for r in revisions] == ["create", "transition", "delete"]
    with pytest.raises(NotFoundError):
        history_of(writer, iris, READER)


def test_history_of_purged_item(writer, iris):
    from tests.graph.write_samples import ADMINISTRATOR

    writer.create("document", document_body(iris), EDITOR)
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    with pytest.raises(NotFoundError) as caught:
        history_of(writer, iris, ADMINISTRATOR)
    assert caught.value.message == "no document with key 'etude-besoins'"


def test_read_revision_content(writer, iris):
    first = writer.create("document", document_body(iris, title="Avant"), EDITOR)
    writer.patch(
        "document", "etude-besoins", {"title": "Après"}, EDITOR, if_match=first.etag
    )
    titles = [
        t.object.value
        for t in revision_of(writer, iris, 1, EDITOR)
        if t.predicate == DCTERMS["title"]
    ]
    assert titles == ["Avant"], titles


def test_read_revision_out_of_range(writer, iris):
    writer.create("document", document_body(iris), EDITOR)
    with pytest.raises(NotFoundError) as caught:
        revision_of(writer, iris, 3, EDITOR)
    assert caught.value.message == (
        "no revision 3 of document 'etude-besoins'; revisions go from 1 to 1"
    )


def test_draft_revision_hidden_after_publication(writer, iris):
    first = writer.create("document", document_body(iris), EDITOR)
    writer.transition(
        "document", "etude-besoins", "published", EDITOR, if_match=first.etag
    )
    published = revision_of(writer, iris, 2, READER)
    assert published, published
    with pytest.raises(NotFoundError):
        revision_of(writer, iris, 1, READER)


def test_diff_triples_lines(iris):
    old = [title_triple(iris, "Avant")]
    new = [title_triple(iris, "Après")]
    added, removed = diff_triples(old, new)
    item = "<http://maillage.test/id/document/etude>"
    title = "<http://purl.org/dc/terms/title>"
    assert added == [f'{item} {title} "Après"@fr .'], added
    assert removed == [f'{item} {title} "Avant"@fr .'], removed


def test_graph_etag_follows_content(iris):
    item = iris.item("document", "etude")
    first = graph_etag([title_triple(iris, "Avant")], item)
    same = graph_etag([title_triple(iris, "Avant")], item)
    other = graph_etag([title_triple(iris, "Après")], item)
    assert first == same
    assert first != other
    assert first.startswith('"0-'), first


def test_graph_etag_names_revision(iris):
    item = iris.item("document", "etude")
    marker = Triple(item, MLG.revisionNumber, Literal("4", datatype=None))
    etag = graph_etag([title_triple(iris, "A"), marker], item)
    assert etag.startswith('"4-'), etag


def test_canonical_lines_ignore_blank_labels():
    subject = NamedNode("http://maillage.test/id/document/etude")
    first = [Triple(subject, RDFS.seeAlso, BlankNode("a1"))]
    second = [Triple(subject, RDFS.seeAlso, BlankNode("zz"))]
    assert canonical_lines(first) == canonical_lines(second)


def test_revision_store_survives_reopening(iris, tmp_path):
    item = iris.item("document", "etude")
    first = RevisionStore(tmp_path / "revisions", iris)
    first.add(item, Revision(1, "create", "alice", WHEN), [title_triple(iris, "A")])
    first.close()
    again = RevisionStore(tmp_path / "revisions", iris)
    try:
        assert [r.number for r in again.list(item)] == [1]
    finally:
        again.close()


def test_revision_triples_keep_datatypes(revisions, iris, store):
    store.oxigraph.load(
        b"<http://maillage.test/id/document/etude> "
        b'<http://purl.org/dc/terms/issued> "2015-03-20"^^'
        b"<http://www.w3.org/2001/XMLSchema#date> .",
        format=RdfFormat.N_TRIPLES,
        to_graph=NamedNode("http://maillage.test/graph/document/etude"),
    )
    triples = store.graph_triples(
        NamedNode("http://maillage.test/graph/document/etude")
    )
    item = iris.item("document", "etude")
    revisions.add(item, Revision(1, "import", None, None), triples)
    assert revisions.triples(item, 1) == triples
