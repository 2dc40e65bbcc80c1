"""A made-up territory with dated memberships, for the observatory tests.

It lies in a département `99` that does not exist, so that every
expected figure can be computed by hand from the values below:

| commune | population | RSA households 2017 | 2019 | EPCI membership |
|---|---|---|---|---|
| 99001 Petitbourg | 80 | 3 | 3 | since 2010-01-01 |
| 99002 Grandeville | 8,000 | 380 | 400 | since 2010-01-01 |
| 99003 Moyenval | 1,200 | 55 | 60 | since 2018-01-01 |
| 99004 Horsdate | 500 | 10 | 12 | observed 2026-01-01, no start date |
"""

from __future__ import annotations

from decimal import Decimal
from importlib.resources import files

from pyoxigraph import RdfFormat

from maillage.graph.iris import Iris
from maillage.graph.observatory.communes import CommuneDataset
from maillage.graph.ontology import load_ontology
from maillage.graph.store import GraphStore

MISSION = files("maillage.graph") / "demo" / "mission.trig"
EPCI = "200000001"

COMMUNES = {
    "99001": ("Petitbourg", 80, {2017: 3, 2019: 3}),
    "99002": ("Grandeville", 8000, {2017: 380, 2019: 400}),
    "99003": ("Moyenval", 1200, {2017: 55, 2019: 60}),
    "99004": ("Horsdate", 500, {2017: 10, 2019: 12}),
}

TERRITORY = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<graph/dataset/communes-99> {
  <id/dataset/communes-99> a mlg:Dataset ;
    dcterms:title "Territoire d'essai"@fr ;
    prov:generatedAtTime "2026-01-01T00:00:00Z"^^xsd:dateTime .
  <id/departement/99> a mlg:Departement, igeo:Departement ;
    igeo:codeINSEE "99" ; skos:prefLabel "Département d'essai"@fr .
  <id/epci/200000001> a mlg:EPCI, igeo:Intercommunalite ;
    igeo:codeINSEE "200000001" ; skos:prefLabel "CC d'essai"@fr .
%s
}
"""

MEMBERSHIPS = {
    "99001": 'mlg:startDate "2010-01-01"^^xsd:date',
    "99002": 'mlg:startDate "2010-01-01"^^xsd:date',
    "99003": 'mlg:startDate "2018-01-01"^^xsd:date',
    "99004": 'mlg:observedOn "2026-01-01"^^xsd:date',
}


def territory_trig() -> str:
    lines = []
    for code, (name, population, _) in COMMUNES.items():
        lines.append(
            f"  <id/commune/{code}> a mlg:Commune, igeo:Commune ; "
            f'igeo:codeINSEE "{code}" ; skos:prefLabel "{name}"@fr ; '
            f"mlg:population {population} ; "
            "igeo:subdivisionDirecteDe <id/departement/99> ."
        )
        lines.append(
            f"  <id/membership/{EPCI}-{code}> a org:Membership ; "
            f"org:member <id/commune/{code}> ; org:organization <id/epci/{EPCI}> ; "
            f"{MEMBERSHIPS[code]} ."
        )
    return TERRITORY % "\n".join(lines)


def load_test_territory(store: GraphStore, iris: Iris) -> None:
    """Load the ontology, the catalogue of the mission and the test territory."""
    load_ontology(store, iris)
    store.oxigraph.load(
        MISSION.read_bytes(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    store.oxigraph.load(
        territory_trig().encode(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )


def table_values(iris: Iris) -> dict[tuple[str, str, int], Decimal]:
    """Return the RSA households and the populations of the table above."""
    rsa = iris.item("indicator", "rsa-households").value
    population = iris.item("indicator", "population-municipale").value
    values = {}
    for code, (_, people, households) in COMMUNES.items():
        commune = iris.item("commune", code).value
        for year, count in households.items():
            values[(commune, rsa, year)] = Decimal(count)
            values[(commune, population, year)] = Decimal(people)
    return values


TEST_DATASET = CommuneDataset(
    slug="rsa-essai",
    title="Foyers allocataires du RSA, territoire d'essai",
    source="rsa-essai.csv",
    publisher="CAF d'essai",
    vintage=2019,
)
