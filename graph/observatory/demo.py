"""The observatory's demo data: generated commune series for the CAPCA.

No public file gives the catalogue's indicators by commune for the CAPCA, so the demo
generates them (`maillage.graph.observatory.generate`) from the population of each
member commune, and labels the dataset as generated. The département, région and France
figures of the demo are real: they come from the DREES and Insee tables that the
indicator import loads.
"""

from __future__ import annotations

import logging

from maillage.graph.importers.ntriples import ImportReport
from maillage.graph.iris import Iris
from maillage.graph.observatory.communes import CommuneDataset, import_commune_values
from maillage.graph.observatory.generate import CommuneSeed, generate_values
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

DEMO_SLUG = "observatory-capca-generated"
CAPCA_SIREN = "200071413"
YEARS = range(2013, 2023)
SEED = 2014

_MEMBERS = """
SELECT DISTINCT ?commune ?population WHERE {
  ?membership org:organization %s ; org:member ?commune .
  ?commune mlg:population ?population .
}
"""

DESCRIPTION = (
    "Valeurs générées par un programme, avec une graine fixe, à partir de la "
    "population municipale de chaque commune : elles donnent des ordres de grandeur "
    "plausibles pour essayer l'observatoire, mais ne décrivent aucune commune réelle."
)


def load_observatory_demo(store: GraphStore, iris: Iris) -> list[ImportReport]:
    """Generate and import the commune series of the CAPCA; return the reports.

    Needs the communes, the EPCI and the catalogue in the store; returns no report when
    the CAPCA's communes are absent.
    """
    epci = iris.item("epci", CAPCA_SIREN)
    rows = store.select(_MEMBERS % epci)
    seeds = [
        CommuneSeed(row["commune"].value, int(row["population"].value)) for row in rows
    ]
    if not seeds:
        logger.info("no commune of the CAPCA in the store: no generated series")
        return []
    seeds.sort(key=lambda seed: seed.iri)
    generated = generate_values(seeds, YEARS, seed=SEED, base_year=YEARS[-1])
    values = {
        (commune, iris.item("indicator", key).value, period): value
        for (commune, key, period), value in generated.items()
    }
    dataset = CommuneDataset(
        slug=DEMO_SLUG,
        title="Séries communales générées pour la CAPCA (données fictives)",
        source=f"maillage.graph.observatory.generate, graine {SEED}",
        publisher="maillage, données générées",
        vintage=YEARS[-1],
        generated=True,
        description=DESCRIPTION,
    )
    return import_commune_values(store, iris, values, dataset)
