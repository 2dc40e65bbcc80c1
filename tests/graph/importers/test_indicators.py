from maillage.graph.importers.indicators import (
    import_indicator_folder,
    import_indicator_table,
    read_descriptions,
)
from tests.graph.importers.helpers import DEMO, single, values

VALUE = """
SELECT ?value ?year ?unit WHERE {
  ?o a qb:Observation ; mlg:indicator ?i ; ?i ?value ;
     sdmx-dimension:refArea <http://maillage.test/id/%s> ;
     sdmx-dimension:refPeriod ?year ; sdmx-attribute:unitMeasure ?unit .
  ?i mlg:sourceColumn "%s" .
  FILTER(?year = "%s"^^xsd:gYear)
}
"""


def import_minsoc(store, iris, folder):
    return import_indicator_table(
        store,
        iris,
        folder / "MINSOCsl_dep07_and_national.csv",
        folder / "MINSOCsl_description.csv",
    )


def test_import_indicator_table_ardeche_rsa_2019(store, iris, shared_data):
    import_minsoc(store, iris, shared_data / "indicators" / "asdep_dep07")
    rows = store.select(VALUE % ("departement/07", "RSAalloc", "2019"))
    found = [
        (r["value"].value, r["value"].datatype.value, r["unit"].value) for r in rows
    ]
    assert found == [("6598", "http://www.w3.org/2001/XMLSchema#integer", "personnes")]


def test_import_indicator_table_labels_follow_description(store, iris, shared_data):
    import_minsoc(store, iris, shared_data / "indicators" / "asdep_dep07")
    label = single(
        store,
        "SELECT ?l WHERE { <http://maillage.test/id/indicator/drees-rsabenef> "
        "rdfs:label ?l }",
        "l",
    )
    # The column named RSAbenef contains the population covered by the RSA.
    assert "population couverte" in label, label


def test_import_indicator_table_france_variants_stay_apart(store, iris, shared_data):
    import_minsoc(store, iris, shared_data / "indicators" / "asdep_dep07")
    france = values(store, VALUE % ("territory/france", "RSAalloc", "2019"), "value")
    metropole = values(
        store, VALUE % ("territory/france-metropolitaine", "RSAalloc", "2019"), "value"
    )
    assert (france, metropole) == (["1916100"], ["1707800"])


def test_import_indicator_table_skips_rows_without_territory(store, iris, shared_data):
    report = import_minsoc(store, iris, shared_data / "indicators" / "asdep_dep07")
    assert "24 rows without a known territory skipped" in report.warnings, (
        report.warnings
    )
    assert report.problems == [], report.problems


def test_import_indicator_table_overseas_region_codes(store, iris, shared_data):
    folder = shared_data / "indicators" / "asdep_dep07"
    import_indicator_table(
        store,
        iris,
        folder / "PopDepartementales_dep07_and_national.csv",
        folder / "PopDepartementales_description.csv",
    )
    label = single(
        store,
        "SELECT ?l WHERE { <http://maillage.test/id/region/01> skos:prefLabel ?l ;"
        ' igeo:codeINSEE "01" }',
        "l",
    )
    assert label == "Guadeloupe"


def test_import_indicator_table_amounts_are_decimals(store, iris):
    folder = DEMO / "indicators"
    import_indicator_table(
        store,
        iris,
        folder / "ASDEPsldepenses_dep07_and_national.csv",
        folder / "ASDEPsldepenses_description.csv",
    )
    rows = store.select(VALUE % ("departement/07", "DepBruteRSA", "2019"))
    found = [(r["value"].datatype.value, r["unit"].value) for r in rows]
    assert found == [("http://www.w3.org/2001/XMLSchema#decimal", "milliers d'euros")]


def test_import_indicator_folder_demo_tables(store, iris):
    steps = []
    reports = import_indicator_folder(
        store, iris, DEMO / "indicators", progress=lambda *step: steps.append(step)
    )
    labels = store.select(
        "SELECT ?i WHERE { ?i a mlg:Indicator ; rdfs:label ?l } "
        "GROUP BY ?i HAVING (COUNT(DISTINCT ?l) > 1)"
    )
    names = store.select(
        "SELECT ?t WHERE { ?t skos:prefLabel ?l } "
        "GROUP BY ?t HAVING (COUNT(DISTINCT ?l) > 1)"
    )
    assert [r.problems for r in reports] == [[]] * 4
    assert labels == [], "an indicator has several labels"
    assert names == [], "a territory has several names"
    assert (steps[0], steps[-1]) == (("ASDEPslbenef", 0, 4), ("", 4, 4))


def write_table(folder, name: str, label: str) -> None:
    (folder / f"{name}_dep07_and_national.csv").write_text(
        "Code.departement,Territoire,TypeTerritoire,Annee,AAH\n"
        "07,Ardèche,Département,2019.0,6415.0\n",
        encoding="utf-8",
    )
    (folder / f"{name}_description.csv").write_text(
        f"column,label,unit,kind,source\nAAH,{label},personnes,count,CNAF\n",
        encoding="utf-8",
    )


def test_import_indicator_folder_first_description_wins(store, iris, tmp_path):
    write_table(tmp_path, "TableA", "Allocataires de l'AAH")
    write_table(tmp_path, "TableB", "AAH, allocataires au 31 décembre")
    reports = import_indicator_folder(store, iris, tmp_path)
    labels = values(
        store,
        "SELECT ?l WHERE { <http://maillage.test/id/indicator/drees-aah> "
        "rdfs:label ?l }",
        "l",
    )
    assert [r.dataset for r in reports] == ["drees-tablea", "drees-tableb"]
    assert set(labels) == {"Allocataires de l'AAH"}


def test_read_descriptions_short_layout():
    infos = read_descriptions(DEMO / "indicators" / "MINSOCsl_description.csv")
    rsa = infos["RSAalloc"]
    assert (rsa.unit, rsa.kind, rsa.slug) == ("foyers", "count", "drees-rsaalloc")


def test_read_descriptions_drees_layout_decodes_euro(shared_data):
    folder = shared_data / "indicators" / "asdep_dep07"
    infos = read_descriptions(folder / "ASDEPsldepenses_description.csv")
    assert (infos["DepBruteRSA"].unit, infos["DepBruteRSA"].kind) == (
        "milliers d'euros",
        "amount",
    )
