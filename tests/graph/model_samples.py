"""Sample instances of every model, minimal and full, and the items they link to.

A minimal sample sets the required fields only; its full counterpart sets every field.
Texts carry accents and apostrophes so that round trips check the encoding too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from pyoxigraph import NamedNode, Triple

from maillage.graph.iris import Iris
from maillage.graph.models import ItemModel
from maillage.graph.models import MODELS
from maillage.graph.namespaces import IGEO, MLG, ORG, QB, RDF, SKOS

ACCENTED = "Œuvre d'accès aux droits, été"

# Items the samples link to, with their classes; `linked_items` turns them into triples.
LINKED: dict[tuple[str, str], tuple[NamedNode, ...]] = {
    ("commune", "07186"): (MLG.Commune, IGEO.Commune, ORG.FormalOrganization),
    ("commune", "07019"): (MLG.Commune, IGEO.Commune, ORG.FormalOrganization),
    ("epci", "200071413"): (MLG.EPCI, IGEO.Intercommunalite, ORG.FormalOrganization),
    ("departement", "07"): (MLG.Departement, IGEO.Departement, ORG.FormalOrganization),
    ("region", "84"): (MLG.Region, IGEO.Region, ORG.FormalOrganization),
    ("arrondissement", "072"): (IGEO.Arrondissement,),
    ("territory", "france"): (MLG.StatisticalTerritory,),
    ("actor", "caf-ardeche"): (MLG.CAF, ORG.FormalOrganization),
    ("actor", "cias-capca"): (MLG.CIAS, ORG.FormalOrganization),
    ("action", "fa-02"): (MLG.Action,),
    ("competence", "C2520"): (MLG.Competence, SKOS.Concept),
    ("competence", "C1010"): (MLG.Competence, SKOS.Concept),
    ("indicator", "allocataires-rsa"): (MLG.Indicator,),
    ("indicator", "foyers-allocataires"): (MLG.Indicator,),
    ("event", "atelier-acces-droits"): (MLG.Event,),
    ("act", "deliberation-2017-12-14"): (MLG.Deliberation, MLG.LegalAct),
    ("act", "arrete-2016-12-05"): (MLG.PrefectoralOrder, MLG.LegalAct),
    ("dataset", "drees-rsa"): (MLG.Dataset, QB.DataSet),
    ("dataset", "banatic"): (MLG.Dataset,),
}


def linked_items(iris: Iris) -> list[Triple]:
    """Return the type triples of the items that the samples link to."""
    structure = NamedNode(_structure(iris))
    triples = [Triple(structure, RDF.type, QB.DataStructureDefinition)]
    for (type_, key), classes in LINKED.items():
        item = iris.item(type_, key)
        triples.extend(Triple(item, RDF.type, cls) for cls in classes)
        if type_ == "competence":
            triples.append(Triple(item, SKOS.inScheme, iris.scheme("banatic")))
    return triples


def _structure(iris: Iris) -> str:
    return f"{iris.item('dataset', 'drees-rsa').value}#structure"


def _item(iris: Iris, type_: str, key: str) -> str:
    return iris.item(type_, key).value


def _concept(iris: Iris, scheme: str, slug: str) -> str:
    return iris.concept(scheme, slug).value


def _published(iris: Iris) -> dict[str, Any]:
    return {
        "visibility": _concept(iris, "visibility", "public"),
        "workflow_state": _concept(iris, "workflow-state", "published"),
    }


def _metadata(iris: Iris) -> dict[str, Any]:
    return {
        **_published(iris),
        "created": datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        "modified": datetime(2024, 6, 14, 17, 5, 12, tzinfo=timezone.utc),
        "is_illustration": True,
        "readable_by": ["juristes", "partenaires"],
    }


def _document(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "diagnostic-social",
        "title": ACCENTED,
        "document_type": _concept(iris, "document-type", "diagnostic"),
        **_published(iris),
    }
    full = {
        **_metadata(iris),
        "description": "Synthèse du diagnostic partagé, été 2024",
        "phase": _concept(iris, "phase", "diagnostic"),
        "issued": date(2024, 7, 1),
        "creators": [
            _item(iris, "epci", "200071413"),
            _item(iris, "actor", "cias-capca"),
        ],
        "subjects": [
            _concept(iris, "theme", "acces-aux-droits"),
            _concept(iris, "theme", "logement"),
        ],
        "about_actions": [_item(iris, "action", "fa-02")],
        "about_competences": [_item(iris, "competence", "C2520")],
        "about_actors": [_item(iris, "actor", "caf-ardeche")],
        "keywords": ["ABS", "accès aux droits"],
        "files": [
            {
                "file_name": "Diagnostic été 2024.pdf",
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "media_type": "application/pdf",
                "byte_size": 48213,
                "has_text_layer": True,
            },
            {"file_name": "scan-annexe.pdf"},
        ],
        "language": "fr",
        "produced_at": _item(iris, "event", "atelier-acces-droits"),
    }
    return minimal, full


def _involvement(iris: Iris, agent: tuple[str, str], role: str) -> dict[str, str]:
    return {"agent": _item(iris, *agent), "role": _concept(iris, "role", role)}


def _action(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "fa-01",
        "title": "Maison France services itinérante",
        "number": 1,
        "objectives": ["Rapprocher les services publics des habitants"],
        "target_publics": ["Habitants éloignés des services"],
        "territories": [_item(iris, "epci", "200071413")],
        "involvements": [_involvement(iris, ("epci", "200071413"), "lead")],
        "evaluation_indicators": [_item(iris, "indicator", "allocataires-rsa")],
        "action_status": _concept(iris, "action-status", "en-cours"),
        "competences": [_item(iris, "competence", "C2520")],
        **_published(iris),
    }
    full = {
        **_metadata(iris),
        "description": ACCENTED,
        "objectives": ["Réduire le non-recours", "Accompagner l'été"],
        "target_publics": ["Familles monoparentales", "Personnes âgées isolées"],
        "territories": [
            _item(iris, "commune", "07186"),
            _item(iris, "departement", "07"),
            _item(iris, "epci", "200071413"),
        ],
        "involvements": [
            _involvement(iris, ("epci", "200071413"), "lead"),
            _involvement(iris, ("actor", "caf-ardeche"), "partner"),
            _involvement(iris, ("actor", "cias-capca"), "operator"),
        ],
        "fundings": [
            {
                "funder": _item(iris, "actor", "caf-ardeche"),
                "amount": Decimal("12500.50"),
                "comment": "Prestation de service, année pleine",
            },
            {"funder": _item(iris, "epci", "200071413")},
        ],
        "start_date": date(2025, 1, 1),
        "end_date": date(2027, 12, 31),
        "calendar": "Lancement en janvier, bilan à l'été",
        "evaluation_indicators": [
            _item(iris, "indicator", "allocataires-rsa"),
            _item(iris, "indicator", "foyers-allocataires"),
        ],
        "competences": [
            _item(iris, "competence", "C1010"),
            _item(iris, "competence", "C2520"),
        ],
        "subjects": [_concept(iris, "theme", "acces-aux-droits")],
    }
    return minimal, full


def _event(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "atelier-1",
        "title": "Atelier « accès aux droits »",
        "event_kind": _concept(iris, "event-kind", "atelier"),
        **_published(iris),
    }
    full = {
        **_metadata(iris),
        "phase": _concept(iris, "phase", "enjeux-priorites"),
        "date": date(2024, 5, 16),
        "associated_with": [_item(iris, "actor", "caf-ardeche")],
        "participants": "Élus, travailleurs sociaux, associations",
    }
    return minimal, full


def _actor(kind: str):
    def build(iris: Iris) -> tuple[dict, dict]:
        minimal = {"key": f"{kind}-ardeche", "label": ACCENTED, "kind": kind}
        full = {
            **_metadata(iris),
            "description": "Partenaire de l'action sociale en Ardèche",
            "homepage": "https://example.org/partenaire",
            "siren": "534087563",
        }
        return minimal, full

    return build


def _commune(iris: Iris) -> tuple[dict, dict]:
    minimal = {"key": "07186", "label": "Privas", "insee_code": "07186"}
    full = {
        **_metadata(iris),
        "description": "Préfecture de l'Ardèche",
        "homepage": "https://example.org/privas",
        "vintage": 2024,
        "siren": "210701864",
        "population": 8193,
        "population_dgcl": 8424,
        "postal_codes": ["07000"],
        "parent": _item(iris, "arrondissement", "072"),
    }
    return minimal, full


def _sub_commune(type_: str):
    def build(iris: Iris) -> tuple[dict, dict]:
        minimal = {"key": "07165", "label": "Saint-Étienne", "insee_code": "07165"}
        full = {
            **_metadata(iris),
            "description": "Ancienne commune",
            "homepage": "https://example.org/ancienne",
            "vintage": 2023,
            "parent": _item(iris, "commune", "07186"),
        }
        return minimal, full

    return build


def _epci(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "200071413",
        "label": "Communauté d'agglomération Privas Centre Ardèche",
        "insee_code": "200071413",
        "epci_type": "CA",
    }
    full = {
        **_metadata(iris),
        "description": "Quarante-deux communes autour de Privas",
        "homepage": "https://example.org/capca",
        "vintage": 2024,
        "financing_mode": "FPU",
        "siren": "200071413",
        "population": 43000,
        "population_dgcl": 44500,
    }
    return minimal, full


def _departement(iris: Iris) -> tuple[dict, dict]:
    minimal = {"key": "07", "label": "Ardèche", "insee_code": "07"}
    full = {
        **_metadata(iris),
        "description": "Conseil départemental de l'Ardèche",
        "homepage": "https://example.org/ardeche",
        "vintage": 2024,
        "siren": "220700017",
        "parent": _item(iris, "region", "84"),
        "seat": _item(iris, "commune", "07186"),
    }
    return minimal, full


def _region(iris: Iris) -> tuple[dict, dict]:
    minimal = {"key": "84", "label": "Auvergne-Rhône-Alpes", "insee_code": "84"}
    full = {
        **_metadata(iris),
        "description": "Région Auvergne-Rhône-Alpes",
        "homepage": "https://example.org/region",
        "vintage": 2024,
        "siren": "200053767",
        "seat": _item(iris, "commune", "07019"),
    }
    return minimal, full


def _arrondissement(iris: Iris) -> tuple[dict, dict]:
    minimal = {"key": "072", "label": "Privas", "insee_code": "072"}
    full = {
        **_metadata(iris),
        "description": "Arrondissement de Privas",
        "homepage": "https://example.org/arrondissement",
        "vintage": 2024,
        "parent": _item(iris, "departement", "07"),
        "seat": _item(iris, "commune", "07186"),
    }
    return minimal, full


def _territory(iris: Iris) -> tuple[dict, dict]:
    minimal = {"key": "france", "label": "France"}
    full = {
        **_metadata(iris),
        "alt_labels": ["France entière", "France métropolitaine et DROM"],
        "description": "Total national",
        "vintage": 2022,
    }
    return minimal, full


def _membership(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "200071413-07186",
        "member": _item(iris, "commune", "07186"),
        "organization": _item(iris, "epci", "200071413"),
    }
    full = {
        **_metadata(iris),
        "start_date": date(2017, 1, 1),
        "end_date": date(2030, 12, 31),
        "observed_on": date(2024, 1, 1),
        "legal_bases": [_item(iris, "act", "arrete-2016-12-05")],
        "derived_from": _item(iris, "dataset", "banatic"),
    }
    return minimal, full


def _competence(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "C4520",
        "label": "Action sociale d'intérêt communautaire",
        "scheme": iris.scheme("banatic").value,
    }
    full = {
        **_metadata(iris),
        "notation": "C4520",
        "top_concept_of": iris.scheme("banatic").value,
        "broader": [_item(iris, "competence", "C2520")],
        "deprecated": False,
        "depends_on_community_interest": True,
    }
    return minimal, full


def _transfer(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "action-sociale-capca",
        "competence": _item(iris, "competence", "C2520"),
        "from_communes": [_item(iris, "commune", "07186")],
        "to_body": _item(iris, "epci", "200071413"),
        "effective_date": date(2017, 1, 1),
        "legal_bases": [_item(iris, "act", "arrete-2016-12-05")],
        **_published(iris),
    }
    full = {
        **_metadata(iris),
        "from_communes": [
            _item(iris, "commune", "07019"),
            _item(iris, "commune", "07186"),
        ],
        "to_body": _item(iris, "actor", "cias-capca"),
        "decision_date": date(2016, 11, 30),
        "end_date": date(2029, 12, 31),
        "legal_bases": [
            _item(iris, "act", "arrete-2016-12-05"),
            _item(iris, "act", "deliberation-2017-12-14"),
        ],
        "community_interest_definition": _item(iris, "act", "deliberation-2017-12-14"),
        "description": ACCENTED,
    }
    return minimal, full


def _deliberation(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "deliberation-2018-03-01",
        "kind": "deliberation",
        "title": "Délibération définissant l'intérêt communautaire",
        "date_document": date(2018, 3, 1),
    }
    full = {
        **_metadata(iris),
        "source": "https://example.org/deliberations/2018-03-01.pdf",
        "description": ACCENTED,
        "passed_by": _item(iris, "epci", "200071413"),
        "vote_share": Decimal("0.875"),
        "defines_community_interest_for": [_item(iris, "competence", "C2520")],
    }
    return minimal, full


def _prefectoral_order(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "arrete-2016-12-06",
        "kind": "prefectoral-order",
        "title": "Arrêté préfectoral portant création de la communauté",
        "date_document": date(2016, 12, 6),
    }
    full = {
        **_metadata(iris),
        "source": "Recueil des actes administratifs n° 07-2016-12",
        "description": ACCENTED,
        "passed_by": _item(iris, "departement", "07"),
    }
    return minimal, full


def _law_article(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "cgct-l5216-5-2016-01-01",
        "kind": "law-article",
        "title": "Article L5216-5 du CGCT",
        "legal_code": "CGCT",
        "article_number": "L5216-5",
        "first_in_force": date(2016, 1, 1),
    }
    full = {
        **_metadata(iris),
        "source": "https://example.org/cgct/L5216-5",
        "description": ACCENTED,
        "no_longer_in_force": date(2017, 1, 1),
        "text_path": "cgct/L5216-5/2016-01-01.md",
        "derived_from": _item(iris, "dataset", "banatic"),
    }
    return minimal, full


def _indicator(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "taux-rsa",
        "label": "Part des foyers allocataires du RSA",
        "unit": "%",
        "indicator_kind": _concept(iris, "indicator-kind", "rate"),
    }
    full = {
        **_metadata(iris),
        "definition": "Foyers allocataires du RSA rapportés aux foyers allocataires",
        "alt_label": "Part RSA",
        "numerator": _item(iris, "indicator", "allocataires-rsa"),
        "denominator": _item(iris, "indicator", "foyers-allocataires"),
        "source": "DREES, CNAF",
        "subjects": [_concept(iris, "theme", "precarite")],
        "source_column": "part_rsa",
        "rate_multiplier": 100,
        "secrecy_threshold": 5,
        "source_indicators": [_item(iris, "indicator", "foyers-allocataires")],
        "demo_data": "Séries communales générées pour la démonstration.",
    }
    return minimal, full


def _dataset(kind: str):
    def build(iris: Iris) -> tuple[dict, dict]:
        minimal = {"key": f"jeu-{kind}", "kind": kind, "title": "Allocataires du RSA"}
        full = {
            **_metadata(iris),
            "description": ACCENTED,
            "source": "DREES",
            "publisher": "Direction de la recherche, des études et des statistiques",
            "issued": date(2024, 2, 1),
            "vintage": 2022,
            "generated_at": datetime(2024, 2, 3, 8, 0, tzinfo=timezone.utc),
            "has_parts": [_item(iris, "dataset", "banatic")],
        }
        if kind == "cube":
            full["structure"] = _structure(iris)
        return minimal, full

    return build


def _observation(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "drees-rsa-07186-allocataires-rsa-2022",
        "dataset": _item(iris, "dataset", "drees-rsa"),
        "area": _item(iris, "commune", "07186"),
        "period": 2022,
        "indicator": _item(iris, "indicator", "allocataires-rsa"),
        "value": Decimal("412"),
    }
    full = {
        **_metadata(iris),
        "area": _item(iris, "territory", "france"),
        "value": Decimal("12500.50"),
        "unit": "foyers",
    }
    return minimal, full


def _scheme(iris: Iris) -> tuple[dict, dict]:
    minimal = {"key": "partenariat", "label": "Modes de partenariat"}
    return minimal, _metadata(iris)


def _concept_sample(iris: Iris) -> tuple[dict, dict]:
    minimal = {
        "key": "theme-sante-mentale",
        "label": "Santé mentale",
        "scheme": iris.scheme("theme").value,
    }
    full = {
        **_metadata(iris),
        "top_concept_of": iris.scheme("theme").value,
        "notation": "SM",
    }
    return minimal, full


# Sample name -> (item type, builder of the minimal and the extra full fields).
SAMPLES = {
    "document": ("document", _document),
    "action": ("action", _action),
    "event": ("event", _event),
    **{
        f"actor-{kind}": ("actor", _actor(kind))
        for kind in (
            "ccas",
            "cias",
            "caf",
            "state-service",
            "association",
            "other-partner",
        )
    },
    "commune": ("commune", _commune),
    "commune-deleguee": ("commune-deleguee", _sub_commune("commune-deleguee")),
    "commune-associee": ("commune-associee", _sub_commune("commune-associee")),
    "epci": ("epci", _epci),
    "departement": ("departement", _departement),
    "region": ("region", _region),
    "arrondissement": ("arrondissement", _arrondissement),
    "territory": ("territory", _territory),
    "membership": ("membership", _membership),
    "competence": ("competence", _competence),
    "transfer": ("transfer", _transfer),
    "act-deliberation": ("act", _deliberation),
    "act-prefectoral-order": ("act", _prefectoral_order),
    "act-law-article": ("act", _law_article),
    "indicator": ("indicator", _indicator),
    "dataset-reference": ("dataset", _dataset("reference")),
    "dataset-cube": ("dataset", _dataset("cube")),
    "observation": ("observation", _observation),
    "scheme": ("scheme", _scheme),
    "concept": ("concept", _concept_sample),
}


def minimal_sample(name: str, iris: Iris) -> ItemModel:
    """Build the sample `name` with its required fields only."""
    type_, build = SAMPLES[name]
    minimal, _ = build(iris)
    return MODELS[type_](**minimal)


def full_sample(name: str, iris: Iris) -> ItemModel:
    """Build the sample `name` with every field set."""
    type_, build = SAMPLES[name]
    minimal, extra = build(iris)
    return MODELS[type_](**{**minimal, **extra})
