"""Dump of the whole repository and its restore into an empty instance."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize
from rdflib.compare import isomorphic

from maillage.graph.access import Role
from maillage.graph.attachments import Attacher, FileTexts
from maillage.graph.dump import dump_repository, restore_repository
from maillage.graph.errors import ConflictError, ValidationFailedError
from maillage.graph.indexing import SearchService
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import USERS_FILE, UserDirectory
from maillage.graph.writes import open_content_writer
from tests.conftest import BASE_IRI
from tests.graph.write_samples import EDITOR, document_body
from tests.sample_items import load_sample

FILE_TEXT = "Compte rendu de l'atelier sur la mobilité solidaire.".encode()


@pytest.fixture
def filled(settings, store, iris):
    """An instance with items, a document with a file, revisions and a user."""
    load_sample(store, iris)
    writer = open_content_writer(store, iris, settings)
    search = SearchService.open(store, iris, settings)
    attacher = Attacher(
        writer,
        FileTexts.from_settings(settings, writer.files),
        recording=search.recording,
    )
    state = writer.create("document", document_body(iris), EDITOR)
    stored = writer.files.store_stream(
        [FILE_TEXT], client_name="atelier.txt", max_bytes=1 << 20
    )
    attacher.attach("etude-besoins", stored, EDITOR, if_match=state.etag)
    directory = UserDirectory(settings.data_path / USERS_FILE)
    directory.create_user("denis", Role.READER)
    token = directory.create_token("denis")
    yield writer, token.secret
    search.close()


@pytest.fixture
def target(tmp_path) -> Settings:
    """Settings of a second, empty instance on the same base IRI."""
    return Settings(
        store_path=tmp_path / "restored" / "store",
        data_path=tmp_path / "restored" / "data",
        base_iri=BASE_IRI,
    )


def dump(settings, store, writer, folder: Path, graph_format: str = "trig"):
    return dump_repository(
        store,
        settings,
        folder,
        graph_format=graph_format,
        revisions=writer.revisions.store,
    )


def restore(target: Settings, folder: Path):
    restored = GraphStore(target.store_path)
    try:
        report = restore_repository(restored, target, folder)
        graphs = graphs_of(restored)
    finally:
        restored.close()
    return report, graphs


def graphs_of(store: GraphStore) -> dict[str, rdflib.Graph]:
    """Return each named graph of `store` as an rdflib graph, by name."""
    graphs = {}
    for name in store.named_graphs():
        data = serialize(store.graph_triples(name), format=RdfFormat.N_TRIPLES)
        graphs[name.value] = rdflib.Graph().parse(data=data, format="nt")
    return graphs


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("graph_format", ["trig", "nquads"])
def test_dump_restore_graph_isomorphic(
    filled, settings, store, target, tmp_path, graph_format
):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump", graph_format)
    _, restored = restore(target, tmp_path / "dump")
    original = graphs_of(store)
    assert sorted(restored) == sorted(original)
    different = [
        name for name in original if not isomorphic(original[name], restored[name])
    ]
    assert different == []


def test_dump_restore_files_identical(filled, settings, store, target, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    report, _ = restore(target, tmp_path / "dump")
    original = file_hashes(settings.data_path / "files")
    assert len(original) == 1
    assert file_hashes(target.data_path / "files") == original
    assert report.files == {hashlib.sha256(FILE_TEXT).hexdigest(): len(FILE_TEXT)}


def test_dump_restore_users_keep_tokens(filled, settings, store, target, tmp_path):
    writer, secret = filled
    dump(settings, store, writer, tmp_path / "dump")
    restore(target, tmp_path / "dump")
    directory = UserDirectory(target.data_path / USERS_FILE)
    assert [account.name for account in directory.list_users()] == ["denis"]
    assert directory.authenticate(secret).name == "denis"
    assert (target.data_path / USERS_FILE).stat().st_mode & 0o077 == 0


def test_dump_restore_revisions_isomorphic(filled, settings, store, target, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    report, _ = restore(target, tmp_path / "dump")
    revisions = GraphStore(target.data_path / "revisions")
    try:
        restored = graphs_of(revisions)
    finally:
        revisions.close()
    original = graphs_of(writer.revisions.store)
    assert report.revision_quads == writer.revisions.store.count_quads() > 0
    assert sorted(restored) == sorted(original)
    assert all(isomorphic(original[name], restored[name]) for name in original)


def test_dump_restore_rebuilds_index(filled, settings, store, target, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    restore(target, tmp_path / "dump")
    restored = GraphStore(target.store_path)
    search = SearchService.open(restored, writer.iris, target)
    try:
        result = search.index.search("mobilité solidaire", readable_graphs=None)
    finally:
        search.close()
        restored.close()
    iris = [hit.iri for hit in result.hits]
    assert f"{BASE_IRI}/id/document/etude-besoins" in iris, iris


def test_dump_manifest_lists_files(filled, settings, store, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    manifest = json.loads((tmp_path / "dump" / "manifest.json").read_text())
    assert manifest["base_iri"] == BASE_IRI
    assert manifest["files"] == {hashlib.sha256(FILE_TEXT).hexdigest(): len(FILE_TEXT)}
    assert manifest["quads"] == store.count_quads()


def test_dump_into_non_empty_folder_rejected(settings, store, tmp_path):
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "old.txt").write_text("old")
    with pytest.raises(ConflictError) as raised:
        dump_repository(store, settings, tmp_path / "dump")
    assert "is not empty (it contains old.txt)" in raised.value.message


def test_restore_into_non_empty_store_rejected(filled, settings, store, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    with pytest.raises(ConflictError) as raised:
        restore_repository(store, settings, tmp_path / "dump")
    assert "is not empty: restore into an empty store" in raised.value.message


def test_restore_into_non_empty_data_rejected(
    filled, settings, store, target, tmp_path
):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    target.data_path.mkdir(parents=True)
    (target.data_path / USERS_FILE).write_bytes(b"")
    restored = GraphStore(target.store_path)
    try:
        with pytest.raises(ConflictError) as raised:
            restore_repository(restored, target, tmp_path / "dump")
        assert restored.is_empty()
    finally:
        restored.close()
    assert f"(it contains {USERS_FILE})" in raised.value.message


def test_restore_other_base_iri_rejected(filled, settings, store, target, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    other = target.model_copy(update={"base_iri": "http://autre.test"})
    with pytest.raises(ConflictError) as raised:
        restore(other, tmp_path / "dump")
    assert raised.value.message.startswith(
        f"the dump was made under the base IRI {BASE_IRI}"
    )


def test_restore_damaged_file_rejected(filled, settings, store, target, tmp_path):
    writer, _ = filled
    dump(settings, store, writer, tmp_path / "dump")
    damaged = next(p for p in (tmp_path / "dump" / "files").rglob("*") if p.is_file())
    damaged.write_bytes(b"autre contenu")
    with pytest.raises(ValidationFailedError) as raised:
        restore(target, tmp_path / "dump")
    assert "does not match its SHA-256 name" in raised.value.message


def test_restore_without_manifest_rejected(target, tmp_path):
    (tmp_path / "vide").mkdir()
    with pytest.raises(ValidationFailedError) as raised:
        restore(target, tmp_path / "vide")
    assert raised.value.message.endswith(
        "is not a dump folder: it has no manifest.json"
    )


def test_dump_restore_multiline_literal_round_trip(settings, store, target, tmp_path):
    graph = NamedNode(f"{BASE_IRI}/graph/document/pages")
    text = "Première page\nSeconde page\tfin"
    subject = NamedNode(f"{BASE_IRI}/id/document/pages")
    store.add_quads([Quad(subject, NamedNode(f"{BASE_IRI}/p"), Literal(text), graph)])
    dump_repository(store, settings, tmp_path / "dump")
    _, restored = restore(target, tmp_path / "dump")
    values = [str(o) for o in restored[graph.value].objects()]
    assert values == [text]
