"""The timeline of one competence for one territory: transfers, definitions, acts.

The timeline of a commune lists its memberships, the transfers of the competence that
name it, their acts and the délibérations that define the intérêt communautaire, with
the two-year deadline of each transfer that depends on it. The timeline of an EPCI lists
the same for its members and for every transfer of the competence to it. Entries are
ordered by their valid-time date; an entry with no known date comes last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from maillage.graph.errors import InvalidIdentifierError
from maillage.graph.legal import rules
from maillage.graph.legal.facts import LegalFacts, Membership, Transfer
from maillage.graph.legal.interest import Scope, depends_on_interest, interest_state
from maillage.graph.legal.tracing import check_known

# Order of the entries of one day: the acts, then what they cause.
KIND_ORDER: tuple[str, ...] = (
    "act",
    "membership-start",
    "transfer-decision",
    "interest-definition",
    "transfer-effective",
    "interest-deadline",
    "transfer-end",
    "membership-end",
    "membership-observed",
)


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event of the timeline; `recorded` is when maillage learned of it."""

    on: date | None
    kind: str
    label: str
    transfer: str | None = None
    decision: date | None = None
    effective: date | None = None
    act: str | None = None
    acts: tuple[str, ...] = ()
    rule: str | None = None
    recorded: str | None = None


def competence_timeline(
    facts: LegalFacts, competence: str, territory: str
) -> list[TimelineEntry]:
    """Return every dated event of `competence` for `territory`, oldest first."""
    check_known(facts, competence=competence)
    body = facts.bodies.get(territory)
    kind = body.kind if body is not None else None
    if kind == "commune":
        transfers = facts.transfers_from(competence, territory)
        memberships = [m for m in facts.memberships if m.commune == territory]
    elif kind == "epci":
        memberships = facts.memberships_in(territory)
        members = {m.commune for m in memberships}
        transfers = [
            t
            for t in facts.transfers
            if t.competence == competence
            and (t.body == territory or t.communes & members)
        ]
    else:
        raise InvalidIdentifierError(
            f"{territory[:200]!r} is not a readable commune or EPCI; a timeline "
            "needs one of them"
        )

    entries: list[TimelineEntry] = []
    for membership in memberships:
        entries.extend(_membership_entries(facts, membership))
    for transfer in transfers:
        entries.extend(_transfer_entries(facts, transfer))
        entries.extend(_interest_entries(facts, transfer))
    entries.extend(_act_entries(facts, transfers, memberships))
    return sorted(dict.fromkeys(entries), key=_sort_key)


def _sort_key(entry: TimelineEntry) -> tuple:
    return (entry.on or date.max, KIND_ORDER.index(entry.kind), entry.label)


def _membership_entries(
    facts: LegalFacts, membership: Membership
) -> list[TimelineEntry]:
    commune = facts.label(membership.commune)
    epci = facts.label(membership.epci)
    acts = membership.legal_bases
    entries = []
    if membership.start is not None:
        label = f"Adhésion de {commune} à {epci}"
        entries.append(
            TimelineEntry(membership.start, "membership-start", label, acts=acts)
        )
    elif membership.observed is not None:
        label = (
            f"{commune} constatée membre de {epci} ; aucun acte ne date son adhésion"
        )
        entries.append(
            TimelineEntry(membership.observed, "membership-observed", label, acts=acts)
        )
    if membership.end is not None:
        label = f"Sortie de {commune} de {epci}"
        entries.append(
            TimelineEntry(membership.end, "membership-end", label, acts=acts)
        )
    return entries


def _transfer_entries(facts: LegalFacts, transfer: Transfer) -> list[TimelineEntry]:
    competence = facts.label(transfer.competence)
    body = facts.label(transfer.body)
    count = len(transfer.communes)
    common = {
        "transfer": transfer.iri,
        "decision": transfer.decision,
        "effective": transfer.effective,
        "acts": transfer.legal_bases,
        "recorded": transfer.recorded,
    }
    entries = []
    if transfer.decision is not None:
        label = f"Décision du transfert de « {competence} » à {body}"
        entries.append(
            TimelineEntry(transfer.decision, "transfer-decision", label, **common)
        )
    label = (
        f"Entrée en vigueur du transfert de « {competence} » à {body} "
        f"({count} commune{'s' if count > 1 else ''})"
    )
    entries.append(
        TimelineEntry(transfer.effective, "transfer-effective", label, **common)
    )
    if transfer.end is not None:
        label = f"Fin du transfert de « {competence} » à {body}"
        entries.append(TimelineEntry(transfer.end, "transfer-end", label, **common))
    return entries


def _interest_entries(facts: LegalFacts, transfer: Transfer) -> list[TimelineEntry]:
    body = facts.bodies.get(transfer.body)
    if body is None or body.kind != "epci" or not depends_on_interest(facts, transfer):
        return []
    entries = []
    definitions = {
        a.iri: a for a in facts.definitions_for(transfer.competence, transfer.body)
    }
    named = facts.acts.get(transfer.interest_definition or "")
    if named is not None:
        definitions[named.iri] = named
    for act in definitions.values():
        label = (
            f"Définition de l'intérêt communautaire : {act.title} ({_majority(act)})"
        )
        entries.append(
            TimelineEntry(
                act.act_date,
                "interest-definition",
                label,
                act=act.iri,
                recorded=act.recorded,
            )
        )
    found = rules.community_interest_rules(body.epci_type)
    if found is not None and transfer.effective is not None:
        entries.append(_deadline_entry(facts, transfer, found[1]))
    return entries


def _deadline_entry(
    facts: LegalFacts, transfer: Transfer, rule: rules.LegalRule
) -> TimelineEntry:
    deadline = rules.community_interest_deadline(transfer.effective)
    after = interest_state(facts, transfer, rules.day_after(deadline))
    body = facts.label(transfer.body)
    if after is not None and after.scope is Scope.COMMUNITY_INTEREST:
        outcome = f"intérêt défini à temps, le {after.definition.act_date.isoformat()}"
    else:
        since = rules.day_after(deadline).isoformat()
        outcome = (
            f"intérêt non défini : {body} exerce toute la compétence dès le {since}"
        )
    label = f"Échéance de définition de l'intérêt communautaire : {outcome}"
    rule_act = facts.iris.item("act", rule.act_key).value
    return TimelineEntry(
        deadline,
        "interest-deadline",
        label,
        transfer=transfer.iri,
        effective=transfer.effective,
        acts=(rule_act,),
        rule=rule.code,
    )


def _majority(act) -> str:
    reached = rules.two_thirds_reached(act.vote_share)
    if reached is None:
        return "part des voix non enregistrée"
    share = f"{act.vote_share:f}".replace(".", ",")
    verdict = "majorité des deux tiers atteinte" if reached else "moins des deux tiers"
    return f"{share} des voix, {verdict}"


def _act_entries(
    facts: LegalFacts, transfers: list[Transfer], memberships: list[Membership]
) -> list[TimelineEntry]:
    iris = [act for t in transfers for act in t.legal_bases]
    iris += [act for m in memberships for act in m.legal_bases]
    entries = []
    for iri in dict.fromkeys(iris):
        act = facts.acts.get(iri)
        if act is None:
            continue
        entries.append(
            TimelineEntry(
                act.act_date, "act", act.title, act=act.iri, recorded=act.recorded
            )
        )
    return entries
