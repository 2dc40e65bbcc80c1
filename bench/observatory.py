"""Time the observatory's dashboard questions, through the API and in SPARQL.

The script generates a made-up France of départements of 350 communes. The communes
form EPCI of 28, with memberships of unknown start date, and get ten years (2013 to
2022) of the 27 count indicators of the catalogue that have generated series
(`maillage.graph.observatory.generate`). The 11 rates of the catalogue built on them
are computed by the index. It then times four questions:

1. the series of an indicator for one commune;
2. an indicator summed over an EPCI for one year;
3. the same for every EPCI of a département;
4. the latest value of every indicator for one EPCI.

Each question is asked of the API over HTTP (uvicorn on 127.0.0.1 in a thread, as the
anonymous user, so with statistical secrecy applied), and as a SPARQL query of the
same observations: in Oxigraph in this process, and in Virtuoso 7.2 (Debian's
package, started as in `tests/remote/virtuoso.py` and loaded with its bulk loader).
The figures are medians of repeated runs after two warm-up runs.

Scales:

- `departement`: 1 département, 340 communes;
- `tenth`: 10 départements, 3,500 communes, a tenth of France;
- `national`: 100 départements, 35,000 communes. Its 9.45 million observations
  (66 million triples) are not loaded into Oxigraph: the index is built from the
  generated values by the same refresh code, and the store holds the territories
  and the description of the dataset only. The API reads nothing else, so its
  latency is that of a store with the observations. The same observations are
  written straight to N-Triples files, one per 350 communes, and bulk-loaded into
  Virtuoso with the store's other quads, so the Virtuoso column is filled. The
  Oxigraph column is empty at that size.

`--observation-files` takes the national path at any scale, which checks it on a
small one first.

Command: `.venv/bin/python bench/observatory.py --scale departement --scale tenth
--scale national` (`--results` appends the table to bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import platform
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import uvicorn
from pyoxigraph import QuerySolutions, RdfFormat

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from maillage.graph.demo import DEMO_FOLDER  # noqa: E402
from maillage.graph.importers.ntriples import (  # noqa: E402
    A,
    TripleWriter,
    date,
    integer,
    iri,
    replace_dataset_graph,
    text,
)
from maillage.graph.iris import Iris  # noqa: E402
from maillage.graph.namespaces import (  # noqa: E402
    IGEO,
    MLG,
    ORG,
    SKOS,
    sparql_prefixes,
)
from maillage.graph.observatory.build import Observation  # noqa: E402
from maillage.graph.observatory.catalogue import read_catalogue  # noqa: E402
from maillage.graph.observatory.communes import (  # noqa: E402
    CommuneDataset,
    describe_commune_dataset,
    import_commune_values,
)
from maillage.graph.observatory.cube import CubeValue, CubeWriter  # noqa: E402
from maillage.graph.observatory.generate import (  # noqa: E402
    GENERATED_KEYS,
    CommuneSeed,
    generate_values,
    iter_values,
)
from maillage.graph.observatory.index import ObservatoryIndex  # noqa: E402
from maillage.graph.observatory.refresh import refresh_index  # noqa: E402
from maillage.graph.ontology import load_ontology  # noqa: E402
from maillage.graph.settings import Settings  # noqa: E402
from maillage.graph.store import GraphStore  # noqa: E402
from maillage.server.app import create_app  # noqa: E402
from tests.remote.virtuoso import (  # noqa: E402
    is_installed,
    run_isql,
    running_virtuoso,
)

BASE = "http://127.0.0.1:8000"
YEARS = range(2013, 2023)
YEAR = 2019
INDICATOR = "rsa-households"
SLUG = "bench-communes"
EPCI_SIZE = 28
SEED = 20
WARM_UP = 2
MIN_RUNS, MAX_RUNS, RUN_BUDGET = 5, 40, 4.0
TARGET_MS = 50.0


# Observations per N-Triples file of the national path: one département's worth, which
# Virtuoso's bulk loader reads in well under the 600 s that one isql call may take.
COMMUNES_PER_FILE = 350
# Files that one call of Virtuoso's `rdf_loader_run` loads, and loaders run at once.
FILES_PER_LOADER_CALL = 2
LOADERS = 2


@dataclass(frozen=True)
class Scale:
    """How much to generate, and where the observations go.

    `oxigraph` True imports them into the store through the importer; False writes
    them to N-Triples files for Virtuoso only. `virtuoso_buffers` is Virtuoso's
    NumberOfBuffers (8 KiB pages of cache).
    """

    departements: int
    communes: int
    oxigraph: bool
    virtuoso_buffers: int = 200_000


SCALES = {
    "departement": Scale(1, 340, oxigraph=True),
    "tenth": Scale(10, 350, oxigraph=True),
    # About 5.3 GiB of cache, for a database of about 66 million triples.
    "national": Scale(100, 350, oxigraph=False, virtuoso_buffers=700_000),
}


@dataclass
class Territory:
    """The made-up territory: communes with populations, EPCI, départements."""

    seeds: list[CommuneSeed] = field(default_factory=list)
    epcis: dict[str, list[str]] = field(default_factory=dict)
    departements: list[str] = field(default_factory=list)


@dataclass
class Result:
    """The medians of one question, in milliseconds, by way of asking."""

    question: str
    api: float | None = None
    oxigraph: float | None = None
    virtuoso: float | None = None
    check: str = ""


# -- data ----------------------------------------------------------------------------


def departement_codes(count: int) -> list[str]:
    """Return `count` two-character codes, Corsica's included: made-up départements."""
    codes = [f"{n:02d}" for n in range(1, 100) if n != 20] + ["2A", "2B"]
    return codes[:count]


def make_territory(iris: Iris, scale: Scale) -> tuple[Territory, TripleWriter]:
    """Return the territory and its triples: communes, départements, EPCI, members."""
    rng = random.Random(SEED)
    territory = Territory()
    writer = TripleWriter()
    region = iri(iris.item("region", "84"))
    writer.add(region, A, iri(MLG.Region))
    writer.add(region, iri(SKOS.prefLabel), text("Région d'essai", "fr"))
    siren = 200_000_000
    for code in departement_codes(scale.departements):
        departement = iris.item("departement", code)
        territory.departements.append(code)
        writer.add(iri(departement), A, iri(MLG.Departement))
        writer.add(iri(departement), iri(IGEO.codeINSEE), text(code))
        writer.add(iri(departement), iri(SKOS.prefLabel), text(f"Dép. {code}", "fr"))
        writer.add(iri(departement), iri(IGEO.subdivisionDirecteDe), region)
        communes = []
        for number in range(1, scale.communes + 1):
            commune = iris.item("commune", f"{code}{number:03d}")
            population = max(20, int(rng.lognormvariate(6.4, 1.3)))
            territory.seeds.append(CommuneSeed(commune.value, population))
            communes.append(commune.value)
            subject = iri(commune)
            writer.add(subject, A, iri(MLG.Commune))
            writer.add(subject, iri(IGEO.codeINSEE), text(f"{code}{number:03d}"))
            writer.add(
                subject, iri(SKOS.prefLabel), text(f"Commune {code}{number:03d}", "fr")
            )
            writer.add(subject, iri(MLG.population), integer(population))
            writer.add(subject, iri(IGEO.subdivisionDirecteDe), iri(departement))
        for start in range(0, len(communes), EPCI_SIZE):
            siren += 1
            epci = iris.item("epci", str(siren))
            members = communes[start : start + EPCI_SIZE]
            territory.epcis[epci.value] = members
            writer.add(iri(epci), A, iri(MLG.EPCI))
            writer.add(iri(epci), iri(SKOS.prefLabel), text(f"EPCI {siren}", "fr"))
            for member in members:
                membership = iri(iris.item("membership", f"{siren}-{member[-5:]}"))
                writer.add(membership, A, iri(ORG.Membership))
                writer.add(membership, iri(ORG.member), f"<{member}>")
                writer.add(membership, iri(ORG.organization), iri(epci))
                writer.add(membership, iri(MLG.observedOn), date("2026-01-01"))
    return territory, writer


def load_catalogue(store: GraphStore, iris: Iris) -> None:
    """Load the ontology and the catalogue of indicators (the mission's items)."""
    load_ontology(store, iris)
    store.oxigraph.load(
        (DEMO_FOLDER / "mission.trig").read_bytes(),
        format=RdfFormat.TRIG,
        base_iri=iris.document_base,
    )


DATASET = CommuneDataset(
    slug=SLUG,
    title="Séries communales générées pour le banc d'essai",
    source="bench/observatory.py",
    publisher="maillage, données générées",
    vintage=YEARS[-1],
    generated=True,
)


def import_as_rdf(store: GraphStore, iris: Iris, territory: Territory) -> None:
    """Import the generated values through the importer: checks, secrecy, graphs."""
    generated = generate_values(territory.seeds, YEARS, seed=SEED, base_year=YEARS[-1])
    values = {
        (commune, iris.item("indicator", key).value, year): value
        for (commune, key, year), value in generated.items()
    }
    import_commune_values(store, iris, values, DATASET)


def describe_only(store: GraphStore, iris: Iris) -> None:
    """Write the dataset's description and cubes, without its observations."""
    writer = TripleWriter()
    subject = describe_commune_dataset(writer, iris, SLUG, DATASET, DATASET.title)
    cubes = CubeWriter(iris, writer, SLUG, subject)
    cubes.declare_components()
    for key in GENERATED_KEYS:
        cubes.cube(iris.item("indicator", key).value, key, key)
    replace_dataset_graph(store, iris, SLUG, writer)


def write_observation_files(
    store: GraphStore,
    iris: Iris,
    territory: Territory,
    folder: Path,
    *,
    communes_per_file: int = COMMUNES_PER_FILE,
) -> list[Path]:
    """Write the generated observations as N-Triples files of the dataset's graph.

    The triples are those the importer writes for the raw dataset (`CubeWriter`), in
    files `observations-{n}.nt` of `communes_per_file` communes each, written as the
    values are drawn so that no more than one file's lines are held in memory.
    """
    catalogue = read_catalogue(store, iris)
    indicators = {key: catalogue.by_key(key) for key in GENERATED_KEYS}
    writer = TripleWriter()
    cubes = CubeWriter(iris, writer, SLUG, f"<{iris.item('dataset', SLUG).value}>")
    for key, indicator in indicators.items():
        cubes.cube(indicator.iri, key, indicator.label)
    # The cubes themselves are in the dataset's description (`describe_only`).
    writer.lines.clear()

    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    communes_in_file = 0
    current = None
    rows = iter_values(territory.seeds, YEARS, seed=SEED, base_year=YEARS[-1])
    for commune, key, period, value in rows:
        if commune != current:
            current = commune
            communes_in_file += 1
            if communes_in_file > communes_per_file:
                paths.append(_flush(writer, folder, len(paths)))
                communes_in_file = 1
        indicator = indicators[key]
        cell = CubeValue(commune, indicator.iri, period, Decimal(value))
        cubes.add(cell, key, indicator.unit, indicator.kind)
    if writer.lines:
        paths.append(_flush(writer, folder, len(paths)))
    return paths


def _flush(writer: TripleWriter, folder: Path, number: int) -> Path:
    path = folder / f"observations-{number:04d}.nt"
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(writer.lines)
    writer.lines.clear()
    return path


def generated_observations(iris: Iris, territory: Territory):
    """Return a reader that yields the generated values as observations."""
    indicators = {key: iris.item("indicator", key).value for key in GENERATED_KEYS}

    def read(store, dataset) -> Iterator[Observation]:
        rows = iter_values(territory.seeds, YEARS, seed=SEED, base_year=YEARS[-1])
        for commune, key, year, value in rows:
            yield Observation(indicators[key], commune, year, float(value))

    return read


# -- measures ------------------------------------------------------------------------


def median_ms(call: Callable[[], object]) -> float:
    """Return the median time of `call` in milliseconds, after warm-up runs."""
    for _ in range(WARM_UP):
        call()
    times: list[float] = []
    spent = 0.0
    while len(times) < MIN_RUNS or (len(times) < MAX_RUNS and spent < RUN_BUDGET):
        started = time.perf_counter()
        call()
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        spent += elapsed
    return statistics.median(times)


class Server:
    """The app served by uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, settings: Settings, store: GraphStore) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Accepted connections inherit it: without it, a response written in two
        # parts waits for the client's delayed acknowledgement, about 40 ms.
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind(("127.0.0.1", 0))
        self.listener = listener
        self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        config = uvicorn.Config(
            create_app(settings, store=store), log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [listener]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start in 30 s")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.listener.close()


def api_paths(iris: Iris, territory: Territory) -> dict[str, str]:
    epci = next(iter(territory.epcis))
    commune = territory.epcis[epci][0]
    epci_key = epci.rsplit("/", 1)[-1]
    commune_key = commune.rsplit("/", 1)[-1]
    departement = territory.departements[0]
    return {
        "series of one commune": "/api/observatory/series?"
        f"indicator={INDICATOR}&territory=commune/{commune_key}",
        "EPCI, one year": "/api/observatory/figure?"
        f"indicator={INDICATOR}&territory=epci/{epci_key}&year={YEAR}",
        "every EPCI of a département": "/api/observatory/epci?"
        f"indicator={INDICATOR}&departement={departement}&year={YEAR}",
        "latest of every indicator, EPCI": "/api/observatory/latest?"
        f"territory=epci/{epci_key}",
    }


def sparql_queries(iris: Iris, territory: Territory) -> dict[str, str]:
    """Return the same questions in SPARQL, over the raw observations."""
    epci = next(iter(territory.epcis))
    commune = territory.epcis[epci][0]
    departement = iris.item("departement", territory.departements[0]).value
    graph = iris.dataset_graph(SLUG).value
    indicator = iris.item("indicator", INDICATOR).value
    year = f'"{YEAR}"^^xsd:gYear'
    return {
        "series of one commune": f"""
SELECT ?year ?value WHERE {{ GRAPH <{graph}> {{
  ?o sdmx-dimension:refArea <{commune}> ; mlg:indicator <{indicator}> ;
     sdmx-dimension:refPeriod ?year ; <{indicator}> ?value }} }} ORDER BY ?year""",
        "EPCI, one year": f"""
SELECT (SUM(?value) AS ?total) WHERE {{
  ?m org:organization <{epci}> ; org:member ?c .
  GRAPH <{graph}> {{ ?o sdmx-dimension:refArea ?c ; mlg:indicator <{indicator}> ;
     sdmx-dimension:refPeriod {year} ; <{indicator}> ?value }} }}""",
        "every EPCI of a département": f"""
SELECT ?epci (SUM(?value) AS ?total) WHERE {{
  ?c igeo:subdivisionDirecteDe <{departement}> .
  ?m org:member ?c ; org:organization ?epci .
  GRAPH <{graph}> {{ ?o sdmx-dimension:refArea ?c ; mlg:indicator <{indicator}> ;
     sdmx-dimension:refPeriod {year} ; <{indicator}> ?value }} }} GROUP BY ?epci""",
        "latest of every indicator, EPCI": f"""
SELECT ?indicator ?year (SUM(?value) AS ?total) WHERE {{
  {{ SELECT ?indicator (MAX(?y) AS ?year) WHERE {{
      ?m org:organization <{epci}> ; org:member ?c .
      GRAPH <{graph}> {{ ?o sdmx-dimension:refArea ?c ; mlg:indicator ?indicator ;
         sdmx-dimension:refPeriod ?y }} }} GROUP BY ?indicator }}
  ?m2 org:organization <{epci}> ; org:member ?c2 .
  GRAPH <{graph}> {{ ?o2 sdmx-dimension:refArea ?c2 ; mlg:indicator ?indicator ;
     sdmx-dimension:refPeriod ?year ; ?indicator ?value }}
}} GROUP BY ?indicator ?year""",
    }


def measure_api(url: str, paths: dict[str, str], results: dict[str, Result]) -> None:
    with httpx.Client(base_url=url, trust_env=False, timeout=300) as client:
        for question, path in paths.items():

            def ask(path: str = path) -> None:
                response = client.get(path)
                response.raise_for_status()

            results[question].api = median_ms(ask)
        figure = client.get(paths["EPCI, one year"]).json()["figure"]
        results["EPCI, one year"].check = f"API {figure['value']}"


def measure_oxigraph(
    store: GraphStore, queries: dict[str, str], results: dict[str, Result]
) -> None:
    for question, query in queries.items():
        text = sparql_prefixes() + query

        def ask(text: str = text) -> None:
            solutions = store.oxigraph.query(text, use_default_graph_as_union=True)
            assert isinstance(solutions, QuerySolutions)
            list(solutions)

        results[question].oxigraph = median_ms(ask)


def measure_virtuoso(
    store: GraphStore,
    queries: dict[str, str],
    results: dict[str, Result],
    folder: Path,
    *,
    buffers: int,
    observations_graph: str | None = None,
) -> float | None:
    """Bulk-load the store into Virtuoso and time the queries; return the load time.

    `folder` is Virtuoso's database folder, the only one it reads files from. When
    `observations_graph` is given, the `observations-*.nt` files already in `folder`
    are loaded into that graph too, then deleted to give their disk space back.
    """
    if not is_installed():
        return None
    with running_virtuoso(folder, buffers=buffers) as server:
        store.dump(folder / "observatory.nq", RdfFormat.N_QUADS)
        started = time.perf_counter()
        script = f"ld_dir('{folder}', 'observatory.nq', '{BASE}/graph/default');\n"
        if observations_graph is not None:
            mask = "observations-*.nt"
            script += f"ld_dir('{folder}', '{mask}', '{observations_graph}');\n"
        _run_as_dba(server, script)
        run_loaders(server)
        _run_as_dba(server, "checkpoint;\n")
        loaded = time.perf_counter() - started
        for path in folder.glob("observations-*.nt"):
            path.unlink()
        _time_virtuoso_queries(server, queries, results)
    return loaded


def run_loaders(server) -> None:
    """Run `LOADERS` bulk loaders at once until every listed file is loaded.

    Each isql call loads at most `FILES_PER_LOADER_CALL` files, so that it ends within
    isql's time limit. Raises `RuntimeError` naming the files the loader rejected.
    """

    def load() -> None:
        while _count(server, "ll_state = 0"):
            _run_as_dba(server, f"rdf_loader_run({FILES_PER_LOADER_CALL});\n")

    threads = [threading.Thread(target=load) for _ in range(LOADERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = _count(server, "ll_error IS NOT NULL")
    if failed:
        errors = _run_as_dba(
            server,
            "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST "
            "WHERE ll_error IS NOT NULL;\n",
        )
        raise RuntimeError(f"Virtuoso rejected {failed} files: {errors[-2000:]}")


def _count(server, condition: str) -> int:
    """Return the number of rows of Virtuoso's load list that meet `condition`."""
    output = _run_as_dba(
        server, f"SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE {condition};\n"
    )
    numbers = re.findall(r"^\s*(\d+)\s*$", output, flags=re.MULTILINE)
    if not numbers:
        raise RuntimeError(f"no count in the isql output: {output[-500:]}")
    return int(numbers[0])


def _time_virtuoso_queries(
    server, queries: dict[str, str], results: dict[str, Result]
) -> None:
    with httpx.Client(auth=server.auth(), trust_env=False, timeout=600) as client:
        headers = {"Accept": "application/sparql-results+json"}

        def ask(body: dict) -> dict:
            response = client.post(server.sparql_url, data=body, headers=headers)
            response.raise_for_status()
            return response.json()

        for question, query in queries.items():
            body = {"query": sparql_prefixes() + query}
            results[question].virtuoso = median_ms(lambda body=body: ask(body))
        total = ask({"query": sparql_prefixes() + queries["EPCI, one year"]})
        value = total["results"]["bindings"][0]["total"]["value"]
        results["EPCI, one year"].check += f", Virtuoso {value}"


def _run_as_dba(server, script: str) -> str:
    """Run SQL as dba with the harness's password, or Virtuoso's default one.

    NOTE: with Virtuoso 7.2.5 the harness's SET PASSWORD leaves dba's password at its
    default, so the default is tried when the harness's is refused.
    """
    try:
        return run_isql(server.sql_port, server.password, script)
    except RuntimeError as exc:
        if "Bad login" not in str(exc):
            raise
        return run_isql(server.sql_port, "dba", script)


# -- run -----------------------------------------------------------------------------

# Free disk space below which the national path stops before writing anything: its
# N-Triples files take about 13 GiB and Virtuoso's database several more.
MIN_FREE_BYTES = 20 * 2**30


def run_scale(
    name: str, scale: Scale, work: Path, *, observation_files: bool = False
) -> tuple[list[Result], dict]:
    """Build one scale's store and index, then time the questions.

    `observation_files` takes the path of a scale that is not loaded into Oxigraph.
    """
    to_oxigraph = scale.oxigraph and not observation_files
    if not to_oxigraph:
        check_free_space(work)
    iris = Iris(BASE)
    settings = Settings(
        store_path=work / "store", data_path=work / "data", base_iri=BASE
    )
    store = GraphStore(settings.store_path)
    facts: dict[str, object] = {}
    load_catalogue(store, iris)
    territory, writer = make_territory(iris, scale)
    replace_dataset_graph(store, iris, "communes-bench", writer)
    facts["communes"] = len(territory.seeds)
    facts["EPCI"] = len(territory.epcis)
    facts["observations"] = len(territory.seeds) * len(GENERATED_KEYS) * len(YEARS)

    index = ObservatoryIndex.in_folder(settings.data_path)
    if to_oxigraph:
        build_from_store(store, iris, territory, index, facts)
    else:
        build_from_values(store, iris, territory, index, facts, work / "virtuoso")
    facts["index rows"] = facts.pop("rows")
    facts["index MiB"] = round(index.path.stat().st_size / 2**20)
    facts["store quads"] = store.count_quads()
    index.close()

    results = {q: Result(q) for q in api_paths(iris, territory)}
    with Server(settings, store) as server:
        measure_api(server.url, api_paths(iris, territory), results)
    queries = sparql_queries(iris, territory)
    if to_oxigraph:
        measure_oxigraph(store, queries, results)
    loaded = measure_virtuoso(
        store,
        queries,
        results,
        work / "virtuoso",
        buffers=scale.virtuoso_buffers,
        observations_graph=None if to_oxigraph else iris.dataset_graph(SLUG).value,
    )
    facts["Virtuoso load s"] = round(loaded, 1) if loaded is not None else "absent"
    store.close()
    return list(results.values()), facts


def check_free_space(work: Path) -> None:
    """Raise `SystemExit` when the disk of `work` has under `MIN_FREE_BYTES` free."""
    work.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(work).free
    if free < MIN_FREE_BYTES:
        raise SystemExit(
            f"only {free / 2**30:.1f} GiB free under {work}; the national path needs "
            f"{MIN_FREE_BYTES / 2**30:.0f} GiB: free some space or pass another --work"
        )


def build_from_store(
    store: GraphStore, iris: Iris, territory: Territory, index, facts: dict
) -> None:
    """Import the observations into the store, then build the index from it."""
    started = time.perf_counter()
    import_as_rdf(store, iris, territory)
    facts["import s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    facts["rows"] = refresh_index(index, store, iris).rows
    facts["index s"] = round(time.perf_counter() - started, 1)


def build_from_values(
    store: GraphStore,
    iris: Iris,
    territory: Territory,
    index,
    facts: dict,
    folder: Path,
) -> None:
    """Build the index from the generated values, and write them as N-Triples files."""
    describe_only(store, iris)
    started = time.perf_counter()
    read = generated_observations(iris, territory)
    facts["rows"] = refresh_index(index, store, iris, read=read).rows
    facts["index s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    paths = write_observation_files(store, iris, territory, folder)
    facts["files s"] = round(time.perf_counter() - started, 1)
    facts["files MiB"] = round(sum(p.stat().st_size for p in paths) / 2**20)


def table(name: str, results: list[Result], facts: dict) -> str:
    lines = [
        f"### {name}: "
        + ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in facts.items()
        ),
        "",
        "| question | API (ms) | Oxigraph SPARQL (ms) | Virtuoso SPARQL (ms) | "
        f"API < {TARGET_MS:.0f} ms | check |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        verdict = "yes" if result.api is not None and result.api < TARGET_MS else "NO"
        lines.append(
            f"| {result.question} | {_ms(result.api)} | {_ms(result.oxigraph)} | "
            f"{_ms(result.virtuoso)} | {verdict} | {result.check} |"
        )
    return "\n".join(lines) + "\n"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load[0]:.1f} at the start"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", action="append", choices=sorted(SCALES))
    parser.add_argument(
        "--work", type=Path, help="Folder for stores (a temporary one)."
    )
    parser.add_argument("--results", action="store_true", help="Append to RESULTS.md.")
    parser.add_argument(
        "--observation-files",
        action="store_true",
        help="Write the observations to N-Triples files for Virtuoso only, as the "
        "national scale does, at every scale.",
    )
    arguments = parser.parse_args()
    scales = arguments.scale or ["departement"]
    started = datetime.now(UTC)
    sections = []
    with tempfile.TemporaryDirectory(dir=arguments.work) as folder:
        for name in scales:
            results, facts = run_scale(
                name,
                SCALES[name],
                Path(folder) / name,
                observation_files=arguments.observation_files,
            )
            section = table(name, results, facts)
            print(section, flush=True)
            sections.append(section)
    if arguments.results:
        options = " ".join("--scale " + s for s in scales)
        if arguments.observation_files:
            options += " --observation-files"
        header = (
            "\n## Observatory dashboard questions (`bench/observatory.py`)\n\n"
            f"Command: `.venv/bin/python bench/observatory.py "
            f"{options} --results`, run on "
            f"{started:%Y-%m-%d}; {machine()}.\n\n"
        )
        with (BENCH / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write(header + "\n".join(sections))


if __name__ == "__main__":
    main()
