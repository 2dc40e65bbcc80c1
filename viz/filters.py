"""Filters of the who-does-what network: date, actor kinds, relations, competences,
themes and territories.

On a date, only the transfer and membership edges valid that day stay, with the
conventions of `docs/legal.md`. A transfer applies from its effective date until its end
date (excluded), and a membership from its start date until its end date (excluded). A
membership with no start date applies from the date a source observed it. A membership whose
status that day is unknown stays, marked `validity: unknown`, because unknown is not
"no". Competences, themes and territories select action sheets; the network then keeps
those actions, what they are linked to, the bodies that hold their competences and the
territories asked for.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

import networkx as nx

from maillage.graph.errors import InvalidIdentifierError, MalformedRequestError
from maillage.graph.iris import Iris
from maillage.viz.kinds import ACTOR_KINDS, RELATIONS

# Relations whose edges have a valid time.
DATED_RELATIONS = ("holds", "member-of")
UNKNOWN_VALIDITY_NOTE = "Validité à cette date : inconnue, aucun acte ne la date."


@dataclass(frozen=True)
class NetworkFilter:
    """The parts of the network to keep, where None keeps everything.

    `competences`, `themes` and `territories` are IRIs; `on` is the date whose
    memberships and transfers are shown.
    """

    actor_kinds: frozenset[str] | None = None
    relations: frozenset[str] | None = None
    on: date | None = None
    competences: frozenset[str] | None = None
    themes: frozenset[str] | None = None
    territories: frozenset[str] | None = None

    @classmethod
    def parse(
        cls,
        actor_kinds: Collection[str] | None = None,
        relations: Collection[str] | None = None,
        *,
        on: date | None = None,
        competences: Collection[str] | None = None,
        themes: Collection[str] | None = None,
        territories: Collection[str] | None = None,
    ) -> NetworkFilter:
        """Check the names given and build the filter, where empty lists keep all."""
        return cls(
            actor_kinds=_check_names(actor_kinds, ACTOR_KINDS, "actor kind"),
            relations=_check_names(relations, RELATIONS, "relation"),
            on=on,
            competences=frozenset(competences) if competences else None,
            themes=frozenset(themes) if themes else None,
            territories=frozenset(territories) if territories else None,
        )

    @property
    def selects_actions(self) -> bool:
        """Return whether competences, themes or territories choose the actions."""
        return bool(self.competences or self.themes or self.territories)


def parse_filter(
    iris: Iris,
    *,
    kinds: Collection[str] | None = None,
    relations: Collection[str] | None = None,
    on: date | None = None,
    competences: Collection[str] | None = None,
    themes: Collection[str] | None = None,
    territories: Collection[str] | None = None,
) -> NetworkFilter:
    """Build a filter from query values: keys, `type/key` paths or IRIs.

    A competence is a key (`C2520`), a theme a slug (`acces-aux-droits`) and a
    territory `commune/07186`, `epci/200071413` or `departement/07`; each may also be a
    full IRI.
    """
    return NetworkFilter.parse(
        kinds,
        relations,
        on=on,
        competences=[
            _item(iris, v, "competence", ("competence",)) for v in competences or ()
        ],
        themes=[_theme(iris, v) for v in themes or ()],
        territories=[
            _item(iris, v, None, ("commune", "epci", "departement"))
            for v in territories or ()
        ],
    )


def filter_network(network: nx.MultiDiGraph, keep: NetworkFilter) -> nx.MultiDiGraph:
    """Return a copy of `network` with only the parts that `keep` selects.

    Action and competence nodes that lose every edge are dropped too, because they only
    mean something through the actors linked to them.
    """
    kept = network.copy()
    if keep.on is not None:
        _keep_valid_on(kept, keep.on)
    if keep.actor_kinds is not None:
        dropped = [
            node
            for node, kind in kept.nodes(data="kind")
            if kind in ACTOR_KINDS and kind not in keep.actor_kinds
        ]
        kept.remove_nodes_from(dropped)
    if keep.relations is not None:
        dropped_edges = [
            (source, target, key)
            for source, target, key, relation in kept.edges(keys=True, data="relation")
            if relation not in keep.relations
        ]
        kept.remove_edges_from(dropped_edges)
    if keep.selects_actions:
        _keep_selected_actions(kept, keep)
    orphans = [
        node
        for node, kind in kept.nodes(data="kind")
        if kind in ("action", "competence") and kept.degree(node) == 0
    ]
    kept.remove_nodes_from(orphans)
    return kept


def edge_validity(relation: str, data: dict, on: date) -> str:
    """Return `valid`, `invalid` or `unknown` for a dated edge on the date `on`."""
    start, end = _day(data.get("start")), _day(data.get("end"))
    if end is not None and end <= on:
        return "invalid"
    if start is not None:
        return "valid" if start <= on else "invalid"
    observed = _day(data.get("observed"))
    if relation == "member-of" and observed is not None and observed <= on:
        return "valid"
    return "unknown"


def _keep_valid_on(kept: nx.MultiDiGraph, on: date) -> None:
    dropped = []
    for source, target, key, data in kept.edges(keys=True, data=True):
        if data["relation"] not in DATED_RELATIONS:
            continue
        validity = edge_validity(data["relation"], data, on)
        if validity == "invalid":
            dropped.append((source, target, key))
        elif validity == "unknown":
            data["validity"] = "unknown"
            data["title"] = f"{data['title']}\n{UNKNOWN_VALIDITY_NOTE}"
    kept.remove_edges_from(dropped)


def _keep_selected_actions(kept: nx.MultiDiGraph, keep: NetworkFilter) -> None:
    area = _area(kept, keep.territories) if keep.territories else set()
    chosen = {
        node
        for node, kind in kept.nodes(data="kind")
        if kind == "action" and _action_matches(kept, node, keep, area)
    }
    nodes = set(chosen)
    for action in chosen:
        nodes.update(kept.predecessors(action))
        nodes.update(kept.successors(action))
    if keep.competences:
        nodes = {
            node
            for node in nodes
            if kept.nodes[node]["kind"] != "competence" or node in keep.competences
        }
        nodes.update(node for node in keep.competences if node in kept)
    for competence in [n for n in nodes if kept.nodes[n]["kind"] == "competence"]:
        nodes.update(_holders(kept, competence))
    nodes.update(node for node in area if node in kept)
    kept.remove_nodes_from([node for node in list(kept) if node not in nodes])


def _action_matches(
    kept: nx.MultiDiGraph, action: str, keep: NetworkFilter, area: set[str]
) -> bool:
    data = kept.nodes[action]
    if keep.competences:
        relied = {
            target
            for _, target, relation in kept.out_edges(action, data="relation")
            if relation == "relies-on"
        }
        if not relied & keep.competences:
            return False
    if keep.themes and not set(_words(data.get("themes"))) & keep.themes:
        return False
    if keep.territories and not set(_words(data.get("territories"))) & area:
        return False
    return True


def _area(kept: nx.MultiDiGraph, territories: Iterable[str]) -> set[str]:
    """Return the territories with their members and the EPCI they belong to."""
    area = set(territories)
    for territory in territories:
        if territory not in kept:
            continue
        for source, _, relation in kept.in_edges(territory, data="relation"):
            if relation == "member-of":
                area.add(source)
        for _, target, relation in kept.out_edges(territory, data="relation"):
            if relation == "member-of":
                area.add(target)
    return area


def _holders(kept: nx.MultiDiGraph, competence: str) -> set[str]:
    return {
        source
        for source, _, relation in kept.in_edges(competence, data="relation")
        if relation == "holds"
    }


def _words(value: str | None) -> list[str]:
    return value.split() if value else []


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _item(
    iris: Iris, value: str, default_type: str | None, accepted: tuple[str, ...]
) -> str:
    if value.startswith(("http://", "https://")):
        ref = iris.parse_item(value)
        type_ = ref.type if ref is not None else None
        key = ref.key if ref is not None else ""
    elif "/" in value:
        type_, _, key = value.partition("/")
    else:
        type_, key = default_type, value
    if type_ not in accepted:
        raise InvalidIdentifierError(
            f"{value[:80]!r} is not a {' or '.join(accepted)}; write it as "
            f"{accepted[0]}/KEY"
        )
    return iris.item(type_, key).value


def _theme(iris: Iris, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    return iris.concept("theme", value.removeprefix("theme-")).value


def _check_names(
    names: Collection[str] | None, accepted: tuple[str, ...], what: str
) -> frozenset[str] | None:
    if not names:
        return None
    for name in names:
        if name not in accepted:
            raise MalformedRequestError(
                f"unknown {what} {name[:80]!r}; accepted: {', '.join(accepted)}"
            )
    return frozenset(names)
