"""Check SPARQL requests before the store runs them.

Oxigraph 0.5.13 calls remote endpoints for `SERVICE` and fetches documents for `LOAD`,
so a public endpoint must find both first. Every request is read with rdflib's SPARQL
parser (only its parser: rdflib's evaluation engine would fetch `FROM` documents), and
the parse tree is walked whole, subqueries, `EXISTS` filters and update operations
included:

- `SERVICE <iri>` is rejected unless the IRI is in the federation allowlist;
- `SERVICE ?variable` is always rejected, because its endpoint is known only at run
  time;
- `LOAD` is always rejected;
- `FROM` and `FROM NAMED` IRIs are returned, to be read as names of the store's graphs;
- the texts given to the full-text search functions `mlg:search` and
  `mlg:searchScore` are returned, so that the server searches them before the
  evaluation; each must be a string literal.

`check_query` and `check_update` first pass the text through `syntax.prepare_text`, so
that rdflib and Oxigraph read the same characters, and return the prepared text: only
that text may reach Oxigraph.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from maillage.graph.namespaces import MLG, PREFIXES
from maillage.graph.sparql.errors import (
    LoadNotAllowedError,
    MalformedQueryError,
    ServiceNotAllowedError,
)
from maillage.graph.sparql.syntax import oxigraph_syntax_problem, prepare_text
from pyparsing import ParseBaseException, ParseResults
from rdflib.plugins.sparql.algebra import translatePrologue
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Prologue
from rdflib.term import Literal, URIRef, Variable

logger = logging.getLogger(__name__)

# rdflib's names of the four query forms.
_QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "ConstructQuery": "CONSTRUCT",
    "AskQuery": "ASK",
    "DescribeQuery": "DESCRIBE",
}


@dataclass(frozen=True)
class QueryInfo:
    """The form of a query and the graphs and endpoints it names.

    `text` is the prepared query, the one to hand to Oxigraph.
    """

    text: str
    form: str
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    services: tuple[str, ...] = field(default=())
    # The distinct texts given to mlg:search and mlg:searchScore, in order.
    search_texts: tuple[str, ...] = ()
    # Whether the query calls a function whose value changes from one run to the next.
    volatile: bool = False

    @property
    def has_dataset_clause(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def check_query(text: str, allowlist: Collection[str] = ()) -> QueryInfo:
    """Parse a query and reject SERVICE calls outside `allowlist`; return what it names.

    Raises `MalformedQueryError` when the query does not parse, `ServiceNotAllowedError`
    for a SERVICE that is not allowed.
    """
    text = prepare_text(text)
    tree = _parse(parseQuery, text)
    prologue_tree, query = tree[0], tree[1]
    prologue = _prologue(prologue_tree)

    services = _check_services(query, prologue, allowlist)
    search_texts = _search_texts(query, prologue)
    from_graphs: list[str] = []
    from_named_graphs: list[str] = []
    for clause in query["datasetClause"] if "datasetClause" in query else ():
        if "default" in clause:
            from_graphs.append(_iri(clause["default"], prologue))
        else:
            from_named_graphs.append(_iri(clause["named"], prologue))
    return QueryInfo(
        text=text,
        form=_QUERY_FORMS[query.name],
        from_graphs=tuple(from_graphs),
        from_named_graphs=tuple(from_named_graphs),
        services=services,
        search_texts=search_texts,
        volatile=any(True for _ in _find(query, *_VOLATILE_BUILTINS)),
    )


# Functions whose value differs between two runs of one query on the same data: a
# FILTER on NOW() can let a cheap query become a cross product a few seconds later.
_VOLATILE_BUILTINS = (
    "Builtin_NOW",
    "Builtin_RAND",
    "Builtin_UUID",
    "Builtin_STRUUID",
    "Builtin_BNODE",
)


# The full-text search functions of `maillage.graph.sparql_search`.
SEARCH_FUNCTIONS = frozenset({MLG.search.value, MLG.searchScore.value})


def _search_texts(node: object, prologue: Prologue) -> tuple[str, ...]:
    """Return the texts of the search function calls; raise if one is not a literal."""
    texts: dict[str, None] = {}
    for call in _find(node, "Function"):
        function = _iri(call["iri"], prologue)
        if function not in SEARCH_FUNCTIONS:
            continue
        arguments = list(call["expr"]) if "expr" in call else []
        text = _string_literal(arguments[1]) if len(arguments) == 2 else None
        if text is None:
            raise MalformedQueryError(
                f"<{function}> takes an item and a string literal, such as "
                '(?document, "politique sociale"): the endpoint searches the text '
                "before it evaluates the query"
            )
        texts[text] = None
    return tuple(texts)


def _string_literal(expression: object) -> str | None:
    """Return the string of an expression that is a plain literal, else None."""
    current = expression
    while isinstance(current, CompValue):
        if current.name == "literal":
            value = current["string"] if "string" in current else None
            return str(value) if isinstance(value, Literal) else None
        # An expression level with an operator has more keys than `expr`.
        if list(current.keys()) != ["expr"]:
            return None
        current = current["expr"]
    return None


# Markers of `UpdateInfo.writes` for targets that are not one named graph.
DEFAULT_GRAPH = "DEFAULT"
ALL_GRAPHS = "ALL"


@dataclass(frozen=True)
class UpdateInfo:
    """The operations of an update and the graphs each one writes.

    `writes` lists, per operation, graph IRIs, `DEFAULT_GRAPH`, `ALL_GRAPHS` for CLEAR
    or DROP of NAMED or ALL, and `?name` for a template graph given by a variable.
    `text` is the prepared update, the one to hand to Oxigraph.
    """

    text: str
    operations: tuple[str, ...]
    writes: tuple[tuple[str, ...], ...]
    # Graphs named as the source of ADD, COPY or MOVE, and in USING or WITH clauses.
    reads: tuple[str, ...] = ()


def check_update(text: str, allowlist: Collection[str] = ()) -> UpdateInfo:
    """Parse an update, reject LOAD and SERVICE outside `allowlist`, list its writes."""
    text = prepare_text(text)
    tree = _parse(parseUpdate, text, update=True)
    prologue: Prologue | None = None
    operations, writes, reads = [], [], []
    for prologue_tree, operation in zip(
        tree["prologue"], tree["request"], strict=False
    ):
        # Each operation may declare prefixes for the ones after it.
        prologue = _prologue(prologue_tree, prologue)
        if operation.name == "Load":
            source = _iri(operation["iri"], prologue)
            raise LoadNotAllowedError(
                f"LOAD <{source}> is not allowed: this endpoint never fetches "
                "documents; send the data in an INSERT DATA update or through the "
                "import API"
            )
        _check_services(operation, prologue, allowlist)
        operations.append(operation.name)
        writes.append(tuple(_written_graphs(operation, prologue)))
        reads.extend(_read_graphs(operation, prologue))
    return UpdateInfo(text, tuple(operations), tuple(writes), tuple(reads))


def _read_graphs(operation: CompValue, prologue: Prologue) -> Iterator[str]:
    """Yield the graphs an operation names as a source: ADD/COPY/MOVE, USING, WITH."""
    if operation.name in ("Add", "Copy", "Move"):
        yield _graph_ref(operation["graph"][0], prologue)
    if operation.name == "Modify":
        if "withClause" in operation:
            yield _iri(operation["withClause"], prologue)
        for clause in operation["using"] if "using" in operation else ():
            target = clause["default"] if "default" in clause else clause["named"]
            yield _iri(target, prologue)


def _written_graphs(operation: CompValue, prologue: Prologue) -> Iterator[str]:
    """Yield the graphs an update operation writes (SPARQL 1.1 Update, section 3)."""
    name = operation.name
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        yield from _template_graphs(operation["quads"], None, prologue)
    elif name == "Modify":
        default = operation["withClause"] if "withClause" in operation else None
        for clause in ("delete", "insert"):
            if clause in operation:
                quads = operation[clause]["quads"]
                yield from _template_graphs(quads, default, prologue)
    elif name in ("Clear", "Drop", "Create"):
        yield _graph_ref(operation["graphiri"], prologue)
    elif name in ("Add", "Copy", "Move"):
        source, target = operation["graph"]
        if name == "Move":
            yield _graph_ref(source, prologue)
        yield _graph_ref(target, prologue)


def _template_graphs(quads: CompValue, default, prologue: Prologue) -> Iterator[str]:
    if "triples" in quads and any(len(block) for block in quads["triples"]):
        yield DEFAULT_GRAPH if default is None else _iri(default, prologue)
    for block in quads["quadsNotTriples"] if "quadsNotTriples" in quads else ():
        term = block["term"]
        if isinstance(term, Variable):
            yield f"?{term}"
        else:
            yield _iri(term, prologue)


def _graph_ref(ref: object, prologue: Prologue) -> str:
    if ref == "DEFAULT":
        return DEFAULT_GRAPH
    if ref in ("NAMED", "ALL"):
        return ALL_GRAPHS
    return _iri(ref, prologue)


def _parse(parser, text: str, *, update: bool = False):
    try:
        return parser(text)
    except ParseBaseException as exc:
        raise _syntax_error(text, exc, update) from exc
    except RecursionError as exc:
        raise MalformedQueryError(
            "invalid SPARQL request: it nests groups or expressions too deeply to be "
            "checked"
        ) from exc


def _syntax_error(
    text: str, exc: ParseBaseException, update: bool
) -> MalformedQueryError:
    """Locate the error with both parsers: each position is right in different cases.

    rdflib points at the start of the clause that fails, Oxigraph at the furthest point
    it reached, which may lie past the closing brace of the group. The message gives
    rdflib's position and Oxigraph's list of expected tokens.
    """
    problem = oxigraph_syntax_problem(text, update=update)
    if problem is None:
        logger.info("rdflib cannot parse a request that Oxigraph reads: %s", exc.msg)
        return MalformedQueryError(
            f"invalid SPARQL request at line {exc.lineno}, column {exc.col}: the "
            f"safety check cannot read this syntax ({exc.msg}); write the request in "
            "SPARQL 1.1",
            line=exc.lineno,
            column=exc.col,
        )
    if problem.line is None or (exc.lineno, exc.col) >= (problem.line, problem.column):
        return problem.error()
    return MalformedQueryError(
        f"invalid SPARQL request at line {exc.lineno}, column {exc.col}: the text from "
        f"there does not parse; the parser stopped at line {problem.line}, column "
        f"{problem.column} ({problem.reason})",
        line=exc.lineno,
        column=exc.col,
    )


def _prologue(tree, previous: Prologue | None = None) -> Prologue:
    try:
        return translatePrologue(tree, None, initNs=PREFIXES, prologue=previous)
    except Exception as exc:  # rdflib raises bare Exception for an unknown prefix.
        raise MalformedQueryError(f"invalid SPARQL request: {exc}") from exc


def _check_services(
    node: object, prologue: Prologue, allowlist: Collection[str]
) -> tuple[str, ...]:
    services = []
    for pattern in _find(node, "ServiceGraphPattern"):
        term = pattern["term"]
        if isinstance(term, Variable):
            raise ServiceNotAllowedError(
                f"SERVICE ?{term} is not allowed: the endpoint of a SERVICE must be an "
                "IRI of the federation allowlist"
            )
        endpoint = _iri(term, prologue)
        if endpoint not in allowlist:
            raise ServiceNotAllowedError(
                f"SERVICE <{endpoint}> is not allowed: this endpoint is not in the "
                "federation allowlist"
            )
        services.append(endpoint)
    return tuple(services)


def _find(node: object, *names: str) -> Iterator[CompValue]:
    """Yield every parse tree node called one of `names` under `node`, at any depth."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, CompValue):
            if current.name in names:
                yield current
            stack.extend(current.values())
        elif isinstance(current, (list, tuple, ParseResults)):
            stack.extend(current)


def _iri(term: object, prologue: Prologue) -> str:
    try:
        resolved = prologue.absolutize(term)
    except Exception as exc:  # rdflib raises bare Exception for an unknown prefix.
        raise MalformedQueryError(f"invalid SPARQL request: {exc}") from exc
    if not isinstance(resolved, URIRef):
        raise MalformedQueryError(f"invalid SPARQL request: {term!r} is not an IRI")
    return str(resolved)
