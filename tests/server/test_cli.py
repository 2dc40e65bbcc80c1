import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore
from maillage.server.cli import app
from tests.conftest import BASE_IRI

DEMO = Path(__file__).resolve().parents[2] / "graph" / "demo"
CAPCA_COUNT = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT (COUNT(?m) AS ?n) WHERE {
  ?m org:organization <http://maillage.test/id/epci/200071413>
}"""

runner = CliRunner()


def run(store_path: Path, *args: str):
    """Run a `maillage` command on the store at `store_path`."""
    result = runner.invoke(
        app, [*args, "--store", str(store_path), "--base-iri", BASE_IRI]
    )
    return result


def count(store_path: Path, query: str = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"):
    result = run(store_path, "query", "--format", "csv", query)
    assert result.exit_code == 0, result.output
    return int(result.output.split()[-1])


def test_cli_import_demo_then_query(tmp_path):
    result = run(tmp_path / "store", "import", "demo")
    assert result.exit_code == 0, result.output
    assert count(tmp_path / "store", CAPCA_COUNT) == 42


def test_cli_query_table_shows_labels(tmp_path):
    run(
        tmp_path / "store",
        "import",
        "communes",
        *communes_files(),
        "--epci",
        "200071413",
    )
    result = run(
        tmp_path / "store",
        "query",
        "SELECT ?l WHERE { <http://maillage.test/id/commune/07186> skos:prefLabel ?l }",
    )
    assert result.exit_code == 0, result.output
    assert "Privas@fr" in result.output, result.output


def test_cli_query_from_file(tmp_path):
    run(
        tmp_path / "store",
        "import",
        "communes",
        *communes_files(),
        "--epci",
        "200071413",
    )
    query_file = tmp_path / "capca.rq"
    query_file.write_text(CAPCA_COUNT, encoding="utf-8")
    assert count(tmp_path / "store", f"@{query_file}") == 42


def test_cli_query_ask(tmp_path):
    result = run(tmp_path / "store", "query", "ASK { ?s ?p ?o }")
    assert (result.exit_code, result.output.strip()) == (0, "false"), result.output


def test_cli_query_construct_as_ntriples(tmp_path):
    run(
        tmp_path / "store",
        "import",
        "banatic",
        str(DEMO / "banatic_competences_codes.csv"),
    )
    result = run(
        tmp_path / "store",
        "query",
        "--format",
        "nt",
        "CONSTRUCT { ?c skos:notation ?n } "
        "WHERE { ?c skos:notation ?n ; owl:deprecated true }",
    )
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 15, result.output


def test_cli_query_service_rejected(tmp_path):
    result = run(
        tmp_path / "store",
        "query",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    )
    assert result.exit_code == 1
    assert "not allowed" in result.output, result.output


def test_cli_query_wrong_format_for_form(tmp_path):
    result = run(
        tmp_path / "store", "query", "--format", "ttl", "SELECT * { ?s ?p ?o }"
    )
    assert result.exit_code == 1
    assert "does not apply to a SELECT query" in result.output, result.output


def test_cli_load_turtle_into_dataset_graph(tmp_path):
    data = tmp_path / "partners.ttl"
    data.write_text(
        "<id/actor/caf-ardeche> "
        '<http://www.w3.org/2004/02/skos/core#prefLabel> "CAF"@fr .',
        encoding="utf-8",
    )
    result = run(tmp_path / "store", "load", str(data))
    assert result.exit_code == 0, result.output
    assert (
        count(
            tmp_path / "store",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://maillage.test/graph/dataset/partners>"
            " { <http://maillage.test/id/actor/caf-ardeche> ?p ?o } }",
        )
        == 1
    )


def test_cli_load_missing_file_fails(tmp_path):
    result = run(tmp_path / "store", "load", str(tmp_path / "absent.ttl"))
    assert result.exit_code == 2, result.output


def test_cli_dump_and_load_round_trip(tmp_path):
    run(tmp_path / "store", "import", "legal", str(DEMO / "legal_acts.csv"))
    dump_file = tmp_path / "backup.trig"
    result = run(tmp_path / "store", "dump", str(dump_file))
    assert result.exit_code == 0, result.output
    run(tmp_path / "copy", "load", str(dump_file))
    assert count(tmp_path / "copy") == count(tmp_path / "store")


def test_cli_dump_unknown_format(tmp_path):
    result = run(
        tmp_path / "store", "dump", "--format", "turtle", str(tmp_path / "x.ttl")
    )
    assert result.exit_code == 1
    assert "unknown dump format 'turtle'" in result.output, result.output


def test_cli_import_indicators_folder(tmp_path):
    result = run(tmp_path / "store", "import", "indicators", str(DEMO / "indicators"))
    assert result.exit_code == 0, result.output
    assert "drees-minsocsl" in result.output, result.output


def test_cli_import_indicator_table_needs_description(tmp_path):
    table = DEMO / "indicators" / "MINSOCsl_dep07_and_national.csv"
    result = run(tmp_path / "store", "import", "indicators", str(table))
    assert result.exit_code == 1
    assert "--description" in result.output, result.output


def test_cli_import_communes_unknown_epci(tmp_path):
    result = run(
        tmp_path / "store",
        "import",
        "communes",
        *communes_files(),
        "--epci",
        "123456789",
    )
    assert result.exit_code == 1
    assert "EPCI 123456789 not found" in result.output, result.output


def test_cli_invalid_base_iri(tmp_path):
    result = runner.invoke(
        app,
        ["dump", str(tmp_path / "x.trig"), "--store", str(tmp_path), "--base-iri", "x"],
    )
    assert result.exit_code == 1
    assert "must start with http://" in result.output, result.output


def test_cli_serve_loads_demo_and_answers(tmp_path):
    port = free_port()
    response, output = serve_once(
        tmp_path,
        port,
        "--host",
        "127.0.0.1",
        "--base-iri",
        f"http://127.0.0.1:{port}",
        "--load-demo-if-empty",
    )
    assert response.status_code == 200, output
    assert f"http://127.0.0.1:{port}/sparql" in output, output
    assert re.search(r"127\.0\.0\.1 GET /health 200 \d+\.\d ms", output), output
    graph_store = GraphStore(tmp_path / "store")
    try:
        capca = Iris(f"http://127.0.0.1:{port}").item("epci", "200071413")
        assert graph_store.ask(f"ASK {{ ?m org:organization {capca} }}")
    finally:
        graph_store.close()


def test_cli_serve_without_access_log(tmp_path):
    response, output = serve_once(tmp_path, free_port(), "--no-access-log")
    assert response.status_code == 200, output
    assert "/health" not in output, output


def serve_once(tmp_path: Path, port: int, *options: str) -> tuple[httpx.Response, str]:
    """Start `maillage serve` on `port`, read /health, stop it; return its output too."""
    command = [
        str(Path(sys.executable).with_name("maillage")),
        "serve",
        "--port",
        str(port),
        "--store",
        str(tmp_path / "store"),
        *options,
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        response = wait_for(f"http://127.0.0.1:{port}/health", server)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    return response, output


def communes_files() -> list[str]:
    names = ("communes_dep07.json", "epci_dep07.json", "territoires_dep07.json")
    return [str(DEMO / name) for name in names]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(
    url: str, server: subprocess.Popen, timeout: float = 90.0
) -> httpx.Response:
    """Poll `url` until the server responds; fail if it exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with status {server.returncode}")
        try:
            return httpx.get(url, timeout=2.0)
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"no answer from {url} within {timeout} s")


def test_cli_query_names_a_store_in_use(tmp_path):
    store_path = tmp_path / "store"
    GraphStore(store_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, pyoxigraph; store = pyoxigraph.Store(sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(store_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        result = run(store_path, "query", "ASK {}")
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1, result.output
    assert "is open in another process" in " ".join(result.output.split())
    assert "Traceback" not in result.output
