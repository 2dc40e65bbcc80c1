"""Users and JSON bodies for the tests of writes, revisions and the history API.

The bodies link to the items of `tests.sample_items`, which the tests load first.
"""

from __future__ import annotations

from maillage.graph.access import ANONYMOUS, Role, User
from maillage.graph.iris import Iris

EDITOR = User("alice", Role.EDITOR)
OTHER_EDITOR = User("bruno", Role.EDITOR)
LAWYER = User("claire", Role.EDITOR, frozenset({"juristes"}))
READER = User("denis", Role.READER)
ADMINISTRATOR = User("eve", Role.ADMINISTRATOR)
ANONYMOUS_USER = ANONYMOUS


def concept(iris: Iris, scheme: str, slug: str) -> str:
    return iris.concept(scheme, slug).value


def document_body(iris: Iris, **fields: object) -> dict[str, object]:
    """Return a valid document body that links to the sample action fa-01."""
    body: dict[str, object] = {
        "key": "etude-besoins",
        "title": "Étude des besoins sociaux",
        "document_type": concept(iris, "document-type", "diagnostic"),
        "visibility": concept(iris, "visibility", "public"),
        "about_actions": [iris.item("action", "fa-01").value],
        "keywords": ["accès aux droits"],
    }
    body.update(fields)
    return body


def actor_body(iris: Iris, **fields: object) -> dict[str, object]:
    """Return a valid actor body."""
    body: dict[str, object] = {
        "key": "cias-capca",
        "label": "CIAS de la CAPCA",
        "kind": "cias",
    }
    body.update(fields)
    return body


def event_body(iris: Iris, **fields: object) -> dict[str, object]:
    """Return a valid event body."""
    body: dict[str, object] = {
        "key": "atelier-2015",
        "title": "Atelier des partenaires",
        "event_kind": concept(iris, "event-kind", "atelier"),
        "visibility": concept(iris, "visibility", "public"),
        "associated_with": [iris.item("actor", "caf-ardeche").value],
    }
    body.update(fields)
    return body


def action_body(iris: Iris, **fields: object) -> dict[str, object]:
    """Return a valid action body, with a lead and a funding line."""
    body: dict[str, object] = {
        "key": "fa-02",
        "title": "Coordonner l'accès aux droits",
        "number": 2,
        "objectives": ["Réduire le non-recours"],
        "target_publics": ["Habitants"],
        "territories": [iris.item("epci", "200071413").value],
        "involvements": [
            {
                "agent": iris.item("actor", "caf-ardeche").value,
                "role": concept(iris, "role", "lead"),
            }
        ],
        "fundings": [{"funder": iris.item("actor", "caf-ardeche").value}],
        "evaluation_indicators": [iris.item("indicator", "foyers-rsa").value],
        "action_status": concept(iris, "action-status", "en-cours"),
        "competences": [iris.item("competence", "C4505").value],
        "visibility": concept(iris, "visibility", "public"),
    }
    body.update(fields)
    return body
