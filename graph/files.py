"""Uploaded files, stored on disk under the SHA-256 of their content.

A file lives at `{root}/ab/cd/abcd...`, where `abcd...` is the lowercase hex SHA-256 of
its bytes, so two uploads of the same content share one file. The name the client sent
never becomes a path: it is cleaned for display and returned as metadata only. The
media type is read from the content (magic bytes, ZIP entries, a text decode), never
taken from the client.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from maillage.graph.errors import (
    InvalidIdentifierError,
    NotFoundError,
    PayloadTooLargeError,
)
from maillage.graph.settings import Settings

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
HTML = "text/html"
MARKDOWN = "text/markdown"
PLAIN_TEXT = "text/plain"
ZIP = "application/zip"
OCTET_STREAM = "application/octet-stream"

MARKDOWN_EXTENSIONS = (".md", ".markdown")
MAX_CLIENT_NAME_CHARS = 255

_SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
_READ_CHUNK_BYTES = 1024 * 1024
# Characters dropped from a client's file name: controls, formatting characters such as
# the right-to-left override that disguises an extension, lone surrogates, separators.
_NAME_DROPPED_CATEGORIES = ("Cc", "Cf", "Cs")
_NAME_SEPARATORS = ("/", "\\")


@dataclass(frozen=True)
class StoredFile:
    """A file kept by a `FileStore`, as returned by one upload."""

    sha256: str
    size: int
    media_type: str
    client_name: str | None
    stored_path: str
    created: datetime


class FileStore:
    """Content-addressed files in one folder, usually `{data_path}/files`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> FileStore:
        """Open the file store of the instance that `settings` configures."""
        return cls(settings.data_path / "files")

    def store_stream(
        self, chunks: Iterable[bytes], *, client_name: str | None, max_bytes: int
    ) -> StoredFile:
        """Write `chunks` to the store while hashing them, and describe the stored file.

        Raises `PayloadTooLargeError` as soon as the data passes `max_bytes`, without
        reading the rest, and deletes the partial file.
        """
        pending = _PendingFile(self.root, max_bytes)
        try:
            for chunk in chunks:
                pending.write(chunk)
            return self._finish(pending, client_name)
        finally:
            pending.discard()

    async def store_stream_async(
        self, chunks: AsyncIterable[bytes], *, client_name: str | None, max_bytes: int
    ) -> StoredFile:
        """Write an asynchronous stream, such as Starlette's `request.stream()`.

        It behaves as `store_stream`. The disk work runs in a worker thread, so that the
        event loop keeps serving other requests. A cancelled upload deletes its partial
        file.
        """
        pending = _PendingFile(self.root, max_bytes)
        try:
            async for chunk in chunks:
                await anyio.to_thread.run_sync(pending.write, chunk)
            return await anyio.to_thread.run_sync(self._finish, pending, client_name)
        finally:
            pending.discard()

    def path(self, sha256: str) -> Path:
        """Return the path of a stored file; raise `NotFoundError` if it is absent."""
        path = self.root / shard_path(sha256)
        if not path.is_file():
            raise NotFoundError(f"no stored file has the SHA-256 {sha256}")
        return path

    def exists(self, sha256: str) -> bool:
        return (self.root / shard_path(sha256)).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored file for reading in binary mode."""
        return self.path(sha256).open("rb")

    def delete(self, sha256: str) -> bool:
        """Delete a stored file and its emptied shard folders; False if it is absent.

        Uploads of the same content share the file, so the caller first checks that no
        document still refers to `sha256`.
        """
        path = self.root / shard_path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        for folder in (path.parent, path.parent.parent):
            try:
                folder.rmdir()
            except OSError:
                break  # not empty: another file shares this shard
        logger.info("deleted stored file %s", sha256)
        return True

    def _finish(self, pending: _PendingFile, client_name: str | None) -> StoredFile:
        sha256 = pending.close()
        relative = shard_path(sha256)
        target = self.root / relative
        media_type = detect_media_type(pending.path, client_name)

        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_file():
            logger.info("stored file %s already present, upload discarded", sha256)
        else:
            try:
                pending.move_to(target)
            except FileNotFoundError:
                # A concurrent delete removed the shard folder once it was empty.
                target.parent.mkdir(parents=True, exist_ok=True)
                pending.move_to(target)
            logger.info(
                "stored file %s (%d bytes, %s)", sha256, pending.size, media_type
            )

        return StoredFile(
            sha256=sha256,
            size=pending.size,
            media_type=media_type,
            client_name=clean_client_name(client_name),
            stored_path=relative,
            created=datetime.now(UTC),
        )


class _PendingFile:
    """A temporary file in the store's folder that counts and hashes its content."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        descriptor, name = tempfile.mkstemp(dir=root, prefix=".upload-", suffix=".part")
        self.path = Path(name)
        self.file = os.fdopen(descriptor, "wb")
        self.digest = hashlib.sha256()
        self.size = 0
        self.max_bytes = max_bytes
        self.moved = False

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise PayloadTooLargeError(
                f"the file is larger than {self.max_bytes} bytes, the upload limit"
            )
        self.digest.update(chunk)
        self.file.write(chunk)

    def close(self) -> str:
        """Flush the data to disk and return the hex SHA-256 of the content."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return self.digest.hexdigest()

    def move_to(self, target: Path) -> None:
        # Same folder, same file system: the rename is atomic, so readers never see a
        # partial file under a content hash.
        os.replace(self.path, target)
        self.moved = True

    def discard(self) -> None:
        """Delete the temporary file unless it was moved into place."""
        self.file.close()
        if not self.moved:
            self.path.unlink(missing_ok=True)


def shard_path(sha256: str) -> str:
    """Return the path of a file relative to the store: `ab/cd/abcd...`."""
    if not _SHA256_PATTERN.match(sha256):
        raise InvalidIdentifierError(
            f"invalid SHA-256 {sha256[:80]!r}: expected 64 lowercase hexadecimal digits"
        )
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def clean_client_name(name: str | None) -> str | None:
    """Return the client's file name made safe to display, or None if none was sent.

    The result is NFC, has no control or formatting characters and no `/` or `\\`, and
    keeps at most `MAX_CLIENT_NAME_CHARS` characters with the extension. It may still be
    `..`, `CON` or empty: maillage never uses it as a path.
    """
    if name is None:
        return None
    filtered = "".join(
        character
        for character in name
        if unicodedata.category(character) not in _NAME_DROPPED_CATEGORIES
        and character not in _NAME_SEPARATORS
    )
    cleaned = unicodedata.normalize("NFC", filtered).strip()
    if len(cleaned) <= MAX_CLIENT_NAME_CHARS:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    if dot and stem and len(extension) <= 16:
        return stem[: MAX_CLIENT_NAME_CHARS - len(extension) - 1] + "." + extension
    return cleaned[:MAX_CLIENT_NAME_CHARS]


def detect_media_type(path: Path, client_name: str | None = None) -> str:
    """Return the media type of the file at `path`, read from its content.

    The client's name only chooses between text/plain and text/markdown for a text file.
    A file of no known kind is application/octet-stream, an unknown ZIP application/zip.
    """
    with path.open("rb") as file:
        head = file.read(1024)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_media_type(path)
    if _looks_like_html(head):
        return HTML
    if _is_text(path):
        if client_name and client_name.lower().endswith(MARKDOWN_EXTENSIONS):
            return MARKDOWN
        return PLAIN_TEXT
    return OCTET_STREAM


def _zip_media_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    # The ODF text media type is 39 bytes long, so 100 bytes are enough.
                    declared = entry.read(100).decode("ascii", "replace").strip()
                if declared == ODT:
                    return ODT
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                return DOCX
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ):
        logger.info("unreadable ZIP archive %s, kept as application/zip", path.name)
    return ZIP


def _looks_like_html(head: bytes) -> bool:
    start = head.removeprefix(codecs.BOM_UTF8).lstrip().lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _is_text(path: Path) -> bool:
    """Tell whether the file decodes as UTF-8 or Windows-1252 and has no NUL byte."""
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as file:
                while chunk := file.read(_READ_CHUNK_BYTES):
                    if b"\x00" in chunk:
                        return False
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return True
    return False
