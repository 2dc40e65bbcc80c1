"""Models of territories, organisations and memberships of communes in EPCI."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, model_validator
from pyoxigraph import NamedNode

from maillage.graph.models.base import ItemModel, Iri, Text
from maillage.graph.models.mapping import (
    ObjectKind,
    Rdf,
    RdfKind,
    link,
    literal,
    text,
)
from maillage.graph.namespaces import (
    DCTERMS,
    FOAF,
    IGEO,
    MLG,
    ORG,
    PROV,
    SKOS,
    XSD,
)

InseeCode = Annotated[str, Field(pattern=r"^[0-9A-Za-z]{1,10}$")]
Siren = Annotated[str, Field(pattern=r"^[0-9]{9}$")]
PostalCode = Annotated[str, Field(pattern=r"^[0-9][0-9AB][0-9]{3}$")]
Population = Annotated[int, Field(ge=0)]

# Fields that several kinds of territory share.
SirenField = Annotated[Siren | None, literal(MLG.siren, XSD.string)]
PopulationField = Annotated[Population | None, literal(MLG.population, XSD.integer)]
PopulationDgclField = Annotated[
    Population | None, literal(MLG.populationDGCL, XSD.integer)
]


class LabelledItem(ItemModel):
    """An organisation or a territory: a French name, a description, a web site."""

    label: Annotated[Text, text(SKOS.prefLabel)]
    description: Annotated[Text | None, text(DCTERMS.description)] = None
    homepage: Annotated[Iri | None, Rdf(FOAF.homepage, ObjectKind.IRI)] = None


class InseeUnit(LabelledItem):
    """A territory with an INSEE code; `vintage` is the year of its source."""

    insee_code: Annotated[InseeCode, literal(IGEO.codeINSEE, XSD.string)]
    vintage: Annotated[int | None, literal(MLG.vintage, XSD.gYear)] = None


class Commune(InseeUnit):
    """A commune, keyed by its INSEE code."""

    item_type: ClassVar[str] = "commune"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (
        IGEO.Commune,
        MLG.Commune,
        ORG.FormalOrganization,
    )

    siren: SirenField = None
    population: PopulationField = None
    population_dgcl: PopulationDgclField = None
    postal_codes: Annotated[list[PostalCode], literal(MLG.postalCode, XSD.string)] = []
    parent: Annotated[
        Iri | None,
        link(IGEO.subdivisionDirecteDe, IGEO.Arrondissement, MLG.Departement),
    ] = None


class FormerCommune(InseeUnit):
    """A former commune kept as a part of the commune `parent`."""

    parent: Annotated[Iri | None, link(IGEO.subdivisionDirecteDe, MLG.Commune)] = None


class CommuneDeleguee(FormerCommune):
    """A commune déléguée, part of a commune nouvelle (`parent`)."""

    item_type: ClassVar[str] = "commune-deleguee"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (
        IGEO.CommuneDeleguee,
        MLG.CommuneDeleguee,
        ORG.FormalOrganization,
    )


class CommuneAssociee(FormerCommune):
    """A commune associée, part of the commune it merged with (`parent`)."""

    item_type: ClassVar[str] = "commune-associee"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (
        IGEO.CommuneAssociee,
        MLG.CommuneAssociee,
        ORG.FormalOrganization,
    )


class EPCI(InseeUnit):
    """An EPCI with its own taxation, keyed by its SIREN, also its INSEE code."""

    item_type: ClassVar[str] = "epci"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (
        IGEO.Intercommunalite,
        MLG.EPCI,
        ORG.FormalOrganization,
    )

    epci_type: Annotated[
        Literal["CA", "CC", "CU", "METRO"], literal(MLG.epciType, XSD.string)
    ]
    financing_mode: Annotated[
        Literal["FPU", "FA"] | None, literal(MLG.financingMode, XSD.string)
    ] = None
    siren: SirenField = None
    population: PopulationField = None
    population_dgcl: PopulationDgclField = None


class Departement(InseeUnit):
    """A département, both the territory and the Conseil départemental."""

    item_type: ClassVar[str] = "departement"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (
        IGEO.Departement,
        MLG.Departement,
        ORG.FormalOrganization,
    )

    siren: SirenField = None
    parent: Annotated[Iri | None, link(IGEO.subdivisionDirecteDe, MLG.Region)] = None
    seat: Annotated[Iri | None, link(IGEO.chefLieu, MLG.Commune)] = None


class Region(InseeUnit):
    """A région, both the territory and the Conseil régional."""

    item_type: ClassVar[str] = "region"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (
        IGEO.Region,
        MLG.Region,
        ORG.FormalOrganization,
    )

    siren: SirenField = None
    seat: Annotated[Iri | None, link(IGEO.chefLieu, MLG.Commune)] = None


class Arrondissement(InseeUnit):
    """An arrondissement of a département; it is a territory, not an organisation."""

    item_type: ClassVar[str] = "arrondissement"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (IGEO.Arrondissement,)

    parent: Annotated[Iri | None, link(IGEO.subdivisionDirecteDe, MLG.Departement)] = (
        None
    )
    seat: Annotated[Iri | None, link(IGEO.chefLieu, MLG.Commune)] = None


class StatisticalTerritory(ItemModel):
    """A territory with no INSEE code and no organisation behind it, such as France."""

    item_type: ClassVar[str] = "territory"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (MLG.StatisticalTerritory,)

    label: Annotated[Text, text(SKOS.prefLabel)]
    # Other spellings of the name in the imported sources.
    alt_labels: Annotated[list[Text], text(SKOS.altLabel)] = []
    description: Annotated[Text | None, text(DCTERMS.description)] = None
    vintage: Annotated[int | None, literal(MLG.vintage, XSD.gYear)] = None


ActorKind = Literal[
    "ccas", "cias", "caf", "state-service", "association", "other-partner"
]

# Each actor kind adds one mlg class, and the concept of the same slug in actor-kind.
ACTOR_KIND_CLASSES: dict[str, tuple[NamedNode, ...]] = {
    "ccas": (MLG.CCAS,),
    "cias": (MLG.CIAS,),
    "caf": (MLG.CAF,),
    "state-service": (MLG.StateService,),
    "association": (MLG.Association,),
    "other-partner": (MLG.OtherPartner,),
}


class Actor(LabelledItem):
    """An organisation that is not a territory: CCAS, CIAS, CAF, State service..."""

    item_type: ClassVar[str] = "actor"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (ORG.FormalOrganization,)

    kind: Annotated[
        ActorKind,
        RdfKind(ACTOR_KIND_CLASSES, MLG.actorKind, "actor-kind"),
    ]
    siren: SirenField = None


class Membership(ItemModel):
    """A commune's membership of an EPCI, keyed `{siren}-{insee}`.

    The dates are absent when no act gives them; `observed_on` is the date of the source
    that saw the membership.
    """

    item_type: ClassVar[str] = "membership"
    rdf_types: ClassVar[tuple[NamedNode, ...]] = (ORG.Membership,)

    member: Annotated[Iri, link(ORG.member, MLG.Commune)]
    organization: Annotated[Iri, link(ORG.organization, MLG.EPCI)]
    start_date: Annotated[date | None, literal(MLG.startDate, XSD.date)] = None
    end_date: Annotated[date | None, literal(MLG.endDate, XSD.date)] = None
    observed_on: Annotated[date | None, literal(MLG.observedOn, XSD.date)] = None
    legal_bases: Annotated[list[Iri], link(MLG.legalBasis, MLG.LegalAct)] = []
    derived_from: Annotated[Iri | None, link(PROV.wasDerivedFrom, MLG.Dataset)] = None

    @model_validator(mode="after")
    def _check_dates(self) -> Self:
        # The end date is the first day the commune is no longer a member.
        if (
            self.start_date is not None
            and self.end_date is not None
            and self.end_date <= self.start_date
        ):
            raise ValueError(
                f"end_date {self.end_date} must be after start_date {self.start_date}"
            )
        return self
