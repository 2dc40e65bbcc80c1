"""Questions about territories whose answer depends on a date.

A membership of a commune in an EPCI has a valid time (`mlg:startDate`, `mlg:endDate`)
only when an act gives it. The imported files only show that a commune was a member on
the date of the source (`mlg:observedOn`), so for an earlier date the result is
"unknown", not "no".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from pyoxigraph import NamedNode

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore

_MEMBERSHIPS = """
SELECT ?membership ?commune ?code ?label ?start ?end ?observed WHERE {
  ?membership a org:Membership ;
      org:organization %s ;
      org:member ?commune .
  OPTIONAL { ?membership mlg:startDate ?start }
  OPTIONAL { ?membership mlg:endDate ?end }
  OPTIONAL { ?membership mlg:observedOn ?observed }
  OPTIONAL { ?commune igeo:codeINSEE ?code }
  OPTIONAL { ?commune skos:prefLabel ?label }
}
"""

# The variables of a membership's dates in the queries, in the order of the arguments
# of `membership_status`.
DATE_VARIABLES = ("start", "end", "observed")


@dataclass(frozen=True)
class Member:
    """A commune and the membership that makes it a member."""

    commune: NamedNode
    membership: NamedNode
    code: str | None
    label: str | None


@dataclass
class MembersAnswer:
    """The members of an EPCI on a date: the known ones and those of unknown status."""

    epci: NamedNode
    on: date
    known: list[Member] = field(default_factory=list)
    unknown: list[Member] = field(default_factory=list)
    note: str = ""


def members_on(
    store: GraphStore,
    iris: Iris,
    epci_iri: NamedNode | str,
    on: date,
    *,
    graphs: Sequence[NamedNode] | None = None,
) -> MembersAnswer:
    """Return the communes that are members of an EPCI on the date `on`.

    `epci_iri` is the EPCI's IRI or its SIREN. A membership counts as known when its
    start date is on or before `on` and its end date, if any, after it. A membership
    with no start date is known from its observation date on, and unknown before it.
    `graphs` restricts the query to the graphs a user may read (None: every graph).
    """
    if isinstance(epci_iri, str):
        epci_iri = iris.item("epci", epci_iri)
    rows = store.select(_MEMBERSHIPS % epci_iri, default_graph=graphs)
    answer = MembersAnswer(epci=epci_iri, on=on)
    observed_dates: set[str] = set()
    for row in rows:
        member = Member(
            commune=row["commune"],
            membership=row["membership"],
            code=_value(row.get("code")),
            label=_value(row.get("label")),
        )
        status = _status(row, on)
        if status == "known":
            answer.known.append(member)
        elif status == "unknown":
            answer.unknown.append(member)
            if "observed" in row:
                observed_dates.add(row["observed"].value)
    answer.known.sort(key=_sort_key)
    answer.unknown.sort(key=_sort_key)
    answer.note = _note(answer, sorted(observed_dates))
    return answer


def _status(row: dict, on: date) -> str:
    """Return `known`, `unknown` or `not-member` for one membership on the date `on`."""
    start, end, observed = (parse_date(row.get(name)) for name in DATE_VARIABLES)
    return membership_status(start, end, observed, on)


def membership_status(
    start: date | None, end: date | None, observed: date | None, on: date
) -> str:
    """Return `known`, `unknown` or `not-member` for a membership on the date `on`.

    The end date is the first day the commune is no longer a member. Without a start
    date, the membership is known from its observation date on, and unknown before.
    """
    if end is not None and end <= on:
        return "not-member"
    if start is not None:
        return "known" if start <= on else "not-member"
    if observed is not None and observed <= on:
        return "known"
    return "unknown"


def _note(answer: MembersAnswer, observed_dates: list[str]) -> str:
    if not answer.unknown:
        return ""
    seen = ", ".join(observed_dates) or "une date inconnue"
    return (
        f"{len(answer.unknown)} communes sont membres d'après une source datée du "
        f"{seen}, sans date d'adhésion connue : leur appartenance au "
        f"{answer.on.isoformat()} est "
        "inconnue tant qu'un acte ne la date pas."
    )


def parse_date(term) -> date | None:
    """Return the date of an `xsd:date` or `xsd:dateTime` literal, or None if invalid."""
    if term is None:
        return None
    try:
        return date.fromisoformat(term.value[:10])
    except ValueError:
        return None


def _value(term) -> str | None:
    return term.value if term is not None else None


def _sort_key(member: Member) -> str:
    return member.code or member.commune.value
