"""Importing commune tables: Data Cube checks first, then raw and published graphs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyoxigraph import Store

from maillage.graph.access import ANONYMOUS, Role, User, readable_graphs
from maillage.graph.errors import ValidationFailedError
from maillage.graph.observatory.communes import (
    CommuneDataset,
    import_commune_values,
    import_insee_csv,
)
from maillage.graph.observatory.constraints import check_cube
from maillage.graph.observatory.publish import ImportRejectedError
from tests.graph.observatory.territory import TEST_DATASET, table_values

GRAPH = "http://maillage.test/graph/dataset/"
CSV_TEXT = (
    "CODGEO;LIBGEO;NB_RSA;POP\n99001;Petitbourg;3;80\n99002;Grandeville;400;8000,0\n"
)
MAP = {"NB_RSA": "rsa-households", "POP": "population-municipale"}


def write_csv(tmp_path, text: str = CSV_TEXT):
    path = tmp_path / "rsa_2019.csv"
    path.write_text(text, encoding="utf-8")
    return path


def graphs_of(store) -> set[str]:
    return {graph.value for graph in store.named_graphs()}


def test_import_insee_csv_writes_provenance(territory_store, iris, tmp_path):
    import_insee_csv(
        territory_store, iris, write_csv(tmp_path), MAP, period=2019, publisher="CAF"
    )
    rows = territory_store.select(
        "SELECT ?source ?publisher ?vintage ?loaded WHERE { "
        "<http://maillage.test/id/dataset/communes-rsa-2019> dcterms:source ?source ; "
        "dcterms:publisher ?publisher ; mlg:vintage ?vintage ; "
        "prov:generatedAtTime ?loaded }"
    )
    found = [
        (r["source"].value, r["publisher"].value, r["vintage"].value) for r in rows
    ]
    assert found == [("rsa_2019.csv", "CAF", "2019")]
    assert rows[0]["loaded"].value.startswith("20"), rows


def test_import_insee_csv_one_cube_per_indicator(territory_store, iris, tmp_path):
    import_insee_csv(
        territory_store, iris, write_csv(tmp_path), MAP, period=2019, publisher="CAF"
    )
    rows = territory_store.select(
        "SELECT ?cube ?dsd WHERE { "
        "<http://maillage.test/id/dataset/communes-rsa-2019> dcterms:hasPart ?cube . "
        "?cube a qb:DataSet ; qb:structure ?dsd }"
    )
    found = sorted(r["dsd"].value for r in rows)
    assert found == [
        "http://maillage.test/id/indicator/population-municipale#structure",
        "http://maillage.test/id/indicator/rsa-households#structure",
    ]


def test_import_insee_csv_rejects_bad_rows(territory_store, iris, tmp_path):
    before = graphs_of(territory_store)
    text = CSV_TEXT + "99003;Moyenval;trois;1200\n9900;Faux;1;1\n"
    with pytest.raises(ImportRejectedError) as caught:
        import_insee_csv(
            territory_store,
            iris,
            write_csv(tmp_path, text),
            MAP,
            period=2019,
            publisher="CAF",
        )
    origins = [problem.origin for problem in caught.value.problems]
    assert origins == ["row 4, column NB_RSA", "row 5"]
    assert graphs_of(territory_store) == before


def test_import_rejects_cube_without_structure(territory_store, iris):
    territory_store.update(
        "INSERT DATA { GRAPH <http://maillage.test/graph/indicator/bare> { "
        "<http://maillage.test/id/indicator/bare> a "
        "<https://w3id.org/maillage/ns#Indicator> ; "
        '<http://www.w3.org/2000/01/rdf-schema#label> "Sans structure"@fr ; '
        '<https://w3id.org/maillage/ns#unit> "personnes"@fr } }'
    )
    before = graphs_of(territory_store)
    values = {
        (
            iris.item("commune", "99001").value,
            iris.item("indicator", "bare").value,
            2019,
        ): Decimal(4)
    }
    with pytest.raises(ImportRejectedError) as caught:
        import_commune_values(territory_store, iris, values, TEST_DATASET)
    problem = caught.value.problems[0]
    assert (problem.constraint, problem.origin) == (
        "structure",
        "http://maillage.test/id/dataset/rsa-essai#cube-bare",
    )
    assert graphs_of(territory_store) == before


def test_import_insee_csv_unknown_indicator_key(territory_store, iris, tmp_path):
    with pytest.raises(ValidationFailedError, match="unknown indicator 'foyers-rsa'"):
        import_insee_csv(
            territory_store,
            iris,
            write_csv(tmp_path),
            {"NB_RSA": "foyers-rsa"},
            period=2019,
            publisher="CAF",
        )


def test_protected_dataset_raw_graph_for_administrators_only(territory_store, iris):
    import_commune_values(territory_store, iris, table_values(iris), TEST_DATASET)
    anonymous = {g.value for g in readable_graphs(territory_store, iris, ANONYMOUS)}
    editor = User("editor", Role.EDITOR, frozenset({"direction-capca"}))
    edits = {g.value for g in readable_graphs(territory_store, iris, editor)}
    for readable in (anonymous, edits):
        assert GRAPH + "rsa-essai" not in readable
        assert GRAPH + "rsa-essai-published" in readable
    assert readable_graphs(territory_store, iris, User("a", Role.ADMINISTRATOR)) is None


def test_published_copy_hides_with_reason(territory_store, iris):
    import_commune_values(territory_store, iris, table_values(iris), TEST_DATASET)
    rows = territory_store.select(
        "SELECT ?code ?year ?status ?reason WHERE { GRAPH <%srsa-essai-published> { "
        "?s a mlg:SuppressedObservation ; sdmx-dimension:refArea ?area ; "
        "sdmx-dimension:refPeriod ?year ; sdmx-attribute:confStatus ?status ; "
        "mlg:suppressionReason ?reason } ?area igeo:codeINSEE ?code } "
        "ORDER BY ?year ?code" % GRAPH
    )
    found = [
        (r["code"].value, r["year"].value, r["status"].value.rsplit("-", 1)[-1])
        for r in rows
    ]
    # Petitbourg's 3 households are under 5; Horsdate is the smallest other commune of
    # the EPCI, hidden so that Petitbourg cannot be recovered from the EPCI's total.
    assert found == [
        ("99001", "2017", "C"),
        ("99004", "2017", "D"),
        ("99001", "2019", "C"),
        ("99004", "2019", "D"),
    ]
    assert all(r["reason"].value for r in rows)


def test_published_copy_has_no_value_of_hidden_cell(territory_store, iris):
    import_commune_values(territory_store, iris, table_values(iris), TEST_DATASET)
    values = territory_store.select(
        "SELECT ?value WHERE { GRAPH <%srsa-essai-published> { ?o a qb:Observation ; "
        "sdmx-dimension:refArea <http://maillage.test/id/commune/99001> ; "
        "mlg:indicator ?i ; ?i ?value } }" % GRAPH
    )
    # Only the population of Petitbourg is published, never its RSA count.
    assert sorted(r["value"].value for r in values) == ["80", "80"]


def test_published_copy_passes_data_cube_checks(territory_store, iris):
    import_commune_values(territory_store, iris, table_values(iris), TEST_DATASET)
    scratch = Store()
    scratch.extend(territory_store.oxigraph.quads_for_pattern(None, None, None, None))
    assert check_cube(scratch) == []


def test_unprotected_dataset_is_public_and_has_no_copy(territory_store, iris):
    population = iris.item("indicator", "population-municipale").value
    values = {
        (iris.item("commune", "99001").value, population, 2019): Decimal(80),
    }
    dataset = CommuneDataset("population-essai", "Population", "pop.csv", "INSEE")
    import_commune_values(territory_store, iris, values, dataset)
    readable = {g.value for g in readable_graphs(territory_store, iris, ANONYMOUS)}
    assert GRAPH + "population-essai" in readable
    assert GRAPH + "population-essai-published" not in graphs_of(territory_store)


UNION_VALUES = """
SELECT ?value WHERE {
  ?o sdmx-dimension:refArea <http://maillage.test/id/commune/99001> ;
     mlg:indicator <http://maillage.test/id/indicator/rsa-households> ;
     <http://maillage.test/id/indicator/rsa-households> ?value .
}
"""


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ANONYMOUS, []),
        (Role.READER, []),
        (Role.EDITOR, []),
        (Role.ADMINISTRATOR, ["3", "3"]),
    ],
)
def test_sparql_over_readable_graphs_by_role(territory_store, iris, role, expected):
    import_commune_values(territory_store, iris, table_values(iris), TEST_DATASET)
    graphs = readable_graphs(territory_store, iris, User(role.value, role))
    rows = territory_store.select(UNION_VALUES, default_graph=graphs)
    assert sorted(r["value"].value for r in rows) == expected
