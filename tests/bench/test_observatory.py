"""The observatory benchmark writes the observations it does not load into Oxigraph."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from pyoxigraph import RdfFormat, parse

from maillage.graph.importers.ntriples import replace_dataset_graph
from maillage.graph.namespaces import QB, RDF

BENCH_PATH = Path(__file__).resolve().parents[2] / "bench" / "observatory.py"
_spec = importlib.util.spec_from_file_location("bench_observatory", BENCH_PATH)
bench = importlib.util.module_from_spec(_spec)
# dataclasses look the module up in sys.modules while they build the classes.
sys.modules[_spec.name] = bench
_spec.loader.exec_module(bench)


def observation_triples(store, iris) -> set[str]:
    graph = iris.dataset_graph(bench.SLUG)
    triples = store.graph_triples(graph)
    observations = {
        t.subject
        for t in triples
        if t.predicate == RDF.type and t.object == QB.Observation
    }
    return {str(t) for t in triples if t.subject in observations}


def test_observation_files_match_importer(store, iris, tmp_path):
    bench.load_catalogue(store, iris)
    scale = bench.Scale(1, 12, oxigraph=True)
    territory, writer = bench.make_territory(iris, scale)
    replace_dataset_graph(store, iris, "communes-bench", writer)
    folder = tmp_path / "files"
    paths = bench.write_observation_files(
        store, iris, territory, folder, communes_per_file=5
    )
    bench.import_as_rdf(store, iris, territory)
    filed = {
        str(triple)
        for path in paths
        for triple in parse(path=str(path), format=RdfFormat.N_TRIPLES)
    }
    assert [path.name for path in paths] == [
        "observations-0000.nt",
        "observations-0001.nt",
        "observations-0002.nt",
    ]
    assert filed == observation_triples(store, iris)
