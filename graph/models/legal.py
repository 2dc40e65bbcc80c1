"""Models of competences, their transfers and the legal acts behind them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator
from pyoxigraph import NamedNode

from maillage.graph.models.base import AuthoredItem, ItemModel, Iri, Text
from maillage.graph.models.mapping import (
    ObjectKind,
    Rdf,
    RdfKind,
    link,
    literal,
    text,
)
from maillage.graph.namespaces import DCTERMS, ELI, MLG, ORG, OWL, PROV, SKOS, XSD


class Competence(ItemModel):
    """A competence; BANATIC ones are keyed by their code and sit in scheme `banatic`.

    `scheme` is the IRI of scheme `banatic` or `competence`, which the shapes check.
    """

    item_type: ClassVar[str] = "competence"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.Competence, SKOS.Concept)

    label: Annotated[Text, text(SKOS.prefLabel)]
    notation: Annotated[str | None, literal(SKOS.notation, XSD.string)] = None
    scheme: Annotated[Iri, link(SKOS.inScheme, SKOS.ConceptScheme)]
    top_concept_of: Annotated[
        Iri | None, link(SKOS.topConceptOf, SKOS.ConceptScheme)
    ] = None
    broader: Annotated[list[Iri], link(SKOS.broader, MLG.Competence)] = []
    deprecated: Annotated[bool | None, literal(OWL.deprecated, XSD.boolean)] = None
    depends_on_community_interest: Annotated[
        bool | None, literal(MLG.dependsOnCommunityInterest, XSD.boolean)
    ] = None


class CompetenceTransfer(AuthoredItem):
    """The transfer of a competence from communes to a body, effective from a date."""

    item_type: ClassVar[str] = "transfer"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.CompetenceTransfer,)

    competence: Annotated[Iri, link(MLG.competence, MLG.Competence)]
    from_communes: Annotated[
        list[Iri], Field(min_length=1), link(MLG.fromCommune, MLG.Commune)
    ]
    to_body: Annotated[Iri, link(MLG.toBody, ORG.FormalOrganization)]
    decision_date: Annotated[date | None, literal(MLG.decisionDate, XSD.date)] = None
    effective_date: Annotated[date, literal(MLG.effectiveDate, XSD.date)]
    end_date: Annotated[date | None, literal(MLG.endDate, XSD.date)] = None
    legal_bases: Annotated[
        list[Iri], Field(min_length=1), link(MLG.legalBasis, MLG.LegalAct)
    ]
    community_interest_definition: Annotated[
        Iri | None, link(MLG.communityInterestDefinition, MLG.Deliberation)
    ] = None
    description: Annotated[Text | None, text(DCTERMS.description)] = None

    @model_validator(mode="after")
    def _check_dates(self) -> Self:
        # The end date is the first day the transfer no longer applies (docs/legal.md).
        effective = self.effective_date
        if self.decision_date is not None and self.decision_date > effective:
            raise ValueError(
                f"decision_date {self.decision_date} is after effective_date "
                f"{effective}: a transfer is decided before it takes effect"
            )
        if self.end_date is not None and self.end_date <= effective:
            raise ValueError(
                f"end_date {self.end_date} must be after effective_date {effective}"
            )
        return self


LegalActKind = Literal["deliberation", "prefectoral-order", "law-article"]

LEGAL_ACT_KIND_CLASSES: dict[str, tuple[NamedNode, ...]] = {
    "deliberation": (MLG.Deliberation,),
    "prefectoral-order": (MLG.PrefectoralOrder,),
    "law-article": (MLG.LawArticle,),
}

_DECISIONS = ("deliberation", "prefectoral-order")
_ARTICLE = ("law-article",)


class LegalAct(ItemModel):
    """A délibération, an arrêté préfectoral or one version of a law article.

    Some fields apply to some kinds only; a law article version is keyed
    `{code}-{article}-{version date}`, such as `cgct-l5216-5-2016-01-01`. `source` is an
    IRI when it starts with http:// or https://, and a plain string otherwise.
    """

    item_type: ClassVar[str] = "act"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.LegalAct,)

    kind: Annotated[LegalActKind, RdfKind(LEGAL_ACT_KIND_CLASSES)]
    title: Annotated[Text, text(DCTERMS["title"])]
    # A short summary of what the act decides, for legal staff.
    description: Annotated[Text | None, text(DCTERMS.description)] = None
    source: Annotated[
        str | None, Field(min_length=1), Rdf(DCTERMS.source, ObjectKind.IRI_OR_STRING)
    ] = None
    date_document: Annotated[
        date | None,
        literal(ELI.date_document, XSD.date, kinds=_DECISIONS, required_for_kinds=True),
    ] = None
    passed_by: Annotated[
        Iri | None, link(ELI.passed_by, ORG.FormalOrganization, kinds=_DECISIONS)
    ] = None
    vote_share: Annotated[
        Decimal | None,
        Field(ge=0, le=1),
        literal(MLG.voteShare, XSD.decimal, kinds=("deliberation",)),
    ] = None
    defines_community_interest_for: Annotated[
        list[Iri],
        link(MLG.definesCommunityInterestFor, MLG.Competence, kinds=("deliberation",)),
    ] = []
    legal_code: Annotated[
        str | None,
        literal(MLG.legalCode, XSD.string, kinds=_ARTICLE, required_for_kinds=True),
    ] = None
    article_number: Annotated[
        str | None,
        literal(MLG.articleNumber, XSD.string, kinds=_ARTICLE, required_for_kinds=True),
    ] = None
    first_in_force: Annotated[
        date | None,
        literal(
            ELI.first_date_entry_in_force,
            XSD.date,
            kinds=_ARTICLE,
            required_for_kinds=True,
        ),
    ] = None
    no_longer_in_force: Annotated[
        date | None, literal(ELI.date_no_longer_in_force, XSD.date, kinds=_ARTICLE)
    ] = None
    text_path: Annotated[
        str | None, literal(MLG.textPath, XSD.string, kinds=_ARTICLE)
    ] = None
    derived_from: Annotated[
        Iri | None, link(PROV.wasDerivedFrom, MLG.Dataset, kinds=_ARTICLE)
    ] = None

    @model_validator(mode="after")
    def _check_version_dates(self) -> Self:
        # ELI counts both dates as days in force, so they may be equal.
        first, last = self.first_in_force, self.no_longer_in_force
        if first is not None and last is not None and last < first:
            raise ValueError(
                f"no_longer_in_force {last} is before first_in_force {first}"
            )
        return self
