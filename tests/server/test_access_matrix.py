"""Each role against each way out of the repository, over items of every visibility.

For documents and action sheets alike, the store contains one witness item per case:
public, partners, restricted to the group `direction-capca`, draft, archived, and
purged. A purged witness is loaded, read once through every way out by an
administrator, then purged by the administrator through the REST API: it must appear
nowhere afterwards, whatever a cache kept.

Each witness document has one attached file whose text names the witness, and two
revisions: the import, then an administrator's empty merge patch. So the search
(hits, snippets, facet counts), the file download and the history (revision list,
one revision, diff, revert) have something to reveal. The witness actions are too
thin for the action model, which a patch checks, so they have no revisions.

A way out is a row of COLLECTION_WAYS (one request that may list many items) or of
ITEM_WAYS (one request per item). Each test runs one row for one role and compares
the witnesses it reveals with SEES. A new way out is one more row.

`maillage dump-all` is not a row: it is a command run with the server stopped, which
reads the store and the data folder directly and writes everything, for whoever may
read those folders.

The module shares one store and one app: every test only reads, and the SPARQL
worker processes start once instead of once per test.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat
from rdflib import Graph, URIRef
from rdflib.namespace import VOID

from maillage.graph.access import Role
from maillage.graph.files import FileStore
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import USERS_FILE, UserDirectory
from maillage.server.app import create_app
from tests.conftest import BASE_IRI

KINDS = ("document", "action")
CASES = ("public", "partners", "restricted", "draft", "archived", "purged")
GROUP = "direction-capca"
# The revision that the administrator's patch of each witness records.
PATCHED_REVISION = 2

# The cases each role may see. No role sees a purged item.
SEES: dict[str, frozenset[str]] = {
    "anonymous": frozenset({"public"}),
    "reader": frozenset({"public", "partners"}),
    "reader-in-group": frozenset({"public", "partners", "restricted"}),
    "editor": frozenset({"public", "partners", "draft", "archived"}),
    "administrator": frozenset(
        {"public", "partners", "restricted", "draft", "archived"}
    ),
}

WRITERS = frozenset({"editor", "administrator"})

# The account behind each role; anonymous sends no token.
ACCOUNTS: dict[str, tuple[str, Role, tuple[str, ...]]] = {
    "reader": ("lecteur-caf", Role.READER, ()),
    "reader-in-group": ("directrice", Role.READER, (GROUP,)),
    "editor": ("chef-de-projet", Role.EDITOR, ()),
    "administrator": ("admin", Role.ADMINISTRATOR, ()),
}

_CASE_TRIPLES = {
    "public": ("public", "published", ""),
    "partners": ("partners", "published", ""),
    "restricted": ("restricted", "published", f'mlg:readableBy "{GROUP}" ;'),
    "draft": ("public", "draft", ""),
    "archived": ("public", "archived", ""),
    "purged": ("public", "published", ""),
}

PREFIXES = """
@prefix mlg: <https://w3id.org/maillage/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""

# A public actor that every witness action involves, so that the network has edges.
BACKGROUND = """
<graph/actor/caf-ardeche> {
  <id/actor/caf-ardeche> a org:FormalOrganization, mlg:CAF ;
    skos:prefLabel "Caisse d'allocations familiales de l'Ardèche"@fr .
}
"""


@dataclass(frozen=True)
class Witness:
    """One item of one kind and one case, with the text that betrays it."""

    kind: str
    case: str

    @property
    def key(self) -> str:
        return f"temoin-{self.case}"

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.case}"

    @property
    def marker(self) -> str:
        return f"TEMOIN-{self.kind}-{self.case}".upper()

    @property
    def iri(self) -> str:
        return f"{BASE_IRI}/id/{self.kind}/{self.key}"

    @property
    def graph(self) -> str:
        return f"{BASE_IRI}/graph/{self.kind}/{self.key}"

    @property
    def file_text(self) -> bytes:
        return f"Pièce jointe du témoin {self.marker}.".encode()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.file_text).hexdigest()

    def found_in(self, text: str) -> bool:
        """Return True when `text` names the item, its graph or its title."""
        return any(
            needle in text
            for needle in (
                self.marker,
                f"/id/{self.kind}/{self.key}",
                f"/graph/{self.kind}/{self.key}",
            )
        )

    def trig(self) -> str:
        visibility, state, extra = _CASE_TRIPLES[self.case]
        title = f'"Témoin {self.marker}"@fr'
        if self.kind == "action":
            body = (
                f"a mlg:Action ; dcterms:title {title} ; mlg:number 1 ;\n"
                f"    mlg:involvement <id/action/{self.key}#involvement-1> ;"
            )
            fragment = (
                f"<id/action/{self.key}#involvement-1> a mlg:Involvement ;\n"
                "    mlg:agent <id/actor/caf-ardeche> ; "
                "mlg:role <id/concept/role-lead> ."
            )
        else:
            body = (
                f"a mlg:Document ; dcterms:title {title} ;\n"
                "    dcterms:type <id/concept/document-type-diagnostic> ;\n"
                f"    mlg:file <id/document/{self.key}#file-1> ;"
            )
            fragment = (
                f"<id/document/{self.key}#file-1> a mlg:File ;\n"
                f'    mlg:fileName "temoin.txt" ; mlg:sha256 "{self.sha256}" ;\n'
                f'    mlg:mediaType "text/plain" ; mlg:byteSize {len(self.file_text)} .'
            )
        return f"""
<graph/{self.kind}/{self.key}> {{
  <id/{self.kind}/{self.key}> {body}
    mlg:visibility <id/concept/visibility-{visibility}> ;
    {extra}
    mlg:workflowState <id/concept/workflow-state-{state}> .
  {fragment}
}}
"""


WITNESSES = tuple(Witness(kind, case) for kind in KINDS for case in CASES)


@dataclass
class Matrix:
    """The app under test and the Authorization header of each role."""

    client: TestClient
    store: GraphStore
    headers: dict[str, dict[str, str]]


# Ways out that list many items: each returns the text of its response.


def _sparql(client: TestClient, headers: dict, query: str, **params) -> str:
    response = client.get(
        "/sparql",
        params={"query": query, **params},
        headers={**headers, "Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return response.text


def read_rest_lists(client: TestClient, headers: dict) -> str:
    bodies = []
    for kind in KINDS:
        response = client.get(f"/api/{kind}", params={"limit": 500}, headers=headers)
        assert response.status_code == 200, response.text
        bodies.append(response.text)
    return "\n".join(bodies)


def read_sparql_titles(client: TestClient, headers: dict) -> str:
    query = "SELECT ?s ?title WHERE { ?s <http://purl.org/dc/terms/title> ?title }"
    return _sparql(client, headers, query)


def read_sparql_titles_by_post(client: TestClient, headers: dict) -> str:
    query = "SELECT ?s ?title WHERE { ?s <http://purl.org/dc/terms/title> ?title }"
    response = client.post(
        "/sparql",
        content=query,
        headers={
            **headers,
            "Content-Type": "application/sparql-query",
            "Accept": "text/csv",
        },
    )
    assert response.status_code == 200, response.text
    return response.text


def read_sparql_graphs(client: TestClient, headers: dict) -> str:
    return _sparql(
        client, headers, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    )


def read_sparql_empty_graph_pattern(client: TestClient, headers: dict) -> str:
    return _sparql(client, headers, "SELECT ?g WHERE { GRAPH ?g { } }")


def read_sparql_from_named(client: TestClient, headers: dict) -> str:
    clauses = " ".join(f"FROM NAMED <{w.graph}>" for w in WITNESSES)
    query = f"SELECT ?g ?s {clauses} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    return _sparql(client, headers, query)


def read_sparql_from(client: TestClient, headers: dict) -> str:
    clauses = " ".join(f"FROM <{w.graph}>" for w in WITNESSES)
    query = f"SELECT DISTINCT ?s {clauses} WHERE {{ ?s ?p ?o }}"
    return _sparql(client, headers, query)


def read_sparql_dataset_parameters(client: TestClient, headers: dict) -> str:
    query = "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = [w.graph for w in WITNESSES]
    return _sparql(client, headers, query, **{"named-graph-uri": graphs})


def read_sparql_construct(client: TestClient, headers: dict) -> str:
    response = client.get(
        "/sparql",
        params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
        headers={**headers, "Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    return response.text


def read_service_description(client: TestClient, headers: dict) -> str:
    response = client.get("/sparql", headers={**headers, "Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    return response.text


def read_void(client: TestClient, headers: dict) -> str:
    response = client.get("/void", headers={**headers, "Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    return response.text


def read_graph_store_default(client: TestClient, headers: dict) -> str:
    response = client.get(
        "/graphs", params={"default": ""}, headers={**headers, "Accept": "text/turtle"}
    )
    assert response.status_code == 200, response.text
    return response.text


def read_network_data(client: TestClient, headers: dict) -> str:
    response = client.get("/network.json", headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def read_network_page(client: TestClient, headers: dict) -> str:
    response = client.get("/network", headers=headers)
    assert response.status_code == 200, response.text
    return response.text


def read_legal_report(client: TestClient, headers: dict) -> str:
    bodies = []
    for path in ("/api/legal/report", "/api/legal/report.csv", "/juridique"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        bodies.append(response.text)
    return "\n".join(bodies)


def read_search(client: TestClient, headers: dict) -> str:
    bodies = []
    for query in ("", "témoin", "pièce jointe"):
        response = client.get(
            "/api/search", params={"q": query, "limit": 100}, headers=headers
        )
        assert response.status_code == 200, response.text
        bodies.append(response.text)
    return "\n".join(bodies)


def read_network_graphml(client: TestClient, headers: dict) -> str:
    return _read_text(client, headers, "/network.graphml")


def read_network_gexf(client: TestClient, headers: dict) -> str:
    return _read_text(client, headers, "/network.gexf")


def _read_text(client: TestClient, headers: dict, path: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.text


@dataclass(frozen=True)
class CollectionWay:
    name: str
    read: Callable[[TestClient, dict], str]
    kinds: tuple[str, ...] = KINDS


COLLECTION_WAYS = (
    CollectionWay("rest-lists", read_rest_lists),
    CollectionWay("sparql-select-default-graph", read_sparql_titles),
    CollectionWay("sparql-select-by-post", read_sparql_titles_by_post),
    CollectionWay("sparql-graph-enumeration", read_sparql_graphs),
    CollectionWay("sparql-empty-graph-pattern", read_sparql_empty_graph_pattern),
    CollectionWay("sparql-from-named", read_sparql_from_named),
    CollectionWay("sparql-from", read_sparql_from),
    CollectionWay("sparql-named-graph-uri", read_sparql_dataset_parameters),
    CollectionWay("sparql-construct", read_sparql_construct),
    CollectionWay("service-description", read_service_description),
    CollectionWay("void", read_void),
    CollectionWay("graph-store-default-graph", read_graph_store_default),
    CollectionWay("network-data", read_network_data, kinds=("action",)),
    CollectionWay("network-page", read_network_page, kinds=("action",)),
    CollectionWay("legal-report", read_legal_report, kinds=("action",)),
    CollectionWay("search-api", read_search),
    CollectionWay("network-graphml", read_network_graphml, kinds=("action",)),
    CollectionWay("network-gexf", read_network_gexf, kinds=("action",)),
)


# Ways out that read one item: each returns the response for one witness. A witness
# is hidden when the response is the one given for an item that never existed.


def read_rest_item(client: TestClient, headers: dict, witness: Witness):
    return client.get(f"/api/{witness.kind}/{witness.key}", headers=headers)


def read_rest_item_turtle(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/api/{witness.kind}/{witness.key}",
        headers={**headers, "Accept": "text/turtle"},
    )


def read_iri_page(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/id/{witness.kind}/{witness.key}", headers={**headers, "Accept": "text/html"}
    )


def read_iri_turtle(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/id/{witness.kind}/{witness.key}", params={"format": "ttl"}, headers=headers
    )


def read_graph_store_graph(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/graphs?graph={quote(witness.graph, safe='')}",
        headers={**headers, "Accept": "text/turtle"},
    )


def _ask(client: TestClient, headers: dict, query: str):
    return client.get(
        "/sparql",
        params={"query": query},
        headers={**headers, "Accept": "application/sparql-results+json"},
    )


def ask_item(client: TestClient, headers: dict, witness: Witness):
    return _ask(client, headers, f"ASK {{ <{witness.iri}> ?p ?o }}")


def ask_item_graph(client: TestClient, headers: dict, witness: Witness):
    return _ask(client, headers, f"ASK {{ GRAPH <{witness.graph}> {{ ?s ?p ?o }} }}")


def describe_item(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        "/sparql",
        params={"query": f"DESCRIBE <{witness.iri}>"},
        headers={**headers, "Accept": "application/n-triples"},
    )


def read_legal_basis(client: TestClient, headers: dict, witness: Witness):
    return client.get(f"/api/legal/actions/{witness.key}", headers=headers)


def read_history(client: TestClient, headers: dict, witness: Witness):
    return client.get(f"/api/{witness.kind}/{witness.key}/history", headers=headers)


def read_file(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/api/document/{witness.key}/files/{witness.sha256}", headers=headers
    )


def read_revision(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/api/{witness.kind}/{witness.key}/revisions/{PATCHED_REVISION}",
        headers=headers,
    )


def read_diff(client: TestClient, headers: dict, witness: Witness):
    return client.get(
        f"/api/{witness.kind}/{witness.key}/diff",
        params={"from": 1, "to": PATCHED_REVISION},
        headers=headers,
    )


def revert_stale(client: TestClient, headers: dict, witness: Witness):
    """Request a revert with a stale ETag, which no role's request can apply."""
    return client.post(
        f"/api/{witness.kind}/{witness.key}/revert",
        json={"revision": 1},
        headers={**headers, "If-Match": '"0-stale"'},
    )


def shows_marker(response, witness: Witness) -> bool:
    return response.status_code == 200 and witness.marker in response.text


def shows_iri(response, witness: Witness) -> bool:
    return response.status_code == 200 and witness.iri in response.text


def answers_true(response, witness: Witness) -> bool:
    return response.status_code == 200 and json.loads(response.text)["boolean"]


def shows_file(response, witness: Witness) -> bool:
    return response.status_code == 200 and response.content == witness.file_text


def shows_stale(response, witness: Witness) -> bool:
    """Return True for the 412 that only an item the user may write gets."""
    return response.status_code == 412 and witness.iri in response.text


@dataclass(frozen=True)
class ItemWay:
    name: str
    read: Callable[[TestClient, dict, Witness], object]
    shows: Callable[[object, Witness], bool] = shows_marker
    kinds: tuple[str, ...] = KINDS
    # A write route shows an item only to the roles that may write.
    writes: bool = False

    def outcome(self, client: TestClient, headers: dict, witness: Witness) -> str:
        """Return "shown", "hidden", or the unexpected response."""
        response = self.read(client, headers, witness)
        if self.shows(response, witness):
            return "shown"
        ghost = self.read(client, headers, Witness(witness.kind, "ghost"))
        same_status = response.status_code == ghost.status_code
        ghost_text = ghost.text.replace("temoin-ghost", witness.key)
        if same_status and response.text == ghost_text:
            return "hidden"
        return f"status {response.status_code}: {response.text[:300]}"


ITEM_WAYS = (
    ItemWay("rest-item-json", read_rest_item),
    ItemWay("rest-item-turtle", read_rest_item_turtle),
    ItemWay("iri-page-html", read_iri_page),
    ItemWay("iri-page-turtle", read_iri_turtle),
    ItemWay("graph-store-graph", read_graph_store_graph),
    ItemWay("sparql-ask-item", ask_item, answers_true),
    ItemWay("sparql-ask-graph", ask_item_graph, answers_true),
    ItemWay("sparql-describe", describe_item),
    ItemWay("legal-action-basis", read_legal_basis, kinds=("action",)),
    ItemWay("history", read_history, shows_iri),
    ItemWay("history-revision", read_revision, kinds=("document",)),
    ItemWay("history-diff", read_diff, shows_iri, kinds=("document",)),
    ItemWay(
        "history-revert", revert_stale, shows_stale, kinds=("document",), writes=True
    ),
    ItemWay("file-download", read_file, shows_file, kinds=("document",)),
)


# The shared store and app.


@pytest.fixture(scope="module")
def matrix(tmp_path_factory) -> Iterator[Matrix]:
    root = tmp_path_factory.mktemp("access-matrix")
    settings = Settings(
        store_path=root / "store", data_path=root / "data", base_iri=BASE_IRI
    )
    iris = Iris(BASE_IRI)
    store = GraphStore(settings.store_path)
    data = PREFIXES + BACKGROUND + "".join(witness.trig() for witness in WITNESSES)
    store.oxigraph.load(
        data.encode(), format=RdfFormat.TRIG, base_iri=iris.document_base
    )
    _store_files(FileStore.from_settings(settings))
    headers = _issue_tokens(UserDirectory(settings.data_path / USERS_FILE))
    try:
        with TestClient(create_app(settings, store=store)) as client:
            _patch_witnesses(client, headers["administrator"])
            _read_purged_before_purge(client, headers["administrator"])
            _purge(client, headers["administrator"])
            yield Matrix(client, store, headers)
    finally:
        store.close()


def _issue_tokens(directory: UserDirectory) -> dict[str, dict[str, str]]:
    directory.create_group(GROUP, "Direction de la CAPCA")
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role, (name, account_role, groups) in ACCOUNTS.items():
        directory.create_user(name, account_role, groups)
        secret = directory.create_token(name, label="access matrix").secret
        headers[role] = {"Authorization": f"Bearer {secret}"}
    return headers


def _store_files(files: FileStore) -> None:
    for witness in WITNESSES:
        if witness.kind == "document":
            stored = files.store_stream(
                [witness.file_text], client_name="temoin.txt", max_bytes=1_000_000
            )
            assert stored.sha256 == witness.sha256


def _patch_witnesses(client: TestClient, headers: dict) -> None:
    """Give each witness document a second revision, through an empty merge patch."""
    for witness in WITNESSES:
        if witness.kind != "document":
            continue
        path = f"/api/{witness.kind}/{witness.key}"
        etag = client.get(path, headers=headers).headers["etag"]
        response = client.patch(
            path,
            content="{}",
            headers={
                **headers,
                "If-Match": etag,
                "Content-Type": "application/merge-patch+json",
            },
        )
        assert response.status_code == 200, response.text


def _read_purged_before_purge(client: TestClient, headers: dict) -> None:
    """Check that every way out shows the purged witnesses while they exist.

    This fills whatever the ways out cache, and proves that their absence later is
    the purge's doing.
    """
    purged = [witness for witness in WITNESSES if witness.case == "purged"]
    for way in COLLECTION_WAYS:
        text = way.read(client, headers)
        for witness in purged:
            if witness.kind in way.kinds:
                assert witness.found_in(text), f"{way.name}: {text[:2000]}"
    for item_way in ITEM_WAYS:
        for witness in purged:
            if witness.kind not in item_way.kinds:
                continue
            outcome = item_way.outcome(client, headers, witness)
            assert outcome == "shown", f"{item_way.name}: {outcome}"


def _purge(client: TestClient, headers: dict) -> None:
    for witness in WITNESSES:
        if witness.case == "purged":
            response = client.delete(
                f"/api/{witness.kind}/{witness.key}",
                params={"purge": "true"},
                headers=headers,
            )
            assert response.status_code == 204, response.text


def _expected(role: str, kinds: tuple[str, ...]) -> dict[str, bool]:
    return {
        witness.label: witness.case in SEES[role]
        for witness in WITNESSES
        if witness.kind in kinds
    }


@pytest.mark.parametrize("role", list(SEES))
@pytest.mark.parametrize("way", COLLECTION_WAYS, ids=lambda way: way.name)
def test_collection_way_reveals_only_readable(matrix, way, role):
    text = way.read(matrix.client, matrix.headers[role])
    revealed = {
        witness.label: witness.found_in(text)
        for witness in WITNESSES
        if witness.kind in way.kinds
    }
    assert revealed == _expected(role, way.kinds), text[:3000]


@pytest.mark.parametrize("role", list(SEES))
@pytest.mark.parametrize("way", ITEM_WAYS, ids=lambda way: way.name)
def test_item_way_reveals_only_readable(matrix, way, role):
    outcomes = {
        witness.label: way.outcome(matrix.client, matrix.headers[role], witness)
        for witness in WITNESSES
        if witness.kind in way.kinds
    }
    may_write = role in WRITERS or not way.writes
    expected = {
        label: "shown" if visible and may_write else "hidden"
        for label, visible in _expected(role, way.kinds).items()
    }
    assert outcomes == expected


@pytest.mark.parametrize("role", list(SEES))
def test_type_counts_readable_only(matrix, role):
    response = matrix.client.get("/api", headers=matrix.headers[role])
    counts = {entry["type"]: entry["count"] for entry in response.json()["types"]}
    expected = {kind: len(SEES[role]) for kind in KINDS}
    assert {kind: counts[kind] for kind in KINDS} == expected, response.text


@pytest.mark.parametrize("role", list(SEES))
def test_search_facet_counts_readable_only(matrix, role):
    response = matrix.client.get(
        "/api/search",
        params={"q": "témoin", "type": "document", "limit": 0},
        headers=matrix.headers[role],
    )
    body = response.json()
    types = {value["value"]: value["count"] for value in body["facets"]["type"]}
    states = {value["value"]: value["count"] for value in body["facets"]["state"]}
    visible = [_state_label(case) for case in SEES[role]]
    expected_states = {label: visible.count(label) for label in set(visible)}
    assert body["total"] == len(SEES[role]), response.text
    assert {kind: types.get(kind, 0) for kind in KINDS} == {
        kind: len(SEES[role]) for kind in KINDS
    }, response.text
    assert {label: states.get(label, 0) for label in expected_states} == (
        expected_states
    ), response.text
    assert sum(states.values()) == len(SEES[role]), response.text


def _state_label(case: str) -> str:
    return f"{BASE_IRI}/id/concept/workflow-state-{_CASE_TRIPLES[case][1]}"


@pytest.mark.parametrize("role", list(SEES))
def test_void_triples_readable_only(matrix, role):
    response = matrix.client.get(
        "/void", headers={**matrix.headers[role], "Accept": "text/turtle"}
    )
    description = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef("http://testserver/void#dataset")
    counted = int(description.value(dataset, VOID.triples))
    assert counted == _readable_triples(matrix.store, role), response.text


def _readable_triples(store: GraphStore, role: str) -> int:
    """Return the number of triples in the background and the visible witnesses."""
    graphs = [NamedNode(f"{BASE_IRI}/graph/actor/caf-ardeche")]
    graphs += [
        NamedNode(witness.graph) for witness in WITNESSES if witness.case in SEES[role]
    ]
    return sum(len(store.graph_triples(graph)) for graph in graphs)
