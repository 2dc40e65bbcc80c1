"""Prepare SPARQL text for two parsers and turn Oxigraph's syntax errors into messages.

The safety check reads a request with rdflib's parser and Oxigraph runs it, so both must
read the same text, and `prepare_text` removes the two differences found between rdflib
7.6 and Oxigraph 0.5.13:

- rdflib expands every `\\uXXXX` and `\\UXXXXXXXX` escape before parsing, as SPARQL
  1.1 section 19.2 describes, while Oxigraph reads escapes only inside strings and IRIs.
  The escapes are expanded once for both, and escapes of ASCII punctuation, spaces and
  control characters are rejected, because they would end a string, an IRI or a comment
  for one parser and not for the other.
- Oxigraph ends a `#` comment at a carriage return, rdflib only at a line feed, so text
  after a lone carriage return would be a comment for rdflib and a query for Oxigraph.
  Every CRLF and lone CR becomes LF, which changes only long string literals that
  contain a raw carriage return.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from maillage.graph.sparql.errors import MalformedQueryError
from pyoxigraph import Store

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEFTOVER_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
_POSITION = re.compile(r"^error at (\d+):(\d+): ?(.*)$", re.DOTALL)
_EXPECTED_ITEM = re.compile(
    r"\"(?:\\.|[^\"\\])*\"|\[(?:'(?:\\.|[^'\\])*'|[^\]])*\]|[^,]+"
)
_MAX_EXPECTED = 12


def prepare_text(text: str) -> str:
    """Return `text` with LF line ends and its Unicode escapes expanded."""
    return expand_escapes(text.replace("\r\n", "\n").replace("\r", "\n"))


def expand_escapes(text: str) -> str:
    """Replace each Unicode escape by its character, rejecting syntax characters."""

    def expand(match: re.Match[str]) -> str:
        digits = match.group(1) or match.group(2)
        code_point = int(digits, 16)
        if code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
            raise _escape_error(text, match, "is not a Unicode scalar value")
        character = chr(code_point)
        if code_point < 0x80 and not character.isalnum():
            raise _escape_error(
                text, match, "stands for a syntax character; write the character itself"
            )
        return character

    expanded = _ESCAPE.sub(expand, text)
    # rdflib also reads `\U` with 4 digits as an escape, which Oxigraph rejects.
    leftover = _LEFTOVER_ESCAPE.search(expanded)
    if leftover is not None:
        raise _escape_error(expanded, leftover, "is invalid: \\U takes 8 hex digits")
    return expanded


def _escape_error(text: str, match: re.Match[str], reason: str) -> MalformedQueryError:
    line, column = position_of(text, match.start())
    return MalformedQueryError(
        f"invalid SPARQL request at line {line}, column {column}: "
        f"the escape {match.group(0)} {reason}",
        line=line,
        column=column,
    )


def position_of(text: str, offset: int) -> tuple[int, int]:
    """Return the 1-based line and column of the character at `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


@dataclass(frozen=True)
class SyntaxProblem:
    """The point where Oxigraph's parser stopped, and the tokens it expected."""

    line: int | None
    column: int | None
    reason: str

    def error(self) -> MalformedQueryError:
        """Return the error to raise, with the position in its message."""
        if self.line is None:
            return MalformedQueryError(f"invalid SPARQL request: {self.reason}")
        return MalformedQueryError(
            f"invalid SPARQL request at line {self.line}, column {self.column}: "
            f"{self.reason}",
            line=self.line,
            column=self.column,
        )


def oxigraph_syntax_problem(text: str, *, update: bool = False) -> SyntaxProblem | None:
    """Return where Oxigraph fails to parse `text`, or None when it reads it.

    Only a query without the word SERVICE reaches Oxigraph unchanged, on an empty
    in-memory store, because nothing else in a query makes Oxigraph open a connection.
    Other text, and every update, gets a NUL character on a line of its own, so that
    even valid text fails to parse and is never evaluated. Oxigraph reports an error at
    the furthest point it reached, so an error on that extra line may mean valid text or
    text that ends too early: None then too.
    """
    run = Store().update if update else Store().query
    if not update and "service" not in text.lower():
        try:
            run(text)
        except SyntaxError as exc:
            return read_syntax_error(exc)
        return None
    lines = text.count("\n") + 1
    try:
        run(text + "\n\x00")
    except SyntaxError as exc:
        problem = read_syntax_error(exc)
        if problem.line is None or problem.line <= lines:
            return problem
    return None


def translate_syntax_error(exc: SyntaxError) -> MalformedQueryError:
    """Turn Oxigraph's `SyntaxError` into a message with line and column."""
    return read_syntax_error(exc).error()


def read_syntax_error(exc: SyntaxError) -> SyntaxProblem:
    """Read the position and the expected tokens out of Oxigraph's error message."""
    raw = str(exc)
    match = _POSITION.match(raw)
    if match is None:
        return SyntaxProblem(None, None, _shorten(raw))
    line, column = int(match.group(1)), int(match.group(2))
    return SyntaxProblem(line, column, _describe(match.group(3)))


def _describe(reason: str) -> str:
    """Rewrite Oxigraph's list of expected tokens, dropping character classes."""
    if not reason.startswith("expected"):
        return _shorten(reason)
    listed = reason.removeprefix("expected").strip().removeprefix("one of").strip()
    items = [item.strip() for item in _EXPECTED_ITEM.findall(listed)]
    # Oxigraph lists the messages of its semantic checks among the expected tokens.
    messages = [item for item in items if " " in item and item[0] not in "\"['"]
    if messages:
        return "; ".join(messages)
    tokens = [item for item in items if item and not item.startswith("[")]
    if not tokens:
        return "unexpected character or end of the request"
    if len(tokens) == 1:
        return f"expected {tokens[0]}"
    shown = ", ".join(tokens[:_MAX_EXPECTED])
    more = ", ..." if len(tokens) > _MAX_EXPECTED else ""
    return f"expected one of {shown}{more}"


def _shorten(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
