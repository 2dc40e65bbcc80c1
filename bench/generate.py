"""Generate synthetic data of maillage's shape as N-Quads, for benchmarks.

The output follows `docs/model.md`. Each content item has its own named graph
`{base}/graph/{type}/{key}`, and each imported dataset has one
`{base}/graph/dataset/{slug}`: the territories and memberships (`communes-00`), the
BANATIC codes (`banatic`) and one Data Cube dataset per indicator
(`observations-{indicator}`). Names, codes and figures are invented and drawn from a
seeded `random.Random`, so a given size and seed always give the same file. The
territory is a fictitious département `00`.

The file refers to the concepts of maillage's SKOS schemes (visibility, workflow state,
role, ...) by IRI and does not declare them, because they live in the ontology graph,
which the store loads on its own.

Command line: `python bench/generate.py --preset departement --out bench/out/dep.nq`.
From another script: `generate(path, "departement")` or `generate(path, Sizes(...))`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from maillage.graph.namespaces import (
    DCTERMS,
    ELI,
    IGEO,
    MLG,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SDMX_DIMENSION,
    SKOS,
    XSD,
)
from maillage.graph.settings import Settings

DEFAULT_BASE = Settings.model_fields["base_iri"].default
DEPARTEMENT = "00"
REGION = "00"
# The vintage of the invented reference data: territories, memberships, BANATIC codes.
VINTAGE = 2024


@dataclass(frozen=True)
class Sizes:
    """How many of each kind of resource to generate."""

    communes: int
    epci: int
    indicators: int
    years: int
    actors: int
    actions: int
    documents: int
    transfers: int
    acts: int
    events: int
    competences: int = 105  # BANATIC codes
    first_year: int = 2013  # first period of the observations

    def __post_init__(self) -> None:
        if not 1 <= self.communes <= 999:
            raise ValueError(
                f"invalid communes={self.communes}: expected 1 to 999, because the "
                "communes of one département have three-digit INSEE codes"
            )
        if not 1 <= self.epci <= self.communes:
            raise ValueError(f"invalid epci={self.epci}: expected 1 to {self.communes}")
        for name in ("indicators", "years", "actors", "acts", "competences"):
            if getattr(self, name) < 1:
                raise ValueError(
                    f"invalid {name}={getattr(self, name)}: expected 1 or more"
                )
        for name in ("actions", "documents", "transfers", "events"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"invalid {name}={getattr(self, name)}: expected 0 or more"
                )


PRESETS: dict[str, Sizes] = {
    # About 80 k triples: one agglomération of 42 communes, like the first user.
    "agglomeration": Sizes(
        communes=42,
        epci=1,
        indicators=20,
        years=10,
        actors=80,
        actions=40,
        documents=1000,
        transfers=30,
        acts=200,
        events=30,
    ),
    # About 700 k triples: a whole département.
    "departement": Sizes(
        communes=340,
        epci=20,
        indicators=30,
        years=10,
        actors=300,
        actions=120,
        documents=1500,
        transfers=200,
        acts=600,
        events=60,
    ),
}


@dataclass
class Counts:
    """Numbers of quads, named graphs and resources by item type of one written file."""

    triples: int = 0
    graphs: int = 0
    resources: dict[str, int] = field(default_factory=dict)


class _Terms:
    """The IRIs of one vocabulary as N-Quads terms: `_Terms(MLG).population`."""

    def __init__(self, namespace: str) -> None:
        self._namespace = str(namespace)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        term = f"<{self._namespace}{name}>"
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> str:
        return f"<{self._namespace}{name}>"


mlg, org, dcterms, skos, prov = (_Terms(n) for n in (MLG, ORG, DCTERMS, SKOS, PROV))
qb, eli, igeo, owl, rdf = (_Terms(n) for n in (QB, ELI, IGEO, OWL, RDF))
rdfs, xsd, sdmx_dimension = _Terms(RDFS), _Terms(XSD), _Terms(SDMX_DIMENSION)


def fr(text: str) -> str:
    """Return a French `rdf:langString` literal."""
    return f'"{_escape(text)}"@fr'


def typed(value: object, datatype: str) -> str:
    """Return a literal of `datatype`, an N-Quads IRI term such as `xsd.date`."""
    return f'"{_escape(str(value))}"^^{datatype}'


def string(text: str) -> str:
    return f'"{_escape(text)}"'


def _escape(text: str) -> str:
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
        text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text


class QuadWriter:
    """Writes N-Quads lines into one named graph at a time, and counts them."""

    def __init__(self, out: TextIO, base: str) -> None:
        self.out = out
        self.base = base.rstrip("/")
        self.counts = Counts()
        self._graph = ""
        self._lines: list[str] = []

    def item(self, type_: str, key: str) -> str:
        """Return the IRI term of an item."""
        return f"<{self.base}/id/{type_}/{key}>"

    def concept(self, scheme: str, slug: str) -> str:
        return f"<{self.base}/id/concept/{scheme}-{slug}>"

    def open_graph(self, kind: str, key: str) -> None:
        """Direct the next quads to `{base}/graph/{kind}/{key}`."""
        self._graph = f"<{self.base}/graph/{kind}/{key}>"
        self.counts.graphs += 1

    def add(self, subject: str, predicate: str, value: str) -> None:
        self._lines.append(f"{subject} {predicate} {value} {self._graph} .\n")
        if len(self._lines) >= 50_000:
            self.flush()

    def count(self, type_: str, number: int = 1) -> None:
        self.counts.resources[type_] = self.counts.resources.get(type_, 0) + number

    def flush(self) -> None:
        self.out.writelines(self._lines)
        self.counts.triples += len(self._lines)
        self._lines.clear()


# Slugs of concepts declared in ontology/schemes.ttl. The weights give the share of
# items per visibility and per workflow state, in percent.
VISIBILITY = {"public": 80, "partners": 12, "restricted": 8}
WORKFLOW_STATE = {"published": 85, "draft": 10, "archived": 5}
ROLES = ("partner", "funder", "operator")
THEMES = (
    "acces-aux-droits",
    "handicap",
    "insertion-emploi",
    "logement",
    "personnes-agees",
    "petite-enfance",
)
DOCUMENT_TYPES = ("rapport", "compte-rendu", "diagnostic", "questionnaire", "synthese")
PHASES = ("diagnostic", "enjeux-priorites", "plan-actions")
ACTION_STATUSES = ("a-lancer", "en-cours", "realisee", "abandonnee")
EVENT_KINDS = ("atelier", "entretien", "questionnaire", "seminaire")
GROUPS = ("elus", "comite-de-pilotage")

# Syllables of the invented place names.
_ROOTS = ("Alb", "Bour", "Cha", "Dor", "Fay", "Gil", "Lam", "Mar", "Pra", "Ro", "Ver")
_ENDINGS = ("ac", "ard", "as", "el", "ieux", "on", "ousse", "y")
_SUFFIXES = ("", "", "", "-sur-Eyrieux", "-le-Haut", "-en-Vivarais", "-les-Bains")


@dataclass
class _Territory:
    key: str  # INSEE code of a commune, SIREN of an EPCI
    name: str
    population: int
    epci: int = 0  # index of the EPCI the commune belongs to


@dataclass
class _Plan:
    """Keys of every resource, drawn before writing so that items can cite others."""

    sizes: Sizes
    rng: random.Random
    communes: list[_Territory]
    epci: list[_Territory]
    banatic: list[str]
    competence_domains: list[str]
    competence_groups: dict[str, str]  # key of a group: key of its domain
    actors: list[str]
    acts: list[str]
    deliberations: list[str]
    orders: list[str]
    law_articles: list[str]
    indicators: list[str]
    actions: list[str]
    events: list[str]

    def members(self, epci: int) -> list[_Territory]:
        return [commune for commune in self.communes if commune.epci == epci]


# Law article versions as (code, article, date of the version).
_LAW_ARTICLES = (
    ("CASF", "L123-5", "2007-02-21"),
    ("CGCT", "L5211-17", "2010-12-18"),
    ("CGCT", "L5211-5", "2014-01-29"),
    ("CGCT", "L5214-16", "2016-01-01"),
    ("CGCT", "L5216-1", "2014-02-23"),
    ("CGCT", "L5216-5", "2016-01-01"),
)


def generate(
    path: Path,
    sizes: Sizes | str = "agglomeration",
    *,
    base: str = DEFAULT_BASE,
    seed: int = 0,
) -> Counts:
    """Write synthetic N-Quads of a preset or of `sizes` to `path`; return counts."""
    if isinstance(sizes, str):
        if sizes not in PRESETS:
            raise ValueError(
                f"unknown preset {sizes!r}; accepted: {', '.join(PRESETS)}"
            )
        sizes = PRESETS[sizes]
    plan = _plan(sizes, random.Random(seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        writer = QuadWriter(out, base)
        for write in _SECTIONS:
            write(writer, plan)
        writer.flush()
    return writer.counts


def _plan(sizes: Sizes, rng: random.Random) -> _Plan:
    communes = [
        _Territory(f"{DEPARTEMENT}{i + 1:03d}", _place_name(rng), _population(rng))
        for i in range(sizes.communes)
    ]
    for i, commune in enumerate(communes):
        commune.epci = i * sizes.epci // sizes.communes
    epci = []
    for e in range(sizes.epci):
        seat = next(c for c in communes if c.epci == e)
        population = sum(c.population for c in communes if c.epci == e)
        epci.append(_Territory(f"2999{e + 1:05d}", seat.name, population, e))

    domains = _competence_domains(sizes.competences)
    law_count = min(len(_LAW_ARTICLES), max(1, sizes.acts // 10))
    laws = [f"{c}-{a}-{d}".lower() for c, a, d in _LAW_ARTICLES[:law_count]]
    local_acts = sizes.acts - law_count
    deliberations = [f"deliberation-{i + 1:04d}" for i in range(local_acts * 3 // 5)]
    orders = [f"arrete-{i + 1:04d}" for i in range(local_acts - len(deliberations))]
    return _Plan(
        sizes=sizes,
        rng=rng,
        communes=communes,
        epci=epci,
        banatic=[f"C{1000 + 10 * i:04d}" for i in range(sizes.competences)],
        competence_domains=list(domains.values()),
        competence_groups=_competence_groups(domains),
        actors=[f"actor-{i + 1:04d}" for i in range(sizes.actors)],
        acts=laws + deliberations + orders,
        deliberations=deliberations,
        orders=orders,
        law_articles=laws,
        indicators=[f"indicator-{i + 1:02d}" for i in range(sizes.indicators)],
        actions=[f"fa-{i + 1:02d}" for i in range(sizes.actions)],
        events=[f"event-{i + 1:03d}" for i in range(sizes.events)],
    )


def _competence_domains(banatic_codes: int) -> dict[str, str]:
    """Return the keys of maillage's competence domains by theme, one per 20 codes."""
    themes = THEMES[: max(1, banatic_codes // 20)]
    return {theme: f"domain-{theme}" for theme in themes}


def _competence_groups(domains: dict[str, str]) -> dict[str, str]:
    """Return the keys of three groups per domain, each mapped to its domain's key."""
    return {
        f"{theme}-{n}": domain for theme, domain in domains.items() for n in (1, 2, 3)
    }


def _place_name(rng: random.Random) -> str:
    name = rng.choice(_ROOTS) + rng.choice(_ENDINGS) + rng.choice(_SUFFIXES)
    return ("Saint-" + name) if rng.random() < 0.2 else name


def _population(rng: random.Random) -> int:
    return 50 + int(rng.lognormvariate(6.3, 1.1))


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(tuple(weights), weights=tuple(weights.values()))[0]


def _date(rng: random.Random, first_year: int, last_year: int) -> str:
    year = rng.randint(first_year, last_year)
    return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _item_header(
    w: QuadWriter, plan: _Plan, subject: str, classes: Sequence[str]
) -> None:
    """Write the types and the triples that every content item carries."""
    rng = plan.rng
    for rdf_class in classes:
        w.add(subject, rdf.type, rdf_class)
    visibility = _pick(rng, VISIBILITY)
    w.add(subject, mlg.visibility, w.concept("visibility", visibility))
    w.add(
        subject,
        mlg.workflowState,
        w.concept("workflow-state", _pick(rng, WORKFLOW_STATE)),
    )
    if visibility == "restricted":
        w.add(subject, mlg.readableBy, string(rng.choice(GROUPS)))
    created = f"{_date(rng, 2014, 2016)}T09:30:00Z"
    w.add(subject, dcterms.created, typed(created, xsd.dateTime))
    w.add(
        subject,
        dcterms.modified,
        typed(created.replace("09:30", "17:45"), xsd.dateTime),
    )


def _write_territories(w: QuadWriter, plan: _Plan) -> None:
    """Write the région, département, arrondissements, communes and EPCI."""
    title = f"Communes et EPCI du département {DEPARTEMENT}"
    _open_dataset(w, f"communes-{DEPARTEMENT}", title, (mlg.Dataset,))

    region, departement = w.item("region", REGION), w.item("departement", DEPARTEMENT)
    chef_lieu = w.item("commune", plan.communes[0].key)
    for subject, kind, code in (
        (region, "Region", REGION),
        (departement, "Departement", DEPARTEMENT),
    ):
        _organisation_types(w, subject, kind, kind)
        w.add(subject, skos.prefLabel, fr(f"{kind} synthétique {code}"))
        w.add(subject, igeo.codeINSEE, string(code))
        w.add(subject, igeo.chefLieu, chef_lieu)
    w.add(departement, igeo.subdivisionDirecteDe, region)

    arrondissements = max(1, len(plan.communes) // 100)
    for a in range(arrondissements):
        _write_arrondissement(w, plan, a, arrondissements, departement)
    for commune in plan.communes:
        arrondissement = commune.epci * arrondissements // len(plan.epci) + 1
        _write_commune(w, plan, commune, f"{DEPARTEMENT}{arrondissement}")
    for epci in plan.epci:
        _write_epci(w, plan, epci)
    w.count("region")
    w.count("departement")


def _open_dataset(w: QuadWriter, slug: str, title: str, classes: Sequence[str]) -> str:
    """Open the graph of dataset `slug`, describe the dataset in it; return its IRI."""
    w.open_graph("dataset", slug)
    dataset = w.item("dataset", slug)
    for rdf_class in classes:
        w.add(dataset, rdf.type, rdf_class)
    w.add(dataset, dcterms.title, fr(title))
    w.add(dataset, dcterms.source, fr("Données synthétiques du banc d'essai"))
    w.add(dataset, mlg.vintage, typed(VINTAGE, xsd.gYear))
    w.add(dataset, mlg.visibility, w.concept("visibility", "public"))
    w.count("dataset")
    return dataset


def _organisation_types(
    w: QuadWriter, subject: str, mlg_kind: str, igeo_kind: str
) -> None:
    w.add(subject, rdf.type, org.FormalOrganization)
    w.add(subject, rdf.type, mlg[mlg_kind])
    w.add(subject, rdf.type, igeo[igeo_kind])


def _write_arrondissement(
    w: QuadWriter, plan: _Plan, index: int, total: int, departement: str
) -> None:
    code = f"{DEPARTEMENT}{index + 1}"
    subject = w.item("arrondissement", code)
    seat = plan.communes[index * len(plan.communes) // total]
    w.add(subject, rdf.type, igeo.Arrondissement)
    w.add(subject, skos.prefLabel, fr(f"Arrondissement de {seat.name}"))
    w.add(subject, igeo.codeINSEE, string(code))
    w.add(subject, igeo.subdivisionDirecteDe, departement)
    w.add(subject, igeo.chefLieu, w.item("commune", seat.key))
    w.count("arrondissement")


def _write_commune(
    w: QuadWriter, plan: _Plan, commune: _Territory, arrondissement: str
) -> None:
    rng = plan.rng
    subject = w.item("commune", commune.key)
    _organisation_types(w, subject, "Commune", "Commune")
    w.add(subject, skos.prefLabel, fr(commune.name))
    w.add(subject, igeo.codeINSEE, string(commune.key))
    w.add(subject, mlg.siren, string(f"21{commune.key}00"))
    w.add(subject, mlg.population, typed(commune.population, xsd.integer))
    dgcl = commune.population - rng.randint(0, commune.population // 50)
    w.add(subject, mlg.populationDGCL, typed(dgcl, xsd.integer))
    for _ in range(1 if rng.random() < 0.9 else 2):
        w.add(subject, mlg.postalCode, string(f"{DEPARTEMENT}{rng.randint(100, 999)}"))
    w.add(subject, igeo.subdivisionDirecteDe, w.item("arrondissement", arrondissement))
    w.add(subject, mlg.vintage, typed(VINTAGE, xsd.gYear))
    w.count("commune")


def _write_epci(w: QuadWriter, plan: _Plan, epci: _Territory) -> None:
    subject = w.item("epci", epci.key)
    is_agglomeration = epci.epci == 0
    kind = "d'agglomération" if is_agglomeration else "de communes"
    _organisation_types(w, subject, "EPCI", "Intercommunalite")
    w.add(subject, skos.prefLabel, fr(f"Communauté {kind} de {epci.name}"))
    w.add(subject, igeo.codeINSEE, string(epci.key))
    w.add(subject, mlg.siren, string(epci.key))
    w.add(subject, mlg.epciType, string("CA" if is_agglomeration else "CC"))
    financing = "FPU" if is_agglomeration or plan.rng.random() < 0.7 else "FA"
    w.add(subject, mlg.financingMode, string(financing))
    w.add(subject, mlg.population, typed(epci.population, xsd.integer))
    w.add(subject, mlg.vintage, typed(VINTAGE, xsd.gYear))
    w.count("epci")


def _write_memberships(w: QuadWriter, plan: _Plan) -> None:
    """Write each commune's membership, and an ended one for a tenth of them.

    The current membership starts on 2017-01-01 after a change of EPCI. Otherwise its
    start date is known for two thirds of the communes, as when an arrêté gives it.
    """
    rng, sizes = plan.rng, plan.sizes
    dataset = w.item("dataset", f"communes-{DEPARTEMENT}")
    for commune in plan.communes:
        moved = sizes.epci > 1 and rng.random() < 0.1
        start = "2017-01-01" if moved else None
        if not moved and rng.random() < 0.67:
            start = _date(rng, 2000, 2016)
        _membership(w, plan, commune, plan.epci[commune.epci], dataset, start, None)
        if moved:
            former = plan.epci[(commune.epci + 1) % sizes.epci]
            started = _date(rng, 1995, 2010)
            _membership(w, plan, commune, former, dataset, started, "2016-12-31")


def _membership(
    w: QuadWriter,
    plan: _Plan,
    commune: _Territory,
    epci: _Territory,
    dataset: str,
    start: str | None,
    end: str | None,
) -> None:
    subject = w.item("membership", f"{epci.key}-{commune.key}")
    w.add(subject, rdf.type, org.Membership)
    w.add(subject, org.member, w.item("commune", commune.key))
    w.add(subject, org.organization, w.item("epci", epci.key))
    if start is not None:
        w.add(subject, mlg.startDate, typed(start, xsd.date))
        w.add(
            subject,
            mlg.legalBasis,
            w.item("act", plan.rng.choice(plan.orders or plan.acts)),
        )
    if end is not None:
        w.add(subject, mlg.endDate, typed(end, xsd.date))
    w.add(subject, mlg.observedOn, typed(f"{VINTAGE}-01-01", xsd.date))
    w.add(subject, prov.wasDerivedFrom, dataset)
    w.count("membership")


def _write_banatic(w: QuadWriter, plan: _Plan) -> None:
    """Write the BANATIC codes, each narrower than one of maillage's own groups."""
    rng = plan.rng
    _open_dataset(w, "banatic", "Nomenclature des compétences BANATIC", (mlg.Dataset,))
    scheme = w.item("scheme", "banatic")
    groups = list(plan.competence_groups)
    for code in plan.banatic:
        subject = w.item("competence", code)
        w.add(subject, rdf.type, mlg.Competence)
        w.add(subject, rdf.type, skos.Concept)
        label = _COMPETENCE_LABELS[int(code[1:]) % len(_COMPETENCE_LABELS)]
        w.add(subject, skos.prefLabel, fr(f"{label} ({code})"))
        w.add(subject, skos.notation, string(code))
        w.add(subject, skos.inScheme, scheme)
        w.add(subject, skos.broader, w.item("competence", rng.choice(groups)))
        if rng.random() < 0.15:
            w.add(subject, owl.deprecated, typed("true", xsd.boolean))
        interest = "true" if _needs_community_interest(code) else "false"
        w.add(subject, mlg.dependsOnCommunityInterest, typed(interest, xsd.boolean))
    w.count("competence", len(plan.banatic))


_COMPETENCE_LABELS = (
    "Action sociale d'intérêt communautaire",
    "Accueil de la petite enfance",
    "Politique du logement social",
    "Insertion professionnelle",
    "Aide aux personnes âgées",
    "Accueil des gens du voyage",
    "Prévention de la délinquance",
)


def _needs_community_interest(code: str) -> bool:
    return int(code[1:]) % 30 == 0


def _write_competences(w: QuadWriter, plan: _Plan) -> None:
    """Write maillage's own competences, domains and their groups, as items."""
    for key in plan.competence_domains:
        subject = _open_competence(w, plan, key)
        w.add(subject, skos.prefLabel, fr(f"Domaine {key.removeprefix('domain-')}"))
    for key, domain in plan.competence_groups.items():
        subject = _open_competence(w, plan, key)
        theme, _, number = key.rpartition("-")
        w.add(subject, skos.prefLabel, fr(f"{theme.capitalize()}, volet {number}"))
        w.add(subject, skos.broader, w.item("competence", domain))
    own = len(plan.competence_domains) + len(plan.competence_groups)
    w.count("competence", own)


def _open_competence(w: QuadWriter, plan: _Plan, key: str) -> str:
    """Open the item graph of one of maillage's competences and write its header."""
    w.open_graph("competence", key)
    subject = w.item("competence", key)
    _item_header(w, plan, subject, (mlg.Competence, skos.Concept))
    w.add(subject, skos.inScheme, w.item("scheme", "competence"))
    return subject


_INDICATOR_KINDS = (
    ("count", "foyers", "Foyers allocataires"),
    ("count", "personnes", "Personnes couvertes"),
    ("rate", "%", "Taux de couverture"),
    ("amount", "milliers d'euros", "Dépenses"),
)


def _indicator_kind(index: int) -> tuple[str, str, str]:
    return _INDICATOR_KINDS[index % len(_INDICATOR_KINDS)]


def _write_indicators(w: QuadWriter, plan: _Plan) -> None:
    rng = plan.rng
    for index, key in enumerate(plan.indicators):
        kind, unit, label = _indicator_kind(index)
        w.open_graph("indicator", key)
        subject = w.item("indicator", key)
        _item_header(w, plan, subject, (mlg.Indicator, qb.MeasureProperty))
        w.add(subject, rdfs.label, fr(f"{label} ({key})"))
        w.add(
            subject, skos.definition, fr(f"{label}, indicateur synthétique {index + 1}")
        )
        w.add(subject, mlg.unit, fr(unit))
        w.add(subject, mlg.indicatorKind, w.concept("indicator-kind", kind))
        if kind == "rate" and index >= 2:
            w.add(
                subject, mlg.numerator, w.item("indicator", plan.indicators[index - 2])
            )
            w.add(
                subject,
                mlg.denominator,
                w.item("indicator", plan.indicators[index - 1]),
            )
        w.add(subject, dcterms.source, fr(rng.choice(("CNAF", "DREES", "INSEE"))))
        w.add(subject, dcterms.subject, w.concept("theme", rng.choice(THEMES)))
        w.add(subject, mlg.sourceColumn, string(f"COL{index + 1:02d}"))
    w.count("indicator", len(plan.indicators))


def _write_observations(w: QuadWriter, plan: _Plan) -> None:
    """Write one Data Cube dataset per indicator: every territory, every year."""
    rng, sizes = plan.rng, plan.sizes
    areas = [(w.item("commune", c.key), c.key, c.population) for c in plan.communes]
    areas += [(w.item("epci", e.key), e.key, e.population) for e in plan.epci]
    total = sum(c.population for c in plan.communes)
    areas.append((w.item("departement", DEPARTEMENT), DEPARTEMENT, total))
    years = range(sizes.first_year, sizes.first_year + sizes.years)
    periods = {year: typed(year, xsd.gYear) for year in years}

    for index, key in enumerate(plan.indicators):
        slug = f"observations-{key}"
        title = f"Observations de l'indicateur {key}"
        dataset = _open_dataset(w, slug, title, (mlg.Dataset, qb.DataSet))
        kind = _indicator_kind(index)[0]
        indicator = w.item("indicator", key)
        prefix = f"<{w.base}/id/observation/{slug}-"
        share = rng.uniform(0.01, 0.2)
        for area, area_key, population in areas:
            for year in years:
                subject = f"{prefix}{area_key}-{key}-{year}>"
                growth = 1 + 0.02 * (year - sizes.first_year) + rng.uniform(-0.05, 0.05)
                w.add(subject, rdf.type, qb.Observation)
                w.add(subject, qb.dataSet, dataset)
                w.add(subject, sdmx_dimension.refArea, area)
                w.add(subject, sdmx_dimension.refPeriod, periods[year])
                w.add(subject, mlg.indicator, indicator)
                w.add(subject, indicator, _measure(kind, population * share * growth))
        w.count("observation", len(areas) * len(years))


def _measure(kind: str, value: float) -> str:
    if kind == "count":
        return typed(round(value), xsd.integer)
    if kind == "rate":
        return typed(f"{min(100.0, value / 10):.2f}", xsd.decimal)
    return typed(f"{value / 3:.1f}", xsd.decimal)


# Actor kinds as (mlg class, slug of the actor-kind concept, name pattern).
_ACTOR_KINDS = (
    ("StateService", "state-service", "Préfecture de {}"),
    ("CAF", "caf", "Caisse d'allocations familiales de {}"),
    ("CCAS", "ccas", "CCAS de {}"),
    ("CIAS", "cias", "CIAS de {}"),
    ("Association", "association", "Association d'entraide de {}"),
    ("OtherPartner", "other-partner", "Mission locale de {}"),
)


def _write_actors(w: QuadWriter, plan: _Plan) -> None:
    rng = plan.rng
    for index, key in enumerate(plan.actors):
        kind, slug, pattern = _ACTOR_KINDS[index % len(_ACTOR_KINDS)]
        w.open_graph("actor", key)
        subject = w.item("actor", key)
        _item_header(w, plan, subject, (org.FormalOrganization, mlg[kind]))
        place = plan.communes[index % len(plan.communes)].name
        w.add(subject, skos.prefLabel, fr(pattern.format(place)))
        w.add(subject, mlg.actorKind, w.concept("actor-kind", slug))
        if rng.random() < 0.6:
            w.add(
                subject, mlg.siren, string(f"{rng.randint(100_000_000, 999_999_999)}")
            )
        w.add(
            subject, dcterms.description, fr(f"Acteur synthétique numéro {index + 1}.")
        )
    w.count("actor", len(plan.actors))


def _write_acts(w: QuadWriter, plan: _Plan) -> None:
    laws = _LAW_ARTICLES[: len(plan.law_articles)]
    for (code, article, version), key in zip(laws, plan.law_articles, strict=True):
        w.open_graph("act", key)
        subject = w.item("act", key)
        _item_header(w, plan, subject, (mlg.LegalAct, mlg.LawArticle))
        w.add(
            subject,
            dcterms.title,
            fr(f"{code}, article {article}, version du {version}"),
        )
        w.add(subject, mlg.legalCode, string(code))
        w.add(subject, mlg.articleNumber, string(article))
        w.add(subject, eli.first_date_entry_in_force, typed(version, xsd.date))
        w.add(subject, mlg.textPath, string(f"{code}_{article}__etalab_{version}.md"))
    for key in plan.deliberations:
        _write_local_act(w, plan, key, "Deliberation")
    for key in plan.orders:
        _write_local_act(w, plan, key, "PrefectoralOrder")
    w.count("act", len(plan.acts))


def _write_local_act(w: QuadWriter, plan: _Plan, key: str, kind: str) -> None:
    """Write a délibération, or an arrêté préfectoral passed by the préfecture."""
    rng = plan.rng
    w.open_graph("act", key)
    subject = w.item("act", key)
    _item_header(w, plan, subject, (mlg.LegalAct, mlg[kind]))
    date = _date(rng, 2005, 2016)
    if kind == "Deliberation":
        _write_deliberation(w, plan, subject, date)
    else:
        w.add(subject, dcterms.title, fr(f"Arrêté préfectoral du {date}"))
        w.add(subject, eli.passed_by, w.item("actor", plan.actors[0]))
    w.add(subject, eli.date_document, typed(date, xsd.date))
    source = f"Recueil des actes administratifs, {date[:4]}"
    w.add(subject, dcterms.source, string(source))


def _write_deliberation(w: QuadWriter, plan: _Plan, subject: str, date: str) -> None:
    """Write a délibération of an EPCI council or, one time in five, of a commune's."""
    rng = plan.rng
    if rng.random() < 0.2:
        council, body = "municipal", w.item("commune", rng.choice(plan.communes).key)
    else:
        council, body = "communautaire", w.item("epci", rng.choice(plan.epci).key)
    w.add(subject, dcterms.title, fr(f"Délibération du conseil {council} du {date}"))
    w.add(subject, eli.passed_by, body)
    w.add(subject, mlg.voteShare, typed(f"{rng.uniform(0.5, 1):.3f}", xsd.decimal))
    code = rng.choice(plan.banatic)
    if council == "communautaire" and _needs_community_interest(code):
        w.add(subject, mlg.definesCommunityInterestFor, w.item("competence", code))


def _write_transfers(w: QuadWriter, plan: _Plan) -> None:
    """Write competence transfers from every member commune of an EPCI to that EPCI."""
    rng = plan.rng
    for index in range(plan.sizes.transfers):
        key = f"transfer-{index + 1:04d}"
        w.open_graph("transfer", key)
        subject = w.item("transfer", key)
        _item_header(w, plan, subject, (mlg.CompetenceTransfer,))
        epci = plan.epci[index % len(plan.epci)]
        code = rng.choice(plan.banatic)
        w.add(subject, mlg.competence, w.item("competence", code))
        for commune in plan.members(epci.epci):
            w.add(subject, mlg.fromCommune, w.item("commune", commune.key))
        w.add(subject, mlg.toBody, w.item("epci", epci.key))
        decided = _date(rng, 2005, 2016)
        w.add(subject, mlg.decisionDate, typed(decided, xsd.date))
        w.add(
            subject, mlg.effectiveDate, typed(f"{int(decided[:4]) + 1}-01-01", xsd.date)
        )
        if rng.random() < 0.05:
            w.add(
                subject, mlg.endDate, typed(f"{int(decided[:4]) + 4}-12-31", xsd.date)
            )
        w.add(
            subject, mlg.legalBasis, w.item("act", rng.choice(plan.orders or plan.acts))
        )
        w.add(subject, mlg.legalBasis, w.item("act", rng.choice(plan.law_articles)))
        if _needs_community_interest(code) and plan.deliberations:
            definition = w.item("act", rng.choice(plan.deliberations))
            w.add(subject, mlg.communityInterestDefinition, definition)
        w.add(subject, dcterms.description, fr(f"Transfert de la compétence {code}."))
    w.count("transfer", plan.sizes.transfers)


def _write_events(w: QuadWriter, plan: _Plan) -> None:
    rng = plan.rng
    for index, key in enumerate(plan.events):
        w.open_graph("event", key)
        subject = w.item("event", key)
        _item_header(w, plan, subject, (mlg.Event,))
        w.add(subject, dcterms.title, fr(f"Rencontre {index + 1} de la mission"))
        w.add(subject, mlg.eventKind, w.concept("event-kind", rng.choice(EVENT_KINDS)))
        w.add(subject, mlg.phase, w.concept("phase", rng.choice(PHASES)))
        w.add(subject, dcterms.date, typed(_date(rng, 2014, 2015), xsd.date))
        for actor in rng.sample(plan.actors, min(3, len(plan.actors))):
            w.add(subject, prov.wasAssociatedWith, w.item("actor", actor))
        w.add(subject, mlg.participants, fr("Élus, agents des CCAS et partenaires"))
    w.count("event", len(plan.events))


def _write_actions(w: QuadWriter, plan: _Plan) -> None:
    rng = plan.rng
    for index, key in enumerate(plan.actions):
        w.open_graph("action", key)
        subject = w.item("action", key)
        _item_header(w, plan, subject, (mlg.Action,))
        w.add(subject, dcterms.title, fr(f"Fiche action {index + 1}"))
        w.add(subject, mlg.number, typed(index + 1, xsd.integer))
        w.add(
            subject, dcterms.description, fr(f"Action synthétique numéro {index + 1}.")
        )
        for n in range(rng.randint(1, 3)):
            w.add(
                subject, mlg.objective, fr(f"Objectif {n + 1} de l'action {index + 1}")
            )
        w.add(
            subject, mlg.targetPublic, fr(rng.choice(("Familles", "Jeunes", "Aînés")))
        )
        territory = plan.epci[index % len(plan.epci)]
        w.add(subject, mlg.territory, w.item("epci", territory.key))
        _write_involvements(w, plan, subject)
        _write_fundings(w, plan, subject)
        start = _date(rng, 2015, 2017)
        w.add(subject, mlg.startDate, typed(start, xsd.date))
        w.add(subject, mlg.endDate, typed(f"{int(start[:4]) + 2}{start[4:]}", xsd.date))
        w.add(subject, mlg.calendar, fr("Préparation, lancement, puis évaluation"))
        for indicator in rng.sample(plan.indicators, min(2, len(plan.indicators))):
            w.add(subject, mlg.evaluationIndicator, w.item("indicator", indicator))
        status = rng.choice(ACTION_STATUSES)
        w.add(subject, mlg.actionStatus, w.concept("action-status", status))
        w.add(
            subject,
            mlg.reliesOnCompetence,
            w.item("competence", rng.choice(plan.banatic)),
        )
        w.add(subject, dcterms.subject, w.concept("theme", rng.choice(THEMES)))
    w.count("action", len(plan.actions))


def _write_involvements(w: QuadWriter, plan: _Plan, action: str) -> None:
    """Write one lead and up to four other involvements, as fragments of the action."""
    rng = plan.rng
    agents = rng.sample(plan.actors, min(len(plan.actors), rng.randint(1, 5)))
    for n, agent in enumerate(agents, start=1):
        node = f"{action[:-1]}#involvement-{n}>"
        role = "lead" if n == 1 else rng.choice(ROLES)
        w.add(action, mlg.involvement, node)
        w.add(node, rdf.type, mlg.Involvement)
        w.add(node, mlg.agent, w.item("actor", agent))
        w.add(node, mlg.role, w.concept("role", role))


def _write_fundings(w: QuadWriter, plan: _Plan, action: str) -> None:
    rng = plan.rng
    for n in range(1, rng.randint(0, 2) + 1):
        node = f"{action[:-1]}#funding-{n}>"
        w.add(action, mlg.funding, node)
        w.add(node, rdf.type, mlg.Funding)
        w.add(node, mlg.funder, w.item("actor", rng.choice(plan.actors)))
        w.add(node, mlg.amount, typed(f"{rng.randint(1, 200) * 500}.00", xsd.decimal))
        w.add(node, rdfs.comment, fr("Montant prévisionnel"))


def _write_documents(w: QuadWriter, plan: _Plan) -> None:
    rng = plan.rng
    for index in range(plan.sizes.documents):
        key = f"document-{index + 1:05d}"
        w.open_graph("document", key)
        subject = w.item("document", key)
        _item_header(w, plan, subject, (mlg.Document,))
        w.add(
            subject, dcterms.title, fr(f"Document {index + 1} sur {_place_name(rng)}")
        )
        w.add(subject, dcterms.description, fr("Document synthétique de la mission."))
        doc_type = rng.choice(DOCUMENT_TYPES)
        w.add(subject, dcterms.type, w.concept("document-type", doc_type))
        w.add(subject, mlg.phase, w.concept("phase", rng.choice(PHASES)))
        w.add(subject, dcterms.issued, typed(_date(rng, 2014, 2016), xsd.date))
        w.add(subject, dcterms.creator, w.item("actor", rng.choice(plan.actors)))
        for theme in rng.sample(THEMES, rng.randint(0, 2)):
            w.add(subject, dcterms.subject, w.concept("theme", theme))
        _write_document_links(w, plan, subject)
        for word in rng.sample(_ROOTS, rng.randint(0, 3)):
            w.add(subject, mlg.keyword, string(word.lower()))
        w.add(subject, dcterms.language, string("fr"))
    w.count("document", plan.sizes.documents)


def _write_document_links(w: QuadWriter, plan: _Plan, document: str) -> None:
    """Write what a document is about and where it was produced, each at random."""
    rng = plan.rng
    if plan.actions and rng.random() < 0.5:
        w.add(document, mlg.aboutAction, w.item("action", rng.choice(plan.actions)))
    if rng.random() < 0.4:
        w.add(
            document,
            mlg.aboutCompetence,
            w.item("competence", rng.choice(plan.banatic)),
        )
    if rng.random() < 0.4:
        w.add(document, mlg.aboutActor, w.item("actor", rng.choice(plan.actors)))
    if plan.events and rng.random() < 0.3:
        w.add(document, mlg.producedAt, w.item("event", rng.choice(plan.events)))


_SECTIONS = (
    _write_territories,
    _write_memberships,
    _write_banatic,
    _write_competences,
    _write_indicators,
    _write_observations,
    _write_actors,
    _write_acts,
    _write_transfers,
    _write_events,
    _write_actions,
    _write_documents,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, write the file and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="agglomeration")
    parser.add_argument("--out", type=Path, required=True, help="N-Quads file to write")
    parser.add_argument("--base", default=DEFAULT_BASE, help="base IRI of the items")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random draws")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    counts = generate(args.out, args.preset, base=args.base, seed=args.seed)
    elapsed = time.perf_counter() - started
    print(f"{counts.triples} triples in {counts.graphs} named graphs, {elapsed:.1f} s")
    print(", ".join(f"{kind} {number}" for kind, number in counts.resources.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
