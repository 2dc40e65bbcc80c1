"""Read, rewrite and write SPARQL text that `RemoteStore` sends to another server.

The embedded store hands Oxigraph a parsed dataset, but a remote endpoint receives only
text and protocol parameters, so a few decisions need the text itself. The query form
picks the result format to request. Dataset clauses must go when the protocol names the
dataset. Some IRIs must never reach Virtuoso. Writes are built as update text in
pieces that Virtuoso 7.2 accepts. The tokenizer follows the terminals of
SPARQL 1.1 (https://www.w3.org/TR/sparql11-query/#sparqlGrammar) closely enough to tell
strings, IRIs, comments and names apart. It does not parse the grammar: the text has
passed the endpoint's checks, or maillage wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pyoxigraph import BlankNode, NamedNode, Triple

from maillage.graph.errors import MalformedRequestError, UnsafeRequestError

_TOKEN = re.compile(
    r"""
    (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
      |\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
      |'(?:[^'\\\n\r]|\\.)*'
      |"(?:[^"\\\n\r]|\\.)*")
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<comment>\#[^\n\r]*)
    |(?P<variable>[?$]\w+)
    |(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<word>[\w:][\w.:%\\-]*)
    |(?P<space>\s+)
    |(?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Virtuoso 7.2 calls its built-in functions for IRIs in the scheme `bif:` and its SQL
# procedures for `sql:`, with the rights of the account maillage connects with:
# `bif:http_get` fetches any URL. Both also work as prefixes Virtuoso declares itself.
_SERVER_FUNCTION = re.compile(r"(?<![\w.:/#?%-])(bif|sql):", re.IGNORECASE)
_QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> Iterator[Token]:
    """Yield the tokens of SPARQL text, spaces and comments included."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        yield Token(kind, match.group(), match.start(), match.end())


def _significant(text: str) -> Iterator[Token]:
    return (token for token in tokenize(text) if token.kind not in ("space", "comment"))


def query_form(text: str) -> str:
    """Return SELECT, CONSTRUCT, ASK or DESCRIBE: the first keyword after the prologue.

    Raises `MalformedRequestError` when the text starts with anything else.
    """
    tokens = _significant(text)
    for token in tokens:
        keyword = token.text.upper()
        if token.kind == "word" and keyword == "BASE":
            next(tokens, None)
        elif token.kind == "word" and keyword == "PREFIX":
            next(tokens, None)
            next(tokens, None)
        elif token.kind == "word" and keyword in _QUERY_FORMS:
            return keyword
        else:
            break
    raise MalformedRequestError(
        "the query does not start with SELECT, CONSTRUCT, ASK or DESCRIBE after its "
        "BASE and PREFIX declarations"
    )


def remove_dataset_clauses(text: str) -> str:
    """Return `text` without its FROM and FROM NAMED clauses.

    SPARQL 1.1 Protocol, section 2.1.4: a dataset given by `default-graph-uri` or
    `named-graph-uri` replaces the query's clauses. Virtuoso 7.2 adds the two instead,
    so the clauses are removed whenever the protocol names the dataset. Each removed
    token becomes spaces, which keeps the positions of the rest of the text.
    """
    tokens = list(_significant(text))
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind != "word" or token.text.upper() != "FROM":
            index += 1
            continue
        end = index + 1
        if end < len(tokens) and tokens[end].text.upper() == "NAMED":
            end += 1
        if end < len(tokens) and tokens[end].kind in ("iri", "word"):
            spans.append((token.start, tokens[end].end))
            index = end + 1
        else:
            index += 1
    return _blank(text, spans)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    parts, position = [], 0
    for start, end in spans:
        parts.append(text[position:start])
        parts.append(" " * (end - start))
        position = end
    parts.append(text[position:])
    return "".join(parts)


def mentions_graph_keyword(text: str) -> bool:
    """Return True when the text uses GRAPH, the only way to read a named graph."""
    return any(
        token.kind == "word" and token.text.upper() == "GRAPH"
        for token in _significant(text)
    )


def check_remote_text(text: str) -> None:
    """Raise `UnsafeRequestError` for text that would run code on a Virtuoso server.

    Rejected: an IRI or prefixed name in the schemes `bif:` or `sql:`, and Virtuoso's
    `define` pragmas, which can make it fetch documents from the web. Strings and
    comments are not searched. Both the text and the text with its `\\u` escapes
    expanded are checked, because SPARQL expands escapes before it reads the tokens.
    """
    for version in (text, _expand_escapes(text)):
        for token in _significant(version):
            if token.kind in ("string", "langtag"):
                continue
            if token.kind == "word" and token.text.lower() == "define":
                raise UnsafeRequestError(
                    "Virtuoso's define pragmas are not accepted: send standard SPARQL"
                )
            found = _SERVER_FUNCTION.search(token.text)
            if found is not None:
                raise UnsafeRequestError(
                    f"the request names {token.text[:80]!r}: IRIs in the schemes bif: "
                    "and sql: call functions of the SPARQL server and are not accepted"
                )


def _expand_escapes(text: str) -> str:
    def expand(match: re.Match[str]) -> str:
        code_point = int(match.group(1) or match.group(2), 16)
        if code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
            return match.group(0)
        return chr(code_point)

    return _ESCAPE.sub(expand, text)


# Virtuoso 7.2's parser runs out of stack in one block of about 5,000 triples, but takes
# any number of blocks of 2,000 (25,000 triples measured). It rejects blank nodes in
# INSERT DATA, and an INSERT template of 1,500 triples makes more SQL than it compiles.
_DATA_BLOCK = 2_000
TEMPLATE_SIZE = 500


def insert_operations(graph: NamedNode, triples: Iterable[Triple]) -> list[str]:
    """Return the update operations that add `triples` to `graph`.

    Triples without blank nodes go in one INSERT DATA, with a GRAPH block per 2,000.
    Triples with blank nodes go in `INSERT { } WHERE { }` templates of at most
    `TEMPLATE_SIZE` triples, and each template makes one new blank node per label.
    Triples that share a blank node stay in one template unless they pass that size.
    """
    ground: list[Triple] = []
    with_blank: list[Triple] = []
    for triple in triples:
        blank = isinstance(triple.subject, BlankNode) or isinstance(
            triple.object, BlankNode
        )
        (with_blank if blank else ground).append(triple)
    operations = []
    if ground:
        blocks = [_graph_block(graph, block) for block in _chunks(ground, _DATA_BLOCK)]
        operations.append("INSERT DATA {\n" + "\n".join(blocks) + "\n}")
    for template in _pack(_blank_node_groups(with_blank), TEMPLATE_SIZE):
        operations.append(f"INSERT {{\n{_graph_block(graph, template)}\n}} WHERE {{}}")
    return operations


def _graph_block(graph: NamedNode, triples: list[Triple]) -> str:
    lines = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
    return f"GRAPH {graph} {{\n{lines}\n}}"


def _chunks(items: list[Triple], size: int) -> Iterator[list[Triple]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _blank_node_groups(triples: list[Triple]) -> list[list[Triple]]:
    """Group the triples that are linked through blank nodes (union-find on labels)."""
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for triple in triples:
        labels = [
            t.value for t in (triple.subject, triple.object) if isinstance(t, BlankNode)
        ]
        for label in labels[1:]:
            parent[root(label)] = root(labels[0])
    groups: dict[str, list[Triple]] = {}
    for triple in triples:
        node = (
            triple.subject if isinstance(triple.subject, BlankNode) else triple.object
        )
        groups.setdefault(root(node.value), []).append(triple)
    return list(groups.values())


def _pack(groups: list[list[Triple]], size: int) -> Iterator[list[Triple]]:
    """Yield templates of whole groups up to `size` triples; a larger group is split."""
    template: list[Triple] = []
    for group in groups:
        if template and len(template) + len(group) > size:
            yield template
            template = []
        template.extend(group)
        while len(template) > size:
            # NOTE: a group of more than `size` triples is split here, and Virtuoso
            # then makes two nodes of each blank node the parts share.
            yield template[:size]
            template = template[size:]
    if template:
        yield template
