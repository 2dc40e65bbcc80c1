"""Parse and serialize RDF safely: formats, media types and checks on untrusted input.

Every RDF body that reaches maillage goes through `parse_rdf`, which refuses what would make a
parser fetch, read or expand something: an RDF/XML document type with entity declarations, and a
JSON-LD `@context` that names a remote or local document other than maillage's own. Relative
IRIs resolve against the base IRI given by the caller, never against a file path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pyoxigraph import Quad, RdfFormat, parse

from maillage.graph.errors import (
    MalformedRequestError,
    UnsafeRequestError,
    UnsupportedMediaTypeError,
)
from maillage.graph.rdf_syntax import rdf_syntax_error


@dataclass(frozen=True)
class FormatInfo:
    """An RDF format with its media type, file extensions and whether it carries graphs."""

    name: str
    rdf_format: RdfFormat
    media_type: str
    extensions: tuple[str, ...]
    quads: bool


FORMATS: tuple[FormatInfo, ...] = (
    FormatInfo("turtle", RdfFormat.TURTLE, "text/turtle", (".ttl",), False),
    FormatInfo("n-triples", RdfFormat.N_TRIPLES, "application/n-triples", (".nt",), False),
    FormatInfo("n-quads", RdfFormat.N_QUADS, "application/n-quads", (".nq",), True),
    FormatInfo("trig", RdfFormat.TRIG, "application/trig", (".trig",), True),
    FormatInfo("rdf-xml", RdfFormat.RDF_XML, "application/rdf+xml", (".rdf", ".owl"), False),
    FormatInfo("json-ld", RdfFormat.JSON_LD, "application/ld+json", (".jsonld",), True),
)

_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "text/x-nquads": "application/n-quads",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
}

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def format_for_media_type(media_type: str) -> FormatInfo:
    """Return the RDF format of a media type, ignoring its parameters."""
    bare = media_type.split(";", 1)[0].strip().lower()
    bare = _ALIASES.get(bare, bare)
    for info in FORMATS:
        if info.media_type == bare:
            return info
    accepted = ", ".join(info.media_type for info in FORMATS)
    raise UnsupportedMediaTypeError(
        f"unsupported RDF media type {media_type[:100]!r}; accepted: {accepted}"
    )


def format_for_path(path: str) -> FormatInfo:
    """Return the RDF format of a file from its extension."""
    lowered = path.lower()
    for info in FORMATS:
        if lowered.endswith(info.extensions):
            return info
    accepted = ", ".join(ext for info in FORMATS for ext in info.extensions)
    raise UnsupportedMediaTypeError(
        f"cannot tell the RDF format of {path[-100:]!r}; accepted extensions: {accepted}"
    )


def format_by_name(name: str) -> FormatInfo:
    """Return the RDF format called `name` (`turtle`, `n-quads`, ...)."""
    for info in FORMATS:
        if info.name == name:
            return info
    accepted = ", ".join(info.name for info in FORMATS)
    raise UnsupportedMediaTypeError(f"unknown RDF format {name!r}; accepted: {accepted}")


def check_untrusted(data: bytes, info: FormatInfo, allowed_contexts: set[str]) -> None:
    """Raise `UnsafeRequestError` if parsing `data` could fetch, read or expand anything."""
    if info.rdf_format == RdfFormat.RDF_XML:
        head = data[:65536]
        if _ENTITY_DECLARATION.search(head) or _DOCTYPE.search(head):
            raise UnsafeRequestError(
                "RDF/XML with a DOCTYPE or ENTITY declaration is not accepted; "
                "remove the document type declaration"
            )
    if info.rdf_format == RdfFormat.JSON_LD:
        _check_jsonld_contexts(data, allowed_contexts)


def _check_jsonld_contexts(data: bytes, allowed_contexts: set[str]) -> None:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "colno", None)
        raise MalformedRequestError(
            f"invalid JSON-LD: {exc}", line=line, column=column
        ) from exc
    for reference in _context_references(document):
        if reference not in allowed_contexts:
            raise UnsafeRequestError(
                f"JSON-LD @context {reference[:200]!r} is not fetched; embed the context "
                "in the document or use maillage's context"
            )


def _context_references(node: object) -> Iterator[str]:
    """Yield every string that a JSON-LD document uses as a context reference."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                contexts = value if isinstance(value, list) else [value]
                for context in contexts:
                    if isinstance(context, str):
                        yield context
                    elif isinstance(context, dict):
                        if isinstance(context.get("@import"), str):
                            yield context["@import"]
                        yield from _context_references(context)
            else:
                yield from _context_references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _context_references(item)


def parse_rdf(
    data: bytes,
    info: FormatInfo,
    *,
    base_iri: str,
    allowed_contexts: set[str] | None = None,
    inline_contexts: dict[str, bytes] | None = None,
    source: str = "the data",
) -> list[Quad]:
    """Parse untrusted RDF into quads, resolving relative IRIs against `base_iri`.

    `inline_contexts` maps the IRI of a JSON-LD context that maillage serves itself to its
    content, so that documents may name it without anything being fetched. A syntax
    error names `source`, such as "the body", with the line and column.
    """
    check_untrusted(data, info, set(allowed_contexts or ()) | set(inline_contexts or ()))
    if info.rdf_format == RdfFormat.JSON_LD and inline_contexts:
        data = _inline_known_contexts(data, inline_contexts)
    try:
        return list(parse(data, format=info.rdf_format, base_iri=base_iri))
    except SyntaxError as exc:
        raise rdf_syntax_error(exc, info.name, source) from exc
    except ValueError as exc:
        raise MalformedRequestError(f"invalid {info.name}: {exc}") from exc


def _inline_known_contexts(data: bytes, inline_contexts: dict[str, bytes]) -> bytes:
    document = json.loads(data)

    def replace(node: object) -> object:
        if isinstance(node, dict):
            result = {}
            for key, value in node.items():
                if key == "@context":
                    result[key] = _replace_context(value, inline_contexts)
                else:
                    result[key] = replace(value)
            return result
        if isinstance(node, list):
            return [replace(item) for item in node]
        return node

    return json.dumps(replace(document)).encode()


def _replace_context(value: object, inline_contexts: dict[str, bytes]) -> object:
    if isinstance(value, str) and value in inline_contexts:
        return json.loads(inline_contexts[value])["@context"]
    if isinstance(value, list):
        return [_replace_context(item, inline_contexts) for item in value]
    return value


