"""Read the facts that legal tracing needs from the graphs a user may read.

Valid time, as `docs/model.md` and `docs/legal.md` state it:

- a competence transfer is in force from its `mlg:effectiveDate` (included) until its
  `mlg:endDate` (excluded): the end date is the first day on which it no longer applies;
- a membership applies from `mlg:startDate` (included) until `mlg:endDate` (excluded).
  With no start date it holds from `mlg:observedOn` on, and its status before that date
  is unknown, as `maillage.graph.territory.members_on` has it;
- a law article version is in force from `eli:first_date_entry_in_force` to
  `eli:date_no_longer_in_force`, both included, as ELI defines them.

`dcterms:created` and `dcterms:modified` say when maillage recorded an item, which is
revision history and never valid time: they are read only to be shown beside the dates.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore, Term

logger = logging.getLogger(__name__)

_TRANSFERS = """
SELECT ?transfer ?competence ?body (MIN(?decision_) AS ?decision)
       (MIN(?effective_) AS ?effective) (MIN(?end_) AS ?end)
       (MIN(STR(?definition_)) AS ?definition) (MAX(?recorded_) AS ?recorded)
       (GROUP_CONCAT(DISTINCT STR(?commune); separator=" ") AS ?communes)
       (GROUP_CONCAT(DISTINCT STR(?act); separator=" ") AS ?acts)
WHERE {
  ?transfer a mlg:CompetenceTransfer ;
      mlg:competence ?competence ;
      mlg:toBody ?body .
  OPTIONAL { ?transfer mlg:fromCommune ?commune }
  OPTIONAL { ?transfer mlg:legalBasis ?act }
  OPTIONAL { ?transfer mlg:decisionDate ?decision_ }
  OPTIONAL { ?transfer mlg:effectiveDate ?effective_ }
  OPTIONAL { ?transfer mlg:endDate ?end_ }
  OPTIONAL { ?transfer mlg:communityInterestDefinition ?definition_ }
  OPTIONAL { ?transfer dcterms:modified|dcterms:created ?recorded_ }
} GROUP BY ?transfer ?competence ?body
"""

_MEMBERSHIPS = """
SELECT ?membership ?commune ?epci (MIN(?start_) AS ?start) (MIN(?end_) AS ?end)
       (MIN(?observed_) AS ?observed)
       (GROUP_CONCAT(DISTINCT STR(?act); separator=" ") AS ?acts)
WHERE {
  ?membership a org:Membership ;
      org:member ?commune ;
      org:organization ?epci .
  OPTIONAL { ?membership mlg:startDate ?start_ }
  OPTIONAL { ?membership mlg:endDate ?end_ }
  OPTIONAL { ?membership mlg:observedOn ?observed_ }
  OPTIONAL { ?membership mlg:legalBasis ?act }
} GROUP BY ?membership ?commune ?epci
"""

_ACTS = """
SELECT ?act (SAMPLE(?title_) AS ?title) (SAMPLE(?description_) AS ?description)
       (MIN(?issued_) AS ?issued)
       (MIN(?first_) AS ?first) (MIN(?until_) AS ?until) (MIN(?share_) AS ?share)
       (MIN(STR(?by_)) AS ?by) (MIN(STR(?source_)) AS ?source)
       (MIN(?path_) AS ?path) (MAX(?recorded_) AS ?recorded)
       (GROUP_CONCAT(DISTINCT STR(?class); separator=" ") AS ?classes)
       (GROUP_CONCAT(DISTINCT STR(?defined); separator=" ") AS ?defines)
WHERE {
  VALUES ?class { mlg:LegalAct mlg:Deliberation mlg:PrefectoralOrder mlg:LawArticle }
  ?act a ?class .
  OPTIONAL { ?act dcterms:title ?title_ }
  OPTIONAL { ?act dcterms:description ?description_ }
  OPTIONAL { ?act eli:date_document ?issued_ }
  OPTIONAL { ?act eli:first_date_entry_in_force ?first_ }
  OPTIONAL { ?act eli:date_no_longer_in_force ?until_ }
  OPTIONAL { ?act mlg:voteShare ?share_ }
  OPTIONAL { ?act eli:passed_by ?by_ }
  OPTIONAL { ?act dcterms:source ?source_ }
  OPTIONAL { ?act mlg:textPath ?path_ }
  OPTIONAL { ?act mlg:definesCommunityInterestFor ?defined }
  OPTIONAL { ?act dcterms:modified|dcterms:created ?recorded_ }
} GROUP BY ?act
"""

_BODIES = """
SELECT ?body (SAMPLE(?label_) AS ?label) (MIN(?type_) AS ?epci_type)
       (GROUP_CONCAT(DISTINCT STR(?class); separator=" ") AS ?classes)
WHERE {
  VALUES ?class {
    mlg:Commune mlg:CommuneDeleguee mlg:CommuneAssociee mlg:EPCI mlg:CCAS mlg:CIAS
    mlg:Departement mlg:Region mlg:CAF mlg:StateService mlg:Association mlg:OtherPartner
  }
  ?body a ?class .
  OPTIONAL { ?body skos:prefLabel ?label_ }
  OPTIONAL { ?body mlg:epciType ?type_ }
} GROUP BY ?body
"""

_COMPETENCES = """
SELECT ?competence (SAMPLE(?label_) AS ?label) (SAMPLE(?notation_) AS ?notation)
       (MIN(STR(?depends_)) AS ?depends)
WHERE {
  ?competence a mlg:Competence .
  OPTIONAL { ?competence skos:prefLabel ?label_ }
  OPTIONAL { ?competence skos:notation ?notation_ }
  OPTIONAL { ?competence mlg:dependsOnCommunityInterest ?depends_ }
} GROUP BY ?competence
"""

_ACTIONS = """
SELECT ?action (SAMPLE(?title_) AS ?title) (MIN(?number_) AS ?number)
       (MIN(?start_) AS ?start) (MIN(?end_) AS ?end)
       (GROUP_CONCAT(DISTINCT STR(?lead); separator=" ") AS ?leads)
       (GROUP_CONCAT(DISTINCT STR(?territory); separator=" ") AS ?territories)
       (GROUP_CONCAT(DISTINCT STR(?competence); separator=" ") AS ?competences)
WHERE {
  ?action a mlg:Action .
  OPTIONAL { ?action dcterms:title ?title_ }
  OPTIONAL { ?action mlg:number ?number_ }
  OPTIONAL { ?action mlg:startDate ?start_ }
  OPTIONAL { ?action mlg:endDate ?end_ }
  OPTIONAL { ?action mlg:territory ?territory }
  OPTIONAL { ?action mlg:reliesOnCompetence ?competence }
  OPTIONAL {
    ?action mlg:involvement ?involvement .
    ?involvement mlg:agent ?lead ; mlg:role %s .
  }
} GROUP BY ?action
"""

# Node kinds of organisations, keyed by the local name of their `mlg` class, in the
# order that decides the kind of an organisation of several classes.
BODY_KINDS: dict[str, str] = {
    "Commune": "commune",
    "CommuneDeleguee": "commune-deleguee",
    "CommuneAssociee": "commune-associee",
    "EPCI": "epci",
    "CCAS": "ccas",
    "CIAS": "cias",
    "Departement": "departement",
    "Region": "region",
    "CAF": "caf",
    "StateService": "state-service",
    "Association": "association",
    "OtherPartner": "other-partner",
}

ACT_KINDS: dict[str, str] = {
    "Deliberation": "deliberation",
    "PrefectoralOrder": "prefectoral-order",
    "LawArticle": "law-article",
}


class MembershipStatus(str, Enum):
    """A commune's membership of an EPCI on one date."""

    MEMBER = "member"
    NOT_YET = "not-yet-member"
    LEFT = "left"
    UNKNOWN = "unknown"
    NONE = "none"


@dataclass(frozen=True)
class Act:
    """A legal act: délibération, arrêté préfectoral or law article version.

    `issued` is `eli:date_document`; a law article version has `in_force_from` and
    `in_force_until` instead. `description` summarises what the act decides.
    `recorded` is revision history, not valid time.
    """

    iri: str
    title: str
    kind: str | None
    description: str | None = None
    issued: date | None = None
    in_force_from: date | None = None
    in_force_until: date | None = None
    vote_share: Decimal | None = None
    passed_by: str | None = None
    source: str | None = None
    text_path: str | None = None
    defines_interest_for: frozenset[str] = frozenset()
    recorded: str | None = None

    @property
    def act_date(self) -> date | None:
        """Return the date of the act: its date, or the version's entry into force."""
        return self.issued or self.in_force_from

    def in_force_on(self, on: date) -> bool | None:
        """Return whether a law article version is in force on `on`, None if unknown."""
        if self.in_force_from is None:
            return None
        if on < self.in_force_from:
            return False
        return self.in_force_until is None or on <= self.in_force_until


@dataclass(frozen=True)
class Transfer:
    """A competence transfer from communes to a body, with its valid time."""

    iri: str
    competence: str
    body: str
    communes: frozenset[str]
    decision: date | None
    effective: date | None
    end: date | None
    legal_bases: tuple[str, ...]
    interest_definition: str | None
    recorded: str | None = None

    def in_force_on(self, on: date) -> bool | None:
        """Return whether the transfer applies on `on`, None if its start is unknown."""
        if self.effective is None:
            return None
        return self.effective <= on and (self.end is None or on < self.end)


@dataclass(frozen=True)
class Membership:
    """A commune's membership of an EPCI, with its valid time and its acts."""

    iri: str
    commune: str
    epci: str
    start: date | None
    end: date | None
    observed: date | None
    legal_bases: tuple[str, ...]

    def status_on(self, on: date) -> MembershipStatus:
        """Return the membership's status on `on`, as `members_on` decides it."""
        if self.end is not None and self.end <= on:
            return MembershipStatus.LEFT
        if self.start is not None:
            return (
                MembershipStatus.MEMBER
                if self.start <= on
                else MembershipStatus.NOT_YET
            )
        if self.observed is not None and self.observed <= on:
            return MembershipStatus.MEMBER
        return MembershipStatus.UNKNOWN


@dataclass(frozen=True)
class Body:
    """An organisation: its label, kind and, for an EPCI, its type (CA, CC, ...)."""

    iri: str
    label: str
    kind: str | None
    epci_type: str | None = None


@dataclass(frozen=True)
class CompetenceInfo:
    """A competence and whether it depends on the intérêt communautaire, when stated."""

    iri: str
    label: str
    notation: str | None
    depends_on_interest: bool | None


@dataclass(frozen=True)
class ActionInfo:
    """An action sheet: its leads, territories, competences and dates."""

    iri: str
    title: str
    number: int | None
    start: date | None
    end: date | None
    leads: tuple[str, ...]
    territories: tuple[str, ...]
    competences: tuple[str, ...]

    @property
    def dates(self) -> tuple[date, ...]:
        """Return the action's known dates, start then end, without repeats."""
        known = [day for day in (self.start, self.end) if day is not None]
        return tuple(dict.fromkeys(known))


@dataclass
class LegalFacts:
    """Everything tracing reads, indexed for the questions of `tracing`."""

    iris: Iris
    transfers: list[Transfer] = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    acts: dict[str, Act] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)
    competences: dict[str, CompetenceInfo] = field(default_factory=dict)
    actions: dict[str, ActionInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.index()

    def index(self) -> None:
        """Build the lookup tables; call again after changing the lists."""
        self._transfers_by_key: dict[tuple[str, str], list[Transfer]] = defaultdict(
            list
        )
        self._memberships_by_pair: dict[tuple[str, str], list[Membership]] = (
            defaultdict(list)
        )
        self._memberships_by_epci: dict[str, list[Membership]] = defaultdict(list)
        for transfer in self.transfers:
            for commune in transfer.communes:
                self._transfers_by_key[(transfer.competence, commune)].append(transfer)
        for membership in self.memberships:
            pair = (membership.commune, membership.epci)
            self._memberships_by_pair[pair].append(membership)
            self._memberships_by_epci[membership.epci].append(membership)

    def transfers_from(self, competence: str, commune: str) -> list[Transfer]:
        """Return the transfers of `competence` that list `commune`, oldest first."""
        return sorted(self._transfers_by_key.get((competence, commune), []), key=_start)

    def transfers_to(self, body: str) -> list[Transfer]:
        return sorted((t for t in self.transfers if t.body == body), key=_start)

    def memberships_of(self, commune: str, epci: str) -> list[Membership]:
        return self._memberships_by_pair.get((commune, epci), [])

    def memberships_in(self, epci: str) -> list[Membership]:
        return self._memberships_by_epci.get(epci, [])

    def membership_status(self, commune: str, epci: str, on: date) -> MembershipStatus:
        """Return the status of `commune` in `epci` on `on` (NONE: no membership)."""
        statuses = {m.status_on(on) for m in self.memberships_of(commune, epci)}
        for status in (
            MembershipStatus.MEMBER,
            MembershipStatus.UNKNOWN,
            MembershipStatus.NOT_YET,
            MembershipStatus.LEFT,
        ):
            if status in statuses:
                return status
        return MembershipStatus.NONE

    def definitions_for(self, competence: str, body: str) -> list[Act]:
        """Return the délibérations of `body` that define the interest of `competence`.

        A délibération with no `eli:passed_by` counts, since the transfer that names it
        or the competence it defines ties it to the body. Oldest first.
        """
        found = [
            act
            for act in self.acts.values()
            if competence in act.defines_interest_for
            and act.kind in (None, "deliberation")
            and act.passed_by in (None, body)
        ]
        return sorted(found, key=lambda act: (act.act_date or date.max, act.iri))

    def label(self, iri: str) -> str:
        """Return the label of a body, competence, act or action, else its key."""
        for table in (self.bodies, self.competences, self.actions, self.acts):
            item = table.get(iri)
            if item is not None:
                return getattr(item, "label", None) or getattr(item, "title")
        ref = self.iris.parse_item(iri)
        return ref.key if ref is not None else iri

    def item_path(self, iri: str) -> str | None:
        """Return the `/id/...` path of an item of this base, or None."""
        ref = self.iris.parse_item(iri)
        if ref is None or "#" in iri:
            return None
        return f"/id/{ref.type}/{ref.key}"


def load_facts(
    store: GraphStore, iris: Iris, graphs: Sequence[NamedNode] | None
) -> LegalFacts:
    """Read transfers, memberships, acts, bodies, competences and actions.

    `graphs` is the list of graphs the user may read (None: all of them), so no
    result built on the facts shows what the user may not read.
    """
    lead = iris.concept("role", "lead")
    facts = LegalFacts(
        iris=iris,
        transfers=[
            _transfer(row) for row in store.select(_TRANSFERS, default_graph=graphs)
        ],
        memberships=[
            _membership(row) for row in store.select(_MEMBERSHIPS, default_graph=graphs)
        ],
        acts={
            row["act"].value: _act(row)
            for row in store.select(_ACTS, default_graph=graphs)
        },
        bodies={
            row["body"].value: _body(iris, row)
            for row in store.select(_BODIES, default_graph=graphs)
        },
        competences={
            row["competence"].value: _competence(iris, row)
            for row in store.select(_COMPETENCES, default_graph=graphs)
        },
        actions={
            row["action"].value: _action(iris, row)
            for row in store.select(_ACTIONS % lead, default_graph=graphs)
        },
    )
    logger.info(
        "legal facts read: %d transfers, %d memberships, %d acts, %d actions",
        len(facts.transfers),
        len(facts.memberships),
        len(facts.acts),
        len(facts.actions),
    )
    return facts


def _transfer(row: dict[str, Term]) -> Transfer:
    return Transfer(
        iri=row["transfer"].value,
        competence=row["competence"].value,
        body=row["body"].value,
        communes=frozenset(_split(row.get("communes"))),
        decision=_date(row.get("decision")),
        effective=_date(row.get("effective")),
        end=_date(row.get("end")),
        legal_bases=tuple(sorted(_split(row.get("acts")))),
        interest_definition=_text(row.get("definition")),
        recorded=_text(row.get("recorded")),
    )


def _membership(row: dict[str, Term]) -> Membership:
    return Membership(
        iri=row["membership"].value,
        commune=row["commune"].value,
        epci=row["epci"].value,
        start=_date(row.get("start")),
        end=_date(row.get("end")),
        observed=_date(row.get("observed")),
        legal_bases=tuple(sorted(_split(row.get("acts")))),
    )


def _act(row: dict[str, Term]) -> Act:
    iri = row["act"].value
    kinds = [
        ACT_KINDS[name]
        for name in (value.rsplit("#", 1)[-1] for value in _split(row.get("classes")))
        if name in ACT_KINDS
    ]
    return Act(
        iri=iri,
        title=_text(row.get("title")) or iri.rsplit("/", 1)[-1],
        kind=sorted(kinds)[0] if kinds else None,
        description=_text(row.get("description")),
        issued=_date(row.get("issued")),
        in_force_from=_date(row.get("first")),
        in_force_until=_date(row.get("until")),
        vote_share=_decimal(row.get("share")),
        passed_by=_text(row.get("by")),
        source=_text(row.get("source")),
        text_path=_text(row.get("path")),
        defines_interest_for=frozenset(_split(row.get("defines"))),
        recorded=_text(row.get("recorded")),
    )


def _body(iris: Iris, row: dict[str, Term]) -> Body:
    iri = row["body"].value
    names = [value.rsplit("#", 1)[-1] for value in _split(row.get("classes"))]
    kind = next((BODY_KINDS[name] for name in BODY_KINDS if name in names), None)
    return Body(
        iri=iri,
        label=_text(row.get("label")) or _key(iris, iri),
        kind=kind,
        epci_type=_text(row.get("epci_type")),
    )


def _competence(iris: Iris, row: dict[str, Term]) -> CompetenceInfo:
    iri = row["competence"].value
    depends = _text(row.get("depends"))
    notation = _text(row.get("notation"))
    return CompetenceInfo(
        iri=iri,
        label=_text(row.get("label")) or notation or _key(iris, iri),
        notation=notation,
        depends_on_interest=None if depends is None else depends in ("true", "1"),
    )


def _action(iris: Iris, row: dict[str, Term]) -> ActionInfo:
    iri = row["action"].value
    number = _text(row.get("number"))
    return ActionInfo(
        iri=iri,
        title=_text(row.get("title")) or _key(iris, iri),
        number=int(number) if number and number.isdigit() else None,
        start=_date(row.get("start")),
        end=_date(row.get("end")),
        leads=tuple(sorted(_split(row.get("leads")))),
        territories=tuple(sorted(_split(row.get("territories")))),
        competences=tuple(sorted(_split(row.get("competences")))),
    )


def _start(transfer: Transfer) -> tuple[date, str]:
    return (transfer.effective or date.max, transfer.iri)


def _split(term: Term | None) -> list[str]:
    return term.value.split() if term is not None else []


def _text(term: Term | None) -> str | None:
    if term is None:
        return None
    value = term.value.strip()
    return value or None


def _date(term: Term | None) -> date | None:
    if term is None:
        return None
    try:
        return date.fromisoformat(term.value[:10])
    except ValueError:
        logger.warning("date %r left out: not an xsd:date", term.value[:40])
        return None


def _decimal(term: Term | None) -> Decimal | None:
    if term is None:
        return None
    try:
        return Decimal(term.value)
    except InvalidOperation:
        logger.warning("vote share %r left out: not a decimal", term.value[:40])
        return None


def _key(iris: Iris, iri: str) -> str:
    ref = iris.parse_item(iri)
    return ref.key if ref is not None else iri
