"""Map every error to one HTTP status and a JSON body `{"detail", "code"}`.

The statuses of domain errors come from `maillage.graph.errors`. Besides them:

    UnknownTypeError        404  unknown_type       an item type that does not exist
    NotAcceptableError      406  not_acceptable     no offered media type fits Accept
    RequestValidationError  422  invalid_parameter  a parameter or body field that is
                                                    not valid
                            400  malformed_request  a JSON body that does not parse,
                                                    with its line and column
    HTTPException           its status              not_found, method_not_allowed, ...
    any other exception     500  internal_error     logged with its traceback

Messages are maillage's own: pydantic's texts become `describe_error`'s reasons, and
no message quotes more than about 100 characters of the request. A 405 lists in
`Allow` the methods of every route whose path matches, not only the first one.

A browser that requests the HTML of a page (`/`, `/id/...` or an unknown path) gets a
French page with the same status instead of the JSON body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from maillage.graph.errors import (
    InvalidTokenError,
    MaillageError,
    MalformedRequestError,
    NotFoundError,
)
from maillage.graph.models.messages import MAX_QUOTED_CHARS, describe_error, quote
from maillage.server.negotiation import prefers_html
from maillage.server.templating import render_page

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The JSON body of every error; `line` and `column` locate a parse error."""

    detail: str
    code: str
    line: int | None = None
    column: int | None = None


# Error responses that the item routes document in OpenAPI.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Invalid item key."},
    404: {"model": ErrorBody, "description": "Unknown item type, or no such item."},
    406: {"model": ErrorBody, "description": "No offered media type fits Accept."},
    422: {"model": ErrorBody, "description": "Invalid query parameter."},
}


class UnknownTypeError(NotFoundError):
    code = "unknown_type"


class NotAcceptableError(MaillageError):
    code = "not_acceptable"
    status = 406


# Codes of the HTTP errors that Starlette and FastAPI raise themselves.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}

# The message of the French error page for each status; JSON details stay in English.
_PAGE_MESSAGES = {
    400: "La demande n'est pas valide.",
    401: "Votre jeton d'accès n'est pas valide, a expiré ou a été révoqué.",
    403: "Vous n'avez pas le droit de voir cette page.",
    404: "Cette ressource n'existe pas, ou vous n'avez pas le droit de la lire.",
    405: "Cette méthode n'est pas permise à cette adresse.",
    406: "Aucun des formats demandés n'est disponible pour cette ressource.",
    422: "Un paramètre de la demande n'est pas valide.",
    500: "Le serveur a rencontré une erreur interne.",
}

# Paths whose errors a browser may see as a French page.
_PAGE_PREFIXES = ("/id/",)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn every exception into a JSON error body."""
    app.add_exception_handler(MaillageError, handle_maillage_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(HTTPException, _handle_http_exception)
    app.add_exception_handler(ClientDisconnect, handle_client_disconnect)
    app.add_exception_handler(Exception, _handle_unexpected)


def error_response(
    request: Request,
    status: int,
    detail: str,
    code: str,
    *,
    extra: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Return the error as JSON, or as a French page for a browser on a page path."""
    if _wants_page(request, status):
        context = {"status": status, "message": _PAGE_MESSAGES.get(status, detail)}
        return render_page(
            request, "error.html", context, status_code=status, headers=headers
        )
    body: dict[str, object] = {"detail": detail, "code": code, **(extra or {})}
    return JSONResponse(body, status_code=status, headers=headers)


async def handle_maillage_error(request: Request, exc: Exception) -> Response:
    """Return the error response of a domain error, as the app's handler does.

    Code outside FastAPI's routing, such as an ASGI middleware, calls it to turn a
    `MaillageError` into the same response.
    """
    assert isinstance(exc, MaillageError)
    extra: dict[str, object] = {}
    if isinstance(exc, MalformedRequestError):
        extra = {
            name: value
            for name, value in (("line", exc.line), ("column", exc.column))
            if value is not None
        }
    if exc.status >= 500:
        logger.error("%s %s failed: %s", request.method, request.url.path, exc.message)
    return error_response(
        request,
        exc.status,
        exc.message,
        exc.code,
        extra=extra,
        headers=_challenge(exc),
    )


def _challenge(exc: MaillageError) -> dict[str, str] | None:
    """Return the WWW-Authenticate header that a 401 response must carry.

    RFC 6750, section 3.1: a rejected token gets `error="invalid_token"`, a request
    without credentials gets the bare challenge.
    """
    if exc.status != 401:
        return None
    if isinstance(exc, InvalidTokenError):
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    return {"WWW-Authenticate": "Bearer"}


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    syntax = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if syntax is not None:
        return _json_syntax_error(request, syntax, exc.body)
    fields = _body_fields(request)
    detail = "; ".join(describe_validation_error(error, fields) for error in errors)
    return error_response(request, 422, detail, "invalid_parameter")


def _json_syntax_error(
    request: Request, error: Mapping[str, Any], document: object
) -> Response:
    """Return the 400 response for a JSON body that does not parse, with its position."""
    reason = (error.get("ctx") or {}).get("error", "syntax error")
    location = error.get("loc", ())
    position = location[-1] if location and isinstance(location[-1], int) else None
    extra: dict[str, object] = {}
    if position is not None and isinstance(document, str):
        line = document.count("\n", 0, position) + 1
        column = position - (document.rfind("\n", 0, position) + 1) + 1
        extra = {"line": line, "column": column}
    detail = f"invalid JSON body: {reason}"
    return error_response(request, 400, detail, "malformed_request", extra=extra)


def _body_fields(request: Request) -> tuple[str, ...]:
    """Return the fields of the route's body model, named for an unknown field."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    fields = getattr(model, "model_fields", None)
    return tuple(fields) if isinstance(fields, Mapping) else ()


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        detail = (
            f"no resource at {request.url.path[:200]!r}; the API is listed at /docs"
        )
    elif exc.status_code == 405:
        detail = _method_not_allowed(request, exc, headers)
    elif exc.status_code == 400 and exc.detail == _BODY_PARSE_FAILURE:
        detail = _body_parse_failure(request)
    else:
        detail = str(exc.detail)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(request, exc.status_code, detail, code, headers=headers)


# FastAPI's detail for a form or JSON body that fails to parse, with no reason.
_BODY_PARSE_FAILURE = "There was an error parsing the body"
# The order of the methods in `Allow`.
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _method_not_allowed(
    request: Request, exc: HTTPException, headers: dict[str, str]
) -> str:
    """Return the message of a 405, and set `Allow` in `headers`.

    Starlette's own 405 names the methods of the first route whose path matches, so
    `Allow` is rebuilt from every route. A route that raises its own 405, such as a
    write to a read-only graph, keeps its `Allow` and its reason.
    """
    path = request.url.path[:200]
    own_reason = exc.detail != HTTPStatus.METHOD_NOT_ALLOWED.phrase
    if own_reason:
        allowed = headers.get("Allow") or headers.get("allow") or ""
    else:
        allowed = ", ".join(allowed_methods(request))
    headers.pop("allow", None)
    headers["Allow"] = allowed
    reason = f": {exc.detail}" if own_reason else ""
    return (
        f"method {request.method} is not allowed on {path!r}{reason}; "
        f"allowed: {allowed or 'none'}"
    )


def allowed_methods(request: Request) -> list[str]:
    """Return the methods that the routes matching the request's path accept.

    HEAD is accepted wherever GET is (`maillage.server.app.HeadAsGet`).
    """
    methods = route_methods(request.app, request.scope)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods, key=_method_rank)


def route_methods(app: FastAPI, scope: Scope) -> set[str]:
    """Return the methods that the routes of `app` matching the scope's path declare."""
    methods: set[str] = set()
    # A mount, such as /static, moved its prefix into `root_path`: match from the app.
    root_path = scope.get("app_root_path", scope.get("root_path", ""))
    scope = {**scope, "root_path": root_path}
    # FastAPI 0.165 keeps included routers whole in `app.routes`; this iterator
    # yields each of their routes with its full path.
    for route in iter_route_contexts(app.routes):
        match, _ = route.matches(scope)
        if match is Match.NONE:
            continue
        original = route.original_route
        if isinstance(original, Mount):
            if isinstance(original.app, StaticFiles):
                methods |= {"GET", "HEAD"}
            continue
        methods |= set(route.methods or ())
    return methods


def _method_rank(method: str) -> tuple[int, str]:
    if method in _METHOD_ORDER:
        return _METHOD_ORDER.index(method), method
    return len(_METHOD_ORDER), method


def _body_parse_failure(request: Request) -> str:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip()
    shown = quote(media_type) if media_type else "no Content-Type"
    return (
        f"the request body does not parse as {shown}: check the body and its "
        "Content-Type header"
    )


async def handle_client_disconnect(request: Request, exc: Exception) -> Response:
    """Log at INFO a client that closed its connection before sending its whole body.

    The client made the request fail, not the server, so no error is logged. The
    response only ends the request, since the client no longer reads.
    """
    logger.info(
        "%s %s: the client disconnected before sending its whole body",
        request.method,
        request.url.path,
    )
    return Response(status_code=400)


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RecursionError):
        # The JSON and RDF parsers recurse once per nesting level of the body.
        logger.warning("%s %s: body nests too deeply", request.method, request.url.path)
        return error_response(
            request,
            400,
            "the request body nests too deeply to be read; flatten its structure",
            "malformed_request",
        )
    logger.error(
        "%s %s raised an unexpected error",
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return error_response(request, 500, "internal server error", "internal_error")


def describe_validation_error(
    error: Mapping[str, Any], accepted_fields: Sequence[str] = ()
) -> str:
    """Return one sentence naming the invalid parameter, its value and what fits.

    `accepted_fields` lists the fields of the body, named when a field is unknown.
    """
    location = [str(part) for part in error.get("loc", ())]
    where = location[0] if location else "request"
    name = ".".join(location[1:])
    if where == "body" and not name:
        return f"invalid request body: {describe_error(error)}"
    name = name or where
    kind = "body field" if where == "body" else f"{where} parameter"
    if error.get("type") == "missing":
        return f"missing {kind} {name!r}"
    if error.get("type") == "extra_forbidden":
        accepted = ", ".join(accepted_fields) or "none"
        return f"unknown {kind} {quote(name)}; accepted fields: {accepted}"
    value = str(error.get("input"))
    if len(value) > MAX_QUOTED_CHARS:
        value = value[: MAX_QUOTED_CHARS - 3] + "..."
    reason = describe_error(error, quote_value=False)
    return f"invalid {kind} {name}={value!r}: {reason}"


def _wants_page(request: Request, status: int) -> bool:
    if not prefers_html(request.headers.get("accept")):
        return False
    path = request.url.path
    unknown_route = status == 404 and request.scope.get("endpoint") is None
    return path == "/" or path.startswith(_PAGE_PREFIXES) or unknown_route
