"""The SPARQL 1.1 endpoint at /sparql (https://www.w3.org/TR/sparql11-protocol/).

A query comes by GET `?query=`, by POST of a form with a `query` field, or by POST of
the query itself as `application/sparql-query`. GET without a query returns the service
description. An update comes by POST only, in a form field `update` or as
`application/sparql-update`, with the editor's bearer token. The route reads the
protocol (`maillage.server.sparql_protocol`), negotiates the result format and leaves
checks, evaluation and serialization to `maillage.graph.sparql`. Queries are evaluated
in a worker process within the time limit (`maillage.graph.sparql.workers`), and each
client runs a limited number of requests at once (`maillage.server.query_service`).
The middleware `RepeatedQueries` reads each request first and evaluates the queries
whose text was checked recently, before FastAPI's routing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from maillage.graph.access import User
from maillage.graph.errors import MaillageError, MalformedRequestError
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.sparql import (
    DatasetRequest,
    FormatChooser,
    QueryAnswer,
    QueryRequest,
    ResultFormat,
    describe_service,
    find_format,
    media_types,
    run_update,
)
from maillage.graph.sparql.formats import FORMAT_NAMES, format_for_media_type
from maillage.graph.sparql.query import (
    PreparedQuery,
    QueryChecker,
    TextSearcher,
    evaluate_query,
    prepare_query,
)
from maillage.graph.sparql_search import SearchFunctions
from maillage.graph.sparql.workers import (
    IDLE_LOOP_SECONDS,
    LOOP_SECONDS,
    QueryPool,
    pool_for,
)
from maillage.graph.store import QuadStore
from maillage.server import auth
from maillage.server.deps import get_readable_graphs, get_user
from maillage.server.errors import (
    NotAcceptableError,
    handle_client_disconnect,
    handle_maillage_error,
)
from maillage.server.negotiation import negotiate, prefers_html_to
from maillage.server.query_service import (
    QueryLimiter,
    get_query_limiter,
    query_slot,
    requests_in_flight,
)
from maillage.server.sparql_protocol import (
    FORM_MEDIA_TYPE,
    QUERY_MEDIA_TYPE,
    UPDATE_MEDIA_TYPE,
    ProtocolRequest,
    check_text_size,
    read_body_parameters,
    read_url_parameters,
)
from pyoxigraph import NamedNode
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

router = APIRouter(tags=["SPARQL"])


def _parameter(name: str, description: str, *, repeated: bool = False) -> dict:
    schema: dict = {"type": "string"}
    if repeated:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": "query", "schema": schema, "description": description}


_DATASET_PARAMETERS = [
    _parameter(
        "default-graph-uri",
        "A graph of the default graph; overrides the query's FROM.",
        repeated=True,
    ),
    _parameter(
        "named-graph-uri",
        "A named graph of the dataset; overrides FROM NAMED.",
        repeated=True,
    ),
    {
        **_parameter(
            "format", "The result format, for clients that cannot set Accept."
        ),
        "schema": {"type": "string", "enum": list(FORMAT_NAMES)},
    },
]
_QUERY_PARAMETER = _parameter(
    "query", "A SPARQL 1.1 query; without it, GET describes the service."
)
_FORM_FIELDS = {
    "query": {"type": "string"},
    "update": {"type": "string"},
}
_UPDATE_DATASET_PARAMETERS = [
    _parameter(
        "using-graph-uri",
        "With an update: a graph of the default graph of its WHERE clauses.",
        repeated=True,
    ),
    _parameter(
        "using-named-graph-uri",
        "With an update: a named graph of its WHERE clauses.",
        repeated=True,
    ),
]
# The bearer scheme that the other routes declare through their user dependency;
# anonymous requests are allowed too.
_SECURITY = [{"HTTPBearer": []}, {}]
_POST_BODY = {
    "required": True,
    "content": {
        QUERY_MEDIA_TYPE: {"schema": {"type": "string"}},
        UPDATE_MEDIA_TYPE: {"schema": {"type": "string"}},
        FORM_MEDIA_TYPE: {"schema": {"type": "object", "properties": _FORM_FIELDS}},
    },
}


@dataclass(frozen=True)
class _Context:
    """The objects a request to /sparql works with: its user, the store, the pool."""

    settings: Settings
    store: QuadStore
    iris: Iris
    user: User
    graphs: list[NamedNode] | None
    pool: QueryPool
    limiter: QueryLimiter


async def _context(request: Request) -> _Context:
    """Gather what the dependencies of the other routes give, by direct calls.

    FastAPI's resolution of the seven dependencies, with their sub-dependencies, took
    about 0.3 ms of each query, more than pyoxigraph takes to evaluate a short one.
    """
    state = request.app.state
    settings: Settings = state.settings
    user = await get_user(request, settings, None)
    graphs = await get_readable_graphs(state.store, state.iris, user)
    return _Context(
        settings=settings,
        store=state.store,
        iris=state.iris,
        user=user,
        graphs=graphs,
        pool=pool_for(state.store, size=settings.query_workers),
        limiter=await get_query_limiter(request),
    )


@dataclass(frozen=True)
class _Received:
    """A request to /sparql as read: its context and its parameters."""

    context: _Context
    protocol: ProtocolRequest


# The key of a `_Received` in the request's state, from `RepeatedQueries` to the route.
_RECEIVED = "maillage.sparql.received"


async def _receive(request: Request) -> _Received:
    """Return what `RepeatedQueries` read of the request, or read it now."""
    received = request.scope.get("state", {}).pop(_RECEIVED, None)
    if received is not None:
        return received
    context = await _context(request)
    if request.method == "POST":
        limit = context.settings.max_body_bytes
        protocol = await read_body_parameters(request, limit)
    else:
        protocol = read_url_parameters(request)
    return _Received(context, protocol)


@router.get(
    "/sparql",
    summary="Run a SPARQL query, or read the service description",
    openapi_extra={
        "parameters": [_QUERY_PARAMETER, *_DATASET_PARAMETERS],
        "security": _SECURITY,
    },
    response_class=Response,
)
async def read_sparql(request: Request) -> Response:
    """Run the query of `?query=`, or describe the service when there is none."""
    received = await _receive(request)
    context, protocol = received.context, received.protocol
    if protocol.has("update"):
        raise HTTPException(
            405, "send SPARQL updates by POST", headers={"Allow": "POST"}
        )
    if protocol.has("query"):
        return await _answer_query(request, received)
    accept = request.headers.get("accept")
    browser = prefers_html_to(accept, media_types("DESCRIPTION"))
    if protocol.single("format") is None and browser:
        # A person who follows a link to the endpoint gets the page to write queries.
        return RedirectResponse(request.url_for("read_query_page"), status_code=303)
    choose = _format_chooser(accept, protocol.single("format"))
    endpoint = str(request.url.replace(query="", fragment=""))
    answer = await run_in_threadpool(
        describe_service,
        context.store,
        endpoint,
        choose("DESCRIPTION"),
        readable=context.graphs,
        federation=bool(context.settings.federation_allowlist),
        void_dataset=str(request.url_for("read_void")) + "#dataset",
    )
    return _response(answer)


@router.post(
    "/sparql",
    summary="Run a SPARQL query or update sent in the request body",
    openapi_extra={
        "parameters": _DATASET_PARAMETERS + _UPDATE_DATASET_PARAMETERS,
        "requestBody": _POST_BODY,
        "security": _SECURITY,
    },
    response_class=Response,
)
async def create_sparql_request(request: Request) -> Response:
    """Run a query, or an update for the editor, sent in the request body."""
    received = await _receive(request)
    context, protocol = received.context, received.protocol
    settings = context.settings
    if protocol.has("query") and protocol.has("update"):
        raise MalformedRequestError("send either 'query' or 'update', not both")
    if protocol.has("update"):
        with query_slot(request, context.limiter, settings.max_concurrent_queries):
            return await _apply_update(protocol, context)
    if not protocol.has("query"):
        raise MalformedRequestError(
            "missing parameter 'query' or 'update': send the request in one of them"
        )
    return await _answer_query(request, received)


def _read_query(
    request: Request, received: _Received
) -> tuple[QueryRequest, FormatChooser]:
    """Return the query of a request that has one, and its choice of result format."""
    protocol, settings = received.protocol, received.context.settings
    text = protocol.single("query") or ""
    check_text_size(text, settings.max_query_bytes, "query")
    choose = _format_chooser(request.headers.get("accept"), protocol.single("format"))
    return QueryRequest(text, protocol.dataset()), choose


async def _answer_query(request: Request, received: _Received) -> Response:
    """Evaluate the request's query, prepared here if the guard checked its text."""
    query, choose = _read_query(request, received)
    prepared = _prepare_known(received.context, query, choose)
    return await _evaluate(request, received.context, query, choose, prepared)


async def _evaluate(
    request: Request,
    context: _Context,
    query: QueryRequest,
    choose: FormatChooser,
    prepared: PreparedQuery | None,
) -> Response:
    """Check the query, then evaluate it in a worker, both within the time limit.

    The time limit covers the parse and the evaluation together. A query that a
    worker answered quickly on the current data runs here instead (`run_here`), in
    the event loop when it was quick enough (`_answer_at_once`). With a remote
    store, the workers only parse and the remote server evaluates. One thread of the
    pool runs both steps, so that the request waits for one hand-over. `prepared` is
    the query already checked, if the guard knew its text.
    """
    limit = context.settings.max_concurrent_queries
    with query_slot(request, context.limiter, limit):
        start = time.perf_counter()
        answer = await _answer_at_once(request, context, prepared)
        if answer is None:
            search = None
            if prepared is None:
                search = _searcher(request, context.graphs)
            answer = await run_in_threadpool(
                _run_query, context, query, choose, search, prepared
            )
    _log_answer(answer, context, start)
    return _response(answer)


def _log_answer(answer: QueryAnswer, context: _Context, start: float) -> None:
    size = "?" if answer.size is None else str(answer.size)
    logger.info(
        "SPARQL %s query: %s results, %d bytes as %s in %.1f ms, role %s",
        answer.form,
        size,
        len(answer.body),
        answer.result_format.name,
        (time.perf_counter() - start) * 1000,
        context.user.role.value,
    )


def _prepare_known(
    context: _Context, query: QueryRequest, choose: FormatChooser
) -> PreparedQuery | None:
    """Prepare `query` with the guard's verdict if the guard accepted it recently.

    Returns None when the guard has no verdict on the text, when the query calls
    mlg:search, whose matches are found in a thread, and when the store evaluates
    queries itself (a remote store).
    """
    settings, pool = context.settings, context.pool
    if not pool.evaluates:
        return None
    info = pool.checked_query(query.text, settings.federation_allowlist)
    if info is None or info.search_texts:
        return None
    return _prepare(context, query, choose, check=lambda text, allowlist: info)


async def _answer_at_once(
    request: Request, context: _Context, prepared: PreparedQuery | None
) -> QueryAnswer | None:
    """Evaluate in the event loop a query known to be quick, else return None.

    The guard must have accepted the query recently (`_prepare_known`). Its shortest
    and its last run on the current data must have taken at most `LOOP_SECONDS`
    (`QueryPool.run_here`), so that the loop is not held longer than a thread would
    take to start the work. Up to `IDLE_LOOP_SECONDS` is allowed when no other
    request is in flight. The check comes after one turn of the loop, so that the
    requests that arrived with this one have started and are counted.
    """
    if prepared is None:
        return None
    known = context.pool.known_seconds(prepared)
    if known is None or known > IDLE_LOOP_SECONDS:
        return None
    within = LOOP_SECONDS
    if known > LOOP_SECONDS:
        await asyncio.sleep(0)
        if requests_in_flight(request) > 1:
            return None
        # NOTE: a request that arrives during the run waits for it, about `known`.
        within = IDLE_LOOP_SECONDS
    return context.pool.run_here(
        prepared,
        max_rows=context.settings.max_result_rows,
        within=within,
        quick_only=True,
    )


def _run_query(
    context: _Context,
    query: QueryRequest,
    choose: FormatChooser,
    search: TextSearcher | None,
    prepared: PreparedQuery | None = None,
) -> QueryAnswer:
    """Check and prepare the query unless `prepared` is given, then evaluate it."""
    settings, pool = context.settings, context.pool
    started = time.monotonic()
    if prepared is None:
        check = partial(
            pool.check_query, timeout=settings.query_timeout, started=started
        )
        prepared = _prepare(context, query, choose, check=check, search=search)
    if not pool.evaluates:
        return evaluate_query(
            context.store, prepared, max_rows=settings.max_result_rows
        )
    answer = pool.run_here(prepared, max_rows=settings.max_result_rows)
    if answer is not None:
        return answer
    return pool.run(
        prepared,
        max_rows=settings.max_result_rows,
        timeout=settings.query_timeout,
        started=started,
    )


def _prepare(
    context: _Context,
    query: QueryRequest,
    choose: FormatChooser,
    *,
    check: QueryChecker,
    search: TextSearcher | None = None,
) -> PreparedQuery:
    """Check `query` with `check` and resolve its dataset within the user's graphs."""
    return prepare_query(
        query,
        choose_format=choose,
        readable=context.graphs,
        allowlist=context.settings.federation_allowlist,
        check=check,
        search=search,
    )


class RepeatedQueries:
    """ASGI middleware that evaluates recently checked queries before the routing.

    FastAPI's routing, its exception middleware and its request handling take about
    0.15 ms of each request, half of what pyoxigraph takes for a short query. This
    layer reads each request to /sparql by GET or POST. If the request carries a
    query whose text the guard accepted recently (`_prepare_known`), the layer
    evaluates it with `_evaluate`, as the route does.

    The other requests go on to the routes, with their body replayed. What this layer
    read is kept in the request's state (`_RECEIVED`), so that the route reads nothing
    twice. A client's mistake found before the evaluation is left for the route, which
    finds it again and responds through the app's error handlers. An error of the
    evaluation gets its response here, from the same handler. The app adds this layer
    inside the CORS and request-log middleware, which apply to its responses too.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        messages = await _read_messages(scope, receive)
        if messages is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, _replay(list(messages), receive))
        received, response = None, None
        try:
            received = await _receive(request)
            response = await _answer_known(request, received)
        except (MaillageError, HTTPException):
            received = None
        except ClientDisconnect as exc:
            await handle_client_disconnect(request, exc)
            return
        if response is not None:
            await response(scope, receive, send)
            return
        if received is not None:
            scope.setdefault("state", {})[_RECEIVED] = received
        # The replay pops each message it returns, so one copy of the body remains.
        await self.app(scope, _replay(messages, receive), send)


async def _answer_known(request: Request, received: _Received) -> Response | None:
    """Evaluate the query of `received` if the guard checked its text; else None.

    Raises the errors found before the evaluation, the client's limit included, and
    returns the response to an error of the evaluation itself.
    """
    protocol, context = received.protocol, received.context
    if protocol.has("update") or not protocol.has("query"):
        return None
    query, choose = _read_query(request, received)
    prepared = _prepare_known(context, query, choose)
    if prepared is None:
        return None
    try:
        return await _evaluate(request, context, query, choose, prepared)
    except MaillageError as exc:
        return await handle_maillage_error(request, exc)


async def _read_messages(scope: Scope, receive: Receive) -> list[Message] | None:
    """Read the body of a request to /sparql; return None for any other request.

    A GET has no body to read. None too for a body of undeclared length or larger
    than the limit, which the route reads as a stream and rejects.
    """
    if scope["type"] != "http" or _route_path(scope) != "/sparql":
        return None
    if scope["method"] == "GET":
        return []
    if scope["method"] != "POST":
        return None
    declared = next(
        (value for name, value in scope["headers"] if name == b"content-length"), b""
    )
    limit = scope["app"].state.settings.max_body_bytes
    if not declared.isdigit() or int(declared) > limit:
        return None
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _route_path(scope: Scope) -> str:
    """Return the request's path within the app, without the proxy's `root_path`."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root + "/"):
        return path[len(root) :]
    return path


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """Return a `receive` that pops `messages` one by one, then calls `receive`."""

    async def replay() -> Message:
        if messages:
            return messages.pop(0)
        return await receive()

    return replay


async def _apply_update(protocol: ProtocolRequest, context: _Context) -> Response:
    """Parse the update in a worker within the time limit, then apply it here.

    NOTE: the application itself has no time limit. pyoxigraph cannot stop an update,
    and a worker cannot write the store; only editors may send updates.
    """
    settings, user = context.settings, context.user
    auth.check_editor(user)
    text = protocol.single("update") or ""
    check_text_size(text, settings.max_query_bytes, "update")
    dataset = DatasetRequest(
        default_graph_uris=tuple(protocol.parameters.get("using-graph-uri", [])),
        named_graph_uris=tuple(protocol.parameters.get("using-named-graph-uri", [])),
    )

    start = time.perf_counter()
    result = await run_in_threadpool(
        run_update,
        context.store,
        context.iris,
        text,
        allowlist=settings.federation_allowlist,
        dataset=dataset,
        readable=context.graphs,
        check=partial(context.pool.check_update, timeout=settings.query_timeout),
    )
    logger.info(
        "SPARQL update: %d operations (%s) in %.1f ms, role %s",
        len(result.operations),
        ", ".join(result.operations),
        (time.perf_counter() - start) * 1000,
        user.role.value,
    )
    return Response(status_code=204)


def _searcher(
    request: Request, graphs: list[NamedNode] | None
) -> TextSearcher | None:
    """Return the function that searches a query's mlg:search texts for this user.

    The search runs here, in the server, where the index is open. The worker that
    evaluates the query receives the matches. Returns None without an index.
    """
    service = getattr(request.app.state, "search", None)
    if service is None:
        return None

    def search(texts: Sequence[str]) -> dict[str, dict[str, float]]:
        # Built only for a query that calls mlg:search, since it copies `graphs`.
        return SearchFunctions(service.index, graphs).search_all(texts)

    return search


def _response(answer: QueryAnswer) -> Response:
    return Response(
        content=answer.body,
        media_type=answer.result_format.media_type,
        headers={"Vary": "Accept"},
    )


def _format_chooser(accept: str | None, format_name: str | None) -> FormatChooser:
    """Return the function that picks a result format by `format` or by Accept."""

    def choose(form: str) -> ResultFormat:
        if format_name is not None:
            chosen = find_format(form, format_name)
            if chosen is None:
                raise _not_acceptable(form, f"format={format_name.strip()!r}")
            return chosen
        if accept is not None and len(accept) <= _KEPT_ACCEPT_LENGTH:
            chosen = _negotiated_format(form, accept)
        else:
            chosen = _negotiate_format(form, accept)
        if chosen is None:
            raise _not_acceptable(form, f"Accept {accept[:200]!r}")
        return chosen

    return choose


# A client sends the same Accept header with each query: its choice is kept.
_KEPT_ACCEPT_LENGTH = 200


def _negotiate_format(form: str, accept: str | None) -> ResultFormat | None:
    media_type = negotiate(accept, media_types(form))
    return None if media_type is None else format_for_media_type(form, media_type)


_negotiated_format = lru_cache(maxsize=256)(_negotiate_format)


def _not_acceptable(form: str, requested: str) -> NotAcceptableError:
    results = "the service description" if form == "DESCRIPTION" else f"{form} results"
    offered = ", ".join(media_types(form))
    return NotAcceptableError(
        f"no format of {results} matches {requested}; offered: {offered}"
    )
