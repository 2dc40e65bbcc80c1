"""Checks of the mission demo content (`graph/demo/mission.trig`) against the model."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, RdfFormat, Triple, parse

from maillage.graph.demo import load_demo
from maillage.graph.errors import InvalidIdentifierError
from maillage.graph.namespaces import DCTERMS, MLG, ORG, RDF, RDFS, SKOS
from maillage.graph.shacl import link_context, validate

MISSION = files("maillage.graph") / "demo" / "mission.trig"
SCHEMES = files("maillage.ontology") / "schemes.ttl"

# The reference imports write these item types, so the mission data only links to them.
REFERENCE_TYPES = {"commune", "epci", "departement", "competence"}
LAW_ARTICLE_KEY = re.compile(r"^(cgct|casf)-l[0-9-]+-\d{4}-\d{2}-\d{2}$")

# Properties every action sheet fills, with their minimum and maximum counts.
# A maximum of None means any number. `DCTERMS["title"]` uses brackets because
# a Namespace is a str, so `DCTERMS.title` would be the method `str.title`.
ACTION_FIELDS = [
    (DCTERMS["title"], 1, 1),
    (MLG.number, 1, 1),
    (DCTERMS.description, 1, 1),
    (MLG.objective, 2, None),
    (MLG.targetPublic, 1, None),
    (MLG.territory, 1, None),
    (MLG.involvement, 2, None),
    (MLG.funding, 1, None),
    (MLG.startDate, 1, 1),
    (MLG.endDate, 1, 1),
    (MLG.calendar, 1, 1),
    (MLG.evaluationIndicator, 1, None),
    (MLG.actionStatus, 1, 1),
    (MLG.reliesOnCompetence, 1, None),
    (DCTERMS.subject, 1, None),
    (MLG.isIllustration, 1, 1),
]


@pytest.fixture
def mission(store, iris):
    store.oxigraph.load(
        MISSION.read_bytes(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    return store


@pytest.fixture
def demo_store(store, iris):
    """Return a store holding the whole demo: ontology, reference datasets, mission."""
    load_demo(store, iris)
    return store


def mission_triples(iris) -> list[Triple]:
    quads = parse(
        MISSION.read_bytes(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    return [quad.triple for quad in quads]


def objects(store, subject, predicate) -> list:
    quads = store.oxigraph.quads_for_pattern(subject, predicate, None, None)
    return [quad.object for quad in quads]


def instances(store, class_: NamedNode) -> list[NamedNode]:
    quads = store.oxigraph.quads_for_pattern(None, RDF.type, class_, None)
    return sorted({quad.subject for quad in quads}, key=lambda node: node.value)


def item_subjects(store) -> set[NamedNode]:
    """Return the subjects that are items, leaving out the parts with a fragment."""
    quads = store.oxigraph.quads_for_pattern(None, None, None, None)
    return {quad.subject for quad in quads if "#" not in quad.subject.value}


def test_mission_data_default_graph_empty(mission):
    quads = list(mission.oxigraph.quads_for_pattern(None, None, None, DefaultGraph()))
    assert quads == []


def test_mission_data_subjects_in_item_graph(mission, iris):
    misplaced = []
    for quad in mission.oxigraph.quads_for_pattern(None, None, None, None):
        try:
            expected = iris.graph_of(quad.subject)
        except InvalidIdentifierError:
            expected = None
        if expected != quad.graph_name:
            misplaced.append((quad.subject.value, quad.graph_name))
    assert misplaced == []


def test_mission_data_defines_no_reference_item(mission, iris):
    redefined = [
        subject.value
        for subject in item_subjects(mission)
        if iris.parse_item(subject.value).type in REFERENCE_TYPES
    ]
    assert redefined == []


def test_mission_data_links_resolve(mission, iris):
    """Check that each item IRI used as object is defined here or is reference data."""
    defined = {subject.value for subject in item_subjects(mission)}
    dangling = set()
    for quad in mission.oxigraph.quads_for_pattern(None, None, None, None):
        target = quad.object
        if not isinstance(target, NamedNode) or target.value in defined:
            continue
        ref = iris.parse_item(target.value)
        if ref is None or ref.type == "concept" or "#" in target.value:
            continue
        if ref.type in REFERENCE_TYPES:
            continue
        if ref.type == "act" and LAW_ARTICLE_KEY.match(ref.key):
            continue
        dangling.add(target.value)
    assert sorted(dangling) == []


def test_mission_data_concepts_in_schemes(mission, iris):
    mission.oxigraph.load(
        SCHEMES.read_bytes(),
        format=RdfFormat.TURTLE,
        base_iri=iris.document_base,
        to_graph=iris.ontology_graph,
    )
    prefix = f"{iris.base}/id/concept/"
    unknown = set()
    for quad in mission.oxigraph.quads_for_pattern(None, None, None, None):
        target = quad.object
        if not isinstance(target, NamedNode) or not target.value.startswith(prefix):
            continue
        if not objects(mission, target, SKOS.inScheme):
            unknown.add(target.value)
    assert sorted(unknown) == []


def test_mission_data_has_eleven_actions(mission, iris):
    actions = instances(mission, MLG.Action)
    expected = [iris.item("action", f"fa-{n:02d}") for n in range(1, 12)]
    assert actions == expected


def test_mission_data_action_numbers(mission, iris):
    for n in range(1, 12):
        action = iris.item("action", f"fa-{n:02d}")
        assert objects(mission, action, MLG.number) == [Literal(n)], action.value


def test_mission_actions_fill_every_field(mission):
    gaps = []
    for action in instances(mission, MLG.Action):
        for predicate, minimum, maximum in ACTION_FIELDS:
            count = len(objects(mission, action, predicate))
            if count < minimum or (maximum is not None and count > maximum):
                gaps.append((action.value, predicate.value, count))
    assert gaps == []


def test_mission_actions_have_lead(mission, iris):
    lead = iris.concept("role", "lead")
    without_lead = [
        action.value
        for action in instances(mission, MLG.Action)
        if not any(
            objects(mission, involvement, MLG.role) == [lead]
            for involvement in objects(mission, action, MLG.involvement)
        )
    ]
    assert without_lead == []


def test_mission_involvements_have_agent_and_role(mission):
    incomplete = [
        node.value
        for node in instances(mission, MLG.Involvement)
        if len(objects(mission, node, MLG.agent)) != 1
        or len(objects(mission, node, MLG.role)) != 1
    ]
    assert incomplete == []


def test_mission_fundings_have_funder_amount_comment(mission):
    incomplete = []
    for node in instances(mission, MLG.Funding):
        amounts = objects(mission, node, MLG.amount)
        funders = objects(mission, node, MLG.funder)
        comments = objects(mission, node, RDFS.comment)
        complete = len(funders) == len(amounts) == len(comments) == 1
        if not complete or Decimal(amounts[0].value) <= 0:
            incomplete.append(node.value)
    assert incomplete == []


def test_mission_actions_link_actor(mission, iris):
    without_actor = []
    for action in instances(mission, MLG.Action):
        agents = [
            agent
            for involvement in objects(mission, action, MLG.involvement)
            for agent in objects(mission, involvement, MLG.agent)
        ]
        actors = [a for a in agents if iris.parse_item(a.value).type == "actor"]
        defined = [
            a for a in actors if ORG.FormalOrganization in objects(mission, a, RDF.type)
        ]
        if not defined:
            without_actor.append(action.value)
    assert without_actor == []


def test_mission_actions_link_competence(mission, iris):
    without_competence = [
        action.value
        for action in instances(mission, MLG.Action)
        if not any(
            iris.parse_item(competence.value).type == "competence"
            for competence in objects(mission, action, MLG.reliesOnCompetence)
        )
    ]
    assert without_competence == []


def test_mission_actions_link_defined_indicators(mission):
    indicators = set(instances(mission, MLG.Indicator))
    undefined = [
        (action.value, indicator.value)
        for action in instances(mission, MLG.Action)
        for indicator in objects(mission, action, MLG.evaluationIndicator)
        if indicator not in indicators
    ]
    assert undefined == []


def test_mission_action_dates_ordered(mission):
    reversed_dates = []
    for action in instances(mission, MLG.Action):
        (start,) = objects(mission, action, MLG.startDate)
        (end,) = objects(mission, action, MLG.endDate)
        if date.fromisoformat(start.value) >= date.fromisoformat(end.value):
            reversed_dates.append(action.value)
    assert reversed_dates == []


def test_mission_indicators_count(mission):
    # The observatory's catalogue: about thirty indicators of a social needs analysis.
    assert 25 <= len(instances(mission, MLG.Indicator)) <= 45


def test_mission_items_have_visibility_and_state(mission, iris):
    visibility_prefix = f"{iris.base}/id/concept/visibility-"
    state_prefix = f"{iris.base}/id/concept/workflow-state-"
    incomplete = []
    for item in item_subjects(mission):
        visibility = objects(mission, item, MLG.visibility)
        state = objects(mission, item, MLG.workflowState)
        if len(visibility) != 1 or not visibility[0].value.startswith(
            visibility_prefix
        ):
            incomplete.append((item.value, "visibility"))
        if len(state) != 1 or not state[0].value.startswith(state_prefix):
            incomplete.append((item.value, "workflowState"))
    assert incomplete == []


@pytest.mark.parametrize("class_name", ["Document", "Action", "Event", "Association"])
def test_mission_illustrations_flagged(mission, class_name):
    unflagged = [
        item.value
        for item in instances(mission, MLG[class_name])
        if objects(mission, item, MLG.isIllustration) != [Literal(True)]
    ]
    assert unflagged == []


def test_mission_documents_say_illustration(mission):
    silent = [
        document.value
        for document in instances(mission, MLG.Document)
        if not any(
            "Illustration" in description.value
            for description in objects(mission, document, DCTERMS.description)
        )
    ]
    assert silent == []


def test_mission_fiches_about_their_action(mission, iris):
    for n in range(1, 12):
        fiche = iris.item("document", f"fiche-action-{n:02d}")
        action = iris.item("action", f"fa-{n:02d}")
        assert objects(mission, fiche, MLG.aboutAction) == [action], fiche.value


def test_mission_raw_answers_restricted(mission, iris):
    answers = iris.item("document", "questionnaire-habitants-reponses")
    restricted = iris.concept("visibility", "restricted")
    assert objects(mission, answers, MLG.visibility) == [restricted]


def test_mission_legal_notes_not_public(mission, iris):
    note_type = iris.concept("document-type", "note-juridique")
    public = iris.concept("visibility", "public")
    notes = [
        document
        for document in instances(mission, MLG.Document)
        if objects(mission, document, DCTERMS.type) == [note_type]
    ]
    assert len(notes) >= 2
    assert [
        n.value for n in notes if objects(mission, n, MLG.visibility) == [public]
    ] == []


def test_mission_event_dates_within_mission(mission):
    outside = []
    for event in instances(mission, MLG.Event):
        for value in objects(mission, event, DCTERMS.date):
            if (
                not date(2014, 1, 1)
                <= date.fromisoformat(value.value)
                <= date(2015, 12, 31)
            ):
                outside.append((event.value, value.value))
    assert outside == []


def test_mission_community_interest_vote_share(mission, iris):
    rows = mission.select(
        """SELECT ?act ?share ?when WHERE {
             ?act a mlg:Deliberation ; mlg:definesCommunityInterestFor ?competence ;
               mlg:voteShare ?share ; eli:date_document ?when .
           }"""
    )
    assert rows, "no délibération defines the intérêt communautaire"
    for row in rows:
        assert Decimal(row["share"].value) >= Decimal("0.6667"), row["act"].value
        assert row["when"].value.startswith("2015"), row["act"].value


# In the reference sheet, a person is a cell: tab, first name, surname in capitals.
PERSON_CELL = re.compile(
    r"\t[A-ZÉ][a-zéèëï]+(?:-[A-ZÉ][a-zéèëï]+)? (?P<surname>[A-Z][A-Z'-]{2,})\b"
)


def sheet_person_names(sheet_folder: Path) -> set[str]:
    """Return the surnames in capitals that follow a first name in the sheet."""
    names = set()
    for path in sheet_folder.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        for match in PERSON_CELL.finditer(text):
            names.add(match["surname"])
    return names


def test_mission_literals_name_no_person(mission, shared_data):
    sheet_folder = shared_data.parent / "seed"
    if not any(sheet_folder.glob("*.txt")):
        pytest.skip(f"the mission's reference sheet is absent from {sheet_folder}")
    names = sheet_person_names(sheet_folder)
    assert names, "no person's name found in the reference sheet: the pattern is stale"

    pattern = re.compile(
        r"\b(" + "|".join(map(re.escape, names)) + r")\b", re.IGNORECASE
    )
    quads = mission.oxigraph.quads_for_pattern(None, None, None, None)
    hits = [
        quad.object.value
        for quad in quads
        if isinstance(quad.object, Literal) and pattern.search(quad.object.value)
    ]
    assert hits == []


def test_mission_data_validates_with_demo_data(demo_store, iris):
    """Check the links to reference data, then the shapes, against the loaded demo."""
    triples = mission_triples(iris)
    missing = set()
    for triple in triples:
        ref = iris.parse_item(triple.object.value)
        if ref is None or ref.type not in REFERENCE_TYPES | {"act"}:
            continue
        if not objects(demo_store, triple.object, RDF.type):
            missing.add(triple.object.value)
    assert sorted(missing) == []

    violations = validate(triples, iris, extra=link_context(demo_store, triples))
    assert [violation.to_dict() for violation in violations] == []
