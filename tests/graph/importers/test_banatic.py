import pytest

from maillage.graph.errors import MalformedRequestError
from maillage.graph.importers.banatic import import_banatic
from tests.graph.importers.helpers import DEMO, single, values


def test_import_banatic_public_file_counts(store, iris, shared_data):
    report = import_banatic(
        store, iris, shared_data / "banatic" / "banatic_competences_codes.csv"
    )
    assert report.problems == [], report.problems
    assert report.counts["competences"] == 105, report.counts
    assert report.counts["obsolete competences"] == 15, report.counts


def test_import_banatic_strips_obsolete_suffix(store, iris):
    import_banatic(store, iris, DEMO / "banatic_competences_codes.csv")
    label = single(
        store,
        "SELECT ?l WHERE { <http://maillage.test/id/competence/C1015> "
        "skos:prefLabel ?l ; owl:deprecated true }",
        "l",
    )
    assert label == "Production, distribution d'énergie"


def test_import_banatic_concepts_in_scheme(store, iris):
    import_banatic(store, iris, DEMO / "banatic_competences_codes.csv")
    notations = values(
        store,
        "SELECT ?n WHERE { ?c a skos:Concept, mlg:Competence ; skos:notation ?n ;"
        " skos:inScheme <http://maillage.test/id/scheme/banatic> }",
        "n",
    )
    assert len(notations) == 105
    assert "C2520" in notations


def test_import_banatic_groups_are_collections(store, iris):
    import_banatic(store, iris, DEMO / "banatic_competences_codes.csv")
    group = single(
        store,
        "SELECT ?g WHERE { ?g a skos:Collection ; skos:member "
        "<http://maillage.test/id/competence/C2520> ; skos:editorialNote ?note }",
        "g",
    )
    assert group == "http://maillage.test/id/concept/banatic-group-25"


def test_import_banatic_missing_column_raises(store, iris, tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("code,label\nC1004,Électricité\n", encoding="utf-8")
    with pytest.raises(MalformedRequestError, match="obsolete"):
        import_banatic(store, iris, path)
