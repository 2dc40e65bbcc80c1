"""Published copies and the index follow changes of secrecy rules and memberships.

The test territory's RSA table is imported with the catalogue's threshold of 5, so its
published copy hides Petitbourg (3 households) and, to protect it, Horsdate.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pyoxigraph import NamedNode

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.legal.csv_import import COLUMNS, import_legal_events
from maillage.graph.namespaces import MLG, XSD
from maillage.graph.observatory.republish import republish_all
from maillage.graph.observatory.service import Observatory, register_hooks
from maillage.graph.settings import Settings
from maillage.graph.writes import open_content_writer
from tests.conftest import BASE_IRI
from tests.graph.observatory.territory import EPCI

RSA = f"{BASE_IRI}/id/indicator/rsa-households"
RAW_GRAPH = f"{BASE_IRI}/graph/dataset/rsa-essai"
PUBLISHED_GRAPH = f"{BASE_IRI}/graph/dataset/rsa-essai-published"
EDITOR = User("redacteur", Role.EDITOR)


def set_threshold(store, threshold: int | None) -> None:
    """Replace the RSA threshold in the indicator's item graph, as a write would."""
    graph = f"{BASE_IRI}/graph/indicator/rsa-households"
    store.update(
        f"DELETE WHERE {{ GRAPH <{graph}> {{ <{RSA}> {MLG.secrecyThreshold} ?t }} }}"
    )
    if threshold is not None:
        store.update(
            f"INSERT DATA {{ GRAPH <{graph}> "
            f"{{ <{RSA}> {MLG.secrecyThreshold} {threshold} }} }}"
        )


def hidden_communes(store, year: int) -> list[str]:
    rows = store.select(
        f"SELECT ?area WHERE {{ GRAPH <{PUBLISHED_GRAPH}> {{ "
        "?s a mlg:SuppressedObservation ; sdmx-dimension:refArea ?area ; "
        f'qb:measureType <{RSA}> ; sdmx-dimension:refPeriod "{year}"^^xsd:gYear }} }}'
    )
    return sorted(row["area"].value.rsplit("/", 1)[-1] for row in rows)


def commune_figure(observatory, iris, code: str, year: int, graphs=None):
    figures = observatory.figures(graphs)
    indicator = figures.indicator("rsa-households")
    return figures.figure(indicator, iris.item("commune", code).value, year)


def epci_2017(observatory, iris) -> float:
    figures = observatory.figures(None)
    indicator = figures.indicator("rsa-households")
    return figures.figure(indicator, iris.item("epci", EPCI).value, 2017).value


def write_membership_start(tmp_path: Path, commune: str, day: str) -> Path:
    path = tmp_path / "adhesions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        row = {name: "" for name in COLUMNS}
        row.update(row_type="membership-start", date=day, epci=EPCI, commune=commune)
        writer.writerow(row)
    return path


def content_writer(store, iris, tmp_path: Path):
    settings = Settings(
        store_path=tmp_path / "unused-store",
        data_path=tmp_path / "writer-data",
        base_iri=BASE_IRI,
    )
    return open_content_writer(store, iris, settings)


def test_published_copy_hides_petitbourg_at_import(observatory, territory_store):
    assert hidden_communes(territory_store, 2019) == ["99001", "99004"]


def test_refresh_republishes_after_threshold_raised(observatory, territory_store):
    set_threshold(territory_store, 70)
    report = observatory.refresh()
    assert report.republished == ["rsa-essai"], report
    assert hidden_communes(territory_store, 2019) == ["99001", "99003", "99004"]


def test_refresh_hides_nothing_under_low_threshold(observatory, territory_store, iris):
    set_threshold(territory_store, 2)
    observatory.refresh()
    graphs = readable_graphs(territory_store, iris, ANONYMOUS)
    figure = commune_figure(observatory, iris, "99001", 2019, graphs)
    assert hidden_communes(territory_store, 2019) == []
    assert (figure.value, figure.hidden) == (3, None), figure


def test_refresh_drops_copy_without_threshold(observatory, territory_store, iris):
    set_threshold(territory_store, None)
    report = observatory.refresh()
    graphs = readable_graphs(territory_store, iris, ANONYMOUS)
    assert report.republished == ["rsa-essai"], report
    assert not territory_store.has_graph(NamedNode(PUBLISHED_GRAPH))
    assert NamedNode(RAW_GRAPH) in graphs


def test_refresh_protects_dataset_given_threshold(observatory, territory_store, iris):
    set_threshold(territory_store, None)
    observatory.refresh()
    set_threshold(territory_store, 5)
    observatory.refresh()
    graphs = readable_graphs(territory_store, iris, ANONYMOUS)
    assert hidden_communes(territory_store, 2019) == ["99001", "99004"]
    assert NamedNode(RAW_GRAPH) not in graphs


def test_refresh_ignores_other_catalogue_changes(observatory, territory_store):
    graph = f"{BASE_IRI}/graph/indicator/rsa-households"
    territory_store.update(
        f"INSERT DATA {{ GRAPH <{graph}> {{ <{RSA}> {MLG.unit} 'ménages'@fr }} }}"
    )
    report = observatory.refresh()
    assert report.rebuilt, report
    assert report.republished == [], report


def test_new_index_takes_copies_as_they_are(territory_store, iris, tmp_path):
    set_threshold(territory_store, 70)
    report = Observatory(territory_store, iris, tmp_path / "new").refresh()
    assert report.republished == [], report


def test_epci_figure_follows_imported_membership(
    observatory, territory_store, iris, tmp_path
):
    before = epci_2017(observatory, iris)
    writer = content_writer(territory_store, iris, tmp_path)
    path = write_membership_start(tmp_path, "99003", "2016-01-01")
    imported = import_legal_events(writer, path, EDITOR)
    report = observatory.refresh()
    assert imported.errors == [], imported
    assert (before, epci_2017(observatory, iris)) == (393, 448)
    assert report.republished == ["rsa-essai"], report


def test_epci_figure_follows_membership_end(observatory, territory_store, iris):
    membership = f"{BASE_IRI}/id/membership/{EPCI}-99002"
    territory_store.update(
        f"INSERT DATA {{ GRAPH <{BASE_IRI}/graph/dataset/communes-99> {{ "
        f'<{membership}> {MLG.endDate} "2016-01-01"^^{XSD.date} }} }}',
    )
    assert epci_2017(observatory, iris) == 13


def test_republish_all_skips_unprotected_datasets(territory_store, iris):
    assert republish_all(territory_store, iris) == []


def test_register_hooks_refresh_after_indicator_write(
    observatory, territory_store, iris, tmp_path
):
    writer = content_writer(territory_store, iris, tmp_path)
    register_hooks(writer, lambda: observatory)
    etag = writer.state("indicator", "rsa-households").etag
    patch = {"secrecy_threshold": 70}
    writer.patch("indicator", "rsa-households", patch, EDITOR, if_match=etag)
    assert observatory.wait(60), "the refresh did not end in 60 s"
    assert hidden_communes(territory_store, 2019) == ["99001", "99003", "99004"]


def test_ensure_fresh_reports_stale_while_refresh_runs(
    observatory, territory_store, iris
):
    observatory.wait_seconds = 0.0
    set_threshold(territory_store, 70)
    with observatory.index.write_lock:
        fresh = observatory.ensure_fresh()
        running = observatory.recomputing
    assert (fresh, running) == (False, True)
    assert observatory.wait(60), "the refresh did not end in 60 s"
