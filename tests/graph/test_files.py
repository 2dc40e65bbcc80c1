"""Tests of the content-addressed file store and of media type detection."""

from __future__ import annotations

import asyncio
import hashlib
import unicodedata
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from maillage.graph.errors import (
    InvalidIdentifierError,
    NotFoundError,
    PayloadTooLargeError,
)
from maillage.graph.files import (
    DOCX,
    HTML,
    MARKDOWN,
    MAX_CLIENT_NAME_CHARS,
    OCTET_STREAM,
    ODT,
    PDF,
    PLAIN_TEXT,
    ZIP,
    FileStore,
    clean_client_name,
    detect_media_type,
)
from maillage.graph.settings import Settings
from tests.graph.file_fixtures import FIXTURES, zip_bytes

CONTENT = "Diagnostic social partagé de l'agglomération, œuvre\n".encode()
CONTENT_SHA256 = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def files(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


def chunked(data: bytes, size: int = 7) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def achunked(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for chunk in chunked(data, size):
        yield chunk


def all_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def test_store_stream_writes_sharded_file(files: FileStore):
    stored = files.store_stream(
        chunked(CONTENT), client_name="diag.txt", max_bytes=1000
    )
    expected = f"{CONTENT_SHA256[:2]}/{CONTENT_SHA256[2:4]}/{CONTENT_SHA256}"
    assert stored.stored_path == expected
    assert (files.root / expected).read_bytes() == CONTENT


def test_store_stream_describes_file(files: FileStore):
    stored = files.store_stream(
        chunked(CONTENT), client_name="diag.txt", max_bytes=1000
    )
    assert (stored.sha256, stored.size) == (CONTENT_SHA256, len(CONTENT))
    assert stored.media_type == PLAIN_TEXT
    assert stored.client_name == "diag.txt"
    assert stored.created.tzinfo is not None


def test_store_stream_same_content_kept_once(files: FileStore):
    first = files.store_stream([CONTENT], client_name="a.txt", max_bytes=1000)
    second = files.store_stream(chunked(CONTENT), client_name="b.txt", max_bytes=1000)
    assert first.sha256 == second.sha256
    assert second.client_name == "b.txt"
    assert all_files(files.root) == [files.root / first.stored_path]


def test_store_stream_too_large_stops_reading(files: FileStore):
    consumed = []

    def chunks() -> Iterator[bytes]:
        for chunk in chunked(CONTENT, 10):
            consumed.append(chunk)
            yield chunk

    with pytest.raises(PayloadTooLargeError) as caught:
        files.store_stream(chunks(), client_name="diag.txt", max_bytes=25)
    assert caught.value.message == "the file is larger than 25 bytes, the upload limit"
    assert len(consumed) == 3, "the store read past the chunk that crossed the limit"
    assert all_files(files.root) == []


def test_store_stream_exact_limit_accepted(files: FileStore):
    stored = files.store_stream([CONTENT], client_name=None, max_bytes=len(CONTENT))
    assert stored.size == len(CONTENT)


def test_store_stream_failing_source_leaves_nothing(files: FileStore):
    def chunks() -> Iterator[bytes]:
        yield CONTENT
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        files.store_stream(chunks(), client_name=None, max_bytes=1000)
    assert all_files(files.root) == []


def test_store_stream_async_writes_file(files: FileStore):
    stored = asyncio.run(
        files.store_stream_async(achunked(CONTENT), client_name="d.md", max_bytes=1000)
    )
    assert stored.sha256 == CONTENT_SHA256
    assert stored.media_type == MARKDOWN
    assert files.path(stored.sha256).read_bytes() == CONTENT


def test_store_stream_async_too_large(files: FileStore):
    upload = files.store_stream_async(achunked(CONTENT), client_name=None, max_bytes=20)
    with pytest.raises(PayloadTooLargeError):
        asyncio.run(upload)
    assert all_files(files.root) == []


@pytest.mark.parametrize(
    ("client_name", "cleaned"),
    [
        ("../../etc/passwd", "....etcpasswd"),
        ("..\\..\\boot.ini", "....boot.ini"),
        ("fiche\x00.pdf", "fiche.pdf"),
        ("CON", "CON"),
        ("..", ".."),
        ("", ""),
        ("  rapport\u202egpj.exe ", "rapportgpj.exe"),
        ("partage\u0301.odt", "partagé.odt"),
    ],
)
def test_store_stream_hostile_name_stays_inside(
    tmp_path: Path, files: FileStore, client_name: str, cleaned: str
):
    stored = files.store_stream([CONTENT], client_name=client_name, max_bytes=1000)
    written = all_files(tmp_path)
    assert written == [files.root / stored.stored_path], written
    assert stored.client_name == cleaned


def test_clean_client_name_long_keeps_extension():
    cleaned = clean_client_name("é" * 300 + ".pdf")
    assert cleaned is not None
    assert len(cleaned) == MAX_CLIENT_NAME_CHARS
    assert cleaned.endswith("éé.pdf")


def test_clean_client_name_long_without_extension():
    assert clean_client_name("x" * 300) == "x" * MAX_CLIENT_NAME_CHARS


def test_clean_client_name_none_stays_none():
    assert clean_client_name(None) is None


def test_clean_client_name_is_nfc():
    cleaned = clean_client_name("Synthe\u0300se\tfinale.docx")
    assert cleaned == "Synthèsefinale.docx"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_file_store_path_missing(files: FileStore):
    with pytest.raises(NotFoundError) as caught:
        files.path(CONTENT_SHA256)
    assert caught.value.message == f"no stored file has the SHA-256 {CONTENT_SHA256}"


@pytest.mark.parametrize(
    "sha256", ["../../etc/passwd", CONTENT_SHA256.upper(), CONTENT_SHA256[:63], ""]
)
def test_file_store_invalid_sha256_rejected(files: FileStore, sha256: str):
    with pytest.raises(InvalidIdentifierError) as caught:
        files.exists(sha256)
    assert caught.value.message == (
        f"invalid SHA-256 {sha256!r}: expected 64 lowercase hexadecimal digits"
    )


def test_file_store_open_reads_content(files: FileStore):
    stored = files.store_stream([CONTENT], client_name=None, max_bytes=1000)
    with files.open(stored.sha256) as file:
        assert file.read() == CONTENT


def test_file_store_delete_removes_file_and_shards(files: FileStore):
    stored = files.store_stream([CONTENT], client_name=None, max_bytes=1000)
    assert files.exists(stored.sha256)
    assert files.delete(stored.sha256) is True
    assert not files.exists(stored.sha256)
    assert list(files.root.iterdir()) == []


def test_file_store_delete_keeps_shared_shard(files: FileStore):
    stored = files.store_stream([CONTENT], client_name=None, max_bytes=1000)
    neighbour = files.root / stored.stored_path[:6] / ("0" * 64)
    neighbour.write_bytes(b"x")
    files.delete(stored.sha256)
    assert neighbour.is_file()


def test_file_store_delete_absent(files: FileStore):
    assert files.delete(CONTENT_SHA256) is False


def test_file_store_from_settings(settings: Settings):
    files = FileStore.from_settings(settings)
    assert files.root == settings.data_path / "files"
    assert files.root.is_dir()


@pytest.mark.parametrize(
    ("fixture", "client_name", "media_type"),
    [
        ("diagnostic.pdf", "diagnostic.pdf", PDF),
        ("scan.pdf", None, PDF),
        ("diagnostic.docx", "diagnostic.pdf", DOCX),
        ("diagnostic.odt", "diagnostic.docx", ODT),
        ("page.html", "page.txt", HTML),
        ("notes.md", "notes.md", MARKDOWN),
        ("notes.md", "notes.MARKDOWN", MARKDOWN),
        ("notes.md", "notes.txt", PLAIN_TEXT),
        ("notes.md", None, PLAIN_TEXT),
        ("nfd.txt", "nfd.html", PLAIN_TEXT),
        ("windows-1252.txt", "windows-1252.txt", PLAIN_TEXT),
    ],
)
def test_detect_media_type_fixture(
    fixture: str, client_name: str | None, media_type: str
):
    assert detect_media_type(FIXTURES / fixture, client_name) == media_type


def test_detect_media_type_binary_named_pdf(tmp_path: Path):
    path = tmp_path / "image"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert detect_media_type(path, "rapport.pdf") == OCTET_STREAM


def test_detect_media_type_other_zip(tmp_path: Path):
    path = tmp_path / "archive"
    path.write_bytes(zip_bytes({"word/document.xml": b"<w/>"}))
    assert detect_media_type(path, "rapport.docx") == ZIP


def test_detect_media_type_spreadsheet_not_odt(tmp_path: Path):
    path = tmp_path / "tableur"
    mimetype = b"application/vnd.oasis.opendocument.spreadsheet"
    path.write_bytes(zip_bytes({"mimetype": mimetype, "content.xml": b"<x/>"}))
    assert detect_media_type(path, "tableur.odt") == ZIP


def test_detect_media_type_broken_zip(tmp_path: Path):
    path = tmp_path / "broken"
    path.write_bytes((FIXTURES / "diagnostic.docx").read_bytes()[:200])
    assert detect_media_type(path, "broken.docx") == ZIP


def test_detect_media_type_html_after_bom(tmp_path: Path):
    path = tmp_path / "page"
    path.write_bytes(b"\xef\xbb\xbf\n  <HTML><body>Privas</body></HTML>")
    assert detect_media_type(path) == HTML


def test_detect_media_type_empty_is_text(tmp_path: Path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert detect_media_type(path, "vide.md") == MARKDOWN


def test_store_stream_async_from_request_body(files: FileStore):
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def upload(request: Request) -> JSONResponse:
        try:
            stored = await files.store_stream_async(
                request.stream(), client_name="gros.txt", max_bytes=3_000_000
            )
        except PayloadTooLargeError as exc:
            return JSONResponse({"detail": exc.message}, status_code=413)
        return JSONResponse({"sha256": stored.sha256, "size": stored.size})

    body = b"ligne de texte\n" * 150_000
    with TestClient(Starlette(routes=[Route("/", upload, methods=["POST"])])) as client:
        accepted = client.post("/", content=chunked(body, 65_536))
        rejected = client.post("/", content=chunked(body * 2, 65_536))
    assert accepted.json() == {
        "sha256": hashlib.sha256(body).hexdigest(),
        "size": len(body),
    }, accepted.text
    assert rejected.status_code == 413, rejected.text
    assert len(all_files(files.root)) == 1
