from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from maillage.graph.importers.ntriples import (
    DatasetInfo,
    TripleWriter,
    describe_dataset,
    iri,
    replace_dataset_graph,
    text,
)

TRICKY = 'guillemets " barre \\ retour\nchariot\r tab\t contrôle \x01\x7f éàç 🙂'


def test_text_literal_round_trips_through_parser():
    line = f"<http://e/s> <http://e/p> {text(TRICKY, 'fr')} .\n"
    (triple,) = parse(line.encode(), format=RdfFormat.N_TRIPLES)
    assert triple.object == Literal(TRICKY, language="fr")


def test_replace_dataset_graph_drops_stale_triples(store, iris):
    first = TripleWriter()
    first.add(
        iri("http://maillage.test/id/commune/07186"), iri("http://e/p"), text("a")
    )
    replace_dataset_graph(store, iris, "sample", first)
    second = TripleWriter()
    second.add(
        iri("http://maillage.test/id/commune/07001"), iri("http://e/p"), text("b")
    )
    replace_dataset_graph(store, iris, "sample", second)
    subjects = {t.subject for t in store.graph_triples(iris.dataset_graph("sample"))}
    assert subjects == {NamedNode("http://maillage.test/id/commune/07001")}


def test_describe_dataset_writes_required_properties(store, iris):
    writer = TripleWriter()
    info = DatasetInfo("sample", "Jeu d'essai", "essai.csv", "maillage", vintage=2026)
    describe_dataset(writer, iris, info)
    replace_dataset_graph(store, iris, "sample", writer)
    rows = store.select(
        "SELECT ?title ?source ?vintage ?at WHERE { ?d a mlg:Dataset ; "
        "dcterms:title ?title ; dcterms:source ?source ; mlg:vintage ?vintage ; "
        "prov:generatedAtTime ?at ;"
        " dcterms:publisher ?publisher }"
    )
    assert [(r["title"].value, r["vintage"].value) for r in rows] == [
        ("Jeu d'essai", "2026")
    ]
