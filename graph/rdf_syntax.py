"""Messages for RDF syntax errors, in maillage's words, with their line and column.

Oxigraph 0.5 raises `SyntaxError` with texts such as `Parser error at line 2 between
columns 5 and 8: The prefix y: has not been declared (line 2)`, and sets `lineno` and
`offset` when the parser reports a position. The message keeps the parser's reason, cut to
`MAX_REASON_CHARS`, because the reason may quote the input.
"""

from __future__ import annotations

import re

from maillage.graph.errors import MalformedRequestError

# Names of the RDF formats in messages, by the names of `maillage.graph.rdfio`.
FORMAT_LABELS = {
    "turtle": "Turtle",
    "n-triples": "N-Triples",
    "n-quads": "N-Quads",
    "trig": "TriG",
    "rdf-xml": "RDF/XML",
    "json-ld": "JSON-LD",
}
MAX_REASON_CHARS = 100

_POSITION_PREFIX = re.compile(
    r"^(?:Parser error at line \d+ (?:column \d+|between columns \d+ and \d+): )"
    r"|^(?:syntax error: )",
    re.IGNORECASE,
)
_LINE_SUFFIX = re.compile(r" \(line \d+\)$")


def rdf_syntax_error(
    exc: SyntaxError, rdf_format: str, source: str
) -> MalformedRequestError:
    """Return the 400 error for a parser's `SyntaxError` on `source` in `rdf_format`.

    `rdf_format` is a name of `maillage.graph.rdfio` (`turtle`) or a label (`Turtle`);
    `source` names what was parsed, such as `the request body` or a file name.
    """
    label = FORMAT_LABELS.get(rdf_format, rdf_format)
    line = exc.lineno or None
    column = exc.offset or None
    where = f" at line {line}, column {column}" if line and column else ""
    if line and not column:
        where = f" at line {line}"
    return MalformedRequestError(
        f"{source} is not valid {label}{where}: {syntax_reason(exc)}",
        line=line,
        column=column,
    )


def syntax_reason(exc: SyntaxError) -> str:
    """Return the parser's reason without its position, starting in lower case."""
    reason = str(exc.msg if exc.msg else exc)
    reason = _LINE_SUFFIX.sub("", _POSITION_PREFIX.sub("", reason.strip()))
    if len(reason) > MAX_REASON_CHARS:
        reason = reason[: MAX_REASON_CHARS - 3] + "..."
    return reason[:1].lower() + reason[1:] if reason else "the parser gave no reason"
