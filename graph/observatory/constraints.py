"""The integrity constraints of RDF Data Cube, as SPARQL queries run in Oxigraph.

https://www.w3.org/TR/vocab-data-cube/#wf-rules lists 21 constraints, IC-1 to IC-21,
that a well-formed cube meets. Each query below returns the resources that break one;
an empty answer means the constraint holds. The queries read the components of a
structure through `qb:dimension`, `qb:measure` and `qb:attribute` directly, which gives
the same answers as the recommendation's normalisation step without writing the
inferred triples. The measure dimension constraints (IC-15 to IC-17) and the slice and
code list constraints (IC-7 to IC-10, IC-18 to IC-21) find nothing to check in
maillage's own cubes, which have one measure, no slice and no code list; they still run,
so that a file that brings such resources is checked too.

Three checks of maillage's own follow: the structure a data set names is defined,
an observation has one value for its measure, and that value is a number.

pyshacl's SPARQL-based constraints took minutes on 100,000 triples; these queries run
in Oxigraph in about a second on the same size (see `tests/graph/observatory`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyoxigraph import QuerySolutions, Store

from maillage.graph.namespaces import sparql_prefixes

logger = logging.getLogger(__name__)

# Each constraint reports at most this many resources, so that a file full of
# errors still gives a short answer.
MAX_REPORTED = 200

_COMPONENT = "qb:component/(qb:dimension|qb:measure|qb:attribute)"

# (name, reason, query). Each query selects ?subject, the resource at fault.
CONSTRAINTS: tuple[tuple[str, str, str], ...] = (
    (
        "IC-1",
        "the observation does not belong to exactly one data set",
        """SELECT DISTINCT ?subject WHERE {
          { ?subject a qb:Observation FILTER NOT EXISTS { ?subject qb:dataSet ?d } }
          UNION
          { ?subject a qb:Observation ; qb:dataSet ?d1, ?d2 FILTER (?d1 != ?d2) }
        }""",
    ),
    (
        "IC-2",
        "the data set does not have exactly one structure",
        """SELECT DISTINCT ?subject WHERE {
          { ?subject a qb:DataSet FILTER NOT EXISTS { ?subject qb:structure ?s } }
          UNION
          { ?subject a qb:DataSet ; qb:structure ?s1, ?s2 FILTER (?s1 != ?s2) }
        }""",
    ),
    (
        "IC-3",
        "the structure declares no measure",
        """SELECT DISTINCT ?subject WHERE {
          ?subject a qb:DataStructureDefinition .
          FILTER NOT EXISTS { ?subject qb:component/qb:measure ?measure }
        }""",
    ),
    (
        "IC-4",
        "the dimension has no declared range",
        """SELECT DISTINCT ?subject WHERE {
          ?dsd qb:component/qb:dimension ?subject .
          FILTER NOT EXISTS { ?subject rdfs:range ?range }
        }""",
    ),
    (
        "IC-5",
        "the dimension ranges over concepts but has no code list",
        """SELECT DISTINCT ?subject WHERE {
          ?dsd qb:component/qb:dimension ?subject .
          ?subject rdfs:range skos:Concept .
          FILTER NOT EXISTS { ?subject qb:codeList ?list }
        }""",
    ),
    (
        "IC-6",
        "a component that is not an attribute is marked optional",
        """SELECT DISTINCT ?subject WHERE {
          ?dsd qb:component ?subject .
          ?subject qb:componentRequired false ; (qb:dimension|qb:measure) ?property .
        }""",
    ),
    (
        "IC-7",
        "the slice key belongs to no structure",
        """SELECT DISTINCT ?subject WHERE {
          ?subject a qb:SliceKey .
          FILTER NOT EXISTS { ?dsd a qb:DataStructureDefinition ; qb:sliceKey ?subject }
        }""",
    ),
    (
        "IC-8",
        "the slice key names a property that its structure does not declare",
        f"""SELECT DISTINCT ?subject WHERE {{
          ?subject qb:componentProperty ?property .
          ?dsd qb:sliceKey ?subject .
          FILTER NOT EXISTS {{ ?dsd {_COMPONENT} ?property }}
        }}""",
    ),
    (
        "IC-9",
        "the slice does not have exactly one slice structure",
        """SELECT DISTINCT ?subject WHERE {
          { ?subject a qb:Slice FILTER NOT EXISTS { ?subject qb:sliceStructure ?k } }
          UNION
          { ?subject a qb:Slice ; qb:sliceStructure ?k1, ?k2 FILTER (?k1 != ?k2) }
        }""",
    ),
    (
        "IC-10",
        "the slice has no value for a dimension of its slice key",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:sliceStructure ?key .
          ?key qb:componentProperty ?dimension .
          FILTER NOT EXISTS { ?subject ?dimension ?value }
        }""",
    ),
    (
        "IC-11",
        "the observation has no value for a dimension of its structure",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure/qb:component/qb:dimension ?dimension .
          FILTER NOT EXISTS { ?subject ?dimension ?value }
        }""",
    ),
    # IC-12 depends on the dimensions of each structure; see `_duplicate_queries`.
    (
        "IC-13",
        "the observation has no value for a required attribute",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure/qb:component ?component .
          ?component qb:componentRequired true ; qb:attribute ?attribute .
          FILTER NOT EXISTS { ?subject ?attribute ?value }
        }""",
    ),
    (
        "IC-14",
        "the observation has no value for a measure of its structure",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure ?dsd .
          FILTER NOT EXISTS { ?dsd qb:component/qb:dimension qb:measureType }
          ?dsd qb:component/qb:measure ?measure .
          FILTER NOT EXISTS { ?subject ?measure ?value }
        }""",
    ),
    (
        "IC-15",
        "the observation has no value for the measure of its measure type",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure .
          ?dsd qb:component/qb:dimension qb:measureType .
          FILTER NOT EXISTS { ?subject ?measure ?value }
        }""",
    ),
    (
        "IC-16",
        "the observation of a measure dimension cube has values for several measures",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure ?dsd ; qb:measureType ?measure ;
            ?other ?value .
          ?dsd qb:component/qb:dimension qb:measureType ;
            qb:component/qb:measure ?other .
          FILTER (?other != ?measure)
        }""",
    ),
    (
        "IC-17",
        "the measure dimension cube lacks an observation of a measure for a key",
        """SELECT DISTINCT ?subject WHERE {
          {
            SELECT ?dsd (COUNT(DISTINCT ?m) AS ?measures) WHERE {
              ?dsd qb:component/qb:dimension qb:measureType ;
                qb:component/qb:measure ?m .
            } GROUP BY ?dsd
          }
          {
            SELECT ?subject ?dsd (COUNT(DISTINCT ?other) AS ?found) WHERE {
              ?subject qb:dataSet ?set ; qb:measureType ?m1 .
              ?set qb:structure ?dsd .
              ?dsd qb:component/qb:dimension qb:measureType .
              ?other qb:dataSet ?set ; qb:measureType ?m2 .
              FILTER NOT EXISTS {
                ?dsd qb:component/qb:dimension ?dim .
                FILTER (?dim != qb:measureType)
                ?subject ?dim ?v1 . ?other ?dim ?v2 .
                FILTER (?v1 != ?v2)
              }
            } GROUP BY ?subject ?dsd
          }
          FILTER (?found != ?measures)
        }""",
    ),
    (
        "IC-18",
        "the observation of a slice belongs to another data set",
        """SELECT DISTINCT ?subject WHERE {
          ?dataset qb:slice ?slice . ?slice qb:observation ?subject .
          FILTER NOT EXISTS { ?subject qb:dataSet ?dataset }
        }""",
    ),
    (
        "IC-19",
        "the observation takes a dimension value outside the dimension's scheme",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure/qb:component/qb:dimension ?dimension .
          ?dimension qb:codeList ?list .
          ?list a skos:ConceptScheme .
          ?subject ?dimension ?value .
          FILTER NOT EXISTS { ?value a skos:Concept ; skos:inScheme ?list }
        }""",
    ),
    (
        "IC-19",
        "the observation takes a dimension value outside the dimension's collection",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure/qb:component/qb:dimension ?dimension .
          ?dimension qb:codeList ?list .
          ?list a skos:Collection .
          ?subject ?dimension ?value .
          FILTER NOT EXISTS { ?value a skos:Concept . ?list skos:member+ ?value }
        }""",
    ),
    # IC-20 and IC-21 follow the parent-child property of each hierarchical code list,
    # which SPARQL cannot take from a variable; see `_hierarchy_queries`.
    (
        "structure",
        "the data set's structure is not defined in the import or the catalogue",
        """SELECT DISTINCT ?subject WHERE {
          ?subject a qb:DataSet ; qb:structure ?dsd .
          FILTER NOT EXISTS { ?dsd a qb:DataStructureDefinition }
        }""",
    ),
    (
        "value count",
        "the observation has several values for its measure",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure/qb:component/qb:measure ?measure ;
            ?measure ?v1, ?v2 .
          FILTER (!sameTerm(?v1, ?v2))
        }""",
    ),
    (
        "value type",
        "the value of the observation is not a number",
        """SELECT DISTINCT ?subject WHERE {
          ?subject qb:dataSet/qb:structure/qb:component/qb:measure ?measure ;
            ?measure ?value .
          FILTER (!isLiteral(?value) || DATATYPE(?value) NOT IN
            (xsd:decimal, xsd:integer, xsd:double, xsd:float))
        }""",
    ),
)

_STRUCTURE_DIMENSIONS = """
SELECT ?dsd ?dimension WHERE {
  ?set qb:structure ?dsd . ?dsd qb:component/qb:dimension ?dimension .
}
"""

_HIERARCHIES = """
SELECT DISTINCT ?list ?step ?inverse WHERE {
  ?list a qb:HierarchicalCodeList .
  {
    ?list qb:parentChildProperty ?step . FILTER (isIRI(?step)) BIND (false AS ?inverse)
  } UNION {
    ?list qb:parentChildProperty/owl:inverseOf ?step . BIND (true AS ?inverse)
  }
}
"""


@dataclass(frozen=True)
class Violation:
    """One resource that breaks one constraint."""

    constraint: str
    reason: str
    subject: str

    def to_dict(self) -> dict[str, str]:
        return {
            "constraint": self.constraint,
            "reason": self.reason,
            "subject": self.subject,
        }


def check_cube(store: Store) -> list[Violation]:
    """Run every constraint on the union of the graphs of `store`; return violations.

    `store` is a pyoxigraph store that holds the import alone, with the structures and
    measure declarations it refers to, so that nothing else in the repository is
    checked or counted.
    """
    violations: list[Violation] = []
    queries = [*CONSTRAINTS, *_duplicate_queries(store), *_hierarchy_queries(store)]
    for name, reason, query in queries:
        for subject in _subjects(store, query):
            violations.append(Violation(name, reason, subject))
    if violations:
        logger.info("Data Cube checks found %d violations", len(violations))
    return violations


def _subjects(store: Store, query: str) -> list[str]:
    text = sparql_prefixes() + query + f"\nLIMIT {MAX_REPORTED}"
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, QuerySolutions)
    return [solution["subject"].value for solution in solutions]


def _duplicate_queries(store: Store) -> list[tuple[str, str, str]]:
    """Return the IC-12 queries: one per set of dimensions that structures share.

    Two observations of one data set with the same value for every dimension are
    duplicates. Grouping by the values of the structure's dimensions finds them in one
    pass, where the recommendation's pairwise query is quadratic.
    """
    dimensions: dict[str, set[str]] = {}
    text = sparql_prefixes() + _STRUCTURE_DIMENSIONS
    for solution in store.query(text, use_default_graph_as_union=True):
        dimensions.setdefault(solution["dsd"].value, set()).add(
            solution["dimension"].value
        )
    by_dimensions: dict[tuple[str, ...], list[str]] = {}
    for dsd, dims in dimensions.items():
        by_dimensions.setdefault(tuple(sorted(dims)), []).append(dsd)
    queries = []
    for dims, structures in sorted(by_dimensions.items()):
        values = " ".join(f"<{dsd}>" for dsd in sorted(structures))
        patterns = " ".join(f"<{dim}> ?v{i} ;" for i, dim in enumerate(dims))
        keys = " ".join(f"?v{i}" for i in range(len(dims)))
        query = f"""SELECT (MIN(STR(?obs)) AS ?subject) WHERE {{
          VALUES ?dsd {{ {values} }}
          ?set qb:structure ?dsd .
          ?obs qb:dataSet ?set ; {patterns} a qb:Observation .
        }} GROUP BY ?set {keys} HAVING (COUNT(DISTINCT ?obs) > 1)"""
        queries.append(
            (
                "IC-12",
                "another observation of the data set has the same dimension values",
                query,
            )
        )
    return queries


def _hierarchy_queries(store: Store) -> list[tuple[str, str, str]]:
    """Return the IC-20 and IC-21 queries, one per hierarchical code list.

    IC-20 follows the list's parent-child property from its roots, IC-21 the inverse of
    the property that an `owl:inverseOf` names.
    """
    queries = []
    text = sparql_prefixes() + _HIERARCHIES
    for solution in store.query(text, use_default_graph_as_union=True):
        code_list = solution["list"].value
        inverse = solution["inverse"].value == "true"
        step = f"<{solution['step'].value}>"
        path = f"(^{step})*" if inverse else f"{step}*"
        query = f"""SELECT DISTINCT ?subject WHERE {{
          ?subject qb:dataSet/qb:structure/qb:component/qb:dimension ?dimension .
          ?dimension qb:codeList <{code_list}> .
          ?subject ?dimension ?value .
          FILTER NOT EXISTS {{ <{code_list}> qb:hierarchyRoot/{path} ?value }}
        }}"""
        name = "IC-21" if inverse else "IC-20"
        reason = "the dimension value is not reachable from a root of its hierarchy"
        queries.append((name, reason, query))
    return queries
