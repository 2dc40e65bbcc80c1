"""Legal tracing over HTTP: the questions of legal staff and the report of the plan.

Each route reads the facts from the graphs the user may read and calls one function of
`maillage.graph.legal`. `docs/legal.md` gives the SPARQL query that answers each one.
Items are named by their key (`C2520`), by `{type}/{key}` (`commune/07186`) or by
their full IRI.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator

from maillage.graph.errors import InvalidIdentifierError
from maillage.graph.iris import Iris
from maillage.graph.legal import answers
from maillage.graph.legal.basis import action_basis
from maillage.graph.legal.facts import load_facts
from maillage.graph.legal.flags import STATUS_LABELS, Status
from maillage.graph.legal.report import (
    any_flag,
    build_report,
    report_rows,
    serialize_report_csv,
)
from maillage.graph.legal.rules import RULES
from maillage.graph.legal.timeline import competence_timeline
from maillage.graph.legal.tracing import competences_on, holder_on
from maillage.server.deps import GraphsDep, IrisDep, StoreDep
from maillage.server.errors import ERROR_RESPONSES
from maillage.server.templating import render_page

logger = logging.getLogger(__name__)

router = APIRouter(tags=["legal"])

CSV = "text/csv; charset=utf-8"

CompetenceQuery = Annotated[
    str,
    Query(
        max_length=500,
        description="The competence: its key (`C2520`), `competence/C2520` or its IRI.",
    ),
]
DateQuery = Annotated[
    date, Query(alias="date", description="The date asked about, YYYY-MM-DD.")
]
OptionalDate = Annotated[
    date | None,
    # The page's date field sends an empty value when no date is chosen.
    BeforeValidator(lambda value: value or None),
    Query(
        alias="date",
        description="Check this date only, instead of each action's start and end.",
    ),
]


@router.get("/api/legal/rules", responses=ERROR_RESPONSES)
def read_legal_rules() -> list[dict[str, str | None]]:
    """Return the rules of law that tracing applies, each with its article version."""
    return answers.rules_json()


@router.get("/api/legal/timeline", responses=ERROR_RESPONSES)
def read_competence_timeline(
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    competence: CompetenceQuery,
    territory: Annotated[
        str,
        Query(
            max_length=500,
            description="The commune or EPCI: `commune/07186`, `epci/200071413` or "
            "an IRI.",
        ),
    ],
) -> dict[str, object]:
    """Return every transfer, definition and act of a competence for a territory."""
    facts = load_facts(store, iris, graphs)
    competence_iri = item_iri(iris, competence, "competence")
    territory_iri = item_iri(iris, territory, None, ("commune", "epci"))
    entries = competence_timeline(facts, competence_iri, territory_iri)
    return answers.timeline_json(facts, competence_iri, territory_iri, entries)


@router.get("/api/legal/holder", responses=ERROR_RESPONSES)
def read_competence_holder(
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    competence: CompetenceQuery,
    commune: Annotated[
        str,
        Query(max_length=500, description="The commune: INSEE code or IRI."),
    ],
    on: DateQuery,
) -> dict[str, object]:
    """Return who held a competence for a commune on a date, and by which acts."""
    facts = load_facts(store, iris, graphs)
    competence_iri = item_iri(iris, competence, "competence")
    commune_iri = item_iri(iris, commune, "commune")
    answer = holder_on(facts, competence_iri, commune_iri, on)
    return answers.holder_json(facts, answer)


@router.get("/api/legal/competences", responses=ERROR_RESPONSES)
def read_epci_competences(
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    epci: Annotated[str, Query(max_length=500, description="The EPCI: SIREN or IRI.")],
    on: DateQuery,
) -> dict[str, object]:
    """Return the competences an EPCI held on a date, one entry per transfer."""
    facts = load_facts(store, iris, graphs)
    epci_iri = item_iri(iris, epci, "epci")
    held = competences_on(facts, epci_iri, on)
    return answers.competences_json(facts, epci_iri, on, held)


@router.get("/api/legal/actions/{key}", responses=ERROR_RESPONSES)
def read_action_basis(
    key: str,
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    on: OptionalDate = None,
) -> dict[str, object]:
    """Return the legal basis of an action on each of its dates, with the flags."""
    facts = load_facts(store, iris, graphs)
    basis = action_basis(facts, item_iri(iris, key, "action"), on)
    return answers.basis_json(facts, basis)


@router.get("/api/legal/report", responses=ERROR_RESPONSES)
def read_legal_report(
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    on: OptionalDate = None,
) -> list[dict[str, object]]:
    """Return the legal status of every action of the plan on each of its dates."""
    facts = load_facts(store, iris, graphs)
    return [answers.basis_json(facts, basis) for basis in build_report(facts, on)]


@router.get(
    "/api/legal/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **ERROR_RESPONSES},
)
def read_legal_report_csv(
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    on: OptionalDate = None,
) -> Response:
    """Return the legal status of every action as CSV, one row per action and date."""
    facts = load_facts(store, iris, graphs)
    text = serialize_report_csv(facts, report_rows(build_report(facts, on)))
    headers = {"Content-Disposition": 'attachment; filename="base-legale.csv"'}
    return Response(text, media_type=CSV, headers=headers)


@router.get("/juridique", response_class=HTMLResponse, include_in_schema=False)
def read_legal_page(
    request: Request,
    store: StoreDep,
    iris: IrisDep,
    graphs: GraphsDep,
    on: OptionalDate = None,
) -> Response:
    """Render the legal status of every action of the plan as a French page."""
    facts = load_facts(store, iris, graphs)
    bases = build_report(facts, on)
    context = {
        "actions": [answers.basis_json(facts, basis) for basis in bases],
        "counts": _status_counts(bases),
        "perimeter_unknown": any_flag(bases, "perimeter-unknown"),
        "on": on.isoformat() if on else "",
        "rules": RULES,
        "csv_href": "/api/legal/report.csv" + (f"?date={on.isoformat()}" if on else ""),
    }
    return render_page(request, "legal_report.html", context)


def item_iri(
    iris: Iris,
    value: str,
    default_type: str | None,
    accepted: tuple[str, ...] | None = None,
) -> str:
    """Return the IRI of an item named by its IRI, `{type}/{key}` or key.

    Raises `InvalidIdentifierError` for an IRI of another base, an unknown type, a type
    outside `accepted`, or a bare key where no default type applies.
    """
    accepted = accepted or ((default_type,) if default_type else ())
    if value.startswith(("http://", "https://")):
        ref = iris.parse_item(value)
        if ref is None:
            raise InvalidIdentifierError(
                f"{value[:200]!r} is not an item IRI of this repository"
            )
        type_, key = ref.type, ref.key
    elif "/" in value:
        type_, _, key = value.partition("/")
    elif default_type is not None:
        type_, key = default_type, value
    else:
        raise InvalidIdentifierError(
            f"{value[:200]!r} names no item type; write it as "
            f"{' or '.join(f'{t}/KEY' for t in accepted)}"
        )
    if type_ not in accepted:
        raise InvalidIdentifierError(
            f"{value[:200]!r} names an item of type {type_}; expected: "
            f"{', '.join(accepted)}"
        )
    return iris.item(type_, key).value


def _status_counts(bases) -> list[tuple[str, str, int]]:
    counts = {status: 0 for status in Status}
    for basis in bases:
        counts[basis.status] += 1
    return [(status.value, STATUS_LABELS[status], counts[status]) for status in Status]
