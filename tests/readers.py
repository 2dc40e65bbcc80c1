"""A dataset graph that one group alone may read, and a reader in that group."""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad

from maillage.graph.access import Role
from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG
from maillage.graph.users import USERS_FILE, IssuedToken, UserDirectory

GROUP = "juristes"
READER = "juriste"


def restrict_graph(store, graph: NamedNode, base: str) -> None:
    """Make `graph` readable by `GROUP` only, through rights on its subject urn:s0."""
    restricted = Iris(base).concept("visibility", "restricted")
    subject = NamedNode("urn:s0")
    store.add_quads(
        [
            Quad(subject, MLG.visibility, restricted, graph),
            Quad(subject, MLG.readableBy, Literal(GROUP), graph),
        ]
    )


def add_reader(settings) -> tuple[UserDirectory, IssuedToken]:
    """Create `GROUP`, the reader `READER` in it, and a token of that reader."""
    directory = UserDirectory(settings.data_path / USERS_FILE)
    directory.create_group(GROUP)
    directory.create_user(READER, Role.READER)
    directory.add_member(GROUP, READER)
    return directory, directory.create_token(READER)
