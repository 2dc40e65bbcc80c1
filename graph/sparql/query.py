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
from itertools import islice

from maillage.graph.errors import ResultTooLargeError
from maillage.graph.namespaces import PREFIXES
from maillage.graph.sparql.dataset import DatasetRequest, QueryDataset, resolve_dataset
from maillage.graph.sparql.formats import FORMATS_BY_FORM, ResultFormat
from maillage.graph.sparql.guard import QueryInfo, check_query
from maillage.graph.sparql.syntax import translate_syntax_error
from maillage.graph.store import GraphStore
from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    parse_query_results,
    serialize,
)

logger = logging.getLogger(__name__)

_DEBUG_TEXT_LENGTH = 200


# Picks the result format of a query form; the server negotiates it with the client.
FormatChooser = Callable[[str], ResultFormat]
# Parses a query and checks it against the federation allowlist, as `check_query` does.
QueryChecker = Callable[[str, Collection[str]], QueryInfo]


@dataclass(frozen=True)
class QueryRequest:
    """A query as the protocol delivers it: its text and the dataset parameters."""

    text: str
    dataset: DatasetRequest = DatasetRequest()


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized result: its bytes, format, query form and size."""

    body: bytes
    result_format: ResultFormat
    form: str
    size: int


@dataclass(frozen=True)
class PreparedQuery:
    """A checked query, ready to evaluate here or in a worker process.

    It holds only picklable values: the result format is kept by name.
    """

    text: str
    form: str
    format_name: str
    dataset: QueryDataset
    calls_service: bool

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
) -> PreparedQuery:
    """Check a query, pick its result format and resolve its dataset.

    `choose_format` receives the query form (SELECT, CONSTRUCT, ASK, DESCRIBE) once the
    query is checked, and may raise to reject the request. `check` parses the query,
    here by default; the endpoint passes `QueryPool.check_query`, which parses it in a
    worker within the time limit. Raises `MalformedQueryError` for a query that does
    not parse and `ServiceNotAllowedError` for a SERVICE outside `allowlist`.
    """
    logger.debug("SPARQL query: %s", _shorten(request.text))
    info = check(request.text, allowlist)
    result_format = choose_format(info.form)
    dataset = resolve_dataset(request.dataset, info, readable)
    return PreparedQuery(
        info.text, info.form, result_format.name, dataset, bool(info.services)
    )


def evaluate_query(
    store: GraphStore, prepared: PreparedQuery, *, max_rows: int
) -> QueryAnswer:
    """Evaluate a prepared query and serialize its result with Oxigraph.

    Raises `ResultTooLargeError` when the result has more than `max_rows` solutions or
    triples, and `MalformedQueryError` for the checks that only Oxigraph makes.
    """
    text, dataset = prepared.text, prepared.dataset
    result_format = prepared.result_format
    if prepared.form == "ASK":
        result = _evaluate(store, text, dataset)
        body = result.serialize(format=result_format.results_format)
        return QueryAnswer(body, result_format, prepared.form, 1)
    if prepared.form == "SELECT" and prepared.calls_service:
        return _answer_select_once(store, text, dataset, result_format, max_rows)
    if prepared.form == "SELECT":
        return _answer_select(store, text, dataset, result_format, max_rows)
    return _answer_graph(store, text, dataset, result_format, prepared.form, max_rows)


def _answer_select(
    store: GraphStore,
    text: str,
    dataset: QueryDataset,
    result_format: ResultFormat,
    max_rows: int,
) -> QueryAnswer:
    """Count the solutions up to the limit, then evaluate again to serialize them.

    QuerySolutions is a one-pass iterator with no constructor, so the count and the
    bytes need two evaluations. The first stops at `max_rows + 1` solutions. On 100,000
    solutions it took 0.08 s and the serialization 0.12 s, measured with pyoxigraph
    0.5.13 on a 2-core container.
    """
    size = sum(1 for _ in islice(_evaluate(store, text, dataset), max_rows + 1))
    if size > max_rows:
        raise _too_large(max_rows, "solutions")
    # NOTE: each evaluation reads its own snapshot of the store, so a write between the
    # two may change the solutions; the size logged is the one of the first evaluation.
    body = _evaluate(store, text, dataset).serialize(
        format=result_format.results_format
    )
    return QueryAnswer(body, result_format, "SELECT", size)


def _answer_select_once(
    store: GraphStore,
    text: str,
    dataset: QueryDataset,
    result_format: ResultFormat,
    max_rows: int,
) -> QueryAnswer:
    """Serialize first and count after, so that each SERVICE endpoint is called once.

    Only queries with an allowed SERVICE take this path, because it keeps the whole
    result in memory before knowing its size.
    """
    results_format = result_format.results_format
    body = _evaluate(store, text, dataset).serialize(format=results_format)
    if results_format == QueryResultsFormat.CSV:
        # Oxigraph does not parse CSV results, which lose the kind of each term.
        size = sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1
    else:
        size = sum(1 for _ in parse_query_results(body, format=results_format))
    if size > max_rows:
        raise _too_large(max_rows, "solutions")
    return QueryAnswer(body, result_format, "SELECT", size)


def _answer_graph(
    store: GraphStore,
    text: str,
    dataset: QueryDataset,
    result_format: ResultFormat,
    form: str,
    max_rows: int,
) -> QueryAnswer:
    """Collect the triples up to the limit and let Oxigraph serialize them."""
    triples = list(islice(_evaluate(store, text, dataset), max_rows + 1))
    if len(triples) > max_rows:
        raise _too_large(max_rows, "triples")
    body = serialize(triples, format=result_format.rdf_format, prefixes=PREFIXES)
    return QueryAnswer(body or b"", result_format, form, len(triples))


def _evaluate(store: GraphStore, text: str, dataset: QueryDataset):
    # Store.query of pyoxigraph 0.5.13 takes no time limit and cannot be cancelled:
    # the endpoint enforces its limit by killing the worker process (workers.py).
    try:
        return store.evaluate(
            text,
            default_graph=dataset.default_graph,
            named_graphs=dataset.named_graphs,
            prefixes=PREFIXES,
        )
    except SyntaxError as exc:
        # rdflib accepts some queries that Oxigraph's stricter checks reject, such as
        # SELECT * with GROUP BY.
        raise translate_syntax_error(exc) from exc


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
