"""The FastAPI application: store lifetime, routers, error handlers, middleware."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.cors import install_cors
from maillage.server.errors import install_error_handlers
from maillage.server.query_service import RequestCount
from maillage.server.routes import (
    admin,
    api,
    docs,
    files,
    finder,
    graph_store,
    health,
    legal,
    network,
    observatory,
    pages,
    query_page,
    search,
    sparql,
    void,
)
from maillage.server.routes.search import search_lifetime
from maillage.server.templating import STATIC_DIR

logger = logging.getLogger(__name__)
# One line per request; `maillage serve` shows them in place of uvicorn's access log.
ACCESS_LOGGER = "maillage.access"
access_logger = logging.getLogger(ACCESS_LOGGER)


def create_app(settings: Settings, *, store: GraphStore | None = None) -> FastAPI:
    """Build the application for one maillage instance.

    The app opens the Oxigraph store at `settings.store_path` when it starts and closes
    it when it stops. A caller that passes an open `store` keeps ownership of it: the
    app uses it and leaves it open, so a test or the CLI may load data before serving.
    """
    app = FastAPI(
        title="maillage",
        summary="Content repository on an RDF knowledge graph for social policy.",
        version="0.1.0",
        lifespan=_lifespan(settings, store),
        # routes/docs.py serves Swagger UI from local files; ReDoc would need a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.iris = Iris(settings.base_iri)
    app.state.store = store
    app.state.request_count = RequestCount()
    # Registered on the writer of the write routes at the first write.
    app.state.writer_hooks = (search.hook_writer, observatory.hook_writer)
    install_error_handlers(app)

    # First, because partners' tools call it most and routes are tried in order.
    app.include_router(sparql.router)
    app.include_router(health.router)
    app.include_router(docs.router)
    # Before the item routes, whose /api/{type}/{key} would match /api/admin/...
    app.include_router(admin.router)
    # Before the item routes too, for the same reason: /api/legal/rules.
    app.include_router(legal.router)
    # Before the item routes too, whose /api/{type}/{key} would match its /api/...
    app.include_router(observatory.router)
    # Before the item routes too: /api/search and /api/document/{key}/files/...
    app.include_router(search.router)
    app.include_router(files.router)
    app.include_router(api.router)
    app.include_router(graph_store.router)
    app.include_router(void.router)
    app.include_router(query_page.router)
    app.include_router(network.router)
    app.include_router(pages.router)
    app.include_router(finder.router)
    # Mounted last, so that routers may serve their own folders under /static/.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Added first, so that it runs inside the CORS and request-log middleware.
    app.add_middleware(sparql.RepeatedQueries)
    app.add_middleware(HeadAsGet)
    install_cors(app, settings)
    app.add_middleware(RequestLogMiddleware, count=app.state.request_count)
    return app


def _lifespan(settings: Settings, caller_store: GraphStore | None):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if caller_store is not None:
            app.state.store = caller_store
            with search_lifetime(app):
                yield
            return
        app.state.store = GraphStore(settings.store_path)
        try:
            with search_lifetime(app):
                yield
        finally:
            app.state.store.close()
            app.state.store = None
            logger.info("store closed at %s", settings.store_path)

    return lifespan


class RequestLogMiddleware:
    """Log one INFO line per HTTP request on `ACCESS_LOGGER`, and count them.

    The line gives the client's address, the method, the path without its query
    string, which may contain a whole SPARQL query, the status and the duration.
    `count` holds the number of requests in flight, since this layer is the first to
    see a request and the last to see its response.
    """

    def __init__(self, app: ASGIApp, count: RequestCount) -> None:
        self.app = app
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        self.count.in_flight += 1

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            self.count.in_flight -= 1
            duration_ms = (time.perf_counter() - start) * 1000
            client = scope.get("client")
            access_logger.info(
                "%s %s %s %d %.1f ms",
                client[0] if client else "-",
                scope["method"],
                scope["path"],
                status,
                duration_ms,
            )


class HeadAsGet:
    """Accept HEAD wherever GET is accepted, as HTTP requires (RFC 9110, 9.3.2).

    A FastAPI route accepts only the methods it declares, so a HEAD to a GET route
    would get 405. This layer runs such a request as a GET and passes on the headers
    of the response without its body. When the route that a GET would reach declares
    HEAD itself, as the Graph Store's does, or is a mount such as /static, the
    request goes on unchanged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "HEAD"
            or _handles_head(scope["app"], scope)
        ):
            await self.app(scope, receive, send)
            return

        async def send_headers(message: Message) -> None:
            if message["type"] == "http.response.pathsend":
                message = {"type": "http.response.body", "body": b""}
            elif message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server keeps the request's own scope and method.
        await self.app({**scope, "method": "GET"}, receive, send_headers)


def _handles_head(app: FastAPI, scope: Scope) -> bool:
    """Tell whether the route that a GET to the scope's path reaches handles HEAD.

    True as well when no route accepts GET there, so that the router's own 404 or
    405 is the response to the HEAD.
    """
    # A mount, such as /static, moved its prefix into `root_path`: match from the app.
    root_path = scope.get("app_root_path", scope.get("root_path", ""))
    as_get = {**scope, "method": "GET", "root_path": root_path}
    # In the order the router tries them, each route with its full path.
    for route in iter_route_contexts(app.routes):
        match, _ = route.matches(as_get)
        if match is not Match.FULL:
            continue
        if isinstance(route.original_route, Mount):
            return True
        return "HEAD" in (route.methods or ())
    return True
