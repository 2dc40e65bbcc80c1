"""The index of precomputed figures follows the store's imports."""

from __future__ import annotations

from decimal import Decimal

from maillage.graph.observatory.communes import CommuneDataset, import_commune_values
from maillage.graph.observatory.service import Observatory


def population_values(iris, count: int) -> dict:
    population = iris.item("indicator", "population-municipale").value
    commune = iris.item("commune", "99002").value
    return {(commune, population, 2020): Decimal(count)}


def import_population(store, iris, count: int) -> None:
    dataset = CommuneDataset("population-essai", "Population", "pop.csv", "INSEE")
    import_commune_values(store, iris, population_values(iris, count), dataset)


def population_2020(observatory, iris) -> float:
    figures = observatory.figures(None)
    indicator = figures.indicator("population-municipale")
    return figures.figure(indicator, iris.item("commune", "99002").value, 2020).value


def test_refresh_twice_reads_nothing_again(observatory):
    assert not observatory.refresh().changed


def test_refresh_reads_new_dataset_only(observatory, territory_store, iris):
    import_population(territory_store, iris, 8100)
    report = observatory.refresh()
    assert (report.rebuilt, report.datasets) == (False, ["population-essai"])


def test_refresh_follows_reimport(observatory, territory_store, iris):
    import_population(territory_store, iris, 8100)
    observatory.refresh()
    import_population(territory_store, iris, 8200)
    observatory.refresh()
    assert population_2020(observatory, iris) == 8200


def test_refresh_removes_dropped_dataset(observatory, territory_store, iris):
    import_population(territory_store, iris, 8100)
    observatory.refresh()
    territory_store.drop_graph(iris.dataset_graph("population-essai"))
    report = observatory.refresh()
    figures = observatory.figures(None)
    indicator = figures.indicator("population-municipale")
    commune = iris.item("commune", "99002").value
    assert report.removed == ["population-essai"]
    assert figures.figure(indicator, commune, 2020) is None


def test_refresh_rebuilds_when_catalogue_changes(observatory, territory_store, iris):
    rsa = iris.item("indicator", "rsa-households")
    territory_store.update(
        f"DELETE WHERE {{ GRAPH ?g {{ {rsa} "
        "<https://w3id.org/maillage/ns#secrecyThreshold> ?t } }"
    )
    assert observatory.refresh().rebuilt


def test_ensure_fresh_sees_writes_of_this_process(observatory, territory_store, iris):
    import_population(territory_store, iris, 8300)
    # No explicit refresh: reading figures checks the store's write counter.
    assert population_2020(observatory, iris) == 8300


def test_index_file_is_a_cache(observatory, territory_store, iris, tmp_path):
    rebuilt = Observatory(territory_store, iris, tmp_path / "other-data")
    figures = rebuilt.figures(None)
    indicator = figures.indicator("rsa-households")
    found = figures.figure(indicator, iris.item("commune", "99002").value, 2019)
    assert found.value == 400
