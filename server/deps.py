"""Dependencies of the routes: settings, store, IRIs, the user and what it may read.

Those that every request needs are coroutines, because FastAPI runs a plain function
dependency in a thread of its pool. The hand-overs cost more than the work of these
functions: a SPARQL query took 5.4 ms through the app with them as functions. Work
that may wait on a query runs in a thread explicitly.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pyoxigraph import NamedNode

from maillage.graph import access
from maillage.graph.access import User
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import UserDirectory
from maillage.server import auth

# Declares the Bearer scheme in OpenAPI; `get_user` reads the header itself, so that
# a header of another scheme is rejected instead of read as anonymous.
_bearer = HTTPBearer(
    auto_error=False,
    description="A token of a user account, or a bootstrap token of the settings.",
)
_directory_lock = threading.Lock()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_store(request: Request) -> GraphStore:
    return request.app.state.store


async def get_iris(request: Request) -> Iris:
    return request.app.state.iris


async def get_directory(request: Request) -> UserDirectory:
    """Return the app's directory of users, made on first use."""
    state = request.app.state
    with _directory_lock:
        directory = getattr(state, "users", None)
        if directory is None:
            directory = auth.open_directory(state.settings)
            state.users = directory
    return directory


async def get_user(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """Return the user of the request's bearer token, or `ANONYMOUS` without one.

    Raises 401 for an Authorization header that is not a valid bearer token.
    """
    authorization = request.headers.get("authorization")
    if authorization is None:
        return access.ANONYMOUS
    return auth.authenticate(authorization, settings, await get_directory(request))


def require_editor(user: Annotated[User, Depends(get_user)]) -> User:
    """Return the request's user if it may write content; raise 401 or 403."""
    return auth.check_editor(user)


def require_administrator(user: Annotated[User, Depends(get_user)]) -> User:
    """Return the request's user if it is an administrator; raise 401 or 403."""
    return auth.check_administrator(user)


async def get_readable_graphs(
    store: Annotated[GraphStore, Depends(get_store)],
    iris: Annotated[Iris, Depends(get_iris)],
    user: Annotated[User, Depends(get_user)],
) -> list[NamedNode] | None:
    """Return the named graphs the request's user may read, None meaning all of them."""
    cached = access.cached_readable_graphs(store, user)
    if cached is not access.NOT_CACHED:
        return cached
    return await run_in_threadpool(access.readable_graphs, store, iris, user)


StoreDep = Annotated[GraphStore, Depends(get_store)]
IrisDep = Annotated[Iris, Depends(get_iris)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
UserDep = Annotated[User, Depends(get_user)]
GraphsDep = Annotated[list[NamedNode] | None, Depends(get_readable_graphs)]
DirectoryDep = Annotated[UserDirectory, Depends(get_directory)]
EditorDep = Annotated[User, Depends(require_editor)]
AdministratorDep = Annotated[User, Depends(require_administrator)]
