"""The questions of legal staff: who held a competence, where, when, by which act.

- `holder_on`: who held competence C for commune X on date D, by which acts;
- `competences_on`: which competences EPCI E held on date D, for which communes;
- `check_lead`: is an actor competent for competence C in commune X on date D.

`maillage.graph.legal.basis` builds the legal basis of an action on these, and
`maillage.graph.legal.timeline` the timeline of a competence. The valid-time
conventions are those of `maillage.graph.legal.facts`; the rules are in
`maillage.graph.legal.rules`. An answer that depends on an unknown date carries a
flag and the status `undetermined`, and never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from maillage.graph.errors import NotFoundError
from maillage.graph.legal import rules
from maillage.graph.legal.facts import LegalFacts, MembershipStatus, Transfer
from maillage.graph.legal.flags import Flag, Status, best, unique, worst
from maillage.graph.legal.interest import InterestState, Scope, interest_state


@dataclass(frozen=True)
class Applicable:
    """A transfer that applies to a commune on a date, and the part it gives.

    `certain` is False when the commune's membership of the body is unknown that day,
    so the transfer applies only if the commune was a member.
    """

    transfer: Transfer
    scope: Scope
    interest: InterestState | None
    certain: bool

    @property
    def acts(self) -> tuple[str, ...]:
        """Return the acts the transfer rests on that day: bases, definition, rule."""
        found = list(self.transfer.legal_bases)
        if self.interest is not None:
            if self.interest.definition is not None:
                found.append(self.interest.definition.iri)
            found.extend(self.interest.rule_acts)
        return tuple(dict.fromkeys(found))


@dataclass
class Situation:
    """Every transfer of competence C that lists commune X, sorted for date D."""

    competence: str
    commune: str
    on: date
    applicable: list[Applicable] = field(default_factory=list)
    ended: list[Transfer] = field(default_factory=list)
    upcoming: list[Transfer] = field(default_factory=list)
    # Transfers in force to an EPCI of which the commune is not a member that day.
    excluded: list[tuple[Transfer, MembershipStatus]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


@dataclass(frozen=True)
class Holding:
    """A body that holds all or part of a competence for a commune on a date."""

    body: str
    scope: str
    transfer: str | None
    since: date | None
    acts: tuple[str, ...]
    certain: bool


@dataclass
class HolderAnswer:
    """The bodies that held a competence for a commune on a date, with the flags.

    `determined` is False when a membership is unknown or the interest undefined.
    """

    competence: str
    commune: str
    on: date
    holdings: list[Holding]
    flags: list[Flag]

    @property
    def determined(self) -> bool:
        return all(holding.certain for holding in self.holdings) and not any(
            holding.scope == Scope.INTEREST_UNDEFINED.value for holding in self.holdings
        )


@dataclass(frozen=True)
class Finding:
    """Whether `lead` is competent for `competence` in `commune` on `on`, and why."""

    lead: str
    competence: str
    territory: str
    commune: str | None
    on: date
    status: Status
    flags: tuple[Flag, ...]
    acts: tuple[str, ...] = ()
    transfers: tuple[str, ...] = ()


@dataclass
class HeldCompetence:
    """A competence an EPCI held on a date, through one transfer."""

    competence: str
    transfer: Transfer
    scope: Scope
    communes: list[str]
    communes_unknown: list[str]
    communes_not_member: list[str]
    acts: tuple[str, ...]
    flags: list[Flag]


def situation(facts: LegalFacts, competence: str, commune: str, on: date) -> Situation:
    """Sort the transfers of `competence` that list `commune` for the date `on`."""
    found = Situation(competence, commune, on)
    for transfer in facts.transfers_from(competence, commune):
        in_force = transfer.in_force_on(on)
        if in_force is None:
            found.flags.append(_undated_transfer_flag(facts, transfer))
        elif not in_force:
            target = found.upcoming if on < transfer.effective else found.ended
            target.append(transfer)
        else:
            _sort_in_force(facts, found, transfer)
    return found


def _sort_in_force(facts: LegalFacts, found: Situation, transfer: Transfer) -> None:
    body = facts.bodies.get(transfer.body)
    membership = MembershipStatus.MEMBER
    if body is not None and body.kind == "epci":
        membership = facts.membership_status(found.commune, transfer.body, found.on)
    if membership in (MembershipStatus.NOT_YET, MembershipStatus.LEFT):
        found.excluded.append((transfer, membership))
        return
    interest = interest_state(facts, transfer, found.on)
    scope = interest.scope if interest is not None else Scope.WHOLE
    certain = membership is MembershipStatus.MEMBER
    found.applicable.append(Applicable(transfer, scope, interest, certain))


def holder_on(
    facts: LegalFacts, competence: str, commune: str, on: date
) -> HolderAnswer:
    """Return who held `competence` for `commune` on `on`, and by which acts.

    A transfer in force gives its body the whole competence, or the part of community
    interest once it is defined; the commune keeps what no transfer gives away. A
    transfer to an EPCI counts only while the commune is a member of it.
    """
    check_known(facts, competence=competence, commune=commune)
    found = situation(facts, competence, commune, on)
    holdings = [_holding(item) for item in found.applicable]
    flags = list(found.flags)
    for item in found.applicable:
        flags.extend(_applicable_flags(facts, item))
    flags.extend(_excluded_flag(facts, t, status) for t, status in found.excluded)
    own = _commune_holding(commune, found.applicable)
    if own is not None:
        holdings.append(own)
    return HolderAnswer(competence, commune, on, holdings, unique(flags))


def _holding(item: Applicable) -> Holding:
    return Holding(
        body=item.transfer.body,
        scope=item.scope.value,
        transfer=item.transfer.iri,
        since=item.transfer.effective,
        acts=item.acts,
        certain=item.certain,
    )


def _commune_holding(commune: str, applicable: list[Applicable]) -> Holding | None:
    """Return what the commune keeps, or None when a transfer took it all for sure."""
    if not applicable:
        return Holding(commune, "own", None, None, (), True)
    whole = [item for item in applicable if item.scope is Scope.WHOLE]
    if any(item.certain for item in whole):
        return None
    if any(item.scope is Scope.COMMUNITY_INTEREST for item in applicable):
        certain = all(item.certain for item in applicable)
        return Holding(commune, "outside-community-interest", None, None, (), certain)
    if whole:
        return Holding(commune, "own", None, None, (), False)
    # The interest is not defined yet, so no part is assigned and the flag tells why.
    return None


def check_lead(
    facts: LegalFacts,
    lead: str,
    competence: str,
    commune: str,
    on: date,
    territory: str | None = None,
) -> Finding:
    """Decide whether `lead` is competent for `competence` in `commune` on `on`.

    A commune is competent on its own territory unless a transfer in force took the
    competence; any other actor needs a transfer in force that names it. `territory`
    is the territory of the action the check is made for, the commune by default.
    """
    found = situation(facts, competence, commune, on)
    if lead == commune:
        status, flags, acts = _commune_verdict(facts, found)
    else:
        status, flags, acts = _body_verdict(facts, lead, found)
    transfers = tuple(item.transfer.iri for item in found.applicable)
    return Finding(
        lead,
        competence,
        territory or commune,
        commune,
        on,
        status,
        tuple(unique([*found.flags, *flags])),
        tuple(dict.fromkeys(acts)),
        transfers,
    )


def _commune_verdict(
    facts: LegalFacts, found: Situation
) -> tuple[Status, list[Flag], list[str]]:
    statuses = [Status.COMPETENT]
    flags: list[Flag] = []
    acts: list[str] = []
    for item in found.applicable:
        acts.extend(item.acts)
        flags.extend(_applicable_flags(facts, item))
        if not item.certain:
            statuses.append(Status.UNDETERMINED)
        elif item.scope is Scope.WHOLE:
            statuses.append(Status.NOT_COMPETENT)
            flags.append(_transferred_flag(facts, item.transfer))
        elif item.scope is Scope.INTEREST_UNDEFINED:
            statuses.append(Status.UNDETERMINED)
    return worst(statuses), flags, acts


def _body_verdict(
    facts: LegalFacts, lead: str, found: Situation
) -> tuple[Status, list[Flag], list[str]]:
    mine = [item for item in found.applicable if item.transfer.body == lead]
    if not mine:
        return Status.NOT_COMPETENT, _missing_flags(facts, lead, found), []
    statuses = []
    flags: list[Flag] = []
    acts: list[str] = []
    for item in mine:
        acts.extend(item.acts)
        flags.extend(_applicable_flags(facts, item))
        if not item.certain or item.scope is Scope.INTEREST_UNDEFINED:
            statuses.append(Status.UNDETERMINED)
        else:
            statuses.append(Status.COMPETENT)
    return best(statuses), flags, acts


def _applicable_flags(facts: LegalFacts, item: Applicable) -> list[Flag]:
    flags = list(item.interest.flags) if item.interest is not None else []
    if not item.certain:
        flags.append(perimeter_flag(facts, item.transfer.body))
    return flags


def _missing_flags(facts: LegalFacts, lead: str, found: Situation) -> list[Flag]:
    """Explain why no transfer in force gives `lead` the competence for the commune."""
    flags = []
    body = facts.bodies.get(lead)
    if body is not None and body.kind == "epci":
        status = facts.membership_status(found.commune, lead, found.on)
        if status in (MembershipStatus.NOT_YET, MembershipStatus.LEFT):
            acts = tuple(
                act
                for membership in facts.memberships_of(found.commune, lead)
                for act in membership.legal_bases
            )
            flags.append(_membership_flag(facts, lead, status, acts))
    flags.extend(
        Flag(
            "basis-ended",
            f"Le transfert à {facts.label(lead)} a pris fin le "
            f"{transfer.end.isoformat()}.",
            transfer.legal_bases,
        )
        for transfer in found.ended
        if transfer.body == lead
    )
    flags.extend(
        Flag(
            "basis-not-yet-in-force",
            f"Le transfert à {facts.label(lead)} ne prend effet que le "
            f"{transfer.effective.isoformat()}.",
            transfer.legal_bases,
        )
        for transfer in found.upcoming
        if transfer.body == lead
    )
    if not flags:
        flags.append(
            Flag(
                "no-basis",
                f"Aucun transfert en vigueur à cette date ne donne cette compétence à "
                f"{facts.label(lead)} pour {facts.label(found.commune)}.",
            )
        )
    return flags


def _excluded_flag(
    facts: LegalFacts, transfer: Transfer, status: MembershipStatus
) -> Flag:
    return _membership_flag(facts, transfer.body, status, transfer.legal_bases)


def _membership_flag(
    facts: LegalFacts, epci: str, status: MembershipStatus, acts: tuple[str, ...]
) -> Flag:
    body = facts.label(epci)
    if status is MembershipStatus.NOT_YET:
        return Flag(
            "not-yet-member",
            f"La commune n'était pas encore membre de {body} à cette date : ses "
            "transferts à l'EPCI ne s'appliquent pas encore.",
            acts,
            rules.TRANSFER.code,
        )
    return Flag(
        "commune-left",
        f"La commune avait quitté {body} à cette date : ses transferts à l'EPCI ne "
        "s'appliquent plus.",
        acts,
        rules.TRANSFER.code,
    )


def perimeter_flag(facts: LegalFacts, epci: str) -> Flag:
    """Return the flag of a commune whose membership of `epci` is unknown that day."""
    return Flag(
        "perimeter-unknown",
        f"Aucun acte ne date l'adhésion de la commune à {facts.label(epci)} : son "
        "appartenance à cette date est inconnue, donc le périmètre aussi.",
    )


def _transferred_flag(facts: LegalFacts, transfer: Transfer) -> Flag:
    return Flag(
        "competence-transferred",
        f"La commune a transféré cette compétence à {facts.label(transfer.body)} à "
        f"compter du {transfer.effective.isoformat()}.",
        transfer.legal_bases,
        rules.TRANSFER.code,
    )


def _undated_transfer_flag(facts: LegalFacts, transfer: Transfer) -> Flag:
    return Flag(
        "date-unknown",
        f"Le transfert à {facts.label(transfer.body)} n'a pas de date d'effet "
        "enregistrée : on ne sait pas s'il s'applique à cette date.",
        transfer.legal_bases,
    )


def competences_on(facts: LegalFacts, epci: str, on: date) -> list[HeldCompetence]:
    """Return the competences `epci` held on `on`, one entry per transfer in force.

    Each entry splits the transfer's communes into members that day, communes whose
    membership is unknown that day, and communes that are not members.
    """
    check_known(facts, body=epci)
    held = []
    for transfer in facts.transfers_to(epci):
        if not transfer.in_force_on(on):
            continue
        communes, unknown, outside = _split_communes(facts, transfer, on)
        interest = interest_state(facts, transfer, on)
        scope = interest.scope if interest is not None else Scope.WHOLE
        item = Applicable(transfer, scope, interest, True)
        flags = list(interest.flags) if interest is not None else []
        if unknown:
            flags.append(perimeter_flag(facts, epci))
        held.append(
            HeldCompetence(
                transfer.competence,
                transfer,
                scope,
                communes,
                unknown,
                outside,
                item.acts,
                unique(flags),
            )
        )
    held.sort(
        key=lambda entry: (
            _competence_sort_key(facts, entry.competence),
            entry.transfer.effective,
        )
    )
    return held


def _split_communes(
    facts: LegalFacts, transfer: Transfer, on: date
) -> tuple[list[str], list[str], list[str]]:
    communes: list[str] = []
    unknown: list[str] = []
    outside: list[str] = []
    for commune in sorted(transfer.communes):
        status = facts.membership_status(commune, transfer.body, on)
        if status is MembershipStatus.MEMBER:
            communes.append(commune)
        elif status in (MembershipStatus.UNKNOWN, MembershipStatus.NONE):
            unknown.append(commune)
        else:
            outside.append(commune)
    return communes, unknown, outside


def _competence_sort_key(facts: LegalFacts, competence: str) -> str:
    info = facts.competences.get(competence)
    return (info.notation or info.label) if info is not None else competence


def check_known(
    facts: LegalFacts,
    *,
    competence: str | None = None,
    commune: str | None = None,
    body: str | None = None,
) -> None:
    """Raise `NotFoundError` for a competence, commune or body the facts do not hold."""
    if competence is not None and competence not in facts.competences:
        if not any(t.competence == competence for t in facts.transfers):
            raise NotFoundError(f"no competence {competence[:200]!r} is readable")
    if commune is not None:
        found = facts.bodies.get(commune)
        if found is None or found.kind != "commune":
            raise NotFoundError(f"no commune {commune[:200]!r} is readable")
    if body is not None:
        found = facts.bodies.get(body)
        if found is None or found.kind != "epci":
            raise NotFoundError(f"no EPCI {body[:200]!r} is readable")
