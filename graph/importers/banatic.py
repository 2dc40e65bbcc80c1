"""Import the BANATIC competence nomenclature as a SKOS concept scheme.

The input is a CSV file with the columns `code`, `label`, `obsolete` (`yes`/`no`) and,
optionally, `group_prefix` and `category_inferred`. BANATIC (the DGCL's database of
intercommunal bodies) marks withdrawn codes with a label ending in " (OBSOLETE)"; the
import strips that suffix and sets `owl:deprecated true` instead.

The group columns are not part of BANATIC: they were derived from the first two digits
of each code. The import turns each group into a SKOS collection
(`{base}/id/concept/banatic-group-15`) whose members are its competences, with an
editorial note saying it is derived. A collection rather than a broader concept, so that
the scheme contains exactly the official codes.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from maillage.graph.errors import MalformedRequestError
from maillage.graph.importers.ntriples import (
    A,
    DatasetInfo,
    ImportReport,
    TripleWriter,
    boolean,
    check_counts,
    describe_dataset,
    iri,
    replace_dataset_graph,
    text,
)
from maillage.graph.iris import Iris
from maillage.graph.namespaces import MLG, OWL, PROV, SKOS
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

SLUG = "banatic"
OBSOLETE_SUFFIX = " (OBSOLETE)"
SCHEME_LABEL = "Nomenclature BANATIC des compétences"
REQUIRED_COLUMNS = ("code", "label", "obsolete")
GROUP_NOTE = (
    "Regroupement déduit des deux premiers chiffres des codes BANATIC ; "
    "il ne fait pas partie de la nomenclature officielle."
)

_IN_SCHEME = iri(SKOS.inScheme)
_LABEL = iri(SKOS.prefLabel)


def read_banatic_rows(path: Path) -> list[dict[str, str]]:
    """Read the CSV rows; raise `MalformedRequestError` when a column is missing."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise MalformedRequestError(
                f"{path.name} lacks the columns {', '.join(missing)}; "
                f"expected at least {', '.join(REQUIRED_COLUMNS)}"
            )
        return [row for row in reader if row["code"].strip()]


def import_banatic(
    store: GraphStore, iris: Iris, path: Path, *, vintage: int | None = 2022
) -> ImportReport:
    """Import the codes of `path` into the `banatic` dataset graph, replacing it.

    `vintage` is the year of the BANATIC export the codes were read from.
    """
    rows = read_banatic_rows(path)
    info = DatasetInfo(
        slug=SLUG,
        title=SCHEME_LABEL,
        source=path.name,
        publisher="Ministère de l'Intérieur, DGCL (BANATIC)",
        vintage=vintage,
    )
    writer = TripleWriter()
    dataset = describe_dataset(writer, iris, info)
    scheme = iri(iris.scheme(SLUG))
    writer.add(scheme, A, iri(SKOS.ConceptScheme))
    # The same label as the scheme's declaration in the ontology, so that they merge.
    writer.add(scheme, _LABEL, text(SCHEME_LABEL, "fr"))
    writer.add(scheme, iri(PROV.wasDerivedFrom), dataset)

    groups: dict[str, tuple[str, list[str]]] = {}
    for row in rows:
        _add_competence(writer, iris, row, scheme)
        prefix = (row.get("group_prefix") or "").strip()
        if prefix and row.get("category_inferred"):
            label = row["category_inferred"].strip()
            groups.setdefault(prefix, (label, []))[1].append(row["code"].strip())
    for prefix, (label, codes) in sorted(groups.items()):
        _add_group(writer, iris, prefix, label, codes)

    report = replace_dataset_graph(store, iris, SLUG, writer)
    obsolete = sum(1 for row in rows if _is_obsolete(row))
    _check(store, report, len(rows), obsolete, len(groups))
    return report


def _add_competence(writer: TripleWriter, iris: Iris, row: dict, scheme: str) -> None:
    code = row["code"].strip()
    subject = iri(iris.item("competence", code))
    writer.add(subject, A, iri(SKOS.Concept))
    writer.add(subject, A, iri(MLG.Competence))
    writer.add(subject, iri(SKOS.notation), text(code))
    writer.add(subject, _LABEL, text(_clean_label(row["label"]), "fr"))
    writer.add(subject, _IN_SCHEME, scheme)
    if _is_obsolete(row):
        writer.add(subject, iri(OWL.deprecated), boolean(True))


def _add_group(
    writer: TripleWriter, iris: Iris, prefix: str, label: str, codes: list[str]
) -> None:
    group = iri(iris.concept(SLUG, f"group-{prefix}"))
    writer.add(group, A, iri(SKOS.Collection))
    writer.add(group, _LABEL, text(label, "fr"))
    writer.add(group, iri(SKOS.notation), text(prefix))
    writer.add(group, iri(SKOS.editorialNote), text(GROUP_NOTE, "fr"))
    for code in codes:
        writer.add(group, iri(SKOS.member), iri(iris.item("competence", code)))


def _clean_label(label: str) -> str:
    label = label.strip()
    return label.removesuffix(OBSOLETE_SUFFIX).strip()


def _is_obsolete(row: dict) -> bool:
    flag = row["obsolete"].strip().lower() in {"yes", "true", "1", "oui"}
    return flag or row["label"].strip().endswith(OBSOLETE_SUFFIX)


def _check(
    store: GraphStore, report: ImportReport, codes: int, obsolete: int, groups: int
) -> None:
    expected = {
        "competences": ("?c a mlg:Competence", codes),
        "obsolete competences": ("?c a mlg:Competence ; owl:deprecated true", obsolete),
        "groups": ("?g a skos:Collection", groups),
    }
    must_be_zero = {
        "competences without a label": (
            "?c a mlg:Competence . FILTER NOT EXISTS { ?c skos:prefLabel ?l }"
        ),
        "labels still marked OBSOLETE": (
            '?c skos:prefLabel ?l . FILTER(CONTAINS(STR(?l), "OBSOLETE"))'
        ),
    }
    check_counts(store, report, expected, must_be_zero)
