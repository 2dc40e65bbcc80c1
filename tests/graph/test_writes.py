"""Writes of content items: validation, entity tags, trash, purge and workflow."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat

from maillage.graph.access import readable_graphs
from maillage.graph.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    ValidationFailedError,
)
from maillage.graph.files import FileStore
from maillage.graph.namespaces import DCTERMS, MLG
from maillage.graph.revisions import RevisionStore
from maillage.graph.writes import (
    ContentWriter,
    ImportedItemError,
    ItemExistsError,
    ItemInUseError,
    PreconditionRequiredError,
    ReadOnlyTypeError,
    TransitionNotAllowedError,
    write_item_graph,
)
from tests.graph.write_samples import (
    ADMINISTRATOR,
    ANONYMOUS_USER,
    EDITOR,
    LAWYER,
    OTHER_EDITOR,
    READER,
    actor_body,
    concept,
    document_body,
)
from tests.sample_items import load_sample

RESTRICTED_ACTOR = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<graph/actor/avocat-conseil> {
  <id/actor/avocat-conseil> a org:FormalOrganization, mlg:OtherPartner ;
    skos:prefLabel "Cabinet d'avocats"@fr ;
    mlg:visibility <id/concept/visibility-restricted> ;
    mlg:readableBy "juristes" ;
    mlg:workflowState <id/concept/workflow-state-published> .
}
<graph/dataset/banatic> {
  <id/competence/C1010> a mlg:Competence, skos:Concept ;
    skos:prefLabel "Eau"@fr ; skos:inScheme <id/scheme/banatic> .
}
"""


@pytest.fixture
def writer(store, iris, tmp_path):
    load_sample(store, iris)
    store.oxigraph.load(
        RESTRICTED_ACTOR.encode(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    revisions = RevisionStore(tmp_path / "revisions", iris)
    store.on_close(revisions.close)
    return ContentWriter(store, iris, revisions, files=FileStore(tmp_path / "files"))


def created(writer, iris, **fields):
    return writer.create("document", document_body(iris, **fields), EDITOR)


def value_of(state, predicate):
    values = [t.object for t in state.triples if t.predicate == predicate]
    return values[0] if values else None


def test_create_document_writes_item_graph(writer, iris):
    state = created(writer, iris)
    graph = writer.store.graph_triples(iris.item_graph("document", "etude-besoins"))
    assert state.status == "live", state
    assert state.head == 1, state
    assert (iris.item("document", "etude-besoins"), MLG.revisionNumber) in {
        (t.subject, t.predicate) for t in graph
    }, graph


def test_create_sets_server_dates(writer, iris):
    before = datetime.now(UTC)
    state = created(writer, iris, created="1999-01-01T00:00:00Z")
    stamp = datetime.fromisoformat(value_of(state, DCTERMS.created).value)
    assert stamp >= before, stamp
    assert value_of(state, DCTERMS.modified) == value_of(state, DCTERMS.created)


def test_create_defaults_to_draft(writer, iris):
    state = created(writer, iris)
    draft = iris.concept("workflow-state", "draft")
    assert value_of(state, MLG.workflowState) == draft, state.triples


def test_create_key_from_title(writer, iris):
    body = document_body(iris, title="L'œuvre sociale à Privas")
    del body["key"]
    state = writer.create("document", body, EDITOR)
    assert state.iri == iris.item("document", "l-oeuvre-sociale-a-privas"), state.iri


def test_create_existing_key(writer, iris):
    created(writer, iris)
    with pytest.raises(ItemExistsError) as caught:
        created(writer, iris)
    assert caught.value.message == "document 'etude-besoins' already exists"


def test_create_key_in_trash(writer, iris):
    state = created(writer, iris)
    writer.delete("document", "etude-besoins", EDITOR, if_match=state.etag)
    with pytest.raises(ItemExistsError) as caught:
        created(writer, iris)
    assert caught.value.message == (
        "document 'etude-besoins' is in the trash; restore or purge it first"
    )


def test_create_key_of_imported_item(writer, iris):
    body = {
        "key": "C1010",
        "label": "Eau",
        "scheme": iris.scheme("banatic").value,
    }
    with pytest.raises(ItemExistsError) as caught:
        writer.create("competence", body, EDITOR)
    assert caught.value.message == (
        "competence 'C1010' already exists in the imported graph "
        f"{iris.dataset_graph('banatic').value}"
    )


def test_create_invalid_fields(writer, iris):
    body = document_body(iris, title="", bogus=1)
    del body["document_type"]
    with pytest.raises(ValidationFailedError) as caught:
        writer.create("document", body, EDITOR)
    assert caught.value.details == {
        "errors": [
            {"field": "title", "message": "must not be empty"},
            {"field": "document_type", "message": "missing required field"},
            {
                "field": "bogus",
                "message": "unknown field; accepted fields: key, visibility, "
                "workflow_state, created, modified, is_illustration, readable_by, "
                "title, description, document_type, phase, issued, creators, "
                "subjects, about_actions, about_competences, about_actors, "
                "keywords, language, produced_at, files",
            },
        ]
    }


def test_create_invalid_key(writer, iris):
    with pytest.raises(ValidationFailedError) as caught:
        writer.create("document", document_body(iris, key="../etc"), EDITOR)
    assert caught.value.details["errors"] == [
        {
            "field": "key",
            "message": "'../etc' is not a valid key: use 1 to 200 characters among "
            "A-Z a-z 0-9 . _ -, starting with a letter or digit",
        }
    ]


def test_create_link_to_missing_item(writer, iris):
    missing = iris.item("action", "fa-99").value
    body = document_body(
        iris, about_actions=[iris.item("action", "fa-01").value, missing]
    )
    with pytest.raises(ValidationFailedError) as caught:
        writer.create("document", body, EDITOR)
    assert caught.value.details == {
        "errors": [
            {
                "field": "about_actions.1",
                "message": f"links to {missing}, which does not exist or which "
                "you may not read",
            }
        ]
    }


def test_create_link_to_unreadable_item(writer, iris):
    lawyer_firm = iris.item("actor", "avocat-conseil").value
    body = document_body(iris, creators=[lawyer_firm])
    with pytest.raises(ValidationFailedError) as caught:
        writer.create("document", body, EDITOR)
    assert caught.value.details["errors"][0]["field"] == "creators.0"


def test_create_link_readable_by_group(writer, iris):
    lawyer_firm = iris.item("actor", "avocat-conseil").value
    state = writer.create(
        "document", document_body(iris, creators=[lawyer_firm]), LAWYER
    )
    assert state.head == 1, state


def test_create_nested_link_field(writer, iris):
    from tests.graph.write_samples import action_body

    missing = iris.item("actor", "nobody").value
    body = action_body(iris)
    body["involvements"][0]["agent"] = missing
    with pytest.raises(ValidationFailedError) as caught:
        writer.create("action", body, EDITOR)
    assert caught.value.details["errors"][0]["field"] == "involvements.0.agent"


def test_create_shape_violation(writer, iris):
    body = document_body(iris, document_type=concept(iris, "theme", "logement"))
    with pytest.raises(ValidationFailedError) as caught:
        writer.create("document", body, EDITOR)
    errors = caught.value.details["errors"]
    violations = caught.value.details["violations"]
    assert {error["field"] for error in errors} == {"document_type"}, errors
    assert violations[0]["path"] == DCTERMS["type"].value, violations


def test_create_needs_editor(writer, iris):
    for user in (READER, ANONYMOUS_USER):
        with pytest.raises(ForbiddenError):
            writer.create("document", document_body(iris), user)


def test_create_read_only_type(writer, iris):
    with pytest.raises(ReadOnlyTypeError):
        writer.create("commune", {"key": "07999", "label": "X"}, EDITOR)


def test_replace_without_if_match(writer, iris):
    created(writer, iris)
    with pytest.raises(PreconditionRequiredError):
        writer.replace(
            "document", "etude-besoins", document_body(iris), EDITOR, if_match=None
        )


def test_replace_stale_if_match_changes_nothing(writer, iris):
    first = created(writer, iris)
    writer.replace(
        "document",
        "etude-besoins",
        document_body(iris, title="Deuxième"),
        EDITOR,
        if_match=first.etag,
    )
    before = writer.state("document", "etude-besoins")
    with pytest.raises(PreconditionFailedError):
        writer.replace(
            "document",
            "etude-besoins",
            document_body(iris, title="Troisième"),
            OTHER_EDITOR,
            if_match=first.etag,
        )
    after = writer.state("document", "etude-besoins")
    assert after.etag == before.etag, after
    assert [r.number for r in writer.revisions.list(after.iri)] == [1, 2]


def test_replace_keeps_created(writer, iris):
    first = created(writer, iris)
    second = writer.replace(
        "document",
        "etude-besoins",
        document_body(iris, title="Deuxième version"),
        EDITOR,
        if_match=first.etag,
    )
    assert value_of(second, DCTERMS.created) == value_of(first, DCTERMS.created)
    assert value_of(second, DCTERMS.modified) != value_of(first, DCTERMS.modified)
    assert second.head == 2, second


def test_replace_if_match_star(writer, iris):
    created(writer, iris)
    state = writer.replace(
        "document", "etude-besoins", document_body(iris), EDITOR, if_match="*"
    )
    assert state.head == 2, state


def test_replace_weak_tag_does_not_match(writer, iris):
    first = created(writer, iris)
    with pytest.raises(PreconditionFailedError):
        writer.replace(
            "document",
            "etude-besoins",
            document_body(iris),
            EDITOR,
            if_match=f"W/{first.etag}",
        )


def test_replace_cannot_change_workflow_state(writer, iris):
    first = created(writer, iris)
    published = concept(iris, "workflow-state", "published")
    with pytest.raises(ValidationFailedError) as caught:
        writer.replace(
            "document",
            "etude-besoins",
            document_body(iris, workflow_state=published),
            EDITOR,
            if_match=first.etag,
        )
    assert caught.value.details["errors"] == [
        {
            "field": "workflow_state",
            "message": f"is {concept(iris, 'workflow-state', 'draft')}; change it "
            "with POST /api/document/etude-besoins/transition",
        }
    ]


def test_replace_key_mismatch(writer, iris):
    first = created(writer, iris)
    with pytest.raises(ValidationFailedError) as caught:
        writer.replace(
            "document",
            "etude-besoins",
            document_body(iris, key="autre"),
            EDITOR,
            if_match=first.etag,
        )
    assert caught.value.details["errors"] == [
        {"field": "key", "message": "is 'autre' but the address names 'etude-besoins'"}
    ]


def test_replace_missing_item(writer, iris):
    with pytest.raises(NotFoundError) as caught:
        writer.replace("document", "absent", document_body(iris), EDITOR, if_match="*")
    assert caught.value.message == "no document with key 'absent'"


def test_replace_unreadable_item_is_not_found(writer, iris):
    state = writer.state("document", "note-juridique")
    with pytest.raises(NotFoundError):
        writer.replace("document", "note-juridique", {}, EDITOR, if_match=state.etag)


def test_replace_imported_item(writer, iris):
    with pytest.raises(ImportedItemError):
        writer.replace("competence", "C1010", {"label": "Eau"}, EDITOR, if_match="*")


def test_patch_merges_fields(writer, iris):
    first = created(writer, iris, description="Première description")
    state = writer.patch(
        "document",
        "etude-besoins",
        {"description": None, "keywords": ["logement", "santé"]},
        EDITOR,
        if_match=first.etag,
    )
    keywords = sorted(
        t.object.value for t in state.triples if t.predicate == MLG.keyword
    )
    assert value_of(state, DCTERMS.description) is None, state.triples
    assert keywords == ["logement", "santé"], keywords


def test_patch_imported_content_keeps_it_as_revision_one(writer, iris):
    current = writer.state("actor", "ccas-privas")
    state = writer.patch(
        "actor",
        "ccas-privas",
        {"description": "Centre communal d'action sociale"},
        EDITOR,
        if_match=current.etag,
    )
    revisions = writer.revisions.list(state.iri)
    assert [(r.number, r.operation) for r in revisions] == [(1, "import"), (2, "patch")]
    assert set(writer.revisions.triples(state.iri, 1)) == set(current.triples)


def test_concurrent_replace_one_wins(writer, iris):
    first = created(writer, iris)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def write(number: int) -> None:
        barrier.wait()
        try:
            writer.replace(
                "document",
                "etude-besoins",
                document_body(iris, title=f"Version {number}"),
                EDITOR,
                if_match=first.etag,
            )
            outcomes.append(f"won {number}")
        except PreconditionFailedError:
            outcomes.append("412")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome.startswith("won")]
    state = writer.state("document", "etude-besoins")
    title = value_of(state, DCTERMS["title"]).value
    assert len(winners) == 1, outcomes
    assert title == f"Version {winners[0].split()[1]}", title
    assert state.head == 2, state


def test_write_item_graph_checks_revision_in_update(writer, iris):
    first = created(writer, iris)
    # Another writer, in another process, moved the item to revision 7 meanwhile.
    writer.store.update(
        f"DELETE {{ GRAPH {first.graph} {{ {first.iri} {MLG.revisionNumber} ?n }} }} "
        f"INSERT {{ GRAPH {first.graph} {{ {first.iri} {MLG.revisionNumber} 7 }} }} "
        f"WHERE {{ GRAPH {first.graph} {{ {first.iri} {MLG.revisionNumber} ?n }} }}"
    )
    before = writer.store.graph_triples(first.graph)
    replacement = [*first.content]
    applied = write_item_graph(writer.store, first, replacement)
    assert applied is False
    assert writer.store.graph_triples(first.graph) == before


def test_delete_moves_item_to_trash(writer, iris):
    first = created(writer, iris)
    state = writer.delete("document", "etude-besoins", EDITOR, if_match=first.etag)
    assert state.status == "trash", state
    assert not writer.store.has_graph(first.graph)
    assert writer.revisions.list(first.iri)[-1].operation == "delete"


def test_delete_leaves_sparql_dataset(writer, iris):
    first = created(writer, iris)
    writer.delete("document", "etude-besoins", EDITOR, if_match=first.etag)
    found = writer.store.ask(f"ASK {{ GRAPH ?g {{ {first.iri} ?p ?o }} }}")
    assert found is False
    assert first.graph not in readable_graphs(writer.store, iris, EDITOR)


def test_delete_linked_item(writer, iris):
    state = writer.state("action", "fa-01")
    with pytest.raises(ItemInUseError) as caught:
        writer.delete("action", "fa-01", EDITOR, if_match=state.etag)
    assert caught.value.message == (
        "action 'fa-01' is linked from 1 item(s); remove those links first, "
        "and from 1 item(s) you may not read"
    )
    assert caught.value.details == {
        "links": [iris.item("document", "diagnostic-social").value]
    }


def test_delete_linked_item_lists_all_for_group(writer, iris):
    state = writer.state("action", "fa-01")
    with pytest.raises(ItemInUseError) as caught:
        writer.delete("action", "fa-01", LAWYER, if_match=state.etag)
    assert caught.value.details == {
        "links": [
            iris.item("document", "diagnostic-social").value,
            iris.item("document", "note-juridique").value,
        ]
    }


def test_delete_item_linked_by_unreadable_item(writer, iris):
    actor = writer.create("actor", actor_body(iris), EDITOR)
    restricted = document_body(
        iris,
        visibility=concept(iris, "visibility", "restricted"),
        readable_by=["juristes"],
        about_actors=[actor.iri.value],
    )
    writer.create("document", restricted, LAWYER)
    with pytest.raises(ItemInUseError) as caught:
        writer.delete("actor", "cias-capca", EDITOR, if_match=actor.etag)
    assert caught.value.message == (
        "actor 'cias-capca' is linked from 1 item(s) you may not read; ask an "
        "administrator to remove those links"
    )
    assert caught.value.details == {"links": []}


def test_delete_stale_if_match(writer, iris):
    first = created(writer, iris)
    writer.patch(
        "document", "etude-besoins", {"title": "Autre"}, EDITOR, if_match=first.etag
    )
    with pytest.raises(PreconditionFailedError):
        writer.delete("document", "etude-besoins", EDITOR, if_match=first.etag)
    assert writer.state("document", "etude-besoins").status == "live"


def test_restore_from_trash(writer, iris):
    first = created(writer, iris)
    writer.delete("document", "etude-besoins", EDITOR, if_match=first.etag)
    state = writer.restore("document", "etude-besoins", OTHER_EDITOR, comment="erreur")
    title = value_of(state, DCTERMS["title"])
    operations = [r.operation for r in writer.revisions.list(state.iri)]
    assert title == value_of(first, DCTERMS["title"]), state.triples
    assert operations == ["create", "delete", "restore"], operations
    assert state.head == 3, state


def test_restore_live_item(writer, iris):
    created(writer, iris)
    with pytest.raises(ConflictError) as caught:
        writer.restore("document", "etude-besoins", EDITOR)
    assert caught.value.message == "document 'etude-besoins' is not in the trash"


def test_restore_missing_item(writer, iris):
    with pytest.raises(NotFoundError) as caught:
        writer.restore("document", "absent", EDITOR)
    assert caught.value.message == "no document with key 'absent' in the trash"


def test_purge_needs_administrator(writer, iris):
    created(writer, iris)
    with pytest.raises(ForbiddenError):
        writer.purge("document", "etude-besoins", EDITOR)


def test_purge_erases_item_and_revisions(writer, iris):
    first = created(writer, iris)
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    assert writer.state("document", "etude-besoins").status == "missing"
    assert writer.revisions.list(first.iri) == []
    assert not writer.store.has_graph(first.graph)


def test_purge_from_trash(writer, iris):
    first = created(writer, iris)
    writer.delete("document", "etude-besoins", EDITOR, if_match=first.etag)
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    assert writer.state("document", "etude-besoins").status == "missing"


def test_purge_missing_item(writer, iris):
    with pytest.raises(NotFoundError):
        writer.purge("document", "absent", ADMINISTRATOR)


def test_purge_deletes_unshared_files(writer, iris):
    files = writer.files
    own = files.store_stream(
        [b"questionnaire brut"], client_name="q.txt", max_bytes=100
    )
    shared = files.store_stream([b"commun"], client_name="c.txt", max_bytes=100)
    nodes = [
        {"file_name": "q.txt", "sha256": own.sha256, "media_type": own.media_type},
        {"file_name": "c.txt", "sha256": shared.sha256},
    ]
    writer.create("document", document_body(iris, files=nodes), EDITOR)
    copy = [{"file_name": "copie.txt", "sha256": shared.sha256}]
    writer.create("document", document_body(iris, key="autre", files=copy), EDITOR)
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    assert not files.exists(own.sha256)
    assert files.exists(shared.sha256)


def test_purge_runs_hooks(writer, iris):
    first = created(writer, iris)
    purged: list[NamedNode] = []
    writer.hooks.on_purge.append(purged.append)
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    assert purged == [first.iri]


def test_purge_log_without_content(writer, iris, caplog):
    created(writer, iris, title="Réponses nominatives au questionnaire")
    with caplog.at_level(logging.INFO, logger="maillage.graph.writes"):
        writer.purge("document", "etude-besoins", ADMINISTRATOR)
    text = caplog.text
    assert "purged http://maillage.test/id/document/etude-besoins by eve" in text
    assert "nominatives" not in text


def test_purge_record_without_content(writer, iris):
    first = created(writer, iris, title="Réponses nominatives au questionnaire")
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    everything = list(
        writer.revisions.store.oxigraph.quads_for_pattern(None, None, None)
    )
    literals = {q.object.value for q in everything if isinstance(q.object, Literal)}
    subjects = {q.object for q in everything if q.predicate == MLG.purgedItem}
    assert subjects == {first.iri}, everything
    assert not any("nominatives" in value for value in literals), literals


def test_transition_publishes(writer, iris):
    first = created(writer, iris)
    state = writer.transition(
        "document",
        "etude-besoins",
        "published",
        EDITOR,
        if_match=first.etag,
        comment="validé en comité",
    )
    revision = writer.revisions.list(state.iri)[-1]
    assert value_of(state, MLG.workflowState) == iris.concept(
        "workflow-state", "published"
    )
    assert (revision.operation, revision.comment) == ("transition", "validé en comité")
    assert revision.to_state == concept(iris, "workflow-state", "published")


def test_transition_makes_item_readable(writer, iris):
    first = created(writer, iris)
    assert first.graph not in readable_graphs(writer.store, iris, READER)
    writer.transition(
        "document", "etude-besoins", "published", EDITOR, if_match=first.etag
    )
    assert first.graph in readable_graphs(writer.store, iris, READER)


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ((), "archived", False),
        ((), "draft", False),
        (("published",), "archived", True),
        (("published",), "draft", True),
        (("published", "archived"), "published", True),
        (("published", "archived"), "draft", True),
    ],
)
def test_transition_table(writer, iris, path, target, allowed):
    state = created(writer, iris)
    for step in path:
        state = writer.transition(
            "document", "etude-besoins", step, EDITOR, if_match=state.etag
        )
    if allowed:
        state = writer.transition(
            "document", "etude-besoins", target, EDITOR, if_match=state.etag
        )
        assert value_of(state, MLG.workflowState) == iris.concept(
            "workflow-state", target
        )
    else:
        with pytest.raises(TransitionNotAllowedError):
            writer.transition(
                "document", "etude-besoins", target, EDITOR, if_match=state.etag
            )


def test_transition_unknown_state(writer, iris):
    first = created(writer, iris)
    with pytest.raises(ValidationFailedError) as caught:
        writer.transition(
            "document", "etude-besoins", "deleted", EDITOR, if_match=first.etag
        )
    assert caught.value.details["errors"] == [
        {
            "field": "to",
            "message": "'deleted' is not a workflow state; accepted: draft, "
            "published, archived",
        }
    ]


def test_transition_needs_editor(writer, iris):
    state = writer.state("document", "diagnostic-social")
    with pytest.raises(ForbiddenError):
        writer.transition(
            "document", "diagnostic-social", "archived", READER, if_match=state.etag
        )


def test_revert_restores_content(writer, iris):
    first = created(writer, iris, title="Titre d'origine")
    second = writer.patch(
        "document",
        "etude-besoins",
        {"title": "Titre changé"},
        EDITOR,
        if_match=first.etag,
    )
    third = writer.revert("document", "etude-besoins", 1, EDITOR, if_match=second.etag)
    last = writer.revisions.list(third.iri)[-1]
    assert value_of(third, DCTERMS["title"]).value == "Titre d'origine"
    assert (last.number, last.operation, last.comment) == (
        3,
        "revert",
        "revert to revision 1",
    )


def test_revert_keeps_workflow_state(writer, iris):
    first = created(writer, iris)
    second = writer.transition(
        "document", "etude-besoins", "published", EDITOR, if_match=first.etag
    )
    third = writer.revert("document", "etude-besoins", 1, EDITOR, if_match=second.etag)
    assert value_of(third, MLG.workflowState) == iris.concept(
        "workflow-state", "published"
    )


def test_revert_unknown_revision(writer, iris):
    first = created(writer, iris)
    with pytest.raises(NotFoundError) as caught:
        writer.revert("document", "etude-besoins", 5, EDITOR, if_match=first.etag)
    assert caught.value.message == (
        f"no revision 5 of {first.iri.value}; revisions go from 1 to 1"
    )


def test_write_hooks_run_and_failures_are_kept_apart(writer, iris):
    written: list[NamedNode] = []

    def broken(iri: NamedNode) -> None:
        raise RuntimeError("index unavailable")

    writer.hooks.on_write.extend([broken, written.append])
    state = created(writer, iris)
    assert written == [state.iri]
    assert writer.state("document", "etude-besoins").status == "live"


def test_replace_keeps_files_left_out(writer, iris):
    files = [{"file_name": "rapport.pdf"}]
    first = writer.create("document", document_body(iris, files=files), EDITOR)
    state = writer.replace(
        "document",
        "etude-besoins",
        document_body(iris, title="Autre"),
        EDITOR,
        if_match=first.etag,
    )
    names = [t.object.value for t in state.triples if t.predicate == MLG.fileName]
    assert names == ["rapport.pdf"], state.triples


def test_update_files_removes_file(writer, iris):
    files = [{"file_name": "a.pdf"}, {"file_name": "b.pdf"}]
    first = writer.create("document", document_body(iris, files=files), EDITOR)
    state = writer.update_files(
        "etude-besoins", [{"file_name": "b.pdf"}], EDITOR, if_match=first.etag
    )
    names = [t.object.value for t in state.triples if t.predicate == MLG.fileName]
    assert names == ["b.pdf"], state.triples


@pytest.mark.parametrize("files", [[{"file_name": "b.pdf"}], [], None])
def test_patch_files_rejected(writer, iris, files):
    first = writer.create(
        "document", document_body(iris, files=[{"file_name": "a.pdf"}]), EDITOR
    )
    with pytest.raises(ValidationFailedError) as raised:
        writer.patch(
            "document", "etude-besoins", {"files": files}, EDITOR, if_match=first.etag
        )
    fields = [problem["field"] for problem in raised.value.details["errors"]]
    assert fields == ["files"], raised.value.details
    assert writer.state("document", "etude-besoins").head == first.head


def test_replace_changed_files_rejected(writer, iris):
    first = writer.create(
        "document", document_body(iris, files=[{"file_name": "a.pdf"}]), EDITOR
    )
    other = [{"file_name": "a.pdf", "sha256": "0" * 64}]
    with pytest.raises(ValidationFailedError) as raised:
        writer.replace(
            "document",
            "etude-besoins",
            document_body(iris, files=other),
            EDITOR,
            if_match=first.etag,
        )
    fields = [problem["field"] for problem in raised.value.details["errors"]]
    assert fields == ["files"], raised.value.details


def test_replace_unchanged_files_accepted(writer, iris):
    files = [{"file_name": "a.pdf", "byte_size": 12}]
    first = writer.create("document", document_body(iris, files=files), EDITOR)
    state = writer.replace(
        "document",
        "etude-besoins",
        document_body(iris, title="Autre", files=files),
        EDITOR,
        if_match=first.etag,
    )
    assert state.head == first.head + 1, state


def test_recording_hook_wraps_graph_write(writer, iris, store):
    seen: list[tuple[str, bool]] = []
    writer.hooks.recording.append(_graph_presence_recorder(store, seen))
    created(writer, iris)
    assert seen == [("enter", False), ("exit", True)]


def test_recording_hook_error_on_exit_keeps_write(writer, iris):
    first = created(writer, iris)
    writer.hooks.recording.append(_failing_after_write)
    state = writer.replace(
        "document",
        "etude-besoins",
        document_body(iris, title="Autre"),
        EDITOR,
        if_match=first.etag,
    )
    assert state.head == first.head + 1, state
    assert writer.revisions.list(state.iri), "the revision must be kept"


def test_recording_hook_failing_on_entry_stops_write(writer, iris):
    first = created(writer, iris)

    @contextmanager
    def unavailable(iri: NamedNode):
        raise RuntimeError("journal unavailable")
        yield

    writer.hooks.recording.append(unavailable)
    with pytest.raises(RuntimeError):
        writer.replace(
            "document",
            "etude-besoins",
            document_body(iris, title="Autre"),
            EDITOR,
            if_match=first.etag,
        )
    assert writer.state("document", "etude-besoins").etag == first.etag


def test_recording_hook_wraps_purge(writer, iris, store):
    first = created(writer, iris)
    seen: list[tuple[str, bool]] = []
    writer.hooks.recording.append(_graph_presence_recorder(store, seen))
    writer.purge("document", "etude-besoins", ADMINISTRATOR)
    assert seen == [("enter", True), ("exit", False)], first.iri


def _graph_presence_recorder(store, seen: list[tuple[str, bool]]):
    """Return a recording hook that notes whether the item graph exists around it."""

    @contextmanager
    def record(iri: NamedNode):
        seen.append(("enter", bool(store.graph_triples(_graph_of(iri)))))
        yield
        seen.append(("exit", bool(store.graph_triples(_graph_of(iri)))))

    return record


@contextmanager
def _failing_after_write(iri: NamedNode):
    yield
    raise RuntimeError("index unavailable")


def _graph_of(iri: NamedNode) -> NamedNode:
    return NamedNode(iri.value.replace("/id/", "/graph/"))


def test_actor_create_and_replace(writer, iris):
    first = writer.create("actor", actor_body(iris), EDITOR)
    state = writer.replace(
        "actor",
        "cias-capca",
        actor_body(iris, label="CIAS Privas Centre Ardèche"),
        EDITOR,
        if_match=first.etag,
    )
    assert state.head == 2, state
