"""The Data Cube integrity constraints, run as SPARQL in Oxigraph."""

from __future__ import annotations

import time

import pytest
from pyoxigraph import RdfFormat, Store

from maillage.graph.observatory.constraints import check_cube

PREFIXES = """
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.test/> .
"""

STRUCTURE = """
sdmx-dimension:refArea a qb:DimensionProperty ; rdfs:range rdfs:Resource .
sdmx-dimension:refPeriod a qb:DimensionProperty ; rdfs:range xsd:gYear .
sdmx-attribute:unitMeasure a qb:AttributeProperty .
ex:count a qb:MeasureProperty .
ex:dsd a qb:DataStructureDefinition ;
  qb:component [ qb:dimension sdmx-dimension:refArea ],
    [ qb:dimension sdmx-dimension:refPeriod ],
    [ qb:measure ex:count ],
    [ qb:attribute sdmx-attribute:unitMeasure ; qb:componentRequired true ] .
ex:cube a qb:DataSet ; qb:structure ex:dsd .
"""


def observation(name: str, area: str = "a", year: int = 2019, extra: str = "") -> str:
    return (
        f"ex:{name} a qb:Observation ; qb:dataSet ex:cube ; "
        f"sdmx-dimension:refArea ex:{area} ; "
        f'sdmx-dimension:refPeriod "{year}"^^xsd:gYear ; '
        f'sdmx-attribute:unitMeasure "foyers"@fr ; {extra or "ex:count 12"} .\n'
    )


def check(turtle: str) -> list[tuple[str, str]]:
    store = Store()
    store.load((PREFIXES + turtle).encode(), format=RdfFormat.TURTLE)
    return sorted({(v.constraint, v.subject) for v in check_cube(store)})


def test_check_cube_accepts_valid_cube():
    assert check(STRUCTURE + observation("o1") + observation("o2", "b")) == []


@pytest.mark.parametrize(
    ("turtle", "expected"),
    [
        (
            "ex:o9 a qb:Observation ; ex:count 1 .",
            ("IC-1", "http://example.test/o9"),
        ),
        (
            "ex:cube qb:structure ex:other .",
            ("IC-2", "http://example.test/cube"),
        ),
        (
            "ex:empty a qb:DataStructureDefinition ; "
            "qb:component [ qb:dimension sdmx-dimension:refArea ] .",
            ("IC-3", "http://example.test/empty"),
        ),
        (
            "ex:dsd qb:component [ qb:dimension ex:age ] . "
            "ex:age a qb:DimensionProperty .",
            ("IC-4", "http://example.test/age"),
        ),
        (
            "ex:dsd qb:component [ qb:dimension ex:sex ] . "
            "ex:sex rdfs:range skos:Concept .",
            ("IC-5", "http://example.test/sex"),
        ),
    ],
)
def test_check_cube_finds_structure_faults(turtle, expected):
    assert expected in check(STRUCTURE + observation("o1") + turtle)


def test_check_cube_finds_missing_dimension():
    turtle = (
        "ex:o3 a qb:Observation ; qb:dataSet ex:cube ; sdmx-dimension:refArea ex:a ; "
        'sdmx-attribute:unitMeasure "foyers"@fr ; ex:count 3 .'
    )
    assert check(STRUCTURE + turtle) == [("IC-11", "http://example.test/o3")]


def test_check_cube_finds_duplicate_observations():
    found = check(STRUCTURE + observation("o1") + observation("o2"))
    assert found == [("IC-12", "http://example.test/o1")]


def test_check_cube_finds_missing_required_attribute():
    turtle = (
        "ex:o4 a qb:Observation ; qb:dataSet ex:cube ; sdmx-dimension:refArea ex:a ; "
        'sdmx-dimension:refPeriod "2019"^^xsd:gYear ; ex:count 3 .'
    )
    assert check(STRUCTURE + turtle) == [("IC-13", "http://example.test/o4")]


def test_check_cube_finds_missing_measure():
    found = check(STRUCTURE + observation("o5", extra="ex:other 3"))
    assert found == [("IC-14", "http://example.test/o5")]


def test_check_cube_finds_non_numeric_value():
    found = check(STRUCTURE + observation("o6", extra='ex:count "douze"'))
    assert found == [("value type", "http://example.test/o6")]


def test_check_cube_finds_two_values():
    found = check(STRUCTURE + observation("o7", extra="ex:count 12, 13"))
    assert found == [("value count", "http://example.test/o7")]


def test_check_cube_finds_value_outside_code_list():
    turtle = (
        "ex:dsd qb:component [ qb:dimension ex:sex ] . "
        "ex:sex a qb:DimensionProperty ; rdfs:range skos:Concept ; "
        "qb:codeList ex:sexes . ex:sexes a skos:ConceptScheme . "
        "ex:f a skos:Concept ; skos:inScheme ex:sexes . "
    )
    good = observation("o1", extra="ex:count 1 ; ex:sex ex:f")
    bad = observation("o2", "b", extra="ex:count 1 ; ex:sex ex:unknown")
    assert check(STRUCTURE + turtle + good + bad) == [
        ("IC-19", "http://example.test/o2")
    ]


def test_check_cube_finds_slice_without_structure():
    turtle = "ex:slice a qb:Slice ."
    assert ("IC-9", "http://example.test/slice") in check(STRUCTURE + turtle)


def test_check_cube_is_fast_on_100k_triples():
    rows = [
        observation(f"o{i}", f"c{i % 4000}", 2000 + i // 4000) for i in range(17_000)
    ]
    store = Store()
    store.load((PREFIXES + STRUCTURE + "".join(rows)).encode(), format=RdfFormat.TURTLE)
    started = time.perf_counter()
    violations = check_cube(store)
    seconds = time.perf_counter() - started
    assert len(store) > 100_000
    assert violations == []
    # pyshacl's SPARQL constraints needed 148 s for this size; about 1 s here on an
    # idle 2-core machine, with room for a busy one.
    assert seconds < 30, seconds
