"""Time the first full draw of the network page in Chromium, at 500 and 2,000 nodes.

For each size, the script writes a made-up territory into a new store (communes spread
over EPCI, action sheets led by an EPCI with a CAF as partner, a commune as operator and
one of ten competences), serves the app with uvicorn on 127.0.0.1 in a thread, and
opens `/network` in Debian's Chromium, launched with the flags of `tests/browser.py`
(no network but the loopback one). The page's script records `window.maillageDrawnAt`,
the time of vis-network's first `afterDrawing` event in milliseconds since navigation
started: that is the time to first full draw, page download, script start and drawing
included. The script checks that every node lies inside the canvas on that draw, and
prints the median duration of each step that the page marks with `performance.mark`:
loading the HTML, styles and vis-network, reading the JSON, building the DataSets,
constructing the network and drawing it.

Each size gets one cold run, whose server builds the network and computes the layout,
then `--runs` warm runs in fresh browser contexts, whose server reads both from its
caches. The target is a first full draw under 1 s at 2,000 nodes.

As a yardstick measured at the same time on the same machine, the script also times a
bare page: vis-network alone, physics off, drawing the same nodes at the same positions
with their labels and colours, from a static file server, with no menus, tooltips or
other script. Shared machines vary a lot from run to run, and the ratio of the two
figures varies less than either.

Command: `.venv/bin/python bench/network.py` (from the repository root).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pyoxigraph import RdfFormat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from maillage.graph.iris import Iris  # noqa: E402
from maillage.graph.settings import Settings  # noqa: E402
from maillage.graph.store import GraphStore  # noqa: E402
from maillage.server.app import create_app  # noqa: E402
from maillage.viz.page import STATIC_DIR, read_payload  # noqa: E402
from tests.browser import CHROMIUM, CHROMIUM_ARGS, serve  # noqa: E402

SIZES = (500, 2000)
TARGET_MS = 1000.0
BASE_IRI = "http://127.0.0.1:8000"

_PREFIXES = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""

_MEASURE = """() => {
    const network = window.maillageNetwork;
    const box = document.getElementById("network-canvas").getBoundingClientRect();
    const ids = network.body.data.nodes.getIds();
    const inside = ids.filter((id) => {
        const spot = network.canvasToDOM(network.getPosition(id));
        return spot.x >= 0 && spot.y >= 0
            && spot.x <= box.width && spot.y <= box.height;
    }).length;
    const navigation = performance.getEntriesByType("navigation")[0];
    const marks = {};
    performance.getEntriesByType("mark").forEach((mark) => {
        marks[mark.name] = mark.startTime;
    });
    return {
        drawn: window.maillageDrawnAt,
        response_end: navigation.responseEnd,
        html_bytes: navigation.decodedBodySize,
        marks: marks,
        nodes: ids.length,
        inside: inside,
    };
}"""

# The network page's own marks (viz/static/network.js), in the order it sets them, each
# with the name of the step that ends on it.
PAGE_STEPS: tuple[tuple[str, str], ...] = (
    ("maillage-script-start", "HTML, styles and vis-network loaded"),
    ("maillage-json-parsed", "JSON parsed and expanded into objects"),
    ("maillage-datasets-built", "DataSets built"),
    ("maillage-network-built", "vis.Network constructed"),
    ("maillage-drawn", "first draw"),
)


_BARE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<style>html, body, #network-canvas { height: 100%; margin: 0; }</style></head>
<body><div id="network-canvas"></div>
<script src="vis-network.min.js"></script>
<script src="bare.js"></script>
</body></html>
"""

# The bare page's script, with the same end-of-drawing signal as the network page.
_BARE_SCRIPT = """
fetch("data.json").then((response) => response.json()).then((data) => {
  const network = new vis.Network(
    document.getElementById("network-canvas"),
    {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)},
    data.options);
  window.maillageNetwork = network;
  network.once("afterDrawing", () => {
    window.maillageDrawnAt = performance.now();
    document.getElementById("network-canvas").dataset.drawn = "true";
  });
});
"""


@dataclass(frozen=True)
class Draw:
    """One page load: first full draw, end of the HTML response and marks, in ms."""

    drawn_ms: float
    response_ms: float
    html_bytes: int
    marks: dict[str, float]
    nodes: int
    inside: int

    def steps(self) -> list[float]:
        """Return the duration of each step of `PAGE_STEPS`, in ms, from the HTML's end."""
        times = [self.response_ms]
        times += [self.marks.get(name, float("nan")) for name, _ in PAGE_STEPS]
        return [after - before for before, after in zip(times, times[1:])]


def territory_turtle(nodes: int) -> str:
    """Return Turtle for a made-up territory of exactly `nodes` nodes."""
    actions = nodes // 20
    epcis = max(1, nodes // 100)
    competences = min(actions, 10)
    communes = nodes - epcis - 2 * actions - competences
    lines = [_PREFIXES]
    for epci in range(epcis):
        lines.append(
            f'<id/epci/e{epci}> a mlg:EPCI ; skos:prefLabel "EPCI {epci}"@fr .'
        )
    for commune in range(communes):
        lines.append(
            f"<id/commune/c{commune}> a mlg:Commune ;"
            f' skos:prefLabel "Commune {commune}"@fr .\n'
            f"<id/membership/m{commune}> org:member <id/commune/c{commune}> ;\n"
            f"    org:organization <id/epci/e{commune % epcis}> ."
        )
    for competence in range(competences):
        lines.append(
            f"<id/competence/k{competence}> a mlg:Competence ;"
            f' skos:prefLabel "Compétence {competence}"@fr .'
        )
    for action in range(actions):
        lines.append(_action(action, action % epcis, action % competences))
    return "\n".join(lines)


def _action(action: int, epci: int, competence: int) -> str:
    return f"""
<id/actor/caf-{action}> a mlg:CAF ; skos:prefLabel "CAF {action}"@fr .
<id/action/a{action}> a mlg:Action ;
    dcterms:title "Action {action}"@fr ;
    mlg:reliesOnCompetence <id/competence/k{competence}> ;
    mlg:involvement
        [ mlg:agent <id/epci/e{epci}> ; mlg:role <id/concept/role-lead> ],
        [ mlg:agent <id/actor/caf-{action}> ; mlg:role <id/concept/role-partner> ],
        [ mlg:agent <id/commune/c{action}> ; mlg:role <id/concept/role-operator> ] .
"""


def measure(
    size: int, runs: int, browser, folder: Path
) -> tuple[list[Draw], list[Draw]]:
    """Load the network page of `size` nodes `runs + 1` times, the bare page `runs`."""
    settings = Settings(
        store_path=folder / f"store-{size}", data_path=folder / f"data-{size}"
    )
    iris = Iris(settings.base_iri)
    store = GraphStore(settings.store_path)
    store.oxigraph.load(
        territory_turtle(size).encode(),
        format=RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=iris.dataset_graph("bench-territory"),
    )
    draws = []
    bare = []
    try:
        with serve(create_app(settings, store=store)) as url:
            for _ in range(runs + 1):
                draws.append(_load(browser, f"{url}/network"))
        bare_folder = folder / f"bare-{size}"
        _write_bare_page(bare_folder, read_payload(store, iris, None))
        with _serve_folder(bare_folder) as url:
            for _ in range(runs):
                bare.append(_load(browser, f"{url}/index.html"))
    finally:
        store.close()
    return draws, bare


def _write_bare_page(folder: Path, payload: dict) -> None:
    """Write the bare vis-network page for the nodes and edges of `payload`."""
    folder.mkdir()
    node_fields = ("id", "label", "x", "y", "color", "shape", "size")
    edge_fields = ("from", "to", "color", "dashes")
    data = {
        "nodes": [{k: n[k] for k in node_fields} for n in payload["nodes"]],
        "edges": [{k: e[k] for k in edge_fields} for e in payload["edges"]],
        "options": payload["options"],
    }
    (folder / "data.json").write_text(json.dumps(data), encoding="utf-8")
    (folder / "index.html").write_text(_BARE_PAGE, encoding="utf-8")
    (folder / "bare.js").write_text(_BARE_SCRIPT, encoding="utf-8")
    shutil.copy(STATIC_DIR / "vis-network.min.js", folder)


@contextmanager
def _serve_folder(folder: Path) -> Iterator[str]:
    """Serve the files of `folder` on a free port of 127.0.0.1 in a thread."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _load(browser, url: str) -> Draw:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded", timeout=120_000)
        page.wait_for_selector("#network-canvas[data-drawn='true']", timeout=120_000)
        result = page.evaluate(_MEASURE)
    finally:
        context.close()
    return Draw(
        result["drawn"],
        result["response_end"],
        result["html_bytes"],
        result["marks"],
        result["nodes"],
        result["inside"],
    )


def report(size: int, draws: list[Draw], bare: list[Draw]) -> None:
    cold, warm = draws[0], draws[1:]
    warm_ms = [draw.drawn_ms for draw in warm]
    bare_ms = [draw.drawn_ms for draw in bare]
    print(f"\n{size} nodes ({cold.nodes} drawn, {cold.inside} inside the canvas)")
    print(
        f"  cold run: first full draw {cold.drawn_ms:.0f} ms, "
        f"HTML received at {cold.response_ms:.0f} ms"
    )
    if not warm:
        return
    print(
        f"  warm runs: first full draw median {statistics.median(warm_ms):.0f} ms, "
        f"best {min(warm_ms):.0f} ms, all {_list(warm_ms)} ms"
    )
    print(f"  warm runs: HTML received at {_list([d.response_ms for d in warm])} ms")
    print(f"  HTML of the page: {warm[0].html_bytes / 1024:.0f} KiB")
    steps = [draw.steps() for draw in warm]
    for index, (_, label) in enumerate(PAGE_STEPS):
        durations = [values[index] for values in steps]
        print(f"    {label}: median {statistics.median(durations):.0f} ms")
    print(
        f"  bare vis-network page: first full draw median "
        f"{statistics.median(bare_ms):.0f} ms, all {_list(bare_ms)} ms"
    )
    ratio = statistics.median(warm_ms) / statistics.median(bare_ms)
    print(f"  ratio of the medians, network page over bare page: {ratio:.2f}")
    if size == max(SIZES):
        verdict = "met" if statistics.median(warm_ms) < TARGET_MS else "missed"
        print(f"  target of {TARGET_MS:.0f} ms at {size} nodes: {verdict}")


def _list(values: list[float]) -> str:
    return ", ".join(f"{value:.0f}" for value in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="Warm runs per size.")
    arguments = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is absent: install Debian's chromium package")

    from playwright.sync_api import sync_playwright

    print(
        f"machine: {os.cpu_count()} cores, {platform.system()}, Python "
        f"{platform.python_version()}, load average "
        + ", ".join(f"{value:.1f}" for value in os.getloadavg())
    )
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            for size in SIZES:
                draws, bare = measure(size, arguments.runs, browser, Path(folder))
                report(size, draws, bare)
        finally:
            browser.close()
    print(f"\ntotal {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
