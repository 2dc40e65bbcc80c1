"""Ardèche against France on the real DREES and Insee tables.

The expected rates are computed by hand from the cells of the tables, written in the
comments: `RSAalloc` of `MINSOCsl` (households receiving the RSA) over `popTOT` of
`PopDepartementales`, times 1,000. Both tables give "France métropolitaine" with the
same scope, which is the France the comparison uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maillage.graph.importers.indicators import import_indicator_table
from maillage.graph.iris import Iris
from maillage.graph.observatory.service import Observatory
from maillage.graph.store import GraphStore
from tests.conftest import BASE_IRI, SHARED_DATA
from tests.graph.importers.helpers import DEMO
from tests.graph.observatory.territory import load_test_territory

TABLES = ("MINSOCsl", "PopDepartementales")
ARDECHE = f"{BASE_IRI}/id/departement/07"
FRANCE_METROPOLITAINE = f"{BASE_IRI}/id/territory/france-metropolitaine"
FRANCE = f"{BASE_IRI}/id/territory/france"
AUVERGNE_RHONE_ALPES = f"{BASE_IRI}/id/region/84"


@pytest.fixture(scope="module", params=["demo", "shared"])
def observatory(request, tmp_path_factory):
    """Return an observatory of the two tables, from the demo copy or the originals."""
    if request.param == "shared":
        if not SHARED_DATA.is_dir():
            pytest.skip(f"public input folder {SHARED_DATA} is absent on this clone")
        folder = SHARED_DATA / "indicators" / "asdep_dep07"
    else:
        folder = DEMO / "indicators"
    root = tmp_path_factory.mktemp(f"real-tables-{request.param}")
    store = GraphStore(root / "store")
    iris = Iris(BASE_IRI)
    load_test_territory(store, iris)
    for name in TABLES:
        import_indicator_table(
            store,
            iris,
            next(Path(folder).glob(f"{name}_*national.csv")),
            folder / f"{name}_description.csv",
            name=name,
        )
    found = Observatory(store, iris, root / "data")
    found.refresh()
    yield found
    store.close()


def value(observatory, key: str, territory: str, year: int) -> float | None:
    figures = observatory.figures(None)
    found = figures.figure(figures.indicator(key), territory, year)
    return found.value if found is not None else None


def test_rsa_rate_ardeche_2019(observatory):
    # 6598 / 329357 × 1000
    assert value(observatory, "rsa-households-per-1000", ARDECHE, 2019) == (
        pytest.approx(20.032973, abs=1e-6)
    )


def test_rsa_rate_france_metropolitaine_2019(observatory):
    # 1707800 / 65284389 × 1000
    found = value(observatory, "rsa-households-per-1000", FRANCE_METROPOLITAINE, 2019)
    assert found == pytest.approx(26.159393, abs=1e-6)


def test_rsa_rate_ardeche_2014(observatory):
    # 6286 / 324209 × 1000
    assert value(observatory, "rsa-households-per-1000", ARDECHE, 2014) == (
        pytest.approx(19.388728, abs=1e-6)
    )


def test_rsa_rate_ardeche_change_over_five_years(observatory):
    figures = observatory.figures(None)
    rate = figures.indicator("rsa-households-per-1000")
    _, _, five = figures.latest(ARDECHE, [rate])[rate.iri]
    # 20.032973 - 19.388728 points, from 2014 to 2019.
    assert (five.years, five.difference) == (5, pytest.approx(0.644246, abs=1e-6))


def test_rsa_covered_people_come_from_rsabenef_column(observatory):
    # The column named RSAbenef contains the population covered by the RSA: 12596 in
    # Ardèche in 2019, where RSApopcouv contains the 7415 adult beneficiaries.
    assert value(observatory, "rsa-covered-people", ARDECHE, 2019) == 12596


def test_comparison_uses_france_metropolitaine(observatory):
    figures = observatory.figures(None)
    rate = figures.indicator("rsa-households-per-1000")
    comparison = figures.comparison(rate, ARDECHE, 2019)
    places = [iri for iri, _, _ in comparison.figures]
    assert places == [ARDECHE, AUVERGNE_RHONE_ALPES, FRANCE_METROPOLITAINE]


def test_comparison_region_has_no_rsa_figure(observatory):
    figures = observatory.figures(None)
    rate = figures.indicator("rsa-households-per-1000")
    found = dict(
        (iri, f) for iri, _, f in figures.comparison(rate, ARDECHE, 2019).figures
    )
    # The minimum income table has no row for a région: no rate, not a wrong one.
    assert found[AUVERGNE_RHONE_ALPES] is None


def test_france_totals_of_different_scopes_are_not_mixed(observatory):
    # "France" counts Mayotte in the population table and may not in the minimum
    # income one, so no rate divides one by the other.
    assert value(observatory, "rsa-households-per-1000", FRANCE, 2019) is None
