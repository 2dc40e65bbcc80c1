"""Build the JSON-ready results of legal tracing, with the links of every act.

Every act is given with its title, description, kind, date, the path of its page
(`url`), its `dcterms:source` and, when that source is an http(s) IRI, `source_url`: the
links to the documents. Dates are ISO 8601 strings; `recorded` is revision history
(when maillage recorded the item), kept apart from the valid-time dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from maillage.graph.legal.basis import ActionBasis, DateVerdict
from maillage.graph.legal.facts import LegalFacts
from maillage.graph.legal.flags import STATUS_LABELS, Flag, Status
from maillage.graph.legal.rules import RULES
from maillage.graph.legal.timeline import TimelineEntry
from maillage.graph.legal.tracing import Finding, HeldCompetence, HolderAnswer


def act_json(facts: LegalFacts, iri: str) -> dict[str, object]:
    """Return an act with its links; an act the user may not read keeps only its IRI."""
    act = facts.acts.get(iri)
    if act is None:
        return {"iri": iri, "title": None, "url": facts.item_path(iri)}
    return {
        "iri": iri,
        "title": act.title,
        "description": act.description,
        "kind": act.kind,
        "date": _day(act.act_date),
        "in_force_until": _day(act.in_force_until),
        "vote_share": f"{act.vote_share:f}" if act.vote_share is not None else None,
        "url": facts.item_path(iri),
        "source": act.source,
        "source_url": web_link(act.source),
        "text_path": act.text_path,
        "recorded": act.recorded,
    }


def web_link(value: str | None) -> str | None:
    """Return `value` when it is an http(s) IRI that a page may link to, else None."""
    if value and value.startswith(("http://", "https://")):
        return value
    return None


def ref_json(facts: LegalFacts, iri: str | None) -> dict[str, object] | None:
    """Return an item as its IRI, label and page path."""
    if iri is None:
        return None
    return {"iri": iri, "label": facts.label(iri), "url": facts.item_path(iri)}


def flags_json(flags: Iterable[Flag]) -> list[dict[str, object]]:
    return [flag.to_dict() for flag in flags]


def status_json(status: Status) -> dict[str, str]:
    return {"status": status.value, "status_label": STATUS_LABELS[status]}


def holder_json(facts: LegalFacts, answer: HolderAnswer) -> dict[str, object]:
    """Return who held the competence for the commune on the date, with the acts."""
    return {
        "competence": ref_json(facts, answer.competence),
        "commune": ref_json(facts, answer.commune),
        "date": answer.on.isoformat(),
        "determined": answer.determined,
        "holdings": [
            {
                "body": ref_json(facts, holding.body),
                "scope": holding.scope,
                "certain": holding.certain,
                "since": _day(holding.since),
                "transfer": ref_json(facts, holding.transfer),
                "acts": [act_json(facts, act) for act in holding.acts],
            }
            for holding in answer.holdings
        ],
        "flags": flags_json(answer.flags),
    }


def competences_json(
    facts: LegalFacts, epci: str, on: date, held: list[HeldCompetence]
) -> dict[str, object]:
    """Return the competences the EPCI held on the date, one entry per transfer."""
    return {
        "epci": ref_json(facts, epci),
        "date": on.isoformat(),
        "competences": [
            {
                "competence": ref_json(facts, entry.competence),
                "notation": _notation(facts, entry.competence),
                "scope": entry.scope.value,
                "transfer": ref_json(facts, entry.transfer.iri),
                "decision_date": _day(entry.transfer.decision),
                "effective_date": _day(entry.transfer.effective),
                "end_date": _day(entry.transfer.end),
                "communes": [ref_json(facts, c) for c in entry.communes],
                "communes_unknown": [
                    ref_json(facts, c) for c in entry.communes_unknown
                ],
                "communes_not_member": [
                    ref_json(facts, c) for c in entry.communes_not_member
                ],
                "acts": [act_json(facts, act) for act in entry.acts],
                "flags": flags_json(entry.flags),
            }
            for entry in held
        ],
    }


def timeline_json(
    facts: LegalFacts, competence: str, territory: str, entries: list[TimelineEntry]
) -> dict[str, object]:
    """Return the timeline of the competence for the territory, oldest first."""
    return {
        "competence": ref_json(facts, competence),
        "territory": ref_json(facts, territory),
        "entries": [
            {
                "date": _day(entry.on),
                "kind": entry.kind,
                "label": entry.label,
                "transfer": ref_json(facts, entry.transfer),
                "decision_date": _day(entry.decision),
                "effective_date": _day(entry.effective),
                "act": act_json(facts, entry.act) if entry.act else None,
                "acts": [act_json(facts, act) for act in entry.acts],
                "rule": entry.rule,
                "recorded": entry.recorded,
            }
            for entry in entries
        ],
    }


def basis_json(facts: LegalFacts, basis: ActionBasis) -> dict[str, object]:
    """Return the legal basis of an action on each of its dates."""
    action = basis.action
    return {
        "action": ref_json(facts, action.iri),
        "number": action.number,
        "start_date": _day(action.start),
        "end_date": _day(action.end),
        "leads": [ref_json(facts, lead) for lead in action.leads],
        "competences": [ref_json(facts, c) for c in action.competences],
        "territories": [ref_json(facts, t) for t in action.territories],
        **status_json(basis.status),
        "flags": flags_json(basis.flags),
        "dates": [_verdict_json(facts, verdict) for verdict in basis.verdicts],
    }


def _verdict_json(facts: LegalFacts, verdict: DateVerdict) -> dict[str, object]:
    acts = dict.fromkeys(act for finding in verdict.findings for act in finding.acts)
    return {
        "date": verdict.on.isoformat(),
        **status_json(verdict.status),
        "flags": flags_json(verdict.flags),
        "acts": [act_json(facts, act) for act in acts],
        "findings": [_finding_json(facts, finding) for finding in verdict.findings],
    }


def _finding_json(facts: LegalFacts, finding: Finding) -> dict[str, object]:
    return {
        "lead": ref_json(facts, finding.lead),
        "competence": ref_json(facts, finding.competence),
        "territory": ref_json(facts, finding.territory),
        "commune": ref_json(facts, finding.commune),
        **status_json(finding.status),
        "flags": [flag.code for flag in finding.flags],
        "acts": [act_json(facts, act) for act in finding.acts],
        "transfers": [ref_json(facts, t) for t in finding.transfers],
    }


def rules_json() -> list[dict[str, str | None]]:
    """Return every rule tracing applies, with its article and version."""
    return [rule.to_dict() for rule in RULES]


def _notation(facts: LegalFacts, competence: str) -> str | None:
    info = facts.competences.get(competence)
    return info.notation if info is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
