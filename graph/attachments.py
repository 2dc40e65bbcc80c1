"""Files attached to documents: their file nodes, their extracted text, the attach step.

A document lists its files as nested nodes `{document}#file-{n}` of class `mlg:File`
(docs/model.md). The bytes live in the `FileStore` under their SHA-256. The text
extracted from them lives in a `FileTexts` folder, `{data_path}/texts`, also under the
SHA-256, so the search index can be rebuilt from the graph and the data folder alone.
Text is never stored in the graph: a file of a few hundred pages would otherwise be
copied into every revision of its document.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from maillage.graph.access import User
from maillage.graph.errors import (
    ForbiddenError,
    MaillageError,
    NotFoundError,
    UnsupportedMediaTypeError,
)
from maillage.graph.extract import ExtractedText, ExtractionLimits, extract_text
from maillage.graph.files import FileStore, StoredFile, shard_path
from maillage.graph.iris import Iris
from maillage.graph.models import Document, DocumentFile
from maillage.graph.namespaces import MLG
from maillage.graph.revisions import ItemState, may_read
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.writes import ContentWriter, check_if_match

logger = logging.getLogger(__name__)

TEXTS_FOLDER = "texts"
_FILE_PROPERTIES = {
    MLG.fileName.value: "file_name",
    MLG.sha256.value: "sha256",
    MLG.mediaType.value: "media_type",
    MLG.byteSize.value: "byte_size",
    MLG.hasTextLayer.value: "has_text_layer",
}

# Opens a block during which the graph and the index of an item may disagree, such as
# `SearchService.recording`, and brings the index in line when the block succeeds.
Recording = Callable[[str], AbstractContextManager[object]]


class FileTexts:
    """The extracted text of stored files, one UTF-8 file per SHA-256 under `root`.

    The text is derived data: a missing one is extracted again from the stored file
    the first time `text` requests it, such as after a restore or a bulk import.
    """

    def __init__(self, root: Path, files: FileStore) -> None:
        self.root = root
        self.files = files
        root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings, files: FileStore) -> FileTexts:
        """Open the text folder of the instance that `settings` configures."""
        return cls(settings.data_path / TEXTS_FOLDER, files)

    def path(self, sha256: str) -> Path:
        return self.root / (shard_path(sha256) + ".txt")

    def save(self, sha256: str, text: str | None) -> None:
        """Keep the text of a file; None or empty records a file with no text."""
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(text or "")
            os.replace(name, target)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def text(self, sha256: str, media_type: str | None) -> str:
        """Return the text of a stored file, extracting it first if it is not kept.

        A file that is absent, of a media type with no reader, or unreadable gives an
        empty text, and the failure is logged: indexing goes on with the metadata.
        """
        kept = self.path(sha256)
        if kept.is_file():
            return kept.read_text(encoding="utf-8")
        if media_type is None or not self.files.exists(sha256):
            return ""
        try:
            extracted = extract_text(self.files.path(sha256), media_type)
        except MaillageError as exc:
            logger.warning("no text for the stored file %s: %s", sha256, exc.message)
            self.save(sha256, None)
            return ""
        self.save(sha256, extracted.text)
        return extracted.text or ""

    def delete(self, sha256: str) -> None:
        """Delete the text of a file, if kept."""
        self.path(sha256).unlink(missing_ok=True)

    def delete_orphans(self) -> int:
        """Delete the texts whose stored file is gone, such as after a purge.

        Return how many were deleted. The text of a purged file may hold personal data,
        so it must go with the file.
        """
        deleted = 0
        for path in self.root.glob("*/*/*.txt"):
            sha256 = path.name.removesuffix(".txt")
            if not self.files.exists(sha256):
                path.unlink(missing_ok=True)
                deleted += 1
        if deleted:
            logger.info("deleted the text of %d files no longer stored", deleted)
        return deleted


def read_file_nodes(triples: list[Triple], document: NamedNode) -> list[DocumentFile]:
    """Return the files that `triples` describe for `document`, in fragment order."""
    nodes = sorted(
        (
            t.object
            for t in triples
            if t.subject == document
            and t.predicate == MLG.file
            and isinstance(t.object, NamedNode)
        ),
        key=_fragment_number,
    )
    files = []
    for node in nodes:
        values: dict[str, object] = {}
        for triple in triples:
            field = _FILE_PROPERTIES.get(triple.predicate.value)
            if triple.subject == node and field and isinstance(triple.object, Literal):
                values[field] = _literal_value(triple.object)
        if "file_name" in values:
            files.append(DocumentFile(**values))
    return files


def attached_text_reader(store: GraphStore, texts: FileTexts) -> Callable[[str], str]:
    """Return an `extra_text` function that gives the text of an item's files."""

    def read(iri: str) -> str:
        document = NamedNode(iri)
        triples = [
            quad.triple
            for quad in store.oxigraph.quads_for_pattern(document, MLG.file, None, None)
        ]
        for node in {t.object.value: t.object for t in triples}.values():
            if isinstance(node, NamedNode):
                triples += [
                    quad.triple
                    for quad in store.oxigraph.quads_for_pattern(node, None, None, None)
                ]
        parts = [
            texts.text(file.sha256, file.media_type)
            for file in read_file_nodes(triples, document)
            if file.sha256 is not None
        ]
        return "\n".join(part for part in parts if part)

    return read


@dataclass(frozen=True)
class Attachment:
    """The outcome of an upload: the file node, the extracted text, the document.

    `created` is False when the document already had a file of that content, in which
    case nothing was written.
    """

    file: DocumentFile
    extracted: ExtractedText | None
    state: ItemState
    created: bool


class Attacher:
    """Attaches stored files to documents through the content writer.

    Attaching is a write of the document: it needs an editor who may read the
    document, the ETag of the version read in `If-Match`, and it records a revision.
    `recording` wraps the write so the search index follows the graph.
    """

    def __init__(
        self,
        writer: ContentWriter,
        texts: FileTexts,
        *,
        recording: Recording | None = None,
        limits: ExtractionLimits | None = None,
    ) -> None:
        self.writer = writer
        self.texts = texts
        self.recording = recording
        self.limits = limits or ExtractionLimits()

    @property
    def iris(self) -> Iris:
        return self.writer.iris

    def check(self, key: str, user: User, if_match: str | None) -> ItemState:
        """Check that `user` may attach a file to the document `key` now.

        Run before the upload is read, so that a request that would fail anyway does
        not send its body first. Raise `ForbiddenError`, `NotFoundError`, or the
        writer's errors for a missing or stale `If-Match`.
        """
        if not user.can_edit:
            raise ForbiddenError(
                f"user {user.name!r} may not attach files: the editor or "
                "administrator role is required"
            )
        state = self.writer.state("document", key)
        if state.status != "live" or not may_read(
            self.iris, user, state.graph, state.triples
        ):
            raise NotFoundError(f"no document with key {key[:80]!r}")
        check_if_match(state, if_match)
        return state

    def attach(
        self,
        key: str,
        stored: StoredFile,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> Attachment:
        """Extract the text of a stored file and add its file node to the document.

        On failure the document is left as it was, and the stored file is deleted
        unless another item uses it. The failures are a media type with no text reader
        (`UnsupportedMediaTypeError`), a text that cannot be read (`ExtractionError`),
        and the errors of the write.
        """
        try:
            return self._attach(key, stored, user, if_match, comment)
        except BaseException:
            self.discard(stored.sha256)
            raise

    def discard(self, sha256: str) -> None:
        """Delete a stored file and its text unless an item or revision uses it."""
        if self.writer.discard_file(sha256):
            self.texts.delete(sha256)

    def _attach(
        self,
        key: str,
        stored: StoredFile,
        user: User,
        if_match: str | None,
        comment: str | None,
    ) -> Attachment:
        state = self.check(key, user, if_match)
        current = Document.from_triples(self.iris, state.iri, state.triples).files
        for file in current:
            if file.sha256 == stored.sha256:
                return Attachment(file, None, state, created=False)

        extracted = self._extract(stored)
        self.texts.save(stored.sha256, extracted.text)
        new_file = DocumentFile(
            file_name=stored.client_name or f"{stored.sha256[:12]}",
            sha256=stored.sha256,
            media_type=stored.media_type,
            byte_size=stored.size,
            has_text_layer=extracted.has_text_layer,
        )
        files = [file.model_dump(mode="json") for file in [*current, new_file]]
        note = comment or f"attach the file {new_file.file_name}"
        with self._recording(state.iri.value):
            written = self.writer.update_files(
                key, files, user, if_match=if_match, comment=note
            )
        logger.info(
            "attached the file %s (%s, %d bytes) to %s",
            stored.sha256,
            stored.media_type,
            stored.size,
            state.iri.value,
        )
        return Attachment(new_file, extracted, written, created=True)

    def detach(
        self,
        key: str,
        sha256: str,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Remove the file of content `sha256` from the document, as a new revision.

        The stored bytes stay while a revision describes them, so a revert can bring
        the file back; a purge of the document deletes them. Raise `NotFoundError`
        when the document has no such file, and the errors of `check`.
        """
        state = self.check(key, user, if_match)
        current = Document.from_triples(self.iris, state.iri, state.triples).files
        removed = find_file(list(state.triples), state.iri, sha256)
        kept = [file for file in current if file.sha256 != sha256]
        files = [file.model_dump(mode="json") for file in kept]
        note = comment or f"detach the file {removed.file_name}"
        with self._recording(state.iri.value):
            written = self.writer.update_files(
                key, files, user, if_match=if_match, comment=note
            )
        logger.info("detached the file %s from %s", sha256, state.iri.value)
        return written

    def _extract(self, stored: StoredFile) -> ExtractedText:
        path = self.writer.files.path(stored.sha256) if self.writer.files else None
        if path is None:
            raise UnsupportedMediaTypeError("this instance keeps no files")
        return extract_text(
            path,
            stored.media_type,
            limits=self.limits,
            display_name=stored.client_name or stored.sha256[:12],
        )

    def _recording(self, iri: str) -> AbstractContextManager[object]:
        return self.recording(iri) if self.recording else nullcontext()


def find_file(triples: list[Triple], document: NamedNode, sha256: str) -> DocumentFile:
    """Return the file of `document` with content `sha256`, or raise NotFoundError."""
    for file in read_file_nodes(triples, document):
        if file.sha256 == sha256:
            return file
    raise NotFoundError(f"{document.value} has no file with the SHA-256 {sha256}")


def _fragment_number(node: NamedNode) -> tuple[int, str]:
    suffix = node.value.rsplit("-", 1)[-1]
    return (int(suffix), node.value) if suffix.isdigit() else (1 << 30, node.value)


def _literal_value(literal: Literal) -> object:
    datatype = literal.datatype.value.rsplit("#", 1)[-1]
    if datatype == "integer":
        return int(literal.value)
    if datatype == "boolean":
        return literal.value in ("true", "1")
    return literal.value
