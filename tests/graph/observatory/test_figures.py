"""Figures as each user sees them: statistical secrecy for all but administrators."""

from __future__ import annotations

import pytest

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.observatory.secrecy import NUMERATOR, PRIMARY, SECONDARY
from tests.graph.observatory.territory import EPCI

EDITOR = User("editor", Role.EDITOR)


def figures_of(observatory, store, iris, user):
    return observatory.figures(readable_graphs(store, iris, user))


def commune(iris, code: str) -> str:
    return iris.item("commune", code).value


def test_anonymous_gets_hidden_value_with_reason(observatory, territory_store, iris):
    figures = figures_of(observatory, territory_store, iris, ANONYMOUS)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, commune(iris, "99001"), 2019)
    assert (found.value, found.hidden.rule) == (None, PRIMARY)
    assert "inférieur à 5" in found.hidden.reason


def test_editor_gets_hidden_value_too(observatory, territory_store, iris):
    figures = figures_of(observatory, territory_store, iris, EDITOR)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, commune(iris, "99004"), 2019)
    assert (found.value, found.hidden.rule) == (None, SECONDARY)


def test_administrator_gets_every_value(observatory):
    figures = observatory.figures(None)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, f"{figures.iris.base}/id/commune/99001", 2019)
    assert (found.value, found.hidden) == (3, None)


def test_rate_of_hidden_numerator_is_hidden(observatory, territory_store, iris):
    figures = figures_of(observatory, territory_store, iris, ANONYMOUS)
    rate = figures.indicator("rsa-households-per-1000")
    found = figures.figure(rate, commune(iris, "99001"), 2019)
    assert (found.value, found.numerator, found.hidden.rule) == (None, None, NUMERATOR)


def test_epci_total_is_published(observatory, territory_store, iris):
    figures = figures_of(observatory, territory_store, iris, ANONYMOUS)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, iris.item("epci", EPCI).value, 2019)
    assert (found.value, found.hidden) == (475.0, None)


def test_communes_of_epci_hide_two_cells(observatory, territory_store, iris):
    figures = figures_of(observatory, territory_store, iris, ANONYMOUS)
    count = figures.indicator("rsa-households")
    rows, _ = figures.communes_of(count, iris.item("epci", EPCI).value, 2019)
    hidden = [name for _, name, figure in rows if figure.is_hidden]
    assert hidden == ["Petitbourg", "Horsdate"]


def test_series_lists_years_in_order(observatory):
    figures = observatory.figures(None)
    count = figures.indicator("rsa-households")
    series = figures.series(count, f"{figures.iris.base}/id/commune/99002")
    assert [(f.year, f.value) for f in series] == [(2017, 380), (2019, 400)]


def test_figures_mark_dataset_generated_or_not(observatory):
    figures = observatory.figures(None)
    count = figures.indicator("rsa-households")
    found = figures.figure(count, f"{figures.iris.base}/id/commune/99002", 2019)
    assert (found.datasets, found.generated) == (("rsa-essai",), False)


def test_unknown_indicator_raises_not_found(observatory):
    from maillage.graph.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no indicator 'nothing'"):
        observatory.figures(None).indicator("nothing")
