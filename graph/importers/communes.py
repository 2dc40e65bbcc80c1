"""Import communes, EPCI, départements, régions and arrondissements.

The input is the JSON layout of the npm package `@etalab/decoupage-administratif`, built
from the INSEE Code officiel géographique, the DGCL list of EPCI and INSEE legal
populations. It has a list of commune records, a list of EPCI records with their
members, and optionally the département, région and arrondissement records. Each list
may also sit under a key (`communes`, `epci`) of an object that carries a `_provenance`
block with the vintage (`millesime`).

The import writes one dataset graph. An EPCI filter restricts it to some EPCI, their
member communes with the communes déléguées and associées attached to them, and the
territories those communes lie in, so that "import CAPCA" and "import all of Ardèche"
read the same files.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from maillage.graph.errors import MalformedRequestError, NotFoundError
from maillage.graph.importers.ntriples import (
    A,
    DatasetInfo,
    ImportReport,
    TripleWriter,
    check_counts,
    date,
    describe_dataset,
    integer,
    iri,
    replace_dataset_graph,
    text,
    year,
)
from maillage.graph.iris import Iris
from maillage.graph.namespaces import IGEO, MLG, ORG, PROV, SKOS
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Commune record types of the package, with the IRI type and the classes of each.
COMMUNE_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "commune-actuelle": ("commune", (IGEO.Commune, MLG.Commune)),
    "commune-deleguee": (
        "commune-deleguee",
        (IGEO.CommuneDeleguee, MLG.CommuneDeleguee),
    ),
    "commune-associee": (
        "commune-associee",
        (IGEO.CommuneAssociee, MLG.CommuneAssociee),
    ),
}
EPCI_TYPES = {"CA", "CC", "CU", "METRO"}

_CODE = iri(IGEO.codeINSEE)
_LABEL = iri(SKOS.prefLabel)
_SIREN = iri(MLG.siren)
_VINTAGE = iri(MLG.vintage)
_PART_OF = iri(IGEO.subdivisionDirecteDe)
_CHEF_LIEU = iri(IGEO.chefLieu)
_POPULATION_DGCL = iri(MLG.populationDGCL)
_ORGANIZATION = ORG.FormalOrganization


@dataclass
class CommuneData:
    """The records read from the input files, before any selection."""

    communes: list[dict]
    epci: list[dict]
    departements: list[dict] = field(default_factory=list)
    regions: list[dict] = field(default_factory=list)
    arrondissements: list[dict] = field(default_factory=list)
    vintage: int | None = None


@dataclass
class Selection:
    """The records one import writes."""

    communes: list[dict]
    epci: list[dict]
    departements: list[dict]
    regions: list[dict]
    arrondissements: list[dict]


def read_commune_files(
    communes_path: Path, epci_path: Path, territories_path: Path | None = None
) -> CommuneData:
    """Read the commune, EPCI and (optional) territory files of the package layout."""
    communes_doc = _read_json(communes_path)
    epci_doc = _read_json(epci_path)
    data = CommuneData(
        communes=_records(communes_doc, "communes", communes_path),
        epci=_records(epci_doc, "epci", epci_path),
        vintage=_vintage(communes_doc) or _vintage(epci_doc),
    )
    if territories_path is not None:
        territories = _read_json(territories_path)
        data.departements = _records(territories, "departement", territories_path)
        data.regions = _records(territories, "region", territories_path)
        data.arrondissements = _records(
            territories, "arrondissements", territories_path
        )
    return data


def import_communes(
    store: GraphStore,
    iris: Iris,
    communes_path: Path,
    epci_path: Path,
    territories_path: Path | None = None,
    *,
    epci_sirens: Iterable[str] | None = None,
    slug: str | None = None,
    vintage: int | None = None,
) -> ImportReport:
    """Import communes, EPCI and territories into one dataset graph, replacing it.

    `epci_sirens` keeps only those EPCI and what they contain. `vintage` overrides the
    year read from the files' `_provenance.millesime`; one of the two must give it,
    because the memberships are dated by it. Raises `NotFoundError` when a SIREN of the
    filter is absent.
    """
    data = read_commune_files(communes_path, epci_path, territories_path)
    vintage = vintage or data.vintage
    if vintage is None:
        raise MalformedRequestError(
            f"no vintage in {communes_path.name} or {epci_path.name}; pass the year "
            "of the data explicitly"
        )
    sirens = sorted(set(epci_sirens)) if epci_sirens else None
    selection = select(data, sirens)
    slug = slug or _default_slug(selection, sirens)
    info = DatasetInfo(
        slug=slug,
        title=_title(selection, sirens),
        source=", ".join(
            p.name for p in (communes_path, epci_path, territories_path) if p
        ),
        publisher="Etalab, package @etalab/decoupage-administratif (INSEE COG, DGCL)",
        vintage=vintage,
    )
    writer = TripleWriter()
    dataset = describe_dataset(writer, iris, info)
    outside = _write_selection(writer, iris, selection, dataset, vintage)

    report = replace_dataset_graph(store, iris, slug, writer)
    if outside:
        report.warnings.append(
            f"{len(outside)} member communes are absent from {communes_path.name}; "
            "they get a minimal node (code, name, SIREN, DGCL population): "
            + ", ".join(sorted(outside))
        )
    _check(store, report, selection, outside)
    return report


def select(data: CommuneData, sirens: list[str] | None) -> Selection:
    """Return the records to import: everything, or what the EPCI of `sirens` cover."""
    if sirens is None:
        epci = data.epci
        communes = data.communes
    else:
        epci = [record for record in data.epci if record["code"] in sirens]
        missing = set(sirens) - {record["code"] for record in epci}
        if missing:
            raise NotFoundError(
                f"EPCI {', '.join(sorted(missing))} not found in the EPCI file; "
                f"it lists {len(data.epci)} EPCI"
            )
        members = {m["code"] for record in epci for m in record.get("membres", [])}
        communes = [c for c in data.communes if _attached_to(c, members)]
    arrondissements = {c.get("arrondissement") for c in communes}
    departements = {c.get("departement") for c in communes}
    regions = {c.get("region") for c in communes}
    return Selection(
        communes=communes,
        epci=epci,
        departements=[d for d in data.departements if d["code"] in departements],
        regions=[r for r in data.regions if r["code"] in regions],
        arrondissements=[
            a for a in data.arrondissements if a["code"] in arrondissements
        ],
    )


def _attached_to(commune: dict, members: set[str]) -> bool:
    if commune.get("type") == "commune-actuelle":
        return commune["code"] in members
    return commune.get("chefLieu") in members


def _write_selection(
    writer: TripleWriter, iris: Iris, selection: Selection, dataset: str, vintage: int
) -> set[str]:
    """Add every record of `selection`; return the member codes with no record."""
    known = {
        c["code"] for c in selection.communes if c.get("type") == "commune-actuelle"
    }
    for commune in selection.communes:
        _add_commune(writer, iris, commune, vintage)
    outside: set[str] = set()
    for record in selection.epci:
        outside |= _add_epci(writer, iris, record, dataset, vintage, known)
    for arrondissement in selection.arrondissements:
        _add_arrondissement(writer, iris, arrondissement, known, vintage)
    for departement in selection.departements:
        _add_departement(writer, iris, departement, known, vintage)
    for region in selection.regions:
        _add_region(writer, iris, region, known, vintage)
    return outside


def _add_commune(writer: TripleWriter, iris: Iris, record: dict, vintage: int) -> None:
    kind = record.get("type", "commune-actuelle")
    if kind not in COMMUNE_KINDS:
        raise MalformedRequestError(
            f"commune {record.get('code')!r} has an unknown type {kind!r}; "
            f"accepted: {', '.join(COMMUNE_KINDS)}"
        )
    iri_type, classes = COMMUNE_KINDS[kind]
    subject = iri(iris.item(iri_type, record["code"]))
    for cls in (*classes, _ORGANIZATION):
        writer.add(subject, A, iri(cls))
    writer.add(subject, _CODE, text(record["code"]))
    writer.add(subject, _LABEL, text(record["nom"], "fr"))
    writer.add(subject, _VINTAGE, year(vintage))
    if record.get("siren"):
        writer.add(subject, _SIREN, text(record["siren"]))
    if record.get("population") is not None:
        writer.add(subject, iri(MLG.population), integer(record["population"]))
    for postal_code in record.get("codesPostaux", []):
        writer.add(subject, iri(MLG.postalCode), text(postal_code))
    if kind != "commune-actuelle" and record.get("chefLieu"):
        # A commune déléguée or associée lies in the commune it was merged into.
        writer.add(subject, _PART_OF, iri(iris.item("commune", record["chefLieu"])))
    elif record.get("arrondissement"):
        arrondissement = iris.item("arrondissement", record["arrondissement"])
        writer.add(subject, _PART_OF, iri(arrondissement))


def _add_epci(
    writer: TripleWriter,
    iris: Iris,
    record: dict,
    dataset: str,
    vintage: int,
    known: set[str],
) -> set[str]:
    """Add an EPCI and its memberships; return the member codes absent from `known`."""
    siren = record["code"]
    subject = iri(iris.item("epci", siren))
    for cls in (MLG.EPCI, IGEO.Intercommunalite, ORG.FormalOrganization):
        writer.add(subject, A, iri(cls))
    writer.add(subject, _SIREN, text(siren))
    writer.add(subject, _CODE, text(siren))
    writer.add(subject, _LABEL, text(record["nom"], "fr"))
    writer.add(subject, _VINTAGE, year(vintage))
    if record.get("type") not in EPCI_TYPES:
        raise MalformedRequestError(
            f"EPCI {siren} has an unknown type {record.get('type')!r}; "
            f"accepted: {', '.join(sorted(EPCI_TYPES))}"
        )
    writer.add(subject, iri(MLG.epciType), text(record["type"]))
    if record.get("modeFinancement"):
        writer.add(subject, iri(MLG.financingMode), text(record["modeFinancement"]))
    if record.get("populationMunicipale") is not None:
        writer.add(subject, _POPULATION_DGCL, integer(record["populationMunicipale"]))

    outside = set()
    for member in record.get("membres", []):
        commune = iri(iris.item("commune", member["code"]))
        if member["code"] not in known:
            outside.add(member["code"])
            _add_minimal_commune(writer, commune, member, vintage)
        if member.get("populationMunicipale") is not None:
            writer.add(
                commune, _POPULATION_DGCL, integer(member["populationMunicipale"])
            )
        _add_membership(writer, iris, siren, member["code"], dataset, vintage)
    return outside


def _add_minimal_commune(
    writer: TripleWriter, commune: str, member: dict, vintage: int
) -> None:
    """Describe a member commune that only the EPCI record names (Drôme, Gard, ...)."""
    for cls in (IGEO.Commune, MLG.Commune, ORG.FormalOrganization):
        writer.add(commune, A, iri(cls))
    writer.add(commune, _CODE, text(member["code"]))
    writer.add(commune, _LABEL, text(member["nom"], "fr"))
    writer.add(commune, _VINTAGE, year(vintage))
    if member.get("siren"):
        writer.add(commune, _SIREN, text(member["siren"]))


def _add_membership(
    writer: TripleWriter, iris: Iris, siren: str, code: str, dataset: str, vintage: int
) -> None:
    # No start date, because the file only shows that the commune is a member on 1
    # January of the vintage. An act (arrêté préfectoral) must give the date it joined.
    membership = iri(iris.item("membership", f"{siren}-{code}"))
    writer.add(membership, A, iri(ORG.Membership))
    writer.add(membership, iri(ORG.member), iri(iris.item("commune", code)))
    writer.add(membership, iri(ORG.organization), iri(iris.item("epci", siren)))
    writer.add(membership, iri(MLG.observedOn), date(f"{vintage}-01-01"))
    writer.add(membership, iri(PROV.wasDerivedFrom), dataset)


def _add_arrondissement(
    writer: TripleWriter, iris: Iris, record: dict, known: set[str], vintage: int
) -> None:
    subject = iri(iris.item("arrondissement", record["code"]))
    writer.add(subject, A, iri(IGEO.Arrondissement))
    _add_territory(writer, iris, subject, record, known, vintage)
    if record.get("departement"):
        departement = iris.item("departement", record["departement"])
        writer.add(subject, _PART_OF, iri(departement))


def _add_departement(
    writer: TripleWriter, iris: Iris, record: dict, known: set[str], vintage: int
) -> None:
    subject = iri(iris.item("departement", record["code"]))
    for cls in (MLG.Departement, IGEO.Departement, ORG.FormalOrganization):
        writer.add(subject, A, iri(cls))
    _add_territory(writer, iris, subject, record, known, vintage)
    if record.get("region"):
        writer.add(subject, _PART_OF, iri(iris.item("region", record["region"])))


def _add_region(
    writer: TripleWriter, iris: Iris, record: dict, known: set[str], vintage: int
) -> None:
    subject = iri(iris.item("region", record["code"]))
    for cls in (MLG.Region, IGEO.Region, ORG.FormalOrganization):
        writer.add(subject, A, iri(cls))
    _add_territory(writer, iris, subject, record, known, vintage)


def _add_territory(
    writer: TripleWriter,
    iris: Iris,
    subject: str,
    record: dict,
    known: set[str],
    vintage: int,
) -> None:
    writer.add(subject, _CODE, text(record["code"]))
    writer.add(subject, _LABEL, text(record["nom"], "fr"))
    writer.add(subject, _VINTAGE, year(vintage))
    chef_lieu = record.get("chefLieu")
    if chef_lieu in known:
        writer.add(subject, _CHEF_LIEU, iri(iris.item("commune", chef_lieu)))
    elif chef_lieu:
        # The chef-lieu lies outside the files (Lyon for the région): linking it would
        # leave a commune with no name, so the link is left out.
        logger.info(
            "chef-lieu %s of %s is not imported; link omitted", chef_lieu, subject
        )


def _check(
    store: GraphStore, report: ImportReport, selection: Selection, outside: set[str]
) -> None:
    kinds: dict[str, int] = {}
    for commune in selection.communes:
        kind = commune.get("type", "commune-actuelle")
        kinds[kind] = kinds.get(kind, 0) + 1
    memberships = sum(len(record.get("membres", [])) for record in selection.epci)
    expected = {
        "communes": (
            "?c a mlg:Commune",
            kinds.get("commune-actuelle", 0) + len(outside),
        ),
        "communes déléguées": (
            "?c a mlg:CommuneDeleguee",
            kinds.get("commune-deleguee", 0),
        ),
        "communes associées": (
            "?c a mlg:CommuneAssociee",
            kinds.get("commune-associee", 0),
        ),
        "EPCI": ("?e a mlg:EPCI", len(selection.epci)),
        "memberships": ("?m a org:Membership", memberships),
        "arrondissements": ("?a a igeo:Arrondissement", len(selection.arrondissements)),
        "départements": ("?d a mlg:Departement", len(selection.departements)),
        "régions": ("?r a mlg:Region", len(selection.regions)),
    }
    must_be_zero = {
        "memberships whose commune has no name": (
            "?m org:member ?c . FILTER NOT EXISTS { ?c skos:prefLabel ?l }"
        ),
        "territories without an INSEE code": (
            "?t skos:prefLabel ?l . FILTER NOT EXISTS { ?t igeo:codeINSEE ?code }"
        ),
        "territories with several names": (
            "SELECT ?t WHERE { ?t skos:prefLabel ?l } "
            "GROUP BY ?t HAVING (COUNT(?l) > 1)"
        ),
    }
    check_counts(store, report, expected, must_be_zero)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MalformedRequestError(
            f"invalid JSON in {path.name}: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from exc


def _records(document: object, key: str, path: Path) -> list[dict]:
    """Return the records of `document`: a list, or the list or object under `key`."""
    value = document.get(key) if isinstance(document, dict) else document
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise MalformedRequestError(
        f"{path.name} contains no {key!r} records: expected a JSON list or an object "
        f"with a {key!r} key"
    )


def _vintage(document: object) -> int | None:
    if not isinstance(document, dict):
        return None
    millesime = str(document.get("_provenance", {}).get("millesime", ""))
    match = re.match(r"\s*(\d{4})", millesime)
    return int(match.group(1)) if match else None


def _default_slug(selection: Selection, sirens: list[str] | None) -> str:
    if sirens:
        return "communes-epci-" + "-".join(sirens)
    departements = sorted({c.get("departement") or "xx" for c in selection.communes})
    return "communes-" + "-".join(departements)


def _title(selection: Selection, sirens: list[str] | None) -> str:
    if sirens:
        names = ", ".join(record["nom"] for record in selection.epci)
        return f"Communes et EPCI : {names}"
    names = ", ".join(d["nom"] for d in selection.departements)
    names = names or "découpage administratif"
    return f"Communes, EPCI et territoires : {names}"
