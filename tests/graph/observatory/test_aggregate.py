"""Aggregation of communes: sums of counts, quotients of sums, perimeters by year."""

from __future__ import annotations

import pytest

from maillage.graph.access import ANONYMOUS, readable_graphs
from maillage.graph.observatory.aggregate import change, quotient_of_sums, sum_values
from tests.graph.observatory.territory import EPCI

# A village of 80 inhabitants and a town of 8,000.
NUMERATORS = {"village": 4.0, "town": 160.0}
DENOMINATORS = {"village": 80.0, "town": 8000.0}


def test_quotient_of_sums_weighs_by_denominator():
    found = quotient_of_sums(NUMERATORS, DENOMINATORS, ["village", "town"], 1000)
    # (4 + 160) / (80 + 8000) × 1000 = 164 / 8080 × 1000; the mean of the rates,
    # (50 + 20) / 2 = 35, would be wrong.
    assert found.value == pytest.approx(20.2970297)


def test_quotient_of_sums_lists_commune_without_denominator():
    found = quotient_of_sums(NUMERATORS, {"town": 8000.0}, ["village", "town"], 1000)
    assert (found.value, found.missing) == (pytest.approx(20.0), ["village"])


def test_sum_values_lists_missing_communes():
    found = sum_values({"a": 3.0, "b": 4.0}, ["a", "b", "c"])
    assert (found.value, found.present, found.missing) == (7.0, 2, ["c"])


def test_sum_values_of_no_value_is_none():
    assert sum_values({}, ["a"]).value is None


def test_change_over_five_years():
    found = change({2014: 19.3887, 2019: 20.0330}, 2019, 5)
    assert found.difference == pytest.approx(0.6443)


def test_change_without_start_year_is_none():
    assert change({2019: 1.0}, 2019, 1) is None


def test_epci_rate_recomputed_from_sums(observatory, iris):
    figures = observatory.figures(None)
    rate = figures.indicator("rsa-households-per-1000")
    found = figures.figure(rate, iris.item("epci", EPCI).value, 2019)
    # (3 + 400 + 60 + 12) / (80 + 8000 + 1200 + 500) × 1000 = 475 / 9780 × 1000.
    # The mean of the four communes' rates would be 40.375.
    assert found.value == pytest.approx(48.5685072)
    assert (found.numerator, found.denominator) == (475.0, 9780.0)


def test_epci_perimeter_follows_start_dates(observatory, iris):
    figures = observatory.figures(None)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, iris.item("epci", EPCI).value, 2017)
    # Moyenval joined on 2018-01-01: 2017 counts Petitbourg, Grandeville and Horsdate.
    assert (found.value, found.expected) == (3 + 380 + 10, 3)


def test_epci_unknown_perimeter_noted(observatory, iris):
    figures = observatory.figures(None)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, iris.item("epci", EPCI).value, 2019)
    assert "Périmètre de 2019 inconnu pour 1 commune" in found.note, found.note


def test_departement_sum_of_communes(observatory, iris):
    figures = observatory.figures(None)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, iris.item("departement", "99").value, 2019)
    assert (found.value, found.missing) == (475.0, ())


def test_group_of_communes_rate_for_administrator(observatory, iris):
    figures = observatory.figures(None)
    rate = figures.indicator("rsa-households-per-1000")
    communes = [iris.item("commune", code).value for code in ("99001", "99002")]
    group = figures.group(rate, communes, 2019)
    # (3 + 400) / (80 + 8000) × 1000
    assert group.aggregate.value == pytest.approx(49.8762376)


def test_group_of_communes_leaves_hidden_out_for_anonymous(
    observatory, territory_store, iris
):
    graphs = readable_graphs(territory_store, iris, ANONYMOUS)
    figures = observatory.figures(graphs)
    count = figures.indicator("rsa-households")
    communes = [
        iris.item("commune", code).value for code in ("99001", "99002", "99005")
    ]
    group = figures.group(count, communes, 2019)
    petitbourg, missing = communes[0], [communes[2]]
    assert group.aggregate.value == 400.0
    assert group.hidden == [petitbourg]
    assert group.aggregate.missing == missing
