"""Importers of reference data, each writing one dataset graph from public files.

`communes` reads INSEE and DGCL territories, `banatic` the competence codes, `legal` law
article versions as references, `indicators` DREES and Insee tables as RDF Data Cube,
and `rdf` any RDF file. `ntriples` contains what they share: N-Triples text and the bulk
load.
"""
