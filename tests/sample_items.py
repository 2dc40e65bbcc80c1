"""A small dataset with one item of every type, for the read side and the server tests.

Item IRIs are relative and every item sits in its own graph, as in docs/model.md.
Besides public items it contains a restricted document, a draft and a title with
markup.
"""

from __future__ import annotations

from pyoxigraph import RdfFormat

from maillage.graph.iris import Iris
from maillage.graph.store import GraphStore

PUBLISHED = """mlg:visibility <id/concept/visibility-public> ;
    mlg:workflowState <id/concept/workflow-state-published>"""

SAMPLE_TRIG = f"""
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix eli: <http://data.europa.eu/eli/ontology#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<graph/ontology> {{
  <id/scheme/role> a skos:ConceptScheme ; skos:prefLabel "Rôles"@fr .
  <id/concept/role-lead> a skos:Concept ; skos:inScheme <id/scheme/role> ;
    skos:prefLabel "Pilote"@fr .
  <id/concept/visibility-public> a skos:Concept ; skos:prefLabel "Public"@fr .
  mlg:involvement rdfs:label "implication"@fr .
}}

<graph/document/diagnostic-social> {{
  <id/document/diagnostic-social> a mlg:Document ;
    dcterms:title "Diagnostic social partagé"@fr ;
    dcterms:type <id/concept/document-type-diagnostic> ;
    dcterms:description "Première ligne.\\nSeconde ligne."@fr ;
    mlg:aboutAction <id/action/fa-01> ;
    {PUBLISHED} .
}}

<graph/document/compte-rendu-hostile> {{
  <id/document/compte-rendu-hostile> a mlg:Document ;
    dcterms:title "<script>alert('maillage')</script> Compte rendu"@fr ;
    dcterms:type <id/concept/document-type-minutes> ;
    {PUBLISHED} .
}}

<graph/document/note-juridique> {{
  <id/document/note-juridique> a mlg:Document ;
    dcterms:title "Note juridique sur l'intérêt communautaire"@fr ;
    dcterms:type <id/concept/document-type-legal-note> ;
    mlg:visibility <id/concept/visibility-restricted> ;
    mlg:readableBy "juristes" ;
    mlg:workflowState <id/concept/workflow-state-published> ;
    mlg:aboutAction <id/action/fa-01> .
}}

<graph/document/brouillon> {{
  <id/document/brouillon> a mlg:Document ;
    dcterms:title "Brouillon du rapport final"@fr ;
    dcterms:type <id/concept/document-type-report> ;
    mlg:visibility <id/concept/visibility-public> ;
    mlg:workflowState <id/concept/workflow-state-draft> .
}}

<graph/action/fa-01> {{
  <id/action/fa-01> a mlg:Action ;
    dcterms:title "Créer un observatoire social intercommunal"@fr ;
    mlg:number 1 ;
    mlg:objective "Partager les chiffres du territoire"@fr ;
    mlg:targetPublic "Élus et partenaires"@fr ;
    mlg:actionStatus <id/concept/action-status-planned> ;
    mlg:territory <id/epci/200071413> ;
    mlg:involvement <id/action/fa-01#involvement-1> ;
    mlg:reliesOnCompetence <id/competence/C4505> ;
    mlg:evaluationIndicator <id/indicator/foyers-rsa> ;
    {PUBLISHED} .
  <id/action/fa-01#involvement-1> a mlg:Involvement ;
    mlg:agent <id/actor/caf-ardeche> ;
    mlg:role <id/concept/role-lead> .
}}

<graph/actor/caf-ardeche> {{
  <id/actor/caf-ardeche> a org:FormalOrganization, mlg:CAF ;
    skos:prefLabel "Caisse d'allocations familiales de l'Ardèche"@fr ;
    {PUBLISHED} .
}}

<graph/actor/ccas-privas> {{
  <id/actor/ccas-privas> a org:FormalOrganization, mlg:CCAS ;
    skos:prefLabel "CCAS de Privas"@fr ;
    {PUBLISHED} .
}}

<graph/competence/C4505> {{
  <id/competence/C4505> a mlg:Competence ;
    skos:prefLabel "Action sociale d'intérêt communautaire"@fr ;
    skos:notation "C4505" ;
    skos:inScheme <id/scheme/banatic> ;
    {PUBLISHED} .
}}

<graph/transfer/action-sociale-2014> {{
  <id/transfer/action-sociale-2014> a mlg:CompetenceTransfer ;
    mlg:competence <id/competence/C4505> ;
    mlg:fromCommune <id/commune/07186> ;
    mlg:toBody <id/epci/200071413> ;
    mlg:effectiveDate "2014-01-01"^^xsd:date ;
    mlg:legalBasis <id/act/deliberation-2014-12> ;
    {PUBLISHED} .
}}

<graph/act/deliberation-2014-12> {{
  <id/act/deliberation-2014-12> a mlg:LegalAct, mlg:Deliberation ;
    dcterms:title "Délibération définissant l'intérêt communautaire"@fr ;
    eli:date_document "2014-12-11"^^xsd:date ;
    eli:passed_by <id/epci/200071413> ;
    {PUBLISHED} .
}}

<graph/act/cgct-l5216-5-2016-01-01> {{
  <id/act/cgct-l5216-5-2016-01-01> a mlg:LegalAct, mlg:LawArticle ;
    dcterms:title "CGCT, article L5216-5"@fr ;
    mlg:legalCode "CGCT" ;
    mlg:articleNumber "L5216-5" ;
    eli:first_date_entry_in_force "2016-01-01"^^xsd:date ;
    {PUBLISHED} .
}}

<graph/indicator/foyers-rsa> {{
  <id/indicator/foyers-rsa> a mlg:Indicator, qb:MeasureProperty ;
    rdfs:label "Foyers allocataires du RSA"@fr ;
    mlg:unit "foyers"@fr ;
    mlg:indicatorKind <id/concept/indicator-kind-count> ;
    {PUBLISHED} .
}}

<graph/event/seminaire-2015> {{
  <id/event/seminaire-2015> a mlg:Event ;
    dcterms:title "Séminaire des élus"@fr ;
    dcterms:date "2015-03-20"^^xsd:date ;
    mlg:eventKind <id/concept/event-kind-seminar> ;
    {PUBLISHED} .
}}

<graph/dataset/communes-07> {{
  <id/commune/07186> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Privas"@fr ; igeo:codeINSEE "07186" ;
    igeo:subdivisionDirecteDe <id/arrondissement/073> .
  <id/commune/07010> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Alissas"@fr ; igeo:codeINSEE "07010" .
  <id/commune/07019> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Aubenas"@fr ; igeo:codeINSEE "07019" .
  <id/commune/07066> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Chomérac"@fr ; igeo:codeINSEE "07066" .
  <id/commune/07070> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Coux"@fr ; igeo:codeINSEE "07070" .
  <id/commune/07324> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Saint-Priest"@fr ; igeo:codeINSEE "07324" .
  <id/commune/07331> a igeo:Commune, mlg:Commune ;
    skos:prefLabel "Saint-Sauveur-de-Montagut"@fr ; igeo:codeINSEE "07331" .
  <id/commune-deleguee/07165> a igeo:CommuneDeleguee, mlg:CommuneDeleguee ;
    skos:prefLabel "Lyas"@fr ; igeo:codeINSEE "07165" .
  <id/commune-associee/07262> a igeo:CommuneAssociee, mlg:CommuneAssociee ;
    skos:prefLabel "Saint-Cierge-la-Serre"@fr ; igeo:codeINSEE "07262" .
  <id/epci/200071413> a igeo:Intercommunalite, mlg:EPCI ;
    skos:prefLabel "CA Privas Centre Ardèche"@fr ; mlg:siren "200071413" ;
    igeo:codeINSEE "200071413" ; mlg:epciType "CA" .
  <id/membership/200071413-07186> a org:Membership ;
    org:member <id/commune/07186> ; org:organization <id/epci/200071413> .
  <id/arrondissement/073> a igeo:Arrondissement ;
    skos:prefLabel "Privas"@fr ; igeo:codeINSEE "073" ;
    igeo:subdivisionDirecteDe <id/departement/07> .
  <id/departement/07> a igeo:Departement, mlg:Departement ;
    skos:prefLabel "Ardèche"@fr ; igeo:codeINSEE "07" ;
    igeo:subdivisionDirecteDe <id/region/84> .
  <id/region/84> a igeo:Region, mlg:Region ;
    skos:prefLabel "Auvergne-Rhône-Alpes"@fr ; igeo:codeINSEE "84" .
}}

<graph/dataset/minima-sociaux> {{
  <id/dataset/minima-sociaux> a mlg:Dataset, qb:DataSet ;
    dcterms:title "Minima sociaux par département"@fr .
  <id/territory/france> a mlg:StatisticalTerritory ; skos:prefLabel "France"@fr .
  <id/observation/minima-sociaux-07-foyers-rsa-2014> a qb:Observation ;
    qb:dataSet <id/dataset/minima-sociaux> ;
    sdmx-dimension:refArea <id/departement/07> ;
    sdmx-dimension:refPeriod "2014"^^xsd:gYear ;
    mlg:indicator <id/indicator/foyers-rsa> ;
    <id/indicator/foyers-rsa> 5212 .
}}
"""

# One readable key of each item type in SAMPLE_TRIG.
SAMPLE_KEYS: dict[str, str] = {
    "document": "diagnostic-social",
    "action": "fa-01",
    "actor": "caf-ardeche",
    "competence": "C4505",
    "transfer": "action-sociale-2014",
    "act": "deliberation-2014-12",
    "indicator": "foyers-rsa",
    "event": "seminaire-2015",
    "commune": "07186",
    "commune-deleguee": "07165",
    "commune-associee": "07262",
    "epci": "200071413",
    "departement": "07",
    "region": "84",
    "arrondissement": "073",
    "territory": "france",
    "membership": "200071413-07186",
    "dataset": "minima-sociaux",
    "observation": "minima-sociaux-07-foyers-rsa-2014",
    "scheme": "role",
    "concept": "role-lead",
}

COMMUNE_COUNT = 7


def load_sample(store: GraphStore, iris: Iris) -> GraphStore:
    """Load SAMPLE_TRIG into `store` with the base of `iris`; return the store."""
    store.oxigraph.load(
        SAMPLE_TRIG.encode(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    return store
