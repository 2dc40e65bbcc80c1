"""The social observatory: indicator catalogue, Data Cube imports, aggregation, secrecy.

Observations are stored as RDF Data Cube (https://www.w3.org/TR/vocab-data-cube/) in
one named graph per import; the figures that dashboards read are precomputed into an
index on disk (`maillage.graph.observatory.index`).
"""
