"""Benchmark the French search: index generated documents, then time the search API.

The script writes 10,000 generated documents into a new store and data folder. Each is
an item graph with its metadata and one attached text file of a few pages of plausible
French about social policy, made from a word list by a seeded `random.Random`. One
document in twenty is restricted to a group and one in fifty is a draft, so that an
anonymous reader may not read them all. The script then builds the search index the way
the server does at start-up (`SearchService.open`), and times `GET /api/search` through
FastAPI's `TestClient` as an anonymous reader.

Command: `.venv/bin/python bench/search.py` (`--documents`, `--requests`, `--seed`).
It prints the indexing rate and the median and 95th percentile of the latency.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from maillage.graph.attachments import FileTexts
from maillage.graph.files import FileStore
from maillage.graph.indexing import SearchService
from maillage.graph.iris import Iris
from maillage.graph.namespaces import DCTERMS, MLG, RDF, XSD
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.server.app import create_app

BASE = "http://127.0.0.1:8000"
PAGE_CHARS = 2_500
PAGES = (2, 5)
RESTRICTED_SHARE = 0.05
DRAFT_SHARE = 0.02
WARM_UP_REQUESTS = 20

SUBJECTS = [
    "La communauté d'agglomération",
    "Le centre intercommunal d'action sociale",
    "Le conseil départemental",
    "La caisse d'allocations familiales",
    "Le CCAS de la commune",
    "L'équipe du projet social",
    "Le comité de pilotage",
    "Chaque commune membre",
    "Le service de l'État",
    "L'association d'aide à domicile",
]
VERBS = [
    "coordonne",
    "finance",
    "met en œuvre",
    "évalue",
    "accompagne",
    "développe",
    "renforce",
    "organise",
    "soutient",
    "étudie",
]
OBJECTS = [
    "l'accès aux droits des habitants",
    "les politiques sociales du territoire",
    "l'accueil du jeune enfant",
    "la mobilité solidaire en milieu rural",
    "l'insertion professionnelle des jeunes",
    "le maintien à domicile des personnes âgées",
    "la lutte contre l'isolement",
    "l'observatoire social intercommunal",
    "l'intérêt communautaire en matière d'action sociale",
    "le logement des personnes défavorisées",
    "la prévention et l'accès aux soins",
    "les aides facultatives des communes",
]
COMPLEMENTS = [
    "avec les partenaires du territoire",
    "dans le cadre du projet social",
    "selon le diagnostic partagé",
    "pour les familles monoparentales",
    "sur l'ensemble des communes",
    "en lien avec la délibération du conseil",
    "depuis le transfert de la compétence",
    "auprès des bénéficiaires du RSA",
    "grâce à une convention pluriannuelle",
    "à partir des indicateurs de suivi",
]
QUERIES = [
    "politiques sociales",
    "Politique Sociale",
    "accès aux droits",
    "oeuvre",
    "l'agglomération",
    "mobilité solidaire",
    "personnes âgées",
    "insertion jeunes",
    "observatoire",
    "intérêt communautaire",
    "logement défavorisées",
    "convention pluriannuelle",
    "familles monoparentales",
    "transfert compétence",
    "RSA",
    "petite enfance",
    "isolement OR solitude",
    '"diagnostic partagé"',
    "centre intercommunal",
    "prévention soins",
]
DOCUMENT_TYPES = ("diagnostic", "compte-rendu", "note-juridique", "fiche-action")
PHASES = ("diagnostic", "enjeux-priorites", "plan-actions", "observatoire")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as folder:
        settings = Settings(
            store_path=Path(folder) / "store",
            data_path=Path(folder) / "data",
            base_iri=BASE,
        )
        rng = random.Random(arguments.seed)
        characters = write_documents(settings, arguments.documents, rng)
        print(
            f"{arguments.documents} documents, {characters / 1e6:.1f} million "
            "characters of text"
        )
        index_documents(settings, arguments.documents, characters)
        time_requests(settings, arguments.requests, rng)
    return 0


def write_documents(settings: Settings, count: int, rng: random.Random) -> int:
    """Write the item graphs and the texts of the files; return the characters."""
    iris = Iris(settings.base_iri)
    texts = FileTexts.from_settings(settings, FileStore.from_settings(settings))
    lines = []
    characters = 0
    for number in range(count):
        text = pages_of_text(rng)
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        texts.save(sha256, text)
        characters += len(text)
        lines += document_quads(iris, number, sha256, len(text), rng)
    nquads = Path(settings.data_path) / "documents.nq"
    nquads.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = GraphStore(settings.store_path)
    try:
        store.bulk_load(nquads, RdfFormat.N_QUADS, base_iri=iris.document_base)
    finally:
        store.close()
    return characters


def pages_of_text(rng: random.Random) -> str:
    pages = []
    for _ in range(rng.randint(*PAGES)):
        sentences = []
        length = 0
        while length < PAGE_CHARS:
            sentence = sentence_of(rng)
            sentences.append(sentence)
            length += len(sentence) + 1
        pages.append(" ".join(sentences))
    return "\f".join(pages)


def sentence_of(rng: random.Random) -> str:
    return (
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} "
        f"{rng.choice(COMPLEMENTS)}."
    )


def document_quads(
    iris: Iris, number: int, sha256: str, size: int, rng: random.Random
) -> list[str]:
    key = f"document-{number:05d}"
    item = iris.item("document", key)
    graph = iris.item_graph("document", key)
    node = f"<{item.value}#file-1>"
    issued = date(2014, 1, 1) + timedelta(days=rng.randrange(3650))
    title = f"{rng.choice(VERBS).capitalize()} {rng.choice(OBJECTS)}"
    visibility = "restricted" if rng.random() < RESTRICTED_SHARE else "public"
    state = "draft" if rng.random() < DRAFT_SHARE else "published"
    values = [
        (f"<{item.value}>", RDF.type, f"{MLG.Document}"),
        (f"<{item.value}>", DCTERMS["title"], f'"{title} ({number})"@fr'),
        (f"<{item.value}>", DCTERMS.description, f'"{sentence_of(rng)}"@fr'),
        (f"<{item.value}>", DCTERMS.type, concept(iris, "document-type", rng)),
        (f"<{item.value}>", MLG.phase, concept(iris, "phase", rng)),
        (f"<{item.value}>", DCTERMS.issued, f'"{issued}"^^{XSD.date}'),
        (f"<{item.value}>", MLG.visibility, iris.concept("visibility", visibility)),
        (f"<{item.value}>", MLG.workflowState, iris.concept("workflow-state", state)),
        (f"<{item.value}>", MLG.file, node),
        (node, RDF.type, f"{MLG.File}"),
        (node, MLG.fileName, f'"pages-{number}.txt"'),
        (node, MLG.sha256, f'"{sha256}"'),
        (node, MLG.mediaType, '"text/plain"'),
        (node, MLG.byteSize, f'"{size}"^^{XSD.integer}'),
    ]
    if visibility == "restricted":
        values.append((f"<{item.value}>", MLG.readableBy, '"direction"'))
    return [f"{s} {p} {o} {graph} ." for s, p, o in values]


def concept(iris: Iris, scheme: str, rng: random.Random):
    slugs = DOCUMENT_TYPES if scheme == "document-type" else PHASES
    return iris.concept(scheme, rng.choice(slugs))


def index_documents(settings: Settings, count: int, characters: int) -> None:
    """Build the index as the server's start-up does, and print the rate."""
    store = GraphStore(settings.store_path)
    try:
        started = time.perf_counter()
        service = SearchService.open(store, Iris(settings.base_iri), settings)
        elapsed = time.perf_counter() - started
        indexed = service.index.count()
        service.close()
    finally:
        store.close()
    print(
        f"indexed {indexed} documents in {elapsed:.1f} s: "
        f"{count / elapsed:.0f} documents/s, {characters / elapsed / 1e6:.2f} "
        "million characters/s"
    )


def time_requests(settings: Settings, requests: int, rng: random.Random) -> None:
    """Time the search API through the app, as an anonymous reader."""
    store = GraphStore(settings.store_path)
    try:
        with TestClient(create_app(settings, store=store)) as client:
            for _ in range(WARM_UP_REQUESTS):
                client.get("/api/search", params=parameters_of(rng))
            durations = []
            for _ in range(requests):
                parameters = parameters_of(rng)
                started = time.perf_counter()
                response = client.get("/api/search", params=parameters)
                durations.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"search failed: {response.text[:300]}")
    finally:
        store.close()
    durations.sort()
    p95 = durations[int(0.95 * len(durations)) - 1]
    print(
        f"{requests} requests: median {statistics.median(durations):.1f} ms, "
        f"95th percentile {p95:.1f} ms, maximum {durations[-1]:.1f} ms"
    )


def parameters_of(rng: random.Random) -> dict[str, object]:
    """Return a search: words, and for one request in three a filter or an order."""
    parameters: dict[str, object] = {"q": rng.choice(QUERIES)}
    choice = rng.randrange(6)
    if choice == 0:
        parameters["phase"] = rng.choice(PHASES)
    elif choice == 1:
        parameters["sort"] = "date"
    return parameters


if __name__ == "__main__":
    sys.exit(main())
