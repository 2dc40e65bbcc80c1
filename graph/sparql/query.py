"""Run a SPARQL query for the endpoint: check it, pick the format, evaluate, serialize.

`prepare_query` does the checks, `evaluate_query` the work, so that the endpoint can
evaluate in a worker process (`workers.py`). Oxigraph serializes every result, so the
bytes returned are Oxigraph's own. A result larger than the configured maximum is an
error, never a silent cut.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice

from maillage.graph.errors import MalformedRequestError, ResultTooLargeError
from maillage.graph.namespaces import PREFIXES
from maillage.graph.sparql.dataset import DatasetRequest, QueryDataset, resolve_dataset
from maillage.graph.sparql.formats import FORMATS_BY_FORM, ResultFormat
from maillage.graph.sparql.guard import QueryInfo, check_query
from maillage.graph.sparql.syntax import translate_syntax_error
from maillage.graph.sparql_search import SearchFunctions
from maillage.graph.store import GraphStore
from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    parse_query_results,
    serialize,
)

logger = logging.getLogger(__name__)

_DEBUG_TEXT_LENGTH = 200


# Picks the result format of a query form; the server negotiates it with the client.
FormatChooser = Callable[[str], ResultFormat]
# Parses a query and checks it against the federation allowlist, as `check_query` does.
QueryChecker = Callable[[str, Collection[str]], QueryInfo]
# Searches the texts of mlg:search calls: the matches of each text, score by item IRI.
TextSearcher = Callable[[Sequence[str]], dict[str, dict[str, float]]]


@dataclass(frozen=True)
class QueryRequest:
    """A query as the protocol delivers it: its text and the dataset parameters."""

    text: str
    dataset: DatasetRequest = DatasetRequest()


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized result: its bytes, format, query form and size.

    `size` counts the solutions or triples. It is None for a SELECT result that was
    not counted, because its length alone keeps it within the limit.
    """

    body: bytes
    result_format: ResultFormat
    form: str
    size: int | None


@dataclass(frozen=True)
class PreparedQuery:
    """A checked query, ready to evaluate here or in a worker process.

    It holds only picklable values: the result format is kept by name, and the
    matches of its mlg:search texts are found beforehand (None: the query calls no
    search function).
    """

    text: str
    form: str
    format_name: str
    dataset: QueryDataset
    search_matches: dict[str, dict[str, float]] | None = None
    # The allowed SERVICE endpoints the query calls.
    services: tuple[str, ...] = ()
    # Whether it calls NOW(), RAND() or another function that changes between runs.
    volatile: bool = False

    @property
    def result_format(self) -> ResultFormat:
        return next(f for f in FORMATS_BY_FORM[self.form] if f.name == self.format_name)


def run_query(
    store: GraphStore,
    request: QueryRequest,
    *,
    choose_format: FormatChooser,
    readable: Sequence[NamedNode] | None,
    max_rows: int,
    allowlist: Collection[str] = (),
) -> QueryAnswer:
    """Run a query over the graphs in `readable` (None: all of them) and serialize it.

    This evaluates in the calling process, with no time limit; the endpoint runs
    `prepare_query` here and `evaluate_query` in a worker process that it can kill.
    """
    prepared = prepare_query(
        request, choose_format=choose_format, readable=readable, allowlist=allowlist
    )
    return evaluate_query(store, prepared, max_rows=max_rows)


def prepare_query(
    request: QueryRequest,
    *,
    choose_format: FormatChooser,
    readable: Sequence[NamedNode] | None,
    allowlist: Collection[str] = (),
    check: QueryChecker = check_query,
    search: TextSearcher | None = None,
) -> PreparedQuery:
    """Check a query, pick its result format and resolve its dataset.

    `choose_format` receives the query form (SELECT, CONSTRUCT, ASK, DESCRIBE) once the
    query is checked, and may raise to reject the request. `check` parses the query,
    here by default; the endpoint passes `QueryPool.check_query`, which parses it in a
    worker within the time limit. Raises `MalformedQueryError` for a query that does
    not parse and `ServiceNotAllowedError` for a SERVICE outside `allowlist`. `search`
    finds the matches of the query's mlg:search texts, within what the user may
    read; without it, a query that calls mlg:search is a `MalformedRequestError`.
    """
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("SPARQL query: %s", _shorten(request.text))
    info = check(request.text, allowlist)
    result_format = choose_format(info.form)
    dataset = resolve_dataset(request.dataset, info, readable)
    matches = None
    if info.search_texts:
        if search is None:
            raise MalformedRequestError(
                "mlg:search and mlg:searchScore are not available here: the search "
                "index is not open"
            )
        matches = search(info.search_texts)
    return PreparedQuery(
        info.text,
        info.form,
        result_format.name,
        dataset,
        matches,
        info.services,
        info.volatile,
    )


def evaluate_query(
    store: GraphStore, prepared: PreparedQuery, *, max_rows: int, capped: bool = True
) -> QueryAnswer:
    """Evaluate a prepared query and serialize its result with Oxigraph.

    Raises `ResultTooLargeError` when the result has more than `max_rows` solutions or
    triples, and `MalformedQueryError` for the checks that only Oxigraph makes. With
    `capped` false, a SELECT result is serialized at once, without the check of its
    size as it grows: only for a query whose result on this data is known to be small.
    """
    functions = None
    if prepared.search_matches is not None:
        functions = SearchFunctions.from_matches(prepared.search_matches)
    evaluate = partial(_evaluate, store, prepared.text, prepared.dataset, functions)
    result_format = prepared.result_format
    if prepared.form == "ASK":
        body = evaluate().serialize(format=result_format.results_format)
        answer = QueryAnswer(body, result_format, prepared.form, 1)
    elif prepared.form == "SELECT":
        answer = _answer_select(evaluate, result_format, max_rows, capped)
    else:
        answer = _answer_graph(evaluate, result_format, prepared.form, max_rows)
    if functions is not None:
        functions.check()
    return answer


def _answer_select(
    evaluate: Callable[[], QuerySolutions],
    result_format: ResultFormat,
    max_rows: int,
    capped: bool = True,
) -> QueryAnswer:
    """Evaluate once, serialize with Oxigraph, and count the solutions if need be.

    Counting the solutions of a second evaluation would double the time of every
    aggregate. The body is written through `_CappedBody`, which stops a result larger
    than `MAX_RESULT_BYTES`. Each solution takes at least `_MIN_ROW_BYTES` bytes, so a
    body shorter than `max_rows` times that contains at most `max_rows` solutions. Only
    a longer one is counted, from its bytes. Queries with an allowed SERVICE take this
    path too, so that each SERVICE endpoint is called once. Without `capped`, the body
    comes from Oxigraph as bytes, about 18 µs sooner for 2 KB of JSON.
    """
    results_format = result_format.results_format
    if capped:
        output = _CappedBody(MAX_RESULT_BYTES)
        try:
            evaluate().serialize(output, format=results_format)
        except _ResultTooLong:
            raise _too_large_body() from None
        body = output.getvalue()
    else:
        body = evaluate().serialize(format=results_format)
    size = count_solutions(body, results_format)
    if size is None and len(body) > max_rows * _MIN_ROW_BYTES[results_format]:
        size = count_solutions(body, results_format, parse=True)
    if size is not None and size > max_rows:
        raise _too_large(max_rows, "solutions")
    return QueryAnswer(body, result_format, "SELECT", size)


# The minimum bytes Oxigraph 0.5.13 writes for one solution: `{},` in JSON,
# `<result></result>` in XML, an empty line in TSV and CSV.
_MIN_ROW_BYTES = {
    QueryResultsFormat.JSON: 3,
    QueryResultsFormat.XML: 17,
    QueryResultsFormat.TSV: 1,
    QueryResultsFormat.CSV: 2,
}
# Beyond this a result is refused whatever its number of solutions or triples.
MAX_RESULT_BYTES = 512 * 1024 * 1024


def count_solutions(
    body: bytes, results_format: QueryResultsFormat, *, parse: bool = False
) -> int | None:
    """Return the number of solutions in a serialized result, or None if unknown.

    TSV escapes line breaks inside terms and XML escapes `<`, so their solutions are
    counted from the bytes at once. JSON and CSV are counted only with `parse`,
    because a term may hold any of their separators.
    """
    if results_format == QueryResultsFormat.TSV:
        return body.count(b"\n") - 1
    if results_format == QueryResultsFormat.XML:
        return body.count(b"<result>")
    if not parse:
        return None
    if results_format == QueryResultsFormat.CSV:
        # Oxigraph does not parse CSV results, which lose the kind of each term.
        return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1
    return sum(1 for _ in parse_query_results(body, format=results_format))


class _ResultTooLong(Exception):
    """Raised inside Oxigraph's serializer when the body passes its limit."""


class _CappedBody(io.RawIOBase):
    """A bytes buffer for Oxigraph's serializer that refuses to grow past `limit`."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._buffer = io.BytesIO()
        self._limit = limit

    def writable(self) -> bool:
        return True

    def write(self, chunk) -> int:
        if self._buffer.tell() + len(chunk) > self._limit:
            raise _ResultTooLong
        return self._buffer.write(chunk)

    def getvalue(self) -> bytes:
        return self._buffer.getvalue()


def _answer_graph(
    evaluate: Callable[[], QueryTriples],
    result_format: ResultFormat,
    form: str,
    max_rows: int,
) -> QueryAnswer:
    """Collect the triples up to the limit and let Oxigraph serialize them."""
    triples = list(islice(evaluate(), max_rows + 1))
    if len(triples) > max_rows:
        raise _too_large(max_rows, "triples")
    body = serialize(triples, format=result_format.rdf_format, prefixes=PREFIXES)
    return QueryAnswer(body or b"", result_format, form, len(triples))


def _evaluate(
    store: GraphStore,
    text: str,
    dataset: QueryDataset,
    functions: SearchFunctions | None,
):
    # Store.query of pyoxigraph 0.5.13 takes no time limit and cannot be cancelled:
    # the endpoint enforces its limit by killing the worker process (workers.py).
    try:
        return store.evaluate(
            text,
            default_graph=dataset.default_graph,
            named_graphs=dataset.named_graphs,
            prefixes=PREFIXES,
            custom_functions=functions,
        )
    except SyntaxError as exc:
        # rdflib accepts some queries that Oxigraph's stricter checks reject, such as
        # SELECT * with GROUP BY.
        raise translate_syntax_error(exc) from exc


def _too_large_body() -> ResultTooLargeError:
    return ResultTooLargeError(
        f"the result of the query passes {MAX_RESULT_BYTES // 2**20} MiB, the limit of "
        "this endpoint; read it in pages with ORDER BY, LIMIT and OFFSET"
    )


def _too_large(max_rows: int, unit: str) -> ResultTooLargeError:
    return ResultTooLargeError(
        f"the query returns more than {max_rows} {unit}, the limit of this endpoint; "
        "read the result in pages with ORDER BY, LIMIT and OFFSET"
    )


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= _DEBUG_TEXT_LENGTH:
        return flat
    return flat[: _DEBUG_TEXT_LENGTH - 3] + "..."
