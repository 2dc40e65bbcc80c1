"""The intérêt communautaire of a transferred competence on a date.

A competence that depends on the intérêt communautaire passes to the EPCI only for what
its council declares of community interest, by a délibération at a two-thirds majority
(`rules.COMMUNITY_INTEREST_MAJORITY_CA`). If no such délibération is adopted within two
years of the transfer, the whole competence passes
(`rules.COMMUNITY_INTEREST_DEADLINE_CA`).
`interest_state` applies both rules to one transfer on one date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from maillage.graph.legal import rules
from maillage.graph.legal.facts import Act, LegalFacts, Transfer
from maillage.graph.legal.flags import Flag
from maillage.graph.legal.rules import LegalRule


class Scope(str, Enum):
    """The part of a competence that a transfer gives its body on a date."""

    WHOLE = "whole"
    COMMUNITY_INTEREST = "community-interest"
    INTEREST_UNDEFINED = "interest-undefined"


@dataclass(frozen=True)
class InterestState:
    """The scope of a transfer on a date, the délibération and rule behind it."""

    scope: Scope
    definition: Act | None
    deadline: date | None
    rule_acts: tuple[str, ...]
    flags: tuple[Flag, ...]


def depends_on_interest(facts: LegalFacts, transfer: Transfer) -> bool:
    """Return whether the transfer's competence depends on the intérêt communautaire.

    The competence's `mlg:dependsOnCommunityInterest` decides when it is given. When
    it is absent, a transfer that names a definition, or a délibération of the body
    that defines the interest of the competence, shows that it depends on it.
    """
    competence = facts.competences.get(transfer.competence)
    if competence is not None and competence.depends_on_interest is not None:
        return competence.depends_on_interest
    if transfer.interest_definition is not None:
        return True
    return bool(facts.definitions_for(transfer.competence, transfer.body))


def interest_state(
    facts: LegalFacts, transfer: Transfer, on: date
) -> InterestState | None:
    """Return the scope of a transfer to an EPCI on `on`, or None without the interest.

    Only transfers to an EPCI whose competence depends on the interest have one. The
    transfer must be in force on `on`, so its effective date is known.
    """
    body = facts.bodies.get(transfer.body)
    if body is None or body.kind != "epci" or transfer.effective is None:
        return None
    if not depends_on_interest(facts, transfer):
        return None

    found = rules.community_interest_rules(body.epci_type)
    majority_rule = found[0] if found else None
    deadline_rule = found[1] if found else None
    deadline = (
        rules.community_interest_deadline(transfer.effective) if deadline_rule else None
    )
    notes: list[Flag] = []
    valid = _valid_definitions(facts, transfer, on, majority_rule, notes)
    timely = next(
        (act for act in valid if deadline is None or act.act_date <= deadline), None
    )

    if timely is not None and timely.act_date <= on:
        return InterestState(
            Scope.COMMUNITY_INTEREST,
            timely,
            deadline,
            (),
            (*notes, _defined_flag(facts, transfer, timely, majority_rule)),
        )
    if deadline is not None and deadline < on:
        late = [act for act in valid if deadline < act.act_date <= on]
        flags = _whole_flags(facts, transfer, deadline, deadline_rule, late)
        rule_act = facts.iris.item("act", deadline_rule.act_key).value
        return InterestState(Scope.WHOLE, None, deadline, (rule_act,), (*notes, *flags))
    return InterestState(
        Scope.INTEREST_UNDEFINED,
        None,
        deadline,
        (),
        (*notes, _undefined_flag(facts, transfer, deadline, deadline_rule)),
    )


def _valid_definitions(
    facts: LegalFacts,
    transfer: Transfer,
    on: date,
    majority_rule: LegalRule | None,
    notes: list[Flag],
) -> list[Act]:
    """Return the dated definitions that do not fail the majority, oldest first.

    A délibération adopted on or before `on` below two thirds, or without a recorded
    share, adds a note to `notes`.
    """
    candidates = {
        act.iri: act
        for act in facts.definitions_for(transfer.competence, transfer.body)
    }
    named = facts.acts.get(transfer.interest_definition or "")
    if named is not None:
        candidates[named.iri] = named
    valid = []
    for act in candidates.values():
        if act.act_date is None:
            continue
        reached = rules.two_thirds_reached(act.vote_share)
        if reached is False:
            if act.act_date <= on:
                notes.append(_majority_flag(act, majority_rule))
            continue
        if reached is None and act.act_date <= on:
            notes.append(
                Flag(
                    "interest-majority-unknown",
                    f"La part des voix de « {act.title} » n'est pas enregistrée : la "
                    "majorité des deux tiers n'a pas pu être vérifiée.",
                    (act.iri,),
                    majority_rule.code if majority_rule else None,
                )
            )
        valid.append(act)
    return sorted(valid, key=lambda act: (act.act_date, act.iri))


def _majority_flag(act: Act, rule: LegalRule | None) -> Flag:
    share = f"{act.vote_share:f}".replace(".", ",")
    return Flag(
        "interest-majority-not-reached",
        f"« {act.title} » a recueilli {share} des voix, moins des deux tiers : elle "
        "ne définit pas l'intérêt communautaire.",
        (act.iri,),
        rule.code if rule else None,
    )


def _defined_flag(
    facts: LegalFacts, transfer: Transfer, act: Act, rule: LegalRule | None
) -> Flag:
    body = facts.label(transfer.body)
    return Flag(
        "interest-defined",
        f"{body} n'exerce que ce que « {act.title} » ({act.act_date.isoformat()}) "
        "déclare d'intérêt communautaire ; les communes gardent le reste.",
        (act.iri,),
        rule.code if rule else None,
    )


def _whole_flags(
    facts: LegalFacts,
    transfer: Transfer,
    deadline: date,
    rule: LegalRule,
    late: list[Act],
) -> list[Flag]:
    body = facts.label(transfer.body)
    since = rules.day_after(deadline)
    rule_act = facts.iris.item("act", rule.act_key).value
    flags = [
        Flag(
            "interest-whole-by-deadline",
            f"Aucun intérêt communautaire défini au {deadline.isoformat()}, deux ans "
            f"après l'entrée en vigueur du transfert : {body} exerce toute la "
            f"compétence depuis le {since.isoformat()} ({rule.reference}).",
            (rule_act,),
            rule.code,
        )
    ]
    flags.extend(
        Flag(
            "interest-defined-late",
            f"« {act.title} » ({act.act_date.isoformat()}) est postérieure à "
            f"l'échéance du {deadline.isoformat()} : maillage la considère sans effet "
            "sur l'étendue de la compétence, déjà passée en entier.",
            (act.iri,),
            rule.code,
        )
        for act in late
    )
    if not _version_in_force(facts, rule, since):
        flags.append(
            Flag(
                "rule-version-unchecked",
                f"La règle est lue dans la version de l'article en vigueur au "
                f"{rule.version.isoformat()} ; la version applicable au "
                f"{since.isoformat()} n'est pas enregistrée.",
                (rule_act,),
                rule.code,
            )
        )
    return flags


def _undefined_flag(
    facts: LegalFacts, transfer: Transfer, deadline: date | None, rule: LegalRule | None
) -> Flag:
    body = facts.label(transfer.body)
    if deadline is None or rule is None:
        consequence = (
            "aucune règle d'échéance n'est enregistrée pour ce type d'EPCI, la suite "
            "dépend de l'article qui le régit."
        )
        return Flag("interest-not-defined", _UNDEFINED + consequence)
    since = rules.day_after(deadline).isoformat()
    consequence = (
        f"s'il ne l'est pas au plus tard le {deadline.isoformat()}, {body} exercera "
        f"toute la compétence à partir du {since} ({rule.reference})."
    )
    rule_act = facts.iris.item("act", rule.act_key).value
    return Flag(
        "interest-not-defined", _UNDEFINED + consequence, (rule_act,), rule.code
    )


_UNDEFINED = (
    "L'intérêt communautaire de cette compétence n'est pas encore défini à cette "
    "date, si bien que son contenu n'est pas arrêté ; "
)


def _version_in_force(facts: LegalFacts, rule: LegalRule, on: date) -> bool:
    """Return whether the article version the rule was read from applies on `on`."""
    act = facts.acts.get(facts.iris.item("act", rule.act_key).value)
    if act is not None and act.in_force_on(on) is not None:
        return bool(act.in_force_on(on))
    return rule.version <= on
