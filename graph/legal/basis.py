"""The legal basis of an action: is its lead competent where and when it acts.

For each date of the action (its start and end dates, or a date asked for), each lead,
each competence the action relies on and each commune of each territory it covers,
`maillage.graph.legal.tracing.check_lead` decides. The communes of an EPCI territory
are its members on that date. A commune whose membership is unknown that day makes the
perimeter unknown: its finding is undetermined, and carries the flags that the check
would give if the commune were a member, such as `no-basis`. The status of a date is the
worst of its findings, and the status of the action the worst of its dates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from maillage.graph.errors import NotFoundError
from maillage.graph.legal.facts import ActionInfo, LegalFacts, MembershipStatus
from maillage.graph.legal.flags import Flag, Status, unique, worst
from maillage.graph.legal.tracing import Finding, check_lead, perimeter_flag

# The no-basis flag of a date names this many communes, then counts the others.
_NAMED_COMMUNES = 5


@dataclass
class DateVerdict:
    """The legal status of an action on one date, with the findings behind it."""

    on: date
    status: Status
    findings: list[Finding]
    flags: list[Flag]


@dataclass
class ActionBasis:
    """The legal basis of an action on each of its dates."""

    action: ActionInfo
    verdicts: list[DateVerdict]
    flags: list[Flag] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """Return the worst status of the dates; undetermined when none is checked."""
        statuses = [verdict.status for verdict in self.verdicts]
        if self.flags or not statuses:
            statuses.append(Status.UNDETERMINED)
        return worst(statuses)


def action_basis(facts: LegalFacts, action: str, on: date | None = None) -> ActionBasis:
    """Check the legal basis of the action `action` on its dates, or on `on` alone."""
    info = facts.actions.get(action)
    if info is None:
        raise NotFoundError(f"no action {action[:200]!r} is readable")
    dates = (on,) if on is not None else info.dates
    flags = _action_flags(info, dates)
    verdicts = [_verdict(facts, info, day) for day in dates]
    return ActionBasis(info, verdicts, flags)


def _action_flags(info: ActionInfo, dates: tuple[date, ...]) -> list[Flag]:
    flags = []
    if not dates:
        flags.append(
            Flag(
                "date-unknown",
                "L'action n'a ni date de début ni date de fin : sa base légale ne "
                "peut être vérifiée qu'à une date donnée.",
            )
        )
    if not info.leads:
        flags.append(Flag("no-lead", "L'action n'a aucun pilote enregistré."))
    if not info.competences:
        flags.append(
            Flag("no-competence", "L'action ne s'appuie sur aucune compétence.")
        )
    if not info.territories:
        flags.append(Flag("no-territory", "L'action ne couvre aucun territoire."))
    return flags


def _verdict(facts: LegalFacts, info: ActionInfo, on: date) -> DateVerdict:
    findings = [
        finding
        for lead in info.leads
        for competence in info.competences
        for territory in info.territories
        for finding in territory_findings(facts, lead, competence, territory, on)
    ]
    status = worst(finding.status for finding in findings)
    if not findings:
        status = Status.UNDETERMINED
    return DateVerdict(on, status, findings, verdict_flags(facts, findings))


def verdict_flags(facts: LegalFacts, findings: list[Finding]) -> list[Flag]:
    """Return the flags of the findings without repeats, in their first order.

    The `no-basis` flags of one lead and one competence become one flag that names
    every commune concerned, so that an EPCI of 40 communes gives one line, not 40.
    """
    slots: list[Flag | tuple[str, str]] = []
    communes: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        for flag in finding.flags:
            if flag.code != "no-basis" or finding.commune is None:
                slots.append(flag)
                continue
            key = (finding.lead, finding.competence)
            if key not in communes:
                communes[key] = []
                slots.append(key)
            communes[key].append(finding.commune)
    flags = [
        slot if isinstance(slot, Flag) else _no_basis_flag(facts, *slot, communes[slot])
        for slot in slots
    ]
    return unique(flags)


def _no_basis_flag(
    facts: LegalFacts, lead: str, competence: str, communes: list[str]
) -> Flag:
    names = [facts.label(commune) for commune in dict.fromkeys(communes)]
    if len(names) > _NAMED_COMMUNES:
        others = len(names) - _NAMED_COMMUNES
        where = (
            f"{len(names)} communes : {', '.join(names[:_NAMED_COMMUNES])} et "
            f"{others} autre{'s' if others > 1 else ''}"
        )
    elif len(names) > 1:
        where = f"{', '.join(names[:-1])} et {names[-1]}"
    else:
        where = names[0]
    return Flag(
        "no-basis",
        f"Aucun transfert en vigueur à cette date ne donne « "
        f"{facts.label(competence)} » à {facts.label(lead)} pour {where}.",
    )


def territory_findings(
    facts: LegalFacts, lead: str, competence: str, territory: str, on: date
) -> list[Finding]:
    """Check `lead` for `competence` on every commune of `territory` on `on`."""
    kind = _kind(facts, territory)
    if kind == "commune":
        return [check_lead(facts, lead, competence, territory, on, territory)]
    if kind != "epci":
        return [_untraced(facts, lead, competence, territory, on)]

    findings = []
    statuses = {
        membership.commune: facts.membership_status(membership.commune, territory, on)
        for membership in facts.memberships_in(territory)
    }
    for commune, status in sorted(statuses.items()):
        if status is MembershipStatus.MEMBER:
            findings.append(check_lead(facts, lead, competence, commune, on, territory))
        elif status is MembershipStatus.UNKNOWN:
            findings.append(
                _unknown_member(facts, lead, competence, territory, commune, on)
            )
    if not findings:
        findings.append(_unknown_member(facts, lead, competence, territory, None, on))
    return findings


def _kind(facts: LegalFacts, territory: str) -> str | None:
    body = facts.bodies.get(territory)
    if body is not None:
        return body.kind
    ref = facts.iris.parse_item(territory)
    return ref.type if ref is not None else None


def _unknown_member(
    facts: LegalFacts,
    lead: str,
    competence: str,
    epci: str,
    commune: str | None,
    on: date,
) -> Finding:
    if commune is None:
        flag = Flag(
            "perimeter-unknown",
            f"Aucune commune n'est membre connu de {facts.label(epci)} à cette date : "
            "le périmètre est inconnu.",
        )
        return Finding(lead, competence, epci, None, on, Status.UNDETERMINED, (flag,))
    # The check as if the commune were a member. If it is not, the action does not
    # cover it, so the status stays undetermined either way.
    member = check_lead(facts, lead, competence, commune, on, epci)
    flags = unique([perimeter_flag(facts, epci), *member.flags])
    return Finding(
        lead,
        competence,
        epci,
        commune,
        on,
        Status.UNDETERMINED,
        tuple(flags),
        member.acts,
        member.transfers,
    )


def _untraced(
    facts: LegalFacts, lead: str, competence: str, territory: str, on: date
) -> Finding:
    flag = Flag(
        "territory-not-traced",
        f"{facts.label(territory)} n'est ni une commune ni un EPCI : maillage ne suit "
        "pas les compétences propres de ce territoire, à vérifier dans les textes.",
    )
    return Finding(lead, competence, territory, None, on, Status.UNDETERMINED, (flag,))
