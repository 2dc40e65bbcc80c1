"""The index of precomputed figures: a SQLite file under the data folder.

Dashboards ask for an indicator's value for a territory and a year, a series, the
communes of an EPCI or the EPCI of a département. Asking the cubes in SPARQL means
scanning millions of observations at national size. So the figures are computed once,
when an import changes the data (`maillage.graph.observatory.refresh`), and stored
here by indicator, territory and year, where a question is a lookup of an index.

The file is a cache: deleting it only costs a rebuild from the store. IRIs are stored
once, in `term`, and rows refer to them by number to keep the file small.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from maillage.graph.observatory.build import FigureRow

logger = logging.getLogger(__name__)

INDEX_FILE = "observatory.sqlite3"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS term (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS dataset (
  slug TEXT PRIMARY KEY,
  graph TEXT NOT NULL,
  published_graph TEXT,
  title TEXT NOT NULL,
  publisher TEXT,
  source TEXT,
  vintage INTEGER,
  loaded TEXT,
  generated INTEGER NOT NULL,
  fingerprint TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  slugs TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS territory (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  code TEXT,
  label TEXT NOT NULL,
  departement INTEGER,
  region INTEGER
);
CREATE INDEX IF NOT EXISTS territory_by_departement ON territory (departement, kind);
CREATE TABLE IF NOT EXISTS perimeter (
  epci INTEGER NOT NULL,
  year INTEGER NOT NULL,
  communes TEXT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (epci, year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS figure (
  indicator INTEGER NOT NULL,
  territory INTEGER NOT NULL,
  year INTEGER NOT NULL,
  source INTEGER NOT NULL,
  value REAL,
  numerator REAL,
  denominator REAL,
  hidden_rule TEXT,
  hidden_reason TEXT,
  level TEXT NOT NULL,
  expected INTEGER,
  present INTEGER,
  missing TEXT,
  note TEXT,
  PRIMARY KEY (indicator, territory, year, source)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS figure_by_territory ON figure (territory, indicator);
CREATE INDEX IF NOT EXISTS figure_by_source ON figure (source);
"""


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset whose figures are in the index."""

    slug: str
    graph: str
    published_graph: str | None
    title: str
    publisher: str | None
    source: str | None
    vintage: int | None
    loaded: str | None
    generated: bool
    fingerprint: str


@dataclass(frozen=True)
class StoredFigure:
    """A row of the index, with its IRIs and its sources read back."""

    indicator: str
    territory: str
    year: int
    slugs: tuple[str, ...]
    value: float | None
    numerator: float | None
    denominator: float | None
    hidden_rule: str | None
    hidden_reason: str | None
    level: str
    expected: int | None
    present: int | None
    missing: tuple[str, ...]
    note: str


class ObservatoryIndex:
    """The SQLite file of precomputed figures; one connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.write_lock = threading.Lock()
        self._terms: dict[str, int] = {}
        self._iris: dict[int, str] = {}
        # executescript commits on its own, so the schema is made outside a transaction.
        self.connection().executescript(_SCHEMA)
        with self.transaction() as connection:
            self._check_version(connection)

    @classmethod
    def in_folder(cls, data_path: Path) -> ObservatoryIndex:
        """Open the index of the data folder `data_path`."""
        return cls(data_path / INDEX_FILE)

    # -- connections -------------------------------------------------------------

    def connection(self) -> sqlite3.Connection:
        """Return this thread's connection, opened on first use."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one write transaction, rolled back on error."""
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _check_version(self, connection: sqlite3.Connection) -> None:
        found = connection.execute(
            "SELECT value FROM meta WHERE key = 'schema'"
        ).fetchone()
        if found is None:
            connection.execute(
                "INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
        elif found[0] != SCHEMA_VERSION:
            raise RuntimeError(
                f"observatory index {self.path} has schema {found[0]}, expected "
                f"{SCHEMA_VERSION}: delete the file, it is rebuilt from the store"
            )

    # -- meta and terms ----------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = (
            self.connection()
            .execute("SELECT value FROM meta WHERE key = ?", (key,))
            .fetchone()
        )
        return row[0] if row else None

    def set_meta(self, connection: sqlite3.Connection, key: str, value: str) -> None:
        connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def term_id(self, connection: sqlite3.Connection, iri: str) -> int:
        """Return the number of `iri`, adding it on first use."""
        found = self._terms.get(iri)
        if found is not None:
            return found
        row = connection.execute("SELECT id FROM term WHERE iri = ?", (iri,)).fetchone()
        if row is None:
            cursor = connection.execute("INSERT INTO term (iri) VALUES (?)", (iri,))
            row = (cursor.lastrowid,)
        self._terms[iri] = row[0]
        self._iris[row[0]] = iri
        return row[0]

    def find_term(self, iri: str) -> int | None:
        """Return the number of `iri`, or None when the index does not know it."""
        found = self._terms.get(iri)
        if found is not None:
            return found
        row = (
            self.connection()
            .execute("SELECT id FROM term WHERE iri = ?", (iri,))
            .fetchone()
        )
        if row is not None:
            self._terms[iri] = row[0]
            self._iris[row[0]] = iri
            return row[0]
        return None

    def iri_of(self, term: int) -> str:
        found = self._iris.get(term)
        if found is None:
            row = (
                self.connection()
                .execute("SELECT iri FROM term WHERE id = ?", (term,))
                .fetchone()
            )
            found = row[0]
            self._iris[term] = found
        return found

    # -- writes ------------------------------------------------------------------

    def source_id(self, connection: sqlite3.Connection, slugs: Sequence[str]) -> int:
        """Return the number of the source made of the datasets `slugs`."""
        key = "+".join(slugs)
        row = connection.execute(
            "SELECT id FROM source WHERE key = ?", (key,)
        ).fetchone()
        if row is not None:
            return row[0]
        cursor = connection.execute(
            "INSERT INTO source (key, slugs) VALUES (?, ?)", (key, json.dumps(slugs))
        )
        return cursor.lastrowid

    def add_rows(
        self, connection: sqlite3.Connection, rows: Iterable[FigureRow]
    ) -> int:
        """Insert or replace figure rows; return how many were written."""
        sources: dict[str, int] = {}
        batch = []
        count = 0
        for row in rows:
            source = sources.get(row.source)
            if source is None:
                source = self.source_id(connection, row.source.split("+"))
                sources[row.source] = source
            batch.append(
                (
                    self.term_id(connection, row.indicator),
                    self.term_id(connection, row.territory),
                    row.year,
                    source,
                    row.value,
                    row.numerator,
                    row.denominator,
                    row.hidden_rule,
                    row.hidden_reason,
                    row.level,
                    row.expected,
                    row.present,
                    json.dumps(row.missing) if row.missing else None,
                    row.note or None,
                )
            )
            if len(batch) >= 50_000:
                count += self._insert(connection, batch)
                batch = []
        return count + self._insert(connection, batch)

    def _insert(self, connection: sqlite3.Connection, batch: list[tuple]) -> int:
        connection.executemany(
            "INSERT OR REPLACE INTO figure VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
        return len(batch)

    def delete_sources(
        self, connection: sqlite3.Connection, slugs: set[str], *, level: str | None
    ) -> None:
        """Delete the rows of every source that involves one of `slugs`."""
        ids = [
            source_id
            for source_id, stored in connection.execute("SELECT id, slugs FROM source")
            if slugs.intersection(json.loads(stored))
        ]
        for source_id in ids:
            if level is None:
                connection.execute("DELETE FROM figure WHERE source = ?", (source_id,))
            else:
                connection.execute(
                    "DELETE FROM figure WHERE source = ? AND level = ?",
                    (source_id, level),
                )

    def clear(self, connection: sqlite3.Connection) -> None:
        """Delete every figure, dataset, territory and perimeter.

        The numbers of IRIs stay, so that a thread reading during a rebuild never
        takes one IRI's number for another's.
        """
        for table in ("figure", "source", "dataset", "territory", "perimeter"):
            connection.execute(f"DELETE FROM {table}")

    # -- reads -------------------------------------------------------------------

    def datasets(self) -> dict[str, DatasetEntry]:
        rows = self.connection().execute(
            "SELECT slug, graph, published_graph, title, publisher, source, vintage, "
            "loaded, generated, fingerprint FROM dataset"
        )
        return {row[0]: DatasetEntry(*row[:8], bool(row[8]), row[9]) for row in rows}

    def figures(
        self,
        indicators: Sequence[str] | None,
        territories: Sequence[str],
        *,
        year: int | None = None,
    ) -> list[StoredFigure]:
        """Return the rows of `indicators` (None: all) for `territories`, any year."""
        territory_ids = [t for t in map(self.find_term, territories) if t is not None]
        if not territory_ids:
            return []
        clauses = [f"f.territory IN ({','.join('?' * len(territory_ids))})"]
        parameters: list[object] = list(territory_ids)
        if indicators is not None:
            ids = [i for i in map(self.find_term, indicators) if i is not None]
            if not ids:
                return []
            clauses.append(f"f.indicator IN ({','.join('?' * len(ids))})")
            parameters.extend(ids)
        if year is not None:
            clauses.append("f.year = ?")
            parameters.append(year)
        query = (
            "SELECT f.indicator, f.territory, f.year, s.slugs, f.value, f.numerator, "
            "f.denominator, f.hidden_rule, f.hidden_reason, f.level, f.expected, "
            "f.present, f.missing, f.note FROM figure f "
            "JOIN source s ON s.id = f.source "
            "WHERE " + " AND ".join(clauses)
        )
        return [
            self._figure(row) for row in self.connection().execute(query, parameters)
        ]

    def _figure(self, row: tuple) -> StoredFigure:
        return StoredFigure(
            indicator=self.iri_of(row[0]),
            territory=self.iri_of(row[1]),
            year=row[2],
            slugs=tuple(json.loads(row[3])),
            value=row[4],
            numerator=row[5],
            denominator=row[6],
            hidden_rule=row[7],
            hidden_reason=row[8],
            level=row[9],
            expected=row[10],
            present=row[11],
            missing=tuple(json.loads(row[12])) if row[12] else (),
            note=row[13] or "",
        )

    def territory(
        self, iri: str
    ) -> tuple[str, str | None, str, str | None, str | None]:
        """Return (kind, code, label, département IRI, région IRI) of a territory."""
        term = self.find_term(iri)
        row = None
        if term is not None:
            row = (
                self.connection()
                .execute(
                    "SELECT kind, code, label, departement, region FROM territory "
                    "WHERE id = ?",
                    (term,),
                )
                .fetchone()
            )
        if row is None:
            raise KeyError(iri)
        departement = self.iri_of(row[3]) if row[3] is not None else None
        region = self.iri_of(row[4]) if row[4] is not None else None
        return row[0], row[1], row[2], departement, region

    def territories_in(self, departement: str, kind: str) -> list[str]:
        """Return the territories of `kind` whose département is `departement`."""
        term = self.find_term(departement)
        if term is None:
            return []
        rows = self.connection().execute(
            "SELECT id FROM territory WHERE departement = ? AND kind = ? "
            "ORDER BY label",
            (term, kind),
        )
        return [self.iri_of(row[0]) for row in rows]

    def perimeter(self, epci: str, year: int) -> tuple[list[str], str] | None:
        """Return the communes of `epci` for `year` and the note on the perimeter."""
        term = self.find_term(epci)
        if term is None:
            return None
        row = (
            self.connection()
            .execute(
                "SELECT communes, note FROM perimeter WHERE epci = ? AND year = ?",
                (term, year),
            )
            .fetchone()
        )
        if row is None:
            return None
        return [self.iri_of(c) for c in json.loads(row[0])], row[1]

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """Return the label of each territory of `iris` that the index contains."""
        found = {}
        for iri in iris:
            term = self.find_term(iri)
            if term is None:
                continue
            row = (
                self.connection()
                .execute("SELECT label FROM territory WHERE id = ?", (term,))
                .fetchone()
            )
            if row is not None:
                found[iri] = row[0]
        return found
