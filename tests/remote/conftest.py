"""Fixtures of the remote store tests: one Virtuoso server per session, and `backend`,
which runs a test once on the embedded Oxigraph store and once on Virtuoso."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from maillage.graph.remote import RemoteStore
from maillage.graph.store import GraphStore, QuadStore
from tests.remote.virtuoso import VirtuosoServer, is_installed, running_virtuoso

BACKENDS = ("oxigraph", "virtuoso")


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """Start Virtuoso for the session, or skip when Debian's package is absent."""
    if not is_installed():
        pytest.skip(
            "virtuoso-t or isql-vt is absent: install Debian's virtuoso-opensource "
            "package, as tests/system_deps.sh does"
        )
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture
def remote_store(virtuoso: VirtuosoServer) -> Iterator[RemoteStore]:
    """Return a store on the session's Virtuoso, emptied before and after the test."""
    store = RemoteStore(
        virtuoso.sparql_url,
        virtuoso.sparql_url,
        virtuoso.graph_store_url,
        auth=virtuoso.auth(),
    )
    _drop_every_graph(store)
    yield store
    _drop_every_graph(store)
    store.close()


def _drop_every_graph(store: RemoteStore) -> None:
    for graph in store.named_graphs():
        store.drop_graph(graph)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QuadStore]:
    """Return an empty store of each kind in turn: embedded, then on Virtuoso."""
    if request.param == "virtuoso":
        yield request.getfixturevalue("remote_store")
        return
    store = GraphStore(tmp_path / "store")
    yield store
    store.close()


def on_virtuoso(request: pytest.FixtureRequest) -> bool:
    """Return True when the running test got the Virtuoso `backend`."""
    return getattr(request.node, "callspec", None) is not None and (
        request.node.callspec.params.get("backend") == "virtuoso"
    )
