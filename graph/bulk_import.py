"""Import a folder of documents described by a CSV file, one document per row.

The CSV layout is in `docs/writing.md`: a header row, then one row per file, with the
columns of `COLUMNS`. Lists, such as keywords, separate their values with `|`. Fields
are separated by commas or semicolons, whichever the header row uses. Each row goes
through `ContentWriter.create`, so it is checked like a write of the API; a row that
fails is reported with its reason and the import goes on with the next one.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from maillage.graph.access import User
from maillage.graph.errors import MaillageError, MalformedRequestError
from maillage.graph.iris import ITEM_TYPES, KEY_PATTERN, Iris
from maillage.graph.writes import ContentWriter

logger = logging.getLogger(__name__)

# The columns a metadata file may have; `file`, `title` and `type` are required.
COLUMNS: tuple[str, ...] = (
    "file",
    "title",
    "type",
    "key",
    "phase",
    "issued",
    "description",
    "keywords",
    "subjects",
    "creators",
    "about_actions",
    "about_actors",
    "about_competences",
    "visibility",
    "readable_by",
    "workflow_state",
    "language",
)
REQUIRED_COLUMNS = ("file", "title", "type")
LIST_SEPARATOR = "|"
_CHUNK_BYTES = 1024 * 1024

# Columns whose values are concepts of a scheme, given by slug or full IRI.
_CONCEPT_COLUMNS = {
    "type": ("document_type", "document-type"),
    "phase": ("phase", "phase"),
    "visibility": ("visibility", "visibility"),
    "workflow_state": ("workflow_state", "workflow-state"),
}
# Columns whose values link to items, given as IRIs, `type/key`, or a key of the
# default type.
_LINK_COLUMNS = {
    "creators": ("creators", "actor"),
    "about_actions": ("about_actions", "action"),
    "about_actors": ("about_actors", "actor"),
    "about_competences": ("about_competences", "competence"),
}
_TEXT_COLUMNS = ("title", "key", "issued", "description", "language")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class RowFailure:
    """A row that was not imported: its line in the CSV file, its file and why."""

    line: int
    file: str
    reason: str


@dataclass
class DocumentImportReport:
    """The outcome of an import: documents created, failed rows, unlisted files."""

    created: list[str] = field(default_factory=list)
    failures: list[RowFailure] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)


def import_documents(
    writer: ContentWriter,
    folder: Path,
    metadata: Path,
    user: User,
    *,
    visibility: str = "partners",
    workflow_state: str = "draft",
    max_file_bytes: int,
    progress: Progress | None = None,
) -> DocumentImportReport:
    """Create one document per row of `metadata`, with its file from `folder`.

    `visibility` and `workflow_state` apply to rows that leave those columns empty. A
    file is kept in the writer's file store when it has one, else only its name is
    recorded. Raise `MalformedRequestError` when the CSV header is not usable; any
    problem with a row is reported in the result instead.
    """
    rows = list(_read_rows(metadata))
    report = DocumentImportReport()
    listed: set[str] = set()
    defaults = {"visibility": visibility, "workflow_state": workflow_state}
    comment = f"imported from {metadata.name}"

    for index, (line, row) in enumerate(rows, start=1):
        name = row.get("file", "").strip()
        listed.add(name)
        if progress is not None:
            progress(index, len(rows), name)
        try:
            iri = _import_row(
                writer, folder, row, defaults, user, comment, max_file_bytes
            )
        except MaillageError as exc:
            report.failures.append(RowFailure(line, name, _reason(exc)))
            logger.info("row %d (%s) not imported: %s", line, name, exc.message)
            continue
        report.created.append(iri)

    report.unlisted = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and path.resolve() != metadata.resolve()
        and path.relative_to(folder).as_posix() not in listed
    )
    return report


def row_body(
    iris: Iris, row: dict[str, str], defaults: dict[str, str]
) -> dict[str, object]:
    """Return the JSON body of the document that a CSV row describes."""
    body: dict[str, object] = {}
    for column in _TEXT_COLUMNS:
        value = row.get(column, "").strip()
        if value:
            body[column] = value
    for column, (name, scheme) in _CONCEPT_COLUMNS.items():
        value = row.get(column, "").strip() or defaults.get(column, "")
        if value:
            body[name] = _concept(iris, scheme, value)
    for column, (name, default_type) in _LINK_COLUMNS.items():
        values = _split(row.get(column, ""))
        if values:
            body[name] = [_link(iris, default_type, value) for value in values]
    for column in ("keywords", "readable_by"):
        values = _split(row.get(column, ""))
        if values:
            body[column] = values
    subjects = _split(row.get("subjects", ""))
    if subjects:
        body["subjects"] = [_concept(iris, "theme", value) for value in subjects]
    return body


def _import_row(
    writer: ContentWriter,
    folder: Path,
    row: dict[str, str],
    defaults: dict[str, str],
    user: User,
    comment: str,
    max_file_bytes: int,
) -> str:
    name = row.get("file", "").strip()
    path = _file_in(folder, name)
    body = row_body(writer.iris, row, defaults)
    file = _store_file(writer, path, name, max_file_bytes)
    body["files"] = [file]
    try:
        state = writer.create("document", body, user, comment=comment)
    except MaillageError:
        if file.get("sha256") is not None:
            writer.discard_file(file["sha256"])
        raise
    return state.iri.value


def _file_in(folder: Path, name: str) -> Path:
    """Return the path of `name` in `folder`; reject names that lead outside of it."""
    if not name:
        raise MalformedRequestError("the file column is empty")
    root = folder.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise MalformedRequestError(f"file {name[:200]!r} is outside the folder {root}")
    if not path.is_file():
        raise MalformedRequestError(f"file {name[:200]!r} not found in {root}")
    return path


def _store_file(
    writer: ContentWriter, path: Path, name: str, max_file_bytes: int
) -> dict[str, object]:
    """Store the file if the writer keeps files; return the document's file node."""
    if writer.files is None:
        return {"file_name": Path(name).name}
    stored = writer.files.store_stream(
        _chunks(path), client_name=Path(name).name, max_bytes=max_file_bytes
    )
    return {
        "file_name": stored.client_name or Path(name).name,
        "sha256": stored.sha256,
        "media_type": stored.media_type,
        "byte_size": stored.size,
    }


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            yield chunk


def _read_rows(metadata: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield the line number and the fields of each row of the metadata file."""
    try:
        text = metadata.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedRequestError(
            f"{metadata.name} is not UTF-8 text: save it as CSV UTF-8"
        ) from exc
    lines = text.splitlines(keepends=True)
    header = lines[0] if lines else ""
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    _check_header(metadata, reader.fieldnames or [])
    for row in reader:
        if not any((value or "").strip() for value in row.values() if value):
            continue
        cleaned = {key: (value or "") for key, value in row.items() if key}
        yield reader.line_num, cleaned


def _check_header(metadata: Path, names: list[str]) -> None:
    columns = [name.strip() for name in names]
    unknown = [name for name in columns if name not in COLUMNS]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"missing columns {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown columns {', '.join(unknown)}")
        raise MalformedRequestError(
            f"{metadata.name}: {'; '.join(problems)}; accepted columns: "
            + ", ".join(COLUMNS)
        )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _concept(iris: Iris, scheme: str, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    return iris.concept(scheme, value).value if _is_key(value) else value


def _link(iris: Iris, default_type: str, value: str) -> str:
    if value.startswith(("http://", "https://")):
        return value
    item_type, slash, key = value.partition("/")
    if slash and item_type in ITEM_TYPES and _is_key(key):
        return iris.item(item_type, key).value
    if _is_key(value):
        return iris.item(default_type, value).value
    return value


def _is_key(value: str) -> bool:
    return bool(KEY_PATTERN.match(value))


def _reason(exc: MaillageError) -> str:
    details = exc.details if isinstance(exc.details, dict) else {}
    errors = details.get("errors")
    if not errors:
        return exc.message
    return "; ".join(
        f"{problem['field'] or 'document'}: {problem['message']}" for problem in errors
    )
