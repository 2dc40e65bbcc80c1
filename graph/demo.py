"""Load the demo data: the ontology, the reference datasets and the mission's content.

The reference files in `graph/demo/` hold facts only (codes, names, populations,
figures); `graph/demo/README.md` gives the provenance of each. `mission.trig` contains
the content items of the 2014-2015 CAPCA mission, each in its own named graph, with IRIs
relative to the base.

The demo ends by writing the graph of the `demo` dataset, which lists the datasets it
loaded; `is_loaded` looks for that graph, so an interrupted load does not count as
loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import DefaultGraph, RdfFormat, parse

from maillage.graph.errors import MalformedRequestError
from maillage.graph.importers.banatic import import_banatic
from maillage.graph.importers.communes import import_communes
from maillage.graph.importers.indicators import import_indicator_folder
from maillage.graph.importers.legal import import_legal_folder, import_legal_references
from maillage.graph.importers.ntriples import (
    DatasetInfo,
    ImportReport,
    TripleWriter,
    describe_dataset,
    iri,
    replace_dataset_graph,
)
from maillage.graph.iris import Iris
from maillage.graph.namespaces import DCTERMS
from maillage.graph.observatory.demo import load_observatory_demo
from maillage.graph.ontology import load_ontology
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

DEMO_FOLDER = Path(__file__).resolve().parent / "demo"
DEMO_SLUG = "demo"
MISSION_FILE = "mission.trig"

# Called with the label of the step about to run, its index and the number of steps;
# called once more with an empty label and index == total at the end.
Progress = Callable[[str, int, int], None]


def load_demo(
    store: GraphStore,
    iris: Iris,
    *,
    progress: Progress | None = None,
    legal_texts: Path | None = None,
    folder: Path = DEMO_FOLDER,
) -> list[ImportReport]:
    """Load the ontology, the reference datasets and the mission; return the reports.

    Each dataset graph and each item graph of the mission is replaced, so loading twice
    gives the same store. `legal_texts` is the folder of legal texts: with it, law
    articles get a text path; without it, they are references only.
    """
    steps: list[tuple[str, Callable[[], list[ImportReport]]]] = [
        ("ontology", lambda: _load_ontology(store, iris)),
        ("communes and EPCI", lambda: [_load_communes(store, iris, folder)]),
        ("BANATIC competences", lambda: [_load_banatic(store, iris, folder)]),
        ("legal acts", lambda: [_load_legal(store, iris, folder, legal_texts)]),
        (
            "indicators",
            lambda: import_indicator_folder(store, iris, folder / "indicators"),
        ),
        ("mission content", lambda: _load_mission(store, iris, folder)),
        # Generated commune series, from the communes and the mission's catalogue.
        ("observatory series", lambda: load_observatory_demo(store, iris)),
    ]
    reports: list[ImportReport] = []
    for index, (label, step) in enumerate(steps):
        if progress is not None:
            progress(label, index, len(steps))
        reports.extend(step())
    reports.append(_mark_loaded(store, iris, reports))
    if progress is not None:
        progress("", len(steps), len(steps))
    for report in reports:
        for problem in report.problems:
            logger.warning("demo dataset %s: %s", report.dataset, problem)
    return reports


def is_loaded(store: GraphStore) -> bool:
    """Return True when a complete demo load has written the `demo` dataset graph."""
    suffix = f"/graph/dataset/{DEMO_SLUG}"
    return any(graph.value.endswith(suffix) for graph in store.named_graphs())


def _load_ontology(store: GraphStore, iris: Iris) -> list[ImportReport]:
    size = load_ontology(store, iris)
    return [ImportReport("ontology", iris.ontology_graph.value, triples=size or 0)]


def _load_communes(store: GraphStore, iris: Iris, folder: Path) -> ImportReport:
    return import_communes(
        store,
        iris,
        folder / "communes_dep07.json",
        folder / "epci_dep07.json",
        folder / "territoires_dep07.json",
    )


def _load_banatic(store: GraphStore, iris: Iris, folder: Path) -> ImportReport:
    return import_banatic(store, iris, folder / "banatic_competences_codes.csv")


def _load_legal(
    store: GraphStore, iris: Iris, folder: Path, legal_texts: Path | None
) -> ImportReport:
    if legal_texts is not None and legal_texts.is_dir():
        return import_legal_folder(store, iris, legal_texts)
    return import_legal_references(store, iris, folder / "legal_acts.csv")


def _load_mission(store: GraphStore, iris: Iris, folder: Path) -> list[ImportReport]:
    """Replace the item graphs of `mission.trig`; skip when the file is absent."""
    path = folder / MISSION_FILE
    if not path.is_file():
        logger.info(
            "no %s in %s; the demo has no mission content", MISSION_FILE, folder
        )
        return []
    try:
        quads = list(
            parse(path=str(path), format=RdfFormat.TRIG, base_iri=iris.document_base)
        )
    except SyntaxError as exc:
        raise MalformedRequestError(f"invalid TriG in {path.name}: {exc}") from exc
    if any(isinstance(quad.graph_name, DefaultGraph) for quad in quads):
        raise MalformedRequestError(
            f"{path.name} has triples outside any named graph; "
            "put each item in its graph"
        )
    graphs = {quad.graph_name.value: quad.graph_name for quad in quads}
    # NOTE: the graphs are dropped, then the quads added in one transaction; a query in
    # between may miss the mission items.
    for graph in graphs.values():
        store.drop_graph(graph)
    store.add_quads(quads)
    logger.info(
        "mission content loaded: %d quads in %d graphs", len(quads), len(graphs)
    )
    return [ImportReport("mission", path.name, triples=len(quads))]


def _mark_loaded(
    store: GraphStore, iris: Iris, reports: list[ImportReport]
) -> ImportReport:
    info = DatasetInfo(
        slug=DEMO_SLUG,
        title="Données de démonstration de maillage",
        source="graph/demo",
        publisher="maillage",
    )
    writer = TripleWriter()
    demo = describe_dataset(writer, iris, info)
    dataset_graphs = f"{iris.base}/graph/dataset/"
    for report in reports:
        if report.graph.startswith(dataset_graphs):
            dataset = iris.item("dataset", report.dataset)
            writer.add(demo, iri(DCTERMS.hasPart), iri(dataset))
    return replace_dataset_graph(store, iris, DEMO_SLUG, writer)
