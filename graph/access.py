"""Who may read which named graph.

Each content item carries `mlg:visibility` and `mlg:workflowState` in its own graph; an
imported dataset may carry `mlg:visibility` on its dataset IRI. A user reads:

- the ontology graph, always;
- a dataset graph whose visibility is public or absent, partners when logged in, restricted
  when in one of the dataset's groups (`mlg:readableBy`), and every dataset as administrator;
- an item graph that is published and visible to the user by the same rule; drafts and archived
  items only as editor or administrator.

Every way out of the repository (SPARQL, REST, pages, search, network) asks this module for the
graphs of the request's user and queries only those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
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

_GRAPH_ACCESS_QUERY = """
SELECT ?g ?visibility ?state (GROUP_CONCAT(?group; separator=" ") AS ?groups) WHERE {
  GRAPH ?g {
    OPTIONAL { ?subject mlg:visibility ?visibility }
    OPTIONAL { ?subject mlg:workflowState ?state }
    OPTIONAL { ?subject mlg:readableBy ?group }
  }
} GROUP BY ?g ?visibility ?state
"""


def readable_graphs(store: GraphStore, iris: Iris, user: User) -> list[NamedNode] | None:
    """Return the named graphs `user` may read, or None when the user may read them all."""
    if user.role is Role.ADMINISTRATOR:
        return None
    visibility = {
        "public": iris.concept("visibility", "public").value,
        "partners": iris.concept("visibility", "partners").value,
        "restricted": iris.concept("visibility", "restricted").value,
    }
    published = iris.concept("workflow-state", "published").value
    readable: dict[str, NamedNode] = {}
    denied: set[str] = set()
    for row in store.select(_GRAPH_ACCESS_QUERY):
        graph = row["g"]
        if not isinstance(graph, NamedNode):
            continue
        state = row.get("state")
        allowed = _visible(user, row.get("visibility"), row.get("groups"), visibility)
        if state is not None and state.value != published and not user.can_edit:
            allowed = False
        if allowed:
            readable[graph.value] = graph
        else:
            denied.add(graph.value)
    # A graph is readable only if no subject in it asks for more than the user has.
    return [graph for value, graph in readable.items() if value not in denied]


def _visible(user: User, visibility, groups, levels: dict[str, str]) -> bool:
    if visibility is None or visibility.value == levels["public"]:
        return True
    if visibility.value == levels["partners"]:
        return user.is_authenticated
    if visibility.value == levels["restricted"]:
        wanted = set(groups.value.split()) if groups is not None else set()
        return bool(wanted & set(user.groups))
    return False
