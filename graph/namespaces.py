"""Namespaces of the vocabularies maillage uses, as IRI prefixes."""

from __future__ import annotations

from pyoxigraph import NamedNode


class Namespace:
    """An IRI prefix; attribute or item access returns the term as a `NamedNode`.

    It is not a `str` subclass, so that terms named like string methods (`DCTERMS.title`,
    `SKOS.notation`) resolve to IRIs; `str(namespace)` and `namespace + "name"` give text.
    """

    __slots__ = ("_iri",)

    def __init__(self, iri: str) -> None:
        self._iri = iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        return NamedNode(self._iri + name)

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self._iri + name)

    def __str__(self) -> str:
        return self._iri

    def __repr__(self) -> str:
        return f"Namespace({self._iri!r})"

    def __add__(self, name: str) -> str:
        return self._iri + name

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self._iri)

    def term(self, name: str) -> NamedNode:
        return NamedNode(self._iri + name)


MLG = Namespace("https://w3id.org/maillage/ns#")
ORG = Namespace("http://www.w3.org/ns/org#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SH = Namespace("http://www.w3.org/ns/shacl#")

# Prefixes declared in SPARQL queries, Turtle output and the query page.
PREFIXES: dict[str, str] = {
    "mlg": str(MLG),
    "org": str(ORG),
    "rov": str(ROV),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "prov": str(PROV),
    "qb": str(QB),
    "sdmx-dimension": str(SDMX_DIMENSION),
    "sdmx-attribute": str(SDMX_ATTRIBUTE),
    "eli": str(ELI),
    "igeo": str(IGEO),
    "foaf": str(FOAF),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}


def sparql_prefixes() -> str:
    """Return the PREFIX lines for every namespace in `PREFIXES`."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
