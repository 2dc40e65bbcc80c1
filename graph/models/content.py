"""Models of what the mission produces: documents, action sheets and events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, ClassVar

from pydantic import Field
from pyoxigraph import NamedNode

from maillage.graph.models.base import (
    MAX_LABEL_CHARS,
    AuthoredItem,
    Identifier,
    Iri,
    Label,
    NodeModel,
    Text,
)
from maillage.graph.models.mapping import concept, link, literal, nested, text
from maillage.graph.namespaces import DCTERMS, MLG, ORG, PROV, RDFS, XSD

# Organisations are linked through their common class, so a commune, an EPCI and a CAF
# are all valid creators, partners or funders.
ORGANISATION = ORG.FormalOrganization


class DocumentFile(NodeModel):
    """A file attached to a document, described by the server when it stores it.

    `sha256` names the stored content and `media_type` is read from the bytes.
    `has_text_layer` is False for a file with no text to extract, such as a scan.
    """

    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.File,)

    file_name: Annotated[
        str, Field(max_length=MAX_LABEL_CHARS), literal(MLG.fileName, XSD.string)
    ]
    sha256: Annotated[
        str | None, Field(pattern=r"^[0-9a-f]{64}$"), literal(MLG.sha256, XSD.string)
    ] = None
    media_type: Annotated[Identifier | None, literal(MLG.mediaType, XSD.string)] = None
    byte_size: Annotated[
        int | None, Field(ge=0), literal(MLG.byteSize, XSD.integer)
    ] = None
    has_text_layer: Annotated[bool | None, literal(MLG.hasTextLayer, XSD.boolean)] = (
        None
    )


class Document(AuthoredItem):
    """A document of the mission: diagnostic, legal note, minutes, questionnaire."""

    item_type: ClassVar[str] = "document"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Document,)

    title: Annotated[Label, text(DCTERMS["title"])]
    description: Annotated[Text | None, text(DCTERMS.description)] = None
    document_type: Annotated[Iri, concept(DCTERMS.type, "document-type")]
    phase: Annotated[Iri | None, concept(MLG.phase, "phase")] = None
    issued: Annotated[dt.date | None, literal(DCTERMS.issued, XSD.date)] = None
    creators: Annotated[list[Iri], link(DCTERMS.creator, ORGANISATION)] = []
    subjects: Annotated[list[Iri], concept(DCTERMS.subject, "theme")] = []
    about_actions: Annotated[list[Iri], link(MLG.aboutAction, MLG.Action)] = []
    about_competences: Annotated[
        list[Iri], link(MLG.aboutCompetence, MLG.Competence)
    ] = []
    about_actors: Annotated[list[Iri], link(MLG.aboutActor, ORGANISATION)] = []
    keywords: Annotated[list[Label], literal(MLG.keyword, XSD.string)] = []
    language: Annotated[Identifier | None, literal(DCTERMS.language, XSD.string)] = None
    produced_at: Annotated[Iri | None, link(MLG.producedAt, MLG.Event)] = None
    files: Annotated[list[DocumentFile], nested(MLG.file, "file")] = []


class Involvement(NodeModel):
    """The part an organisation takes in an action, as a concept of scheme `role`."""

    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Involvement,)

    agent: Annotated[Iri, link(MLG.agent, ORGANISATION)]
    role: Annotated[Iri, concept(MLG.role, "role")]


class Funding(NodeModel):
    """A funding line of an action; `amount` is in euros."""

    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Funding,)

    funder: Annotated[Iri, link(MLG.funder, ORGANISATION)]
    amount: Annotated[Decimal | None, Field(ge=0), literal(MLG.amount, XSD.decimal)] = (
        None
    )
    comment: Annotated[Text | None, text(RDFS.comment)] = None


class Action(AuthoredItem):
    """An action sheet of the plan; its involvements and fundings are nested nodes.

    The shapes also require one involvement with the role `role-lead` at least.
    """

    item_type: ClassVar[str] = "action"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Action,)

    title: Annotated[Label, text(DCTERMS["title"])]
    number: Annotated[int, Field(ge=1), literal(MLG.number, XSD.integer)]
    description: Annotated[Text | None, text(DCTERMS.description)] = None
    objectives: Annotated[list[Text], Field(min_length=1), text(MLG.objective)]
    target_publics: Annotated[list[Text], Field(min_length=1), text(MLG.targetPublic)]
    territories: Annotated[
        list[Iri],
        Field(min_length=1),
        link(MLG.territory, MLG.Commune, MLG.EPCI, MLG.Departement),
    ]
    involvements: Annotated[
        list[Involvement], Field(min_length=1), nested(MLG.involvement, "involvement")
    ]
    fundings: Annotated[list[Funding], nested(MLG.funding, "funding")] = []
    start_date: Annotated[dt.date | None, literal(MLG.startDate, XSD.date)] = None
    end_date: Annotated[dt.date | None, literal(MLG.endDate, XSD.date)] = None
    calendar: Annotated[Text | None, text(MLG.calendar)] = None
    evaluation_indicators: Annotated[
        list[Iri], Field(min_length=1), link(MLG.evaluationIndicator, MLG.Indicator)
    ]
    action_status: Annotated[Iri, concept(MLG.actionStatus, "action-status")]
    competences: Annotated[
        list[Iri], Field(min_length=1), link(MLG.reliesOnCompetence, MLG.Competence)
    ]
    subjects: Annotated[list[Iri], concept(DCTERMS.subject, "theme")] = []


class Event(AuthoredItem):
    """An event of the mission: workshop, interview, questionnaire, seminar."""

    item_type: ClassVar[str] = "event"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Event,)

    title: Annotated[Label, text(DCTERMS["title"])]
    event_kind: Annotated[Iri, concept(MLG.eventKind, "event-kind")]
    phase: Annotated[Iri | None, concept(MLG.phase, "phase")] = None
    date: Annotated[dt.date | None, literal(DCTERMS.date, XSD.date)] = None
    associated_with: Annotated[
        list[Iri], link(PROV.wasAssociatedWith, ORGANISATION)
    ] = []
    participants: Annotated[Text | None, text(MLG.participants)] = None
