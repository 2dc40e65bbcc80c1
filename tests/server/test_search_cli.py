"""The commands that rebuild the search index, dump the repository and restore it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from maillage.graph.indexing import index_path
from maillage.graph.iris import Iris
from maillage.graph.search import GraphDocumentReader, IndexJournal
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.cli import app
from tests.conftest import BASE_IRI
from tests.sample_items import SAMPLE_TRIG

runner = CliRunner()


def run(folder: Path, *args: str):
    """Run a `maillage` command on the store and data folder under `folder`."""
    return runner.invoke(
        app,
        [*args, "--store", str(folder / "store"), "--base-iri", BASE_IRI],
        env={"MAILLAGE_DATA_PATH": str(folder / "data")},
    )


def load_sample(folder: Path) -> None:
    """Load the sample items into the store under `folder`, with `maillage load`."""
    source = folder / "sample.trig"
    folder.mkdir(parents=True, exist_ok=True)
    source.write_text(SAMPLE_TRIG, encoding="utf-8")
    result = run(folder, "load", str(source))
    assert result.exit_code == 0, result.output


def journal(folder: Path) -> IndexJournal:
    settings = Settings(data_path=folder / "data", base_iri=BASE_IRI)
    return IndexJournal(index_path(settings) / "journal")


def test_cli_index_rebuild_counts_items(tmp_path):
    load_sample(tmp_path)
    result = run(tmp_path, "index", "rebuild")
    store = GraphStore(tmp_path / "store")
    try:
        expected = len(list(GraphDocumentReader(store, Iris(BASE_IRI)).documents()))
    finally:
        store.close()
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{expected} items indexed"), result.output


def test_cli_import_marks_index_for_rebuild(tmp_path):
    assert run(tmp_path, "index", "rebuild").exit_code == 0
    assert journal(tmp_path).rebuild_pending is False
    load_sample(tmp_path)
    assert journal(tmp_path).rebuild_pending is True


def test_cli_dump_all_then_restore(tmp_path):
    load_sample(tmp_path / "a")
    dumped = run(tmp_path / "a", "dump-all", str(tmp_path / "dump"))
    restored = run(tmp_path / "b", "restore", str(tmp_path / "dump"))
    assert dumped.exit_code == 0, dumped.output
    assert restored.exit_code == 0, restored.output
    store = GraphStore(tmp_path / "b" / "store")
    try:
        quads = store.count_quads()
    finally:
        store.close()
    assert f"{quads} quads" in dumped.output, dumped.output
    assert restored.output.startswith(f"{quads} quads"), restored.output


def test_cli_restore_into_non_empty_store_fails(tmp_path):
    load_sample(tmp_path / "a")
    assert run(tmp_path / "a", "dump-all", str(tmp_path / "dump")).exit_code == 0
    result = run(tmp_path / "a", "restore", str(tmp_path / "dump"))
    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert "is not empty: restore into an empty store" in output, output
