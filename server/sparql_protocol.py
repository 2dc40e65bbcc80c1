"""Read the parameters of a SPARQL 1.1 Protocol request strictly.

https://www.w3.org/TR/sparql11-protocol/ : a query or update comes in the URL, in a form
body, or as the body itself (`application/sparql-query`, `application/sparql-update`).
Each parameter is read with every value it has, so that a repeated `query` is an error
and not a silent choice. Percent-escapes and bodies must be UTF-8. Form bodies are
parsed with the standard library, not with Starlette's form parser, whose 1 MB limit per
field would cut long requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl

from fastapi import Request
from maillage.graph.errors import (
    MalformedRequestError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from maillage.graph.sparql import DatasetRequest

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
BODY_MEDIA_TYPES = (FORM_MEDIA_TYPE, QUERY_MEDIA_TYPE, UPDATE_MEDIA_TYPE)
MAX_PARAMETERS = 1000


@dataclass(frozen=True)
class ProtocolRequest:
    """The parameters of a SPARQL protocol request, each name with all its values."""

    parameters: dict[str, list[str]]

    def single(self, name: str) -> str | None:
        """Return the one value of `name` or None; reject a repeated parameter."""
        values = self.parameters.get(name, [])
        if len(values) > 1:
            raise MalformedRequestError(
                f"the parameter {name!r} is given {len(values)} times; give it once"
            )
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return name in self.parameters

    def dataset(self) -> DatasetRequest:
        return DatasetRequest(
            default_graph_uris=tuple(self.parameters.get("default-graph-uri", [])),
            named_graph_uris=tuple(self.parameters.get("named-graph-uri", [])),
        )


def read_url_parameters(request: Request) -> ProtocolRequest:
    """Return the parameters of the request's URL."""
    return ProtocolRequest(parse_parameters(request.scope["query_string"], "URL"))


async def read_body_parameters(
    request: Request, max_body_bytes: int
) -> ProtocolRequest:
    """Return the parameters of a POST request: its URL's and its body's.

    A body sent as `application/sparql-query` or `application/sparql-update` becomes the
    `query` or `update` parameter.
    """
    media_type = body_media_type(request)
    body = await read_body(request, max_body_bytes)
    parameters = parse_parameters(request.scope["query_string"], "URL")
    if media_type == FORM_MEDIA_TYPE:
        for name, values in parse_parameters(body, "body").items():
            parameters.setdefault(name, []).extend(values)
    else:
        name = "query" if media_type == QUERY_MEDIA_TYPE else "update"
        parameters.setdefault(name, []).append(decode(body, "body"))
    return ProtocolRequest(parameters)


def body_media_type(request: Request) -> str:
    """Return the media type of a POST body; reject a missing or unsupported one."""
    header = request.headers.get("content-type")
    accepted = ", ".join(BODY_MEDIA_TYPES)
    if not header or not header.strip():
        raise MalformedRequestError(f"missing Content-Type: send one of {accepted}")
    media_type, *parameters = (part.strip() for part in header.split(";"))
    media_type = media_type.lower()
    if media_type not in BODY_MEDIA_TYPES:
        raise UnsupportedMediaTypeError(
            f"unsupported Content-Type {media_type[:100]!r}: send one of {accepted}"
        )
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaTypeError(
                f"unsupported charset {charset[:40]!r}: send the body in UTF-8"
            )
    return media_type


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body; raise `PayloadTooLargeError` once it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def check_text_size(text: str, limit: int, kind: str) -> None:
    """Raise `PayloadTooLargeError` when a query or update passes `limit` UTF-8 bytes.

    The check comes before any parse, because the time of rdflib's parser grows faster
    than the length of the text.
    """
    if len(text) <= limit // 4:
        return  # A UTF-8 character takes at most 4 bytes; skip the encoding.
    if len(text.encode("utf-8", errors="surrogatepass")) > limit:
        raise PayloadTooLargeError(
            f"the {kind} is larger than {limit} bytes, the limit of this endpoint; "
            "shorten it or split it"
        )


def _too_large(limit: int) -> PayloadTooLargeError:
    return PayloadTooLargeError(
        f"the request body is larger than {limit} bytes, the limit of this endpoint"
    )


def parse_parameters(data: bytes, where: str) -> dict[str, list[str]]:
    """Parse URL-encoded parameters; percent-escapes must decode to UTF-8 text."""
    if not data:
        return {}
    if len(data) <= _KEPT_PAIRS_BYTES:
        pairs = _kept_pairs(data, where)
    else:
        pairs = _pairs(data, where)
    parameters: dict[str, list[str]] = {}
    for name, value in pairs:
        parameters.setdefault(name, []).append(value)
    return parameters


def _pairs(data: bytes, where: str) -> tuple[tuple[str, str], ...]:
    text = decode(data, where)
    try:
        return tuple(
            parse_qsl(
                text,
                keep_blank_values=True,
                encoding="utf-8",
                errors="strict",
                max_num_fields=MAX_PARAMETERS,
            )
        )
    except UnicodeDecodeError as exc:
        raise MalformedRequestError(
            f"the parameters of the {where} are not valid UTF-8 once percent-decoded"
        ) from exc
    except ValueError as exc:
        raise MalformedRequestError(
            f"the {where} has more than {MAX_PARAMETERS} parameters"
        ) from exc


# A partner's tool sends the same query again and again: the percent-decoding of a
# short body (25 µs for 400 bytes) is kept. An error is raised again each time.
_KEPT_PAIRS_BYTES = 16_384
_kept_pairs = lru_cache(maxsize=128)(_pairs)


def decode(data: bytes, where: str) -> str:
    """Decode `data` as UTF-8, naming the first invalid byte in the error."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequestError(
            f"the {where} is not valid UTF-8 at byte {exc.start}"
        ) from exc
