"""Time six of maillage's queries on four SPARQL engines, on data of two sizes.

For each preset of `generate.py` (`agglomeration`, about 80 k triples, and
`departement`, about 700 k), the script writes the data, loads it, and times each query
through:

- `/sparql` over HTTP: `maillage serve` started with uvicorn on 127.0.0.1 in a
  subprocess, queried as the anonymous user, whose dataset is the list of graphs that
  user may read, and as an administrator, who reads the union of every graph;
- pyoxigraph in this process, on a read-only snapshot of the store, as the server
  reads it, with the union of every graph, the result serialized as SPARQL JSON: what
  `/sparql` does for the administrator;
- a read-only GraphStore on the same snapshot in this process, with the anonymous
  user's graphs (`evaluate_query`, which builds a view and serializes as SPARQL
  JSON): what `/sparql` does for the anonymous user;
- rdflib's in-memory `Dataset`, in a forked process killed after `--cap` seconds;
- Virtuoso 7.2 (Debian's package) on 127.0.0.1, loaded through `RemoteStore`, queried
  over HTTP with the union of every graph.

Each figure is the median of repeated runs after two warm-up runs; HTTP figures cover
the request, the serialization of the result as SPARQL JSON and its transfer, over one
kept connection. The four maillage figures of a query are taken in turns, five runs
of each per round, so that a change of the machine's speed during the measure moves
them together and leaves their ratios alone. The first run of a query goes to a query
worker. Once a worker has evaluated it quickly, `/sparql` evaluates the repeats in the
server process, as it would for a partner's tool that sends the same query again. The
row counts of all engines are compared, and the targets are checked at the end: each
`/sparql` figure against the in-process figure of the same dataset.

One more query, `weighted, as first written`, computes what `weighted` computes, in the
form a partner would first write: over the union of every graph, with the `rdf:type`
patterns that the selective form leaves out. The target against rdflib (100 times
faster on the aggregation) is checked on that form, which rdflib's in-memory store
evaluates slowly: 27 s on `agglomeration`, and not finished in 120 s on `departement`.
On the selective form rdflib takes about a tenth of a second, and the ratio is printed
for information.

Command: `.venv/bin/python bench/sparql.py` (add `--preset agglomeration` for one size).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import parse_http_list, parse_keqv_list

import httpx
import pyoxigraph
import rdflib
from generate import DEFAULT_BASE, PRESETS, generate
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, Store

from maillage.graph.access import ANONYMOUS, compute_readable_graphs, readable_graphs
from maillage.graph.iris import Iris
from maillage.graph.namespaces import PREFIXES, sparql_prefixes
from maillage.graph.remote import RemoteStore
from maillage.graph.sparql import QueryRequest
from maillage.graph.sparql.formats import find_format
from maillage.graph.sparql.guard import check_query
from maillage.graph.sparql.query import evaluate_query, prepare_query
from maillage.graph.store import GraphStore

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
from tests.remote.virtuoso import USER as VIRTUOSO_USER  # noqa: E402
from tests.remote.virtuoso import is_installed, running_virtuoso  # noqa: E402

BASE = DEFAULT_BASE
JSON_RESULTS = "application/sparql-results+json"
WARM_UP = 2
# Runs per measure, and seconds to spend on each engine. A short query runs up to
# MAX_RUNS times, so that its median covers a second or more of the machine's ups and
# downs, not a fifth of a second.
MIN_RUNS, MAX_RUNS, RUN_BUDGET = 5, 2000, 3.0
RUNS_PER_TURN = 5  # runs of one engine in a row, when several take turns
TARGET_OVERHEAD_RATIO, TARGET_OVERHEAD_MS = 1.3, 1.0
TARGET_RDFLIB_RATIO = 100
BEAT_VIRTUOSO = ("series", "who-does-what", "competences")
# Bootstrap administrator token of the benchmark's own server.
ADMIN_TOKEN = "bench-administrator-token"


def _item(type_: str, key: str) -> str:
    return f"<{BASE}/id/{type_}/{key}>"


def _graph(dataset: str) -> str:
    return f"<{BASE}/graph/dataset/{dataset}>"


# The queries, written in the selective form: the most selective pattern first, no
# rdf:type join that the other patterns already imply, and the graph that holds the
# observations when the query is about one indicator. Oxigraph plans without
# statistics and starts from the patterns with bound terms. In "weighted", the bound
# `org:organization <epci>` made it join the observations of every indicator for the
# EPCI's communes (8,400 on `agglomeration`, 94 ms); starting from the indicator's
# observations instead took 36 ms there but 271 ms on `departement`. Inside the
# indicator's dataset graph, a commune has 10 observations, not 300, and the query
# took 9 ms and 12 ms.
QUERIES: dict[str, str] = {
    # The values of one indicator for one commune, year by year.
    "series": f"""
SELECT ?period ?value WHERE {{
  GRAPH {_graph("observations-indicator-01")} {{
    ?observation sdmx-dimension:refArea {_item("commune", "00001")} ;
                 {_item("indicator", "indicator-01")} ?value ;
                 sdmx-dimension:refPeriod ?period .
  }}
}} ORDER BY ?period""",
    # A rate over the communes of an EPCI, weighted by their population, by year.
    "weighted": f"""
SELECT ?period (SUM(?value * ?population) / SUM(?population) AS ?rate) WHERE {{
  ?membership org:organization {_item("epci", "299900001")} ;
              org:member ?commune .
  FILTER NOT EXISTS {{ ?membership mlg:endDate ?end }}
  ?commune mlg:population ?population .
  GRAPH {_graph("observations-indicator-03")} {{
    ?observation sdmx-dimension:refArea ?commune ;
                 {_item("indicator", "indicator-03")} ?value ;
                 sdmx-dimension:refPeriod ?period .
  }}
}} GROUP BY ?period ORDER BY ?period""",
    # Who does what: the actions on an EPCI's territory, their partners and roles.
    "who-does-what": f"""
SELECT ?action ?title ?agent ?name ?role WHERE {{
  ?action mlg:territory {_item("epci", "299900001")} ;
          dcterms:title ?title ;
          mlg:involvement ?involvement .
  ?involvement mlg:agent ?agent ; mlg:role ?role .
  ?agent skos:prefLabel ?name .
}} ORDER BY ?action ?role ?agent""",
    # The competences an EPCI held on a date, from the transfers in force then.
    "competences": f"""
SELECT DISTINCT ?competence ?label WHERE {{
  ?transfer mlg:toBody {_item("epci", "299900001")} ;
            mlg:effectiveDate ?start ;
            mlg:competence ?competence .
  FILTER (?start <= "2016-06-30"^^xsd:date)
  OPTIONAL {{ ?transfer mlg:endDate ?end }}
  FILTER (!BOUND(?end) || ?end > "2016-06-30"^^xsd:date)
  ?competence skos:prefLabel ?label .
}} ORDER BY ?competence""",
    # How many observations each indicator has.
    "observations": """
SELECT ?indicator (COUNT(?observation) AS ?count) WHERE {
  ?observation mlg:indicator ?indicator .
} GROUP BY ?indicator ORDER BY ?indicator""",
    # "weighted" as a partner would first write it, over the union of every graph.
    "weighted, as first written": f"""
SELECT ?period (SUM(?value * ?population) / SUM(?population) AS ?rate) WHERE {{
  ?membership a org:Membership ;
              org:organization {_item("epci", "299900001")} ;
              org:member ?commune .
  FILTER NOT EXISTS {{ ?membership mlg:endDate ?end }}
  ?commune a mlg:Commune ;
           mlg:population ?population .
  ?observation a qb:Observation ;
               mlg:indicator {_item("indicator", "indicator-03")} ;
               sdmx-dimension:refArea ?commune ;
               sdmx-dimension:refPeriod ?period ;
               {_item("indicator", "indicator-03")} ?value .
}} GROUP BY ?period ORDER BY ?period""",
    # Every competence under a domain, through any number of skos:broader links.
    "broader-path": f"""
SELECT ?competence ?label WHERE {{
  ?competence skos:broader* {_item("competence", "domain-acces-aux-droits")} ;
              skos:prefLabel ?label .
}} ORDER BY ?competence""",
}


@dataclass
class Measure:
    """The median time of one query on one engine, in ms, or why there is none."""

    milliseconds: float | None = None
    rows: int | None = None
    note: str = ""

    def show(self) -> str:
        if self.milliseconds is None:
            return self.note or "n/a"
        return f"{self.milliseconds:.2f}"


@dataclass
class Row:
    query: str
    measures: dict[str, Measure] = field(default_factory=dict)
    steps: dict[str, Measure] = field(default_factory=dict)


def time_runs(run: Callable[[], int]) -> Measure:
    """Call `run`, which returns a row count, within the budget; return the median."""
    for _ in range(WARM_UP):
        rows = run()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < MAX_RUNS:
        begin = time.perf_counter()
        rows = run()
        times.append((time.perf_counter() - begin) * 1000)
        if len(times) >= MIN_RUNS and time.perf_counter() - started > RUN_BUDGET:
            break
    return Measure(statistics.median(times), rows)


def time_together(runs: dict[str, Callable[[], int]]) -> dict[str, Measure]:
    """Call the `runs` of one query in turns, within their budget; return medians.

    Each round calls every run `RUNS_PER_TURN` times in a row, starting from a
    different run each round. The engines of one query then share the ups and downs
    of the machine, so the ratios between them hold when it slows down during a
    measure. Each engine still repeats a query with its caches warm, as a partner's
    tool does when it sends queries one after another.
    """
    rows = {}
    for name, run in runs.items():
        for _ in range(WARM_UP):
            rows[name] = run()
    names = list(runs)
    times: dict[str, list[float]] = {name: [] for name in names}
    started = time.perf_counter()
    for turn in range(MAX_RUNS // RUNS_PER_TURN):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            for _ in range(RUNS_PER_TURN):
                begin = time.perf_counter()
                runs[name]()
                times[name].append((time.perf_counter() - begin) * 1000)
        spent = time.perf_counter() - started
        if len(times[names[0]]) >= MIN_RUNS and spent > RUN_BUDGET * len(names):
            break
    return {name: Measure(statistics.median(times[name]), rows[name]) for name in names}


# --- pyoxigraph in this process ---------------------------------------------------


def pyoxigraph_run(store: Store, text: str) -> Callable[[], int]:
    """Return a run of pyoxigraph alone, on the union of every graph, as JSON."""
    options = {"prefixes": PREFIXES, "use_default_graph_as_union": True}
    rows = len(list(store.query(text, **options)))

    def run() -> int:
        query = store.query(text, **options)
        query.serialize(format=QueryResultsFormat.JSON)
        return rows

    return run


def measure_steps(store: GraphStore, text: str) -> dict[str, Measure]:
    """Time the steps of a /sparql query that the server skips once they are cached.

    "access": the graphs the anonymous user may read, computed anew (`readable_graphs`
    after a write); "parse": the guard's parse of a text the server has not seen
    (`check_query`). The server keeps both until the next write, or for the last
    texts it parsed, so the `/sparql` figures of repeated runs do not include them.
    """
    iris = Iris(BASE)
    return {
        "access": time_runs(
            lambda: len(compute_readable_graphs(store, iris, ANONYMOUS))
        ),
        "parse": time_runs(lambda: len(check_query(text).text)),
    }


def snapshot_run(
    snapshot: GraphStore, text: str, graphs: list[NamedNode]
) -> Callable[[], int]:
    """Return a run of a read-only GraphStore on `graphs` only, as the server runs a
    repeat of a query that took under 50 ms: its result is small, so its size is not
    checked as it grows. Slower queries run in workers, with that check."""
    prepared = prepare_query(
        QueryRequest(text), choose_format=_json, readable=graphs
    )
    options = {"max_rows": 10**6, "capped": False}
    body = evaluate_query(snapshot, prepared, **options).body
    rows = len(json.loads(body)["results"]["bindings"])

    def run() -> int:
        evaluate_query(snapshot, prepared, **options)
        return rows

    return run


def _json(form: str):
    return find_format(form, "json")


# --- /sparql over HTTP --------------------------------------------------------------


def start_server(
    store_path: Path, port: int, log: Path, quads: int
) -> subprocess.Popen:
    """Start `maillage serve` on 127.0.0.1:`port` and wait until /health answers.

    The answer must count `quads`, so that another server on the port is not taken
    for this one.
    """
    maillage = Path(sys.executable).parent / "maillage"
    command = [
        str(maillage),
        "serve",
        "--store",
        str(store_path),
        "--host",
        "127.0.0.1",
    ]
    command += ["--port", str(port), "--base-iri", BASE]
    env = {
        **os.environ,
        "MAILLAGE_QUERY_TIMEOUT": "120",
        "MAILLAGE_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    output = log.open("wb")
    process = subprocess.Popen(
        command, stdout=output, stderr=subprocess.STDOUT, env=env
    )
    deadline = time.monotonic() + 120
    with httpx.Client(trust_env=False, timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"maillage serve exited: {log.read_text()[-2000:]}")
            try:
                health = client.get(f"http://127.0.0.1:{port}/health")
            except httpx.TransportError:
                time.sleep(0.3)
                continue
            if health.status_code == 200 and health.json().get("quads") == quads:
                return process
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("maillage serve did not answer /health in 120 s")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class KeptConnection:
    """One HTTP/1.1 connection to `url`, kept open between requests as clients do.

    The client writes each request in one `sendall` and parses the response itself.
    `http.client`, which parses the header fields with the email package, took about
    0.25 ms of Python more per request here, and httpx about 0.4 ms; that time would
    be counted as the server's. The body is read by its Content-Length, its chunks,
    or until the server closes the connection. The connection is opened again when
    the server has closed it after its keep-alive delay. With `digest`, a (user,
    password) pair, requests carry HTTP digest authentication (RFC 7616, MD5 and qop
    "auth", as Virtuoso requires).
    """

    def __init__(self, url: str, *, digest: tuple[str, str] | None = None) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path
        self.digest = digest
        self._socket: socket.socket | None = None
        self._received = b""
        self._challenge: dict[str, str] | None = None
        self._count = 0

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        status, content, challenge = self._send(body, headers)
        if status == 401 and self.digest is not None and challenge:
            self._challenge = parse_keqv_list(parse_http_list(challenge))
            status, content, _ = self._send(body, headers)
        return status, content

    def _send(
        self, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str | None]:
        if self._challenge is not None:
            headers = {**headers, "Authorization": self._authorization()}
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        for attempt in range(2):
            if self._socket is None:
                self._socket = socket.create_connection(
                    (self.host, self.port), timeout=300
                )
                self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._received = b""
            try:
                self._write(request)
                status, fields, content = self._response()
            except _ClosedBeforeResponse:
                # The server closed the kept connection while it was idle: no byte
                # of a response came, so the request is sent again once.
                self.close()
                if attempt:
                    raise ConnectionError(f"{self.host}:{self.port} closed") from None
                continue
            except BaseException:
                # A response cut short leaves bytes that the next one would read.
                self.close()
                raise
            if "close" in _tokens(fields.get("connection", "")):
                self.close()
            challenges = fields.get("www-authenticate", "").split("\n")
            digest = next(
                (c[7:] for c in challenges if c[:7].lower() == "digest "), None
            )
            return status, content, digest
        raise AssertionError("unreachable")

    def _write(self, request: bytes) -> None:
        try:
            self._socket.sendall(request)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise _ClosedBeforeResponse from exc

    def _response(self) -> tuple[int, dict[str, str], bytes]:
        """Read one response: its status, its fields by lower-case name, its body.

        A field sent several times keeps each value, one per line. Interim (1xx)
        responses are skipped.
        """
        try:
            head = self._read_until(b"\r\n\r\n")
        except ConnectionError:
            if self._received:
                raise
            raise _ClosedBeforeResponse from None
        status_line, *field_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        fields: dict[str, str] = {}
        for line in field_lines:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            fields[name] = f"{fields[name]}\n{value}" if name in fields else value
        if 100 <= status < 200:
            return self._response()
        if status in (204, 304):
            return status, fields, b""
        if "chunked" in _tokens(fields.get("transfer-encoding", "")):
            chunks = []
            while size := int(self._read_until(b"\r\n").split(b";")[0], 16):
                chunks.append(self._read_exactly(size))
                self._read_exactly(2)
            while self._read_until(b"\r\n"):
                pass  # trailer fields, unused
            return status, fields, b"".join(chunks)
        if "content-length" in fields:
            return status, fields, self._read_exactly(int(fields["content-length"]))
        fields["connection"] = "close"
        return status, fields, self._read_to_end()

    def _read_until(self, end: bytes) -> bytes:
        while (found := self._received.find(end)) < 0:
            if not self._receive():
                raise ConnectionError(f"{self.host}:{self.port} closed the connection")
        line = self._received[:found]
        self._received = self._received[found + len(end) :]
        return line

    def _read_exactly(self, size: int) -> bytes:
        if len(self._received) >= size:
            content = self._received[:size]
            self._received = self._received[size:]
            return content
        parts, count = [self._received], len(self._received)
        self._received = b""
        while count < size:
            # Never more than the body: the next response starts on a later recv.
            data = self._socket.recv(min(size - count, 1 << 20))
            if not data:
                raise ConnectionError(f"{self.host}:{self.port} closed the connection")
            parts.append(data)
            count += len(data)
        return b"".join(parts)

    def _read_to_end(self) -> bytes:
        """Read until the server closes the connection; a reset raises."""
        while self._receive():
            pass
        content, self._received = self._received, b""
        return content

    def _receive(self) -> bool:
        """Add the next bytes to those received; return False when the server closed."""
        data = self._socket.recv(65536)
        self._received += data
        return bool(data)

    def _authorization(self) -> str:
        user, password = self.digest
        challenge = self._challenge
        self._count += 1
        count, cnonce = f"{self._count:08x}", os.urandom(8).hex()
        secret = _md5(f"{user}:{challenge['realm']}:{password}")
        target = _md5(f"POST:{self.path}")
        nonce = challenge["nonce"]
        answer = _md5(f"{secret}:{nonce}:{count}:{cnonce}:auth:{target}")
        fields = {
            "username": user,
            "realm": challenge["realm"],
            "nonce": nonce,
            "uri": self.path,
            "response": answer,
            "qop": "auth",
            "nc": count,
            "cnonce": cnonce,
        }
        if "opaque" in challenge:
            fields["opaque"] = challenge["opaque"]
        quoted = ("qop", "nc")
        return "Digest " + ", ".join(
            f"{name}={value}" if name in quoted else f'{name}="{value}"'
            for name, value in fields.items()
        )

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


class _ClosedBeforeResponse(ConnectionError):
    """The server closed the connection before the first byte of a response."""


def _tokens(value: str) -> set[str]:
    """Return the lower-case tokens of a comma-separated header field."""
    return {token.strip().lower() for token in value.split(",")}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def http_run(
    connection: KeptConnection,
    text: str,
    *,
    prologue: str = "",
    token: str | None = None,
) -> Callable[[], int]:
    """Return a run that POSTs `text` in a form's `query` field; it counts the rows.

    A form, because Virtuoso 7.2 does not answer a body of `application/sparql-query`.
    """
    body = urlencode({"query": prologue + text}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": JSON_RESULTS,
    }
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    rows: list[int] = []

    def run() -> int:
        status, content = connection.post(body, headers)
        if status != 200:
            message = f"{connection.path} returned {status}: {content[:300]!r}"
            raise RuntimeError(message)
        if not rows:
            rows.append(len(json.loads(content)["results"]["bindings"]))
        return rows[0]

    return run


# --- rdflib in a forked process -----------------------------------------------------


def _rdflib_child(dataset: rdflib.Dataset, text: str, connection) -> None:
    """Send the time of one run, then the median of repeated runs if it was short."""

    def run() -> int:
        return len(list(dataset.query(text)))

    begin = time.perf_counter()
    rows = run()
    first = (time.perf_counter() - begin) * 1000
    if first > RUN_BUDGET * 1000:
        connection.send((first, rows))
        return
    measure = time_runs(run)
    connection.send((measure.milliseconds, measure.rows))


def measure_rdflib(dataset: rdflib.Dataset, text: str, cap: float) -> Measure:
    """Run the query in a fork of this process, killed when one run passes `cap` s.

    A first run longer than the run budget is the figure itself, without repeats.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_rdflib_child, args=(dataset, text, sender))
    child.start()
    sender.close()
    # A run under the budget is repeated for up to MAX_RUNS, within the same budget.
    if receiver.poll(cap + (WARM_UP + 1) * RUN_BUDGET + RUN_BUDGET):
        milliseconds, rows = receiver.recv()
        child.join()
        return Measure(milliseconds, rows)
    child.kill()
    child.join()
    return Measure(note=f"> {cap:.0f} s")


def load_rdflib(path: Path) -> tuple[rdflib.Dataset, float]:
    started = time.perf_counter()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(str(path), format="nquads")
    return dataset, time.perf_counter() - started


# --- one preset ---------------------------------------------------------------------


def run_preset(
    preset: str, work: Path, cap: float, port: int
) -> tuple[list[Row], dict]:
    """Load the preset's data into each engine and time every query; return figures."""
    data = BENCH / "out" / f"{preset}.nq"
    counts = generate(data, preset, base=BASE)
    print(
        f"\n## {preset}: {counts.triples:,} triples in {counts.graphs:,} named graphs"
    )
    rows = [Row(name) for name in QUERIES]
    facts: dict = {"triples": counts.triples, "graphs": counts.graphs}

    store_path = work / f"{preset}-store"
    graph_store = GraphStore(store_path)
    started = time.perf_counter()
    graph_store.bulk_load(data, RdfFormat.N_QUADS, base_iri=f"{BASE}/")
    facts["oxigraph load s"] = time.perf_counter() - started
    readable = readable_graphs(graph_store, Iris(BASE), ANONYMOUS) or []
    facts["anonymous graphs"] = len(readable)
    graph_store.snapshot(work / f"{preset}-snapshot")
    for row in rows:
        row.steps = measure_steps(graph_store, QUERIES[row.query])
    graph_store.close()

    # The server opens the store, and this process reads a snapshot of it, as the
    # server does when it evaluates a query itself.
    snapshot = GraphStore(work / f"{preset}-snapshot", read_only=True)
    log = work / f"{preset}-server.log"
    server = start_server(store_path, port, log, counts.triples)
    url = f"http://127.0.0.1:{port}/sparql"
    anonymous, administrator = KeptConnection(url), KeptConnection(url)
    try:
        for row in rows:
            text = QUERIES[row.query]
            runs = {
                "pyoxigraph": pyoxigraph_run(snapshot.oxigraph, text),
                "snapshot, anonymous": snapshot_run(snapshot, text, readable),
                "/sparql": http_run(anonymous, text),
                "/sparql, administrator": http_run(
                    administrator, text, token=ADMIN_TOKEN
                ),
            }
            row.measures.update(time_together(runs))
    finally:
        anonymous.close()
        administrator.close()
        stop(server)
        snapshot.close()

    measure_virtuoso(data, rows, work / f"{preset}-virtuoso", facts)

    dataset, seconds = load_rdflib(data)
    facts["rdflib load s"] = seconds
    for row in rows:
        text = sparql_prefixes() + QUERIES[row.query]
        row.measures["rdflib"] = measure_rdflib(dataset, text, cap)
    del dataset
    return rows, facts


def measure_virtuoso(data: Path, rows: list[Row], folder: Path, facts: dict) -> None:
    if not is_installed():
        for row in rows:
            row.measures["Virtuoso"] = Measure(note="not installed")
        return
    with running_virtuoso(folder, buffers=100_000) as server:
        store = RemoteStore(
            server.sparql_url,
            server.sparql_url,
            server.graph_store_url,
            auth=server.auth(),
            timeout=300,
            batch_size=20_000,
        )
        started = time.perf_counter()
        store.bulk_load(data, RdfFormat.N_QUADS, base_iri=f"{BASE}/")
        facts["Virtuoso load s"] = time.perf_counter() - started
        store.close()
        connection = KeptConnection(
            server.sparql_url, digest=(VIRTUOSO_USER, server.password)
        )
        try:
            for row in rows:
                text = QUERIES[row.query]
                run = http_run(connection, text, prologue=sparql_prefixes())
                row.measures["Virtuoso"] = time_runs(run)
        finally:
            connection.close()


# --- report -------------------------------------------------------------------------

ENGINES = (
    "/sparql",
    "snapshot, anonymous",
    "/sparql, administrator",
    "pyoxigraph",
    "rdflib",
    "Virtuoso",
)
# Each /sparql figure and the in-process figure of the same dataset.
PAIRS = (("/sparql", "snapshot, anonymous"), ("/sparql, administrator", "pyoxigraph"))


def ratio(numerator: Measure, denominator: Measure) -> str:
    if numerator.milliseconds is None or denominator.milliseconds is None:
        return "n/a"
    return f"{numerator.milliseconds / denominator.milliseconds:.2f}"


def print_table(rows: list[Row]) -> None:
    header = ["query", "rows", *(f"{e} ms" for e in ENGINES)]
    header += [
        "/sparql ÷ snapshot",
        "administrator ÷ pyoxigraph",
        "rdflib ÷ administrator",
        "/sparql ÷ Virtuoso",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        m = row.measures
        counts = {e: m[e].rows for e in ENGINES if m[e].rows is not None}
        shown = str(m["/sparql"].rows)
        if len(set(counts.values())) > 1:
            shown += " (" + ", ".join(f"{e} {n}" for e, n in counts.items()) + ")"
        cells = [row.query, shown, *(m[e].show() for e in ENGINES)]
        cells += [
            ratio(m["/sparql"], m["snapshot, anonymous"]),
            ratio(m["/sparql, administrator"], m["pyoxigraph"]),
            ratio(m["rdflib"], m["/sparql, administrator"]),
            ratio(m["/sparql"], m["Virtuoso"]),
        ]
        print("| " + " | ".join(cells) + " |")


def print_steps(rows: list[Row]) -> None:
    """Print the time of the steps that the server does once, not on each query."""
    names = ("access", "parse")
    print("| query | /sparql ms | " + " | ".join(f"{n} ms" for n in names) + " |")
    print("|" + "---|" * (len(names) + 2))
    for row in rows:
        total = row.measures["/sparql"].milliseconds or 0.0
        parts = [row.steps[name].milliseconds or 0.0 for name in names]
        cells = [f"{total:.2f}", *(f"{part:.2f}" for part in parts)]
        print(f"| {row.query} | " + " | ".join(cells) + " |")


def check_targets(rows: list[Row], cap: float) -> list[str]:
    """Return one line per target: the figures and whether they meet it."""
    lines = []
    for row in rows:
        for endpoint_name, inproc_name in PAIRS:
            endpoint = row.measures[endpoint_name].milliseconds
            inproc = row.measures[inproc_name].milliseconds
            if endpoint is None or inproc is None:
                continue
            limit = max(TARGET_OVERHEAD_RATIO * inproc, inproc + TARGET_OVERHEAD_MS)
            verdict = "met" if endpoint <= limit else "NOT met"
            lines.append(
                f"{row.query}: {endpoint_name} {endpoint:.2f} ms, {inproc_name} "
                f"{inproc:.2f} ms, limit {limit:.2f} ms: {verdict}"
            )
    by_name = {row.query: row.measures for row in rows}
    lines.append(_rdflib_line("weighted, as first written", by_name, cap))
    lines.append(_rdflib_line("weighted", by_name, cap, target=False))
    for name in BEAT_VIRTUOSO:
        for endpoint_name in ("/sparql", "/sparql, administrator"):
            endpoint = by_name[name][endpoint_name].milliseconds
            virtuoso = by_name[name]["Virtuoso"].milliseconds
            if endpoint is None or virtuoso is None:
                continue
            verdict = "met" if endpoint <= virtuoso else "NOT met"
            lines.append(
                f"{name}: {endpoint_name} {endpoint:.2f} ms, Virtuoso "
                f"{virtuoso:.2f} ms: {verdict}"
            )
        # Virtuoso reads the union of every graph, as the administrator does.
        expected = by_name[name]["/sparql, administrator"].rows
        found = by_name[name]["Virtuoso"].rows
        if found is not None and found != expected:
            lines.append(
                f"{name}: Virtuoso returned {found} rows, /sparql, administrator "
                f"{expected}: NOT met"
            )
    return lines


def _rdflib_line(
    name: str, by_name: dict[str, dict[str, Measure]], cap: float, *, target=True
) -> str:
    """Compare rdflib with /sparql for the administrator: same text, same graphs.

    Without `target`, the line gives the ratio for information, with no verdict.
    """
    measures = by_name[name]
    rdflib_ms = measures["rdflib"].milliseconds
    endpoint = measures["/sparql, administrator"].milliseconds
    if endpoint is None:
        return f"{name}: no /sparql figure"
    if rdflib_ms is None:
        # rdflib was stopped at the cap, so the ratio is at least cap ÷ endpoint.
        least = cap * 1000 / endpoint
        verdict = "met" if least >= TARGET_RDFLIB_RATIO else "unknown"
        figures = (
            f"{name}: rdflib did not finish in {cap:g} s, so rdflib ÷ /sparql, "
            f"administrator > {least:.0f}"
        )
    else:
        times = rdflib_ms / endpoint
        verdict = "met" if times >= TARGET_RDFLIB_RATIO else "NOT met"
        figures = f"{name}: rdflib ÷ /sparql, administrator {times:.1f}"
    if not target:
        return f"{figures} (for information)"
    return f"{figures}, target {TARGET_RDFLIB_RATIO}: {verdict}"


def describe_machine() -> str:
    model = platform.processor() or "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"pyoxigraph {pyoxigraph.__version__}, rdflib {rdflib.__version__}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run every preset, print the tables and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), action="append")
    parser.add_argument("--cap", type=float, default=60.0, help="rdflib limit, seconds")
    parser.add_argument(
        "--port", type=int, default=None, help="port of maillage serve (default: free)"
    )
    args = parser.parse_args(argv)
    presets = args.preset or ["agglomeration", "departement"]

    port = args.port or free_port()
    print(f"machine: {describe_machine()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    missed = 0
    with tempfile.TemporaryDirectory(prefix="maillage-sparql-bench-") as folder:
        for preset in presets:
            rows, facts = run_preset(preset, Path(folder), args.cap, port)
            print(
                ", ".join(
                    f"{k}: {v:.1f}" if isinstance(v, float) else f"{k}: {v}"
                    for k, v in facts.items()
                )
            )
            print()
            print_table(rows)
            print()
            print_steps(rows)
            print()
            for line in check_targets(rows, args.cap):
                missed += "NOT met" in line
                print(f"- {line}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
