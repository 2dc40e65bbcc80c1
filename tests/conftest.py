"""Fixtures shared by the whole suite: a store on disk per test, settings, the public inputs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from maillage.graph.demo import load_demo
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import USERS_FILE, UserDirectory

# The browser fixtures (live_server, chromium, browser_page) serve every test folder.
pytest_plugins = ["tests.browser"]

BASE_IRI = "http://maillage.test"

# The public inputs (communes, legal texts, BANATIC, DREES tables) sit beside the project in CI
# and on the developers' machines; a user's clone does not have them.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """Return the folder of public inputs, or skip the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public input folder {SHARED_DATA} is absent on this clone")
    return SHARED_DATA


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        store_path=tmp_path / "store",
        data_path=tmp_path / "data",
        base_iri=BASE_IRI,
        editor_token="editor-secret",
    )


@pytest.fixture
def iris() -> Iris:
    return Iris(BASE_IRI)


@pytest.fixture
def directory(settings: Settings) -> UserDirectory:
    """Return the user directory of `settings`, where the app reads users and groups."""
    return UserDirectory(settings.data_path / USERS_FILE)


@pytest.fixture
def store(settings: Settings):
    graph_store = GraphStore(settings.store_path)
    yield graph_store
    graph_store.close()


# The bearer token of the administrator in `demo_instance`.
DEMO_ADMIN_TOKEN = "admin-secret"


@contextmanager
def demo_instance(folder: Path) -> Iterator[tuple[Settings, GraphStore]]:
    """Yield settings and a store in `folder` with the demo loaded, then close it."""
    settings = Settings(
        store_path=folder / "store",
        data_path=folder / "data",
        base_iri=BASE_IRI,
        admin_token=DEMO_ADMIN_TOKEN,
    )
    store = GraphStore(settings.store_path)
    try:
        load_demo(store, Iris(BASE_IRI))
        yield settings, store
    finally:
        store.close()
