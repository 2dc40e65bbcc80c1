"""Map every error to one HTTP status and a JSON body `{"detail", "code"}`.

The statuses of domain errors come from `maillage.graph.errors`. Besides them:

    UnknownTypeError        404  unknown_type       an item type that does not exist
    NotAcceptableError      406  not_acceptable     no offered media type fits Accept
    RequestValidationError  422  invalid_parameter  a parameter that is not valid
    HTTPException           its status              not_found, method_not_allowed, ...
    any other exception     500  internal_error     logged with its traceback

A browser that requests the HTML of a page (`/`, `/id/...` or an unknown path) gets a
French page with the same status instead of the JSON body.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from maillage.graph.errors import (
    InvalidTokenError,
    MaillageError,
    MalformedRequestError,
    NotFoundError,
)
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
    app.add_exception_handler(MaillageError, _handle_maillage_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(HTTPException, _handle_http_exception)
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


async def _handle_maillage_error(request: Request, exc: Exception) -> Response:
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
    detail = "; ".join(describe_validation_error(error) for error in exc.errors())
    return error_response(request, 422, detail, "invalid_parameter")


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        detail = (
            f"no resource at {request.url.path[:200]!r}; the API is listed at /docs"
        )
    elif exc.status_code == 405:
        allowed = headers.get("Allow") or headers.get("allow") or "none"
        detail = (
            f"method {request.method} is not allowed on {request.url.path[:200]!r}; "
            f"allowed: {allowed}"
        )
    else:
        detail = str(exc.detail)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(request, exc.status_code, detail, code, headers=headers)


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


def describe_validation_error(error: dict) -> str:
    """Return one sentence naming the invalid parameter, its value and what fits."""
    location = [str(part) for part in error.get("loc", ())]
    where = location[0] if location else "request"
    name = ".".join(location[1:]) or where
    kind = "body field" if where == "body" else f"{where} parameter"
    if error.get("type") == "missing":
        return f"missing {kind} {name!r}"
    value = str(error.get("input"))
    if len(value) > 80:
        value = value[:77] + "..."
    return f"invalid {kind} {name}={value!r}: {_reason(error)}"


def _reason(error: dict) -> str:
    context = error.get("ctx") or {}
    reasons = {
        "less_than_equal": lambda: f"must be at most {context.get('le')}",
        "greater_than_equal": lambda: f"must be at least {context.get('ge')}",
        "less_than": lambda: f"must be less than {context.get('lt')}",
        "greater_than": lambda: f"must be greater than {context.get('gt')}",
        "int_parsing": lambda: "must be an integer",
        "literal_error": lambda: f"accepted values: {context.get('expected')}",
        "enum": lambda: f"accepted values: {context.get('expected')}",
        "string_too_long": lambda: (
            f"must have at most {context.get('max_length')} characters"
        ),
        "value_error": lambda: str(context.get("error", error.get("msg", ""))),
    }
    reason = reasons.get(error.get("type", ""))
    return reason() if reason else str(error.get("msg", "invalid value"))


def _wants_page(request: Request, status: int) -> bool:
    if not prefers_html(request.headers.get("accept")):
        return False
    path = request.url.path
    unknown_route = status == 404 and request.scope.get("endpoint") is None
    return path == "/" or path.startswith(_PAGE_PREFIXES) or unknown_route
