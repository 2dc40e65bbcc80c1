"""Kinds of nodes and relations of the network, and their French names."""

from __future__ import annotations

# Node kinds of organisations, keyed by the local name of their `mlg` class.
ACTOR_KIND_CLASSES: dict[str, str] = {
    "Commune": "commune",
    "CommuneDeleguee": "commune-deleguee",
    "CommuneAssociee": "commune-associee",
    "EPCI": "epci",
    "CCAS": "ccas",
    "CIAS": "cias",
    "Departement": "departement",
    "Region": "region",
    "CAF": "caf",
    "StateService": "state-service",
    "Association": "association",
    "OtherPartner": "other-partner",
}
ACTOR_KINDS: tuple[str, ...] = tuple(ACTOR_KIND_CLASSES.values())
NODE_KINDS: tuple[str, ...] = (*ACTOR_KINDS, "action", "competence")

# French names of the node kinds, used when the store has no `actor-kind` scheme.
KIND_LABELS: dict[str, str] = {
    "commune": "Commune",
    "commune-deleguee": "Commune déléguée",
    "commune-associee": "Commune associée",
    "epci": "EPCI à fiscalité propre",
    "ccas": "Centre communal d'action sociale",
    "cias": "Centre intercommunal d'action sociale",
    "departement": "Département",
    "region": "Région",
    "caf": "Caisse d'allocations familiales",
    "state-service": "Service de l'État",
    "association": "Association",
    "other-partner": "Autre partenaire",
    "action": "Fiche action",
    "competence": "Compétence",
}

RELATIONS: tuple[str, ...] = (
    "lead",
    "partner",
    "funder",
    "operator",
    "relies-on",
    "holds",
    "member-of",
)
RELATION_LABELS: dict[str, str] = {
    "lead": "pilote",
    "partner": "partenaire de",
    "funder": "finance",
    "operator": "met en œuvre",
    "relies-on": "relève de la compétence",
    "holds": "exerce la compétence",
    "member-of": "membre de",
}

# Keys of the `role` concepts, as in `{base}/id/concept/role-lead`.
ROLE_RELATIONS: dict[str, str] = {
    "role-lead": "lead",
    "role-partner": "partner",
    "role-funder": "funder",
    "role-operator": "operator",
}
