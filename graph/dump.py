"""Dump the whole repository to a folder, and restore it into an empty instance.

A dump folder holds:

    manifest.json     format version, base IRI, date, counts, and every file's SHA-256
    graph.trig        every named graph (or graph.nq, in N-Quads)
    files/ab/cd/...   the stored files, under their SHA-256 as in the file store
    users.sqlite3     users, groups and token digests, if the instance has any
    revisions.nq      the revision store, if the instance has one

The search index and the extracted texts are left out: a restore rebuilds them from
the graph and the files. Both operations need the instance stopped, since they open
its stores and files directly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import RdfFormat

from maillage.graph.attachments import TEXTS_FOLDER
from maillage.graph.errors import ConflictError, ValidationFailedError
from maillage.graph.files import FileStore, shard_path
from maillage.graph.indexing import INDEX_FOLDER, SearchService
from maillage.graph.iris import Iris
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.users import USERS_FILE

logger = logging.getLogger(__name__)

DUMP_VERSION = 1
MANIFEST = "manifest.json"
GRAPH_FILES = {"trig": "graph.trig", "nquads": "graph.nq"}
RDF_FORMATS = {"trig": RdfFormat.TRIG, "nquads": RdfFormat.N_QUADS}
FILES_FOLDER = "files"
REVISIONS_FOLDER = "revisions"
REVISIONS_FILE = "revisions.nq"
# Folders of the data path that a restore rebuilds, so they may exist beforehand.
DERIVED_FOLDERS = (INDEX_FOLDER, TEXTS_FOLDER)
_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DumpReport:
    """The counts of a dump or a restore: quads, files, users, revisions, index."""

    folder: str
    base_iri: str
    graph_format: str
    quads: int
    files: dict[str, int] = field(default_factory=dict)
    users: bool = False
    revision_quads: int | None = None
    indexed: int | None = None


def dump_repository(
    store: GraphStore,
    settings: Settings,
    target: Path,
    *,
    graph_format: str = "trig",
    revisions: GraphStore | None = None,
) -> DumpReport:
    """Write the graph, files, users and revisions of an instance to `target`.

    `target` must be absent or empty; raise `ConflictError` otherwise. Pass the
    revision store as `revisions` when this process has it open, because RocksDB lets
    a process open a store only once. Without it, the store at `{data_path}/revisions`
    is opened here.
    """
    if graph_format not in GRAPH_FILES:
        raise ValidationFailedError(
            f"unknown dump format {graph_format!r}; accepted: trig, nquads"
        )
    _check_empty(target, "dump folder", ())
    target.mkdir(parents=True, exist_ok=True)

    store.dump(target / GRAPH_FILES[graph_format], RDF_FORMATS[graph_format])
    files = _copy_files(settings.data_path / FILES_FOLDER, target / FILES_FOLDER)
    users = _copy_users(settings.data_path / USERS_FILE, target / USERS_FILE)
    revision_quads = _dump_revisions(
        revisions, settings.data_path / REVISIONS_FOLDER, target / REVISIONS_FILE
    )

    report = DumpReport(
        folder=str(target),
        base_iri=settings.base_iri,
        graph_format=graph_format,
        quads=store.count_quads(),
        files=files,
        users=users,
        revision_quads=revision_quads,
    )
    _write_manifest(target, report)
    logger.info(
        "dumped %d quads, %d files and %s to %s",
        report.quads,
        len(files),
        "users" if users else "no users",
        target,
    )
    return report


def restore_repository(
    store: GraphStore, settings: Settings, source: Path
) -> DumpReport:
    """Load a dump folder into an empty store and data folder, then rebuild the index.

    Raise `ConflictError` when the store or the data folder contains data, or when the
    dump was made under another base IRI, and `ValidationFailedError` when the dump is
    incomplete or a file's content does not match its SHA-256.
    """
    manifest = _read_manifest(source)
    _check_restorable(store, settings, manifest)

    graph_format = manifest["graph_format"]
    store.bulk_load(
        source / GRAPH_FILES[graph_format],
        RDF_FORMATS[graph_format],
        base_iri=Iris(settings.base_iri).document_base,
    )
    files = _restore_files(source / FILES_FOLDER, settings, manifest["files"])
    users = _restore_users(source / USERS_FILE, settings.data_path / USERS_FILE)
    revision_quads = _restore_revisions(
        source / REVISIONS_FILE, settings.data_path / REVISIONS_FOLDER
    )
    indexed = _rebuild_index(store, settings)

    report = DumpReport(
        folder=str(source),
        base_iri=settings.base_iri,
        graph_format=graph_format,
        quads=store.count_quads(),
        files=files,
        users=users,
        revision_quads=revision_quads,
        indexed=indexed,
    )
    logger.info(
        "restored %d quads and %d files from %s", report.quads, len(files), source
    )
    return report


# Files


def _copy_files(root: Path, target: Path) -> dict[str, int]:
    """Copy every stored file, checking it against its name; return sizes by hash."""
    sizes = {}
    for path in _stored_files(root):
        sizes[path.name] = _copy_checked(path, target / shard_path(path.name))
    return sizes


def _restore_files(
    folder: Path, settings: Settings, expected: dict[str, int]
) -> dict[str, int]:
    store = FileStore.from_settings(settings)
    found = {path.name: path for path in _stored_files(folder)}
    missing = sorted(set(expected) - set(found))
    if missing:
        raise ValidationFailedError(
            f"the dump lists {len(missing)} files that its files folder lacks, "
            f"such as {missing[0]}"
        )
    sizes = {}
    for sha256 in sorted(expected):
        sizes[sha256] = _copy_checked(found[sha256], store.root / shard_path(sha256))
    return sizes


def _stored_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.glob("??/??/*")):
        if path.is_file() and not path.name.startswith("."):
            shard_path(path.name)  # raises for a name that is not a SHA-256
            yield path


def _copy_checked(source: Path, target: Path) -> int:
    """Copy a content-addressed file and check that its bytes match its name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    partial = target.with_name(f".{target.name}.part")
    with source.open("rb") as reader, partial.open("wb") as writer:
        while chunk := reader.read(_CHUNK_BYTES):
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    if digest.hexdigest() != source.name:
        partial.unlink()
        raise ValidationFailedError(
            f"the file {source} does not match its SHA-256 name: it is damaged"
        )
    os.replace(partial, target)
    return size


# Users and revisions


def _copy_users(source: Path, target: Path) -> bool:
    """Copy the SQLite file with SQLite's online backup, consistent even if in use."""
    if not source.is_file():
        return False
    _backup_sqlite(source, target)
    return True


def _restore_users(source: Path, target: Path) -> bool:
    if not source.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    _backup_sqlite(source, target)
    # The file contains token digests: readable and writable by the owner only.
    target.chmod(0o600)
    return True


def _backup_sqlite(source: Path, target: Path) -> None:
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def _dump_revisions(
    revisions: GraphStore | None, folder: Path, target: Path
) -> int | None:
    if revisions is not None:
        revisions.dump(target, RdfFormat.N_QUADS)
        return revisions.count_quads()
    if not folder.is_dir():
        return None
    opened = GraphStore(folder)
    try:
        opened.dump(target, RdfFormat.N_QUADS)
        return opened.count_quads()
    finally:
        opened.close()


def _restore_revisions(source: Path, folder: Path) -> int | None:
    if not source.is_file():
        return None
    revisions = GraphStore(folder)
    try:
        revisions.bulk_load(source, RdfFormat.N_QUADS, base_iri="urn:maillage:")
        return revisions.count_quads()
    finally:
        revisions.close()


def _rebuild_index(store: GraphStore, settings: Settings) -> int:
    for name in DERIVED_FOLDERS:
        shutil.rmtree(settings.data_path / name, ignore_errors=True)
    service = SearchService.open(store, Iris(settings.base_iri), settings)
    try:
        return service.index.count()
    finally:
        service.close()


# Manifest and checks


def _write_manifest(target: Path, report: DumpReport) -> None:
    manifest = {
        "version": DUMP_VERSION,
        "created": datetime.now(UTC).isoformat(),
        **{key: value for key, value in asdict(report).items() if key != "indexed"},
    }
    del manifest["folder"]
    (target / MANIFEST).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationFailedError(
            f"{source} is not a dump folder: it has no {MANIFEST}"
        ) from exc
    except json.JSONDecodeError as exc:
        raise ValidationFailedError(f"{path} is not valid JSON: {exc.msg}") from exc
    if manifest.get("version") != DUMP_VERSION:
        raise ValidationFailedError(
            f"{path} has dump version {manifest.get('version')!r}; this maillage "
            f"restores version {DUMP_VERSION}"
        )
    graph_format = manifest.get("graph_format")
    if (
        graph_format not in GRAPH_FILES
        or not (source / GRAPH_FILES[graph_format]).is_file()
    ):
        raise ValidationFailedError(f"{source} lacks its graph file")
    return manifest


def _check_restorable(store: GraphStore, settings: Settings, manifest: dict) -> None:
    if manifest["base_iri"] != settings.base_iri:
        raise ConflictError(
            f"the dump was made under the base IRI {manifest['base_iri']}, and this "
            f"instance uses {settings.base_iri}: set MAILLAGE_BASE_IRI to the dump's"
        )
    if not store.is_empty():
        raise ConflictError(
            f"the store at {store.path or 'memory'} is not empty: restore into an "
            "empty store"
        )
    _check_empty(settings.data_path, "data folder", DERIVED_FOLDERS)


def _check_empty(folder: Path, kind: str, derived: tuple[str, ...]) -> None:
    """Raise `ConflictError` when `folder` contains a file outside `derived` folders.

    Empty folders count as empty, such as the files folder that opening a file store
    creates.
    """
    if not folder.exists():
        return
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if relative.parts[0] in derived or path.is_dir():
            continue
        raise ConflictError(
            f"the {kind} {folder} is not empty (it contains {relative}): give an empty "
            "or new folder"
        )
