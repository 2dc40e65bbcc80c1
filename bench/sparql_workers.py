"""Measure what the query workers cost: a query in-process against one in a worker.

Usage: `python bench/sparql_workers.py [STORE]`. With a store folder, the demo is loaded
there first if the folder is empty. Prints the median time of each case in ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad

from maillage.graph.demo import is_loaded, load_demo
from maillage.graph.iris import Iris
from maillage.graph.sparql import QueryRequest
from maillage.graph.sparql.formats import JSON
from maillage.graph.sparql.query import evaluate_query, prepare_query
from maillage.graph.sparql.workers import QueryPool
from maillage.graph.store import GraphStore

ROUNDS = 50
CASES = {
    "ASK {}": "ASK {}",
    "SELECT of 10 triples": "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
    "CAPCA communes": (
        "SELECT DISTINCT ?c ?n WHERE { ?e mlg:siren '200071413' . "
        "?m org:organization ?e ; org:member ?c . ?c skos:prefLabel ?n }"
    ),
}


def median_ms(run) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    store = GraphStore(folder / "store")
    iris = Iris("http://127.0.0.1:8000")
    if not is_loaded(store):
        load_demo(store, iris)
    pool = QueryPool(store, size=2)
    try:
        for label, text in CASES.items():
            prepared = prepare_query(
                QueryRequest(text), choose_format=lambda form: JSON, readable=None
            )
            pool.run(prepared, max_rows=100_000, timeout=30)
            local = median_ms(
                lambda: evaluate_query(store, prepared, max_rows=100_000)
            )
            worker = median_ms(lambda: pool.run(prepared, max_rows=100_000, timeout=30))
            print(f"{label}: in-process {local:.2f} ms, worker {worker:.2f} ms")

        graph = iris.dataset_graph("bench")
        prepared = prepare_query(
            QueryRequest("ASK {}"), choose_format=lambda form: JSON, readable=None
        )

        quad = Quad(NamedNode("urn:a"), NamedNode("urn:p"), Literal("x"), graph)

        def write_then_query() -> None:
            store.add_quads([quad])
            pool.run(prepared, max_rows=10, timeout=30)

        print(f"write then ASK (new snapshot): {median_ms(write_then_query):.2f} ms")
    finally:
        pool.close()
        store.close()


if __name__ == "__main__":
    main()
