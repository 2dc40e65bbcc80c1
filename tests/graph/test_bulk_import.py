"""Bulk import of a folder of documents described by a CSV file."""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.graph.bulk_import import RowFailure, import_documents
from maillage.graph.errors import MalformedRequestError
from maillage.graph.files import FileStore
from maillage.graph.namespaces import DCTERMS, MLG
from maillage.graph.revisions import RevisionStore
from maillage.graph.writes import ContentWriter
from tests.graph.write_samples import EDITOR
from tests.sample_items import load_sample

HEADER = "file;title;type;phase;issued;keywords;about_actions;workflow_state"


@pytest.fixture
def writer(store, iris, tmp_path):
    load_sample(store, iris)
    revisions = RevisionStore(tmp_path / "revisions", iris)
    store.on_close(revisions.close)
    return ContentWriter(store, iris, revisions, files=FileStore(tmp_path / "files"))


@pytest.fixture
def folder(tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "diagnostic.txt").write_text("Diagnostic social partagé\n")
    (documents / "note.md").write_text("# Note\n")
    (documents / "oubli.txt").write_text("Pas dans le tableau\n")
    return documents


def write_csv(tmp_path, *rows: str) -> Path:
    path = tmp_path / "documents.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(writer, folder, metadata, **options):
    return import_documents(
        writer, folder, metadata, EDITOR, max_file_bytes=10_000, **options
    )


def test_import_creates_documents(writer, folder, tmp_path, iris):
    metadata = write_csv(
        tmp_path,
        "diagnostic.txt;Diagnostic partagé;diagnostic;diagnostic;2015-03-01;"
        "social|territoire;fa-01;published",
        "note.md;Note de cadrage;note-juridique;;;;;",
    )
    report = run(writer, folder, metadata)
    assert report.created == [
        iris.item("document", "diagnostic-partage").value,
        iris.item("document", "note-de-cadrage").value,
    ]
    assert report.failures == []


def test_import_records_file(writer, folder, tmp_path):
    metadata = write_csv(tmp_path, "diagnostic.txt;Diagnostic;diagnostic;;;;;")
    run(writer, folder, metadata)
    state = writer.state("document", "diagnostic")
    names = [t.object.value for t in state.triples if t.predicate == MLG.fileName]
    hashes = [t.object.value for t in state.triples if t.predicate == MLG.sha256]
    assert names == ["diagnostic.txt"], state.triples
    assert writer.files.exists(hashes[0]), hashes


def test_import_applies_defaults(writer, folder, tmp_path, iris):
    metadata = write_csv(tmp_path, "note.md;Note;note-juridique;;;;;")
    run(writer, folder, metadata, visibility="restricted", workflow_state="archived")
    state = writer.state("document", "note")
    values = {t.predicate: t.object for t in state.triples}
    assert values[MLG.visibility] == iris.concept("visibility", "restricted")
    assert values[MLG.workflowState] == iris.concept("workflow-state", "archived")


def test_import_reports_failed_rows(writer, folder, tmp_path, iris):
    metadata = write_csv(
        tmp_path,
        "diagnostic.txt;Diagnostic;diagnostic;;pas-une-date;;;",
        "absent.pdf;Absent;rapport;;;;;",
        "../documents.csv;Dehors;rapport;;;;;",
        "note.md;Note;rapport;;;;fa-99;",
        "note.md;Note valide;rapport;;;;;",
    )
    report = run(writer, folder, metadata)
    missing_action = iris.item("action", "fa-99").value
    assert report.failures == [
        RowFailure(
            2,
            "diagnostic.txt",
            "issued: 'pas-une-date' is not a date in the form YYYY-MM-DD",
        ),
        RowFailure(3, "absent.pdf", f"file 'absent.pdf' not found in {folder}"),
        RowFailure(
            4,
            "../documents.csv",
            f"file '../documents.csv' is outside the folder {folder}",
        ),
        RowFailure(
            5,
            "note.md",
            f"about_actions.0: links to {missing_action}, which does not exist or "
            "which you may not read",
        ),
    ]
    assert report.created == [iris.item("document", "note-valide").value]


def test_import_discards_file_of_failed_row(writer, folder, tmp_path):
    metadata = write_csv(tmp_path, "note.md;Note;pas-un-type;;;;;")
    run(writer, folder, metadata)
    stored = [path for path in writer.files.root.rglob("*") if path.is_file()]
    assert stored == [], stored


def test_import_lists_unlisted_files(writer, folder, tmp_path):
    metadata = write_csv(tmp_path, "note.md;Note;rapport;;;;;")
    report = run(writer, folder, metadata)
    assert report.unlisted == ["diagnostic.txt", "oubli.txt"]


def test_import_comma_separated(writer, folder, tmp_path):
    metadata = tmp_path / "documents.csv"
    metadata.write_text(
        'file,title,type,keywords\nnote.md,"Note, version 2",rapport,a|b\n',
        encoding="utf-8",
    )
    report = run(writer, folder, metadata)
    state = writer.state("document", "note-version-2")
    keywords = sorted(
        t.object.value for t in state.triples if t.predicate == MLG.keyword
    )
    assert report.failures == []
    assert keywords == ["a", "b"], state.triples


def test_import_unknown_column(writer, folder, tmp_path):
    metadata = tmp_path / "documents.csv"
    metadata.write_text("file,title,type,auteur\n", encoding="utf-8")
    with pytest.raises(MalformedRequestError) as caught:
        run(writer, folder, metadata)
    assert caught.value.message.startswith(
        "documents.csv: unknown columns auteur; accepted columns: file, title, type"
    ), caught.value.message


def test_import_missing_column(writer, folder, tmp_path):
    metadata = tmp_path / "documents.csv"
    metadata.write_text("file,title\n", encoding="utf-8")
    with pytest.raises(MalformedRequestError) as caught:
        run(writer, folder, metadata)
    assert caught.value.message.startswith("documents.csv: missing columns type;")


def test_import_keeps_revision_comment(writer, folder, tmp_path):
    metadata = write_csv(tmp_path, "note.md;Note;rapport;;;;;")
    run(writer, folder, metadata)
    state = writer.state("document", "note")
    revision = writer.revisions.list(state.iri)[0]
    title = [t.object.value for t in state.triples if t.predicate == DCTERMS["title"]]
    assert (revision.user, revision.comment) == ("alice", "imported from documents.csv")
    assert title == ["Note"], title


def test_import_reports_progress(writer, folder, tmp_path):
    metadata = write_csv(
        tmp_path, "note.md;Note;rapport;;;;;", "diagnostic.txt;Diag;diagnostic;;;;;"
    )
    calls: list[tuple[int, int, str]] = []
    run(writer, folder, metadata, progress=lambda *args: calls.append(args))
    assert calls == [(1, 2, "note.md"), (2, 2, "diagnostic.txt")]
