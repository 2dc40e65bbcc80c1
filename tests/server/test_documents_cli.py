"""The `maillage import documents` command."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from maillage.graph.indexing import SearchService
from maillage.graph.iris import Iris
from maillage.graph.revisions import RevisionStore
from maillage.graph.search import SearchIndex
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.cli import app
from tests.conftest import BASE_IRI
from tests.sample_items import load_sample


@pytest.fixture
def paths(tmp_path):
    store_path = tmp_path / "store"
    graph_store = GraphStore(store_path)
    load_sample(graph_store, Iris(BASE_IRI))
    graph_store.close()
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "diagnostic.txt").write_text("Diagnostic social\n")
    metadata = tmp_path / "documents.csv"
    metadata.write_text(
        "file,title,type,about_actions\n"
        "diagnostic.txt,Diagnostic des besoins,diagnostic,fa-01\n"
        "absent.pdf,Absent,rapport,\n",
        encoding="utf-8",
    )
    return tmp_path, folder, metadata


def invoke(tmp_path, *arguments):
    return CliRunner().invoke(
        app,
        [
            "import",
            "documents",
            *arguments,
            "--store",
            str(tmp_path / "store"),
            "--data",
            str(tmp_path / "data"),
            "--base-iri",
            BASE_IRI,
        ],
    )


def test_import_documents_reports_failures(paths):
    tmp_path, folder, metadata = paths
    result = invoke(tmp_path, str(folder), "--metadata", str(metadata))
    assert result.exit_code == 1, result.output
    assert "1 documents imported, 1 rows failed" in result.output, result.output
    assert "absent.pdf" in result.output, result.output


def test_import_documents_writes_store(paths):
    tmp_path, folder, metadata = paths
    invoke(tmp_path, str(folder), "--metadata", str(metadata), "--user", "import-2015")
    iris = Iris(BASE_IRI)
    graph_store = GraphStore(tmp_path / "store")
    revisions = RevisionStore(tmp_path / "data" / "revisions", iris)
    try:
        exists = graph_store.has_graph(
            iris.item_graph("document", "diagnostic-des-besoins")
        )
        history = revisions.list(iris.item("document", "diagnostic-des-besoins"))
    finally:
        revisions.close()
        graph_store.close()
    assert exists
    assert [(r.operation, r.user) for r in history] == [("create", "import-2015")]


def test_import_documents_unknown_state(paths):
    tmp_path, folder, metadata = paths
    result = invoke(
        tmp_path, str(folder), "--metadata", str(metadata), "--state", "deleted"
    )
    assert result.exit_code == 1, result.output
    assert "unknown state 'deleted'; accepted: draft, published, archived" in (
        result.output
    )


def _search_iris(tmp_path) -> set[str]:
    """Open the search index as the server does at start-up; return the IRIs found."""
    settings = Settings(
        store_path=tmp_path / "store", data_path=tmp_path / "data", base_iri=BASE_IRI
    )
    graph_store = GraphStore(settings.store_path)
    try:
        service = SearchService.open(graph_store, Iris(BASE_IRI), settings)
        try:
            return {hit.iri for hit in service.index.search("", limit=100).hits}
        finally:
            service.close()
    finally:
        graph_store.close()


def test_import_documents_indexes_rows(paths):
    tmp_path, folder, metadata = paths
    _search_iris(tmp_path)
    invoke(tmp_path, str(folder), "--metadata", str(metadata))
    index = SearchIndex(tmp_path / "data" / "index")
    try:
        iris = {hit.iri for hit in index.search("diagnostic", limit=100).hits}
        pending = index.journal.entries()
        marked = index.journal.rebuild_pending
    finally:
        index.close()
    assert f"{BASE_IRI}/id/document/diagnostic-des-besoins" in iris
    assert pending == []
    assert not marked


def test_import_documents_with_index_locked_repaired_later(paths):
    tmp_path, folder, metadata = paths
    _search_iris(tmp_path)
    holder = SearchIndex(tmp_path / "data" / "index")
    holder.delete("nothing")  # takes the index's writer lock
    try:
        result = invoke(tmp_path, str(folder), "--metadata", str(metadata))
    finally:
        holder.close()
    assert "1 documents imported" in result.output, result.output
    found = _search_iris(tmp_path)
    assert f"{BASE_IRI}/id/document/diagnostic-des-besoins" in found, found
