"""Apply the protocol's `using-graph-uri` and `using-named-graph-uri` to an update.

SPARQL 1.1 Protocol, section 2.2.3 (https://www.w3.org/TR/sparql11-protocol/): the
parameters give the dataset that the WHERE clause of each DELETE/INSERT operation reads,
as USING and USING NAMED clauses would, and an update that also has USING, USING NAMED
or WITH is rejected. pyoxigraph 0.5.13's `Store.update` takes no dataset, so the clauses
are written into the text: before the WHERE of each DELETE/INSERT operation, and
`DELETE WHERE { P }` becomes `DELETE { P } USING ... WHERE { P }`, its long form.

The text is read with a small lexer of strings, IRIs, comments and braces, which is
enough to find the keywords outside every group. The result is checked by the same
parsers as any update, so a text this lexer misreads is rejected, never run changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from maillage.graph.sparql.dataset import DatasetRequest, named_nodes
from maillage.graph.sparql.errors import DatasetConflictError

_TOKEN = re.compile(
    r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<comment>\#[^\n]*)
    |(?P<name>[A-Za-z_][A-Za-z0-9_-]*(?::[^\s{}()<>;,]*)?)
    |(?P<open>\{)
    |(?P<close>\})
    |(?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def apply_update_dataset(text: str, dataset: DatasetRequest) -> str:
    """Return `text` with the USING clauses of `dataset` in each DELETE/INSERT.

    `dataset.default_graph_uris` become USING, `dataset.named_graph_uris` USING NAMED.
    Raises `DatasetConflictError` when the update has its own USING or WITH, and
    `MalformedRequestError` for a graph IRI that is not absolute.
    """
    if not dataset:
        return text
    using = _using_clauses(dataset)
    pieces: list[str] = []
    position = 0
    tokens = list(_top_level(text))
    for index, token in enumerate(tokens):
        keyword = token.text.upper() if token.kind == "name" else ""
        if keyword in ("USING", "WITH"):
            raise DatasetConflictError(
                f"the update has a {keyword} clause and the request gives "
                "using-graph-uri or using-named-graph-uri: give the dataset in one "
                "place only"
            )
        if keyword != "WHERE":
            continue
        previous = tokens[index - 1].text.upper() if index else ""
        if previous == "DELETE":
            block = _block_after(text, token.end)
            pieces.append(text[position : token.start])
            pieces.append(f"{block} {using} WHERE ")
            position = token.end
        else:
            pieces.append(text[position : token.start])
            pieces.append(f"{using} ")
            position = token.start
    pieces.append(text[position:])
    return "".join(pieces)


def _using_clauses(dataset: DatasetRequest) -> str:
    default = named_nodes("using-graph-uri", dataset.default_graph_uris)
    named = named_nodes("using-named-graph-uri", dataset.named_graph_uris)
    clauses = [f"USING {graph}" for graph in default]
    clauses += [f"USING NAMED {graph}" for graph in named]
    return " ".join(clauses)


def _tokens(text: str) -> Iterator[_Token]:
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "comment" and not match.group().isspace():
            yield _Token(kind, match.group(), match.start(), match.end())


def _top_level(text: str) -> Iterator[_Token]:
    """Yield the tokens outside every `{ }` group, and the `}` that closes each group.

    The closing brace tells `DELETE { ... } WHERE` from the short form `DELETE WHERE`.
    """
    depth = 0
    for token in _tokens(text):
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth = max(depth - 1, 0)
            if depth == 0:
                yield token
        elif depth == 0:
            yield token


def _block_after(text: str, offset: int) -> str:
    """Return the `{ ... }` group that starts after `offset`, braces included."""
    depth, start = 0, None
    tokens: Sequence[_Token] = list(_tokens(text[offset:]))
    for token in tokens:
        if token.kind == "open":
            if depth == 0:
                start = token.start
            depth += 1
        elif token.kind == "close" and depth:
            depth -= 1
            if depth == 0 and start is not None:
                return text[offset + start : offset + token.end]
    # An unclosed group: the parsers reject the text and report where.
    return text[offset:]
