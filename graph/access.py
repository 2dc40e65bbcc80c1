"""Who may read which named graph.

Each content item carries `mlg:visibility` and `mlg:workflowState` in its own graph; an
imported dataset may carry `mlg:visibility` on its dataset IRI. A user reads:

- the ontology graph, always;
- a dataset graph whose visibility is public or absent, partners when logged in, restricted
  when in one of the dataset's groups (`mlg:readableBy`), and every dataset as administrator;
- an item graph that is published and visible to the user by the same rule; drafts and archived
  items only as editor or administrator.

Every way out of the repository (SPARQL, REST, pages, search, network) gets from this module the
graphs of the request's user and queries only those.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from enum import Enum

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG
from maillage.graph.store import GraphStore


class Role(str, Enum):
    ANONYMOUS = "anonymous"
    READER = "reader"
    EDITOR = "editor"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class User:
    """The identity a request acts as."""

    name: str
    role: Role
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.role is not Role.ANONYMOUS

    @property
    def can_edit(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMINISTRATOR)


ANONYMOUS = User("anonymous", Role.ANONYMOUS)

_SETTINGS_QUERY = """
SELECT ?g ?subject ?p ?o WHERE {
  VALUES ?p { mlg:visibility mlg:workflowState mlg:readableBy }
  GRAPH ?g { ?subject ?p ?o }
}
"""

# Readable graphs per store, keyed by the store's write generation and the user's role
# and groups; a write through the store's methods bumps the generation.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


# What `cached_readable_graphs` returns when the list must be computed.
NOT_CACHED = object()


def cached_readable_graphs(
    store: GraphStore, user: User
) -> list[NamedNode] | None | object:
    """Return what `readable_graphs` would, if known without a query, else `NOT_CACHED`.

    The server calls this on its event loop and `readable_graphs` in a thread only
    when the store changed since the user's last request. The list is the cached one,
    shared by every caller until the next write: read it, never change it.
    """
    if user.role is Role.ADMINISTRATOR:
        return None
    generation = getattr(store, "generation", None)
    if generation is None:
        return NOT_CACHED
    with _CACHE_LOCK:
        cached = _CACHE.get(store, {}).get((generation, user.role, user.groups))
    return NOT_CACHED if cached is None else cached


def readable_graphs(store: GraphStore, iris: Iris, user: User) -> list[NamedNode] | None:
    """Return the named graphs `user` may read, or None when the user may read them all.

    The list may be shared with other callers: read it, never change it.
    """
    cached = cached_readable_graphs(store, user)
    if cached is not NOT_CACHED:
        return cached
    generation = getattr(store, "generation", None)
    key = (generation, user.role, user.groups)
    graphs = compute_readable_graphs(store, iris, user)
    if generation is not None:
        with _CACHE_LOCK:
            per_store = _CACHE.setdefault(store, {})
            if len(per_store) > 64:
                per_store.clear()
            per_store[key] = graphs
    return graphs


def compute_readable_graphs(
    store: GraphStore, iris: Iris, user: User
) -> list[NamedNode]:
    """Return the named graphs `user` may read, computed without the cache."""
    levels = {
        "public": iris.concept("visibility", "public").value,
        "partners": iris.concept("visibility", "partners").value,
        "restricted": iris.concept("visibility", "restricted").value,
    }
    published = iris.concept("workflow-state", "published").value
    settings: dict[tuple[str, str], dict[str, list]] = {}
    for row in store.select(_SETTINGS_QUERY):
        subject_settings = settings.setdefault((row["g"].value, row["subject"].value), {})
        subject_settings.setdefault(row["p"].value, []).append(row["o"])
    denied: set[str] = set()
    for (graph, _subject), values in settings.items():
        visibility = values.get(str(MLG) + "visibility", [None])[0]
        state = values.get(str(MLG) + "workflowState", [None])[0]
        groups = {group.value for group in values.get(str(MLG) + "readableBy", [])}
        allowed = _visible(user, visibility, groups, levels)
        if state is not None and state.value != published and not user.can_edit:
            allowed = False
        if not allowed:
            denied.add(graph)
    # A graph is readable only if every subject in it allows the user.
    return [graph for graph in store.named_graphs() if graph.value not in denied]


def _visible(user: User, visibility, groups, levels: dict[str, str]) -> bool:
    if visibility is None or visibility.value == levels["public"]:
        return True
    if visibility.value == levels["partners"]:
        return user.is_authenticated
    if visibility.value == levels["restricted"]:
        return bool(groups & set(user.groups))
    return False
