"""Dependencies of the routes: settings, store, IRIs, the user and what it may read."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pyoxigraph import NamedNode

from maillage.graph import access
from maillage.graph.access import ANONYMOUS, Role, User
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore

EDITOR = User("editor", Role.EDITOR)

_bearer = HTTPBearer(
    auto_error=False,
    description="The editor token of the instance (setting `MAILLAGE_EDITOR_TOKEN`).",
)


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> GraphStore:
    return request.app.state.store


def get_iris(request: Request) -> Iris:
    return request.app.state.iris


def get_user(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """Return the editor when the bearer token is the configured one, else `ANONYMOUS`.

    A wrong or missing token reads as anonymous, so public data stays readable.
    """
    # TODO: replace the single editor token by user accounts once they exist.
    expected = settings.editor_token
    if credentials is None or not expected:
        return ANONYMOUS
    if secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        return EDITOR
    return ANONYMOUS


def get_readable_graphs(
    store: Annotated[GraphStore, Depends(get_store)],
    iris: Annotated[Iris, Depends(get_iris)],
    user: Annotated[User, Depends(get_user)],
) -> list[NamedNode] | None:
    """Return the named graphs the request's user may read, None meaning all of them."""
    return access.readable_graphs(store, iris, user)


StoreDep = Annotated[GraphStore, Depends(get_store)]
IrisDep = Annotated[Iris, Depends(get_iris)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
UserDep = Annotated[User, Depends(get_user)]
GraphsDep = Annotated[list[NamedNode] | None, Depends(get_readable_graphs)]
