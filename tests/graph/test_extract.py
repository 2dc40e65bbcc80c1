"""Tests of text extraction on real files of each format, and on hostile ones."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
import rdflib
from odf import teletype
from odf import text as odf_text
from odf.opendocument import load as load_odf
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse, serialize

from maillage.graph.errors import (
    ExtractionError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from maillage.graph.extract import (
    ExtractionLimits,
    _Budget,
    _CappedReader,
    _Unreadable,
    clean_text,
    extract_text,
)
from maillage.graph.files import DOCX, HTML, MARKDOWN, ODT, PDF, PLAIN_TEXT
from tests.graph.file_fixtures import (
    CONTENT_TYPES,
    DOCX_BODY,
    FIXTURES,
    PACKAGE_RELATIONSHIPS,
    TITLE,
    docx_document,
    odt_content,
    write_docx,
    write_odt,
)

CONTROLS = {chr(code) for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]} - {
    "\n",
    "\t",
}


def error_of(path: Path, media_type: str, **options) -> ExtractionError:
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, media_type, **options)
    return caught.value


def test_extract_text_pdf_text_layer():
    extracted = extract_text(FIXTURES / "diagnostic.pdf", PDF)
    assert extracted.text is not None
    assert extracted.text.splitlines()[0] == TITLE, extracted.text
    assert "Fin du diagnostic." in extracted.text, extracted.text
    assert (extracted.has_text_layer, extracted.pages) == (True, 2)


def test_extract_text_pdf_scan_has_no_text():
    extracted = extract_text(FIXTURES / "scan.pdf", PDF)
    assert extracted.text is None
    assert (extracted.has_text_layer, extracted.pages) == (False, 1)


def test_extract_text_pdf_encrypted():
    error = error_of(FIXTURES / "encrypted.pdf", PDF, display_name="budget.pdf")
    assert error.message == (
        "cannot extract the text of 'budget.pdf': the PDF is encrypted with a password"
    )
    assert error.details == {
        "file": "budget.pdf",
        "reason": "the PDF is encrypted with a password",
    }


def test_extract_text_pdf_empty_user_password_read():
    extracted = extract_text(FIXTURES / "restricted.pdf", PDF)
    assert extracted.text is not None
    assert extracted.text.startswith(TITLE), extracted.text
    assert extracted.warnings == [
        "the PDF is encrypted with an empty password; its text was read"
    ]


def test_extract_text_pdf_truncated():
    error = error_of(FIXTURES / "truncated.pdf", PDF)
    assert error.message == (
        "cannot extract the text of 'truncated.pdf': the PDF is damaged or truncated"
    )


def test_extract_text_pdf_not_a_pdf(tmp_path: Path):
    path = tmp_path / "faux.pdf"
    path.write_bytes(b"%PDF-1.7\nrien de plus")
    assert error_of(path, PDF).details["reason"] == "the PDF is damaged or truncated"


def test_extract_text_pdf_page_limit():
    limits = ExtractionLimits(max_pages=1)
    extracted = extract_text(FIXTURES / "diagnostic.pdf", PDF, limits=limits)
    assert extracted.text is not None
    assert "Fin du diagnostic." not in extracted.text, extracted.text
    assert extracted.pages == 2
    assert extracted.warnings == ["only the first 1 pages were read"]


def test_extract_text_docx_paragraphs():
    extracted = extract_text(FIXTURES / "diagnostic.docx", DOCX)
    assert extracted.text == (
        f"{TITLE}\n"
        "Les 42 communes de la CAPCA partagent un CIAS.\n"
        "Compétence\taction sociale\nd'intérêt communautaire\n"
        "Privas\n07186\n"
        "Fin du diagnostic.\n"
        "Centre intercommunal d'action sociale."
    )
    assert (extracted.has_text_layer, extracted.pages, extracted.warnings) == (
        True,
        None,
        [],
    )


def test_extract_text_docx_agrees_with_python_docx():
    path = FIXTURES / "diagnostic.docx"
    extracted = extract_text(path, DOCX).text or ""
    document = docx.Document(str(path))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    cells = [
        cell.text
        for table in document.tables
        for row in table.rows
        for cell in row.cells
    ]
    assert paragraphs[0] == TITLE
    for text in [*paragraphs, *cells]:
        assert text in extracted, f"{text!r} missing from {extracted!r}"


def test_extract_text_docx_skips_deleted_text():
    extracted = extract_text(FIXTURES / "diagnostic.docx", DOCX)
    assert "supprimé" not in (extracted.text or "")


def test_extract_text_odt_paragraphs():
    extracted = extract_text(FIXTURES / "diagnostic.odt", ODT)
    assert extracted.text == (
        f"{TITLE}\n"
        "Les 42 communes de la CAPCA partagent un CIAS.1\n"
        "Centre intercommunal d'action sociale.\n"
        "Compétence\taction sociale\nd'intérêt   communautaire\n"
        "Privas\nLyas"
    )


def test_extract_text_odt_agrees_with_odfpy():
    path = FIXTURES / "diagnostic.odt"
    extracted = extract_text(path, ODT).text or ""
    document = load_odf(str(path))
    headings = [teletype.extractText(h) for h in document.getElementsByType(odf_text.H)]
    items = [
        teletype.extractText(item)
        for item in document.getElementsByType(odf_text.ListItem)
    ]
    assert headings == [TITLE]
    assert items == ["Privas", "Lyas"]
    assert f"{TITLE}\n" in extracted
    assert "Privas\nLyas" in extracted


def test_extract_text_odt_skips_tracked_deletion():
    extracted = extract_text(FIXTURES / "diagnostic.odt", ODT)
    assert "supprimé" not in (extracted.text or "")


def test_extract_text_html_visible_only():
    extracted = extract_text(FIXTURES / "page.html", HTML)
    assert extracted.text == (
        f"{TITLE}\n"
        "Les 42 communes de la CAPCA partagent un CIAS & un CCAS.\n"
        "Privas\nLyas"
    )


def test_extract_text_html_pre_keeps_lines(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text("<html><pre>ligne un\nligne   deux</pre><p>fin</p></html>")
    assert extract_text(path, HTML).text == "ligne un\nligne   deux\nfin"


def test_extract_text_markdown_kept_verbatim():
    path = FIXTURES / "notes.md"
    extracted = extract_text(path, MARKDOWN)
    assert extracted.text == path.read_text(encoding="utf-8")


def test_extract_text_plain_nfd_and_controls():
    extracted = extract_text(FIXTURES / "nfd.txt", PLAIN_TEXT)
    text = extracted.text or ""
    assert text == f"{TITLE}\nPremière page\nSeconde page\n"
    assert unicodedata.is_normalized("NFC", text)
    assert not CONTROLS & set(text), repr(text)


def test_extract_text_plain_windows_1252():
    extracted = extract_text(FIXTURES / "windows-1252.txt", PLAIN_TEXT)
    assert extracted.text == "Intérêt communautaire, œuvre sociale\n"
    assert extracted.warnings == [
        "the file is not valid UTF-8 and was read as Windows-1252"
    ]


def test_extract_text_plain_cut_at_limit(tmp_path: Path):
    path = tmp_path / "long.txt"
    path.write_text("é" * 30, encoding="utf-8")
    limits = ExtractionLimits(max_text_chars=10)
    extracted = extract_text(path, PLAIN_TEXT, limits=limits)
    assert extracted.text == "é" * 10
    assert "the text was cut after 10 characters, the limit" in extracted.warnings
    assert not any("Windows-1252" in warning for warning in extracted.warnings)


@pytest.mark.parametrize("rdf_format", [RdfFormat.TURTLE, RdfFormat.RDF_XML])
def test_extract_text_literal_round_trips(rdf_format: RdfFormat):
    text = extract_text(FIXTURES / "nfd.txt", PLAIN_TEXT).text or ""
    triple = Triple(
        NamedNode("http://maillage.test/id/document/diagnostic"),
        NamedNode("https://w3id.org/maillage/ns#text"),
        Literal(text, language="fr"),
    )
    data = serialize([triple], format=rdf_format)
    assert [t.object for t in parse(data, format=rdf_format)] == [triple.object]


def test_extract_text_rdf_xml_parses_with_expat():
    text = extract_text(FIXTURES / "nfd.txt", PLAIN_TEXT).text or ""
    literal = Literal(text, language="fr")
    triple = Triple(NamedNode("http://e/d"), NamedNode("http://e/text"), literal)
    data = serialize([triple], format=RdfFormat.RDF_XML)
    # rdflib parses RDF/XML with expat, which rejects the controls that XML 1.0 forbids.
    graph = rdflib.Graph().parse(data=data, format="xml")
    assert [str(value) for value in graph.objects()] == [text]


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("un\r\ndeux\rtrois", "un\ndeux\ntrois"),
        ("page 1\fpage 2", "page 1\npage 2"),
        ("effa\bcé", "effacé"),
        ("e\x00\u0301t\u00e9", "été"),
        ("tab\tgardée\u2028ligne\x85fin", "tab\tgardée\nligne\nfin"),
        ("sans \ufffe non-caractère \x7f\x9b", "sans  non-caractère "),
    ],
)
def test_clean_text_cases(raw: str, cleaned: str):
    assert clean_text(raw) == cleaned


def test_extract_text_unsupported_media_type():
    with pytest.raises(UnsupportedMediaTypeError) as caught:
        extract_text(FIXTURES / "diagnostic.pdf", "image/png")
    assert caught.value.message.startswith(
        "no text reader for media type 'image/png'; accepted: application/pdf, "
    )


def test_extraction_error_is_validation_failure():
    error = ExtractionError("x")
    assert isinstance(error, ValidationFailedError)
    assert (error.code, error.status) == ("extraction_failed", 422)


# Hostile packages, made in the test's folder ------------------------------------------


def write_zeros_docx(path: Path, declared_bytes: int) -> None:
    """Write a DOCX whose document.xml is `declared_bytes` of zeros, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        with package.open("word/document.xml", "w", force_zip64=True) as entry:
            zeros = bytes(1024 * 1024)
            for _ in range(declared_bytes // len(zeros)):
                entry.write(zeros)


def test_extract_text_docx_bomb_rejected(tmp_path: Path):
    path = tmp_path / "bombe.docx"
    write_zeros_docx(path, 200 * 1024 * 1024)
    assert path.stat().st_size < 1024 * 1024
    declared = 200 * 1024 * 1024 + len(CONTENT_TYPES) + len(PACKAGE_RELATIONSHIPS)
    error = error_of(path, DOCX)
    assert error.details["reason"] == (
        f"the package would expand to {declared} bytes, over the limit of 104857600"
    )


def test_extract_text_docx_ratio_rejected(tmp_path: Path):
    path = tmp_path / "compressé.docx"
    write_zeros_docx(path, 20 * 1024 * 1024)
    error = error_of(path, DOCX)
    assert error.details["reason"].startswith(
        "the entry 'word/document.xml' would expand "
    ), error.message
    assert error.details["reason"].endswith("times, over the limit of 100")


def test_extract_text_docx_entries_limit(tmp_path: Path):
    path = tmp_path / "nombreux.docx"
    write_docx(path, docx_document(DOCX_BODY))
    limits = ExtractionLimits(max_zip_entries=2)
    error = error_of(path, DOCX, limits=limits)
    assert error.details["reason"] == "the package has 3 entries, over the limit of 2"


def test_capped_reader_stops_past_declared_size():
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("content.xml", b"<x>" + b"a" * 1000 + b"</x>")
    with zipfile.ZipFile(archive_bytes) as archive:
        info = archive.getinfo("content.xml")
        with archive.open(info) as entry:
            # A lying central directory declares fewer bytes than the entry holds.
            info.file_size = 100
            reader = _CappedReader(entry, info, _Budget(10_000), ExtractionLimits())
            with pytest.raises(_Unreadable) as caught:
                reader.read(4096)
    assert str(caught.value) == (
        "the entry 'content.xml' is longer than its declared size"
    )


def test_capped_reader_spends_budget():
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("content.xml", b"a" * 1000)
    with zipfile.ZipFile(archive_bytes) as archive:
        info = archive.getinfo("content.xml")
        with archive.open(info) as entry:
            reader = _CappedReader(entry, info, _Budget(500), ExtractionLimits())
            with pytest.raises(_Unreadable) as caught:
                reader.read(4096)
    assert str(caught.value) == "the package expands past 500 bytes, the limit"


def test_extract_text_docx_entity_expansion_rejected(tmp_path: Path):
    path = tmp_path / "entites.docx"
    laughs = (
        '<?xml version="1.0"?>\n<!DOCTYPE w:document [\n'
        '<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
        'main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>'
    )
    write_docx(path, laughs)
    error = error_of(path, DOCX)
    assert error.details["reason"] == (
        "the part word/document.xml contains a DTD, which is rejected"
    )


def test_extract_text_odt_external_entity_rejected(tmp_path: Path):
    path = tmp_path / "externe.odt"
    content = odt_content("<text:p>&xxe;</text:p>").replace(
        "?>\n",
        "?>\n<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "
        '"file:///etc/passwd">]>\n',
        1,
    )
    write_odt(path, content)
    error = error_of(path, ODT)
    assert (
        error.details["reason"]
        == "the part content.xml contains a DTD, which is rejected"
    )


def test_extract_text_docx_malformed_xml(tmp_path: Path):
    path = tmp_path / "casse.docx"
    write_docx(path, docx_document("<w:p><w:r><w:t>ouvert</w:r></w:p>"))
    error = error_of(path, DOCX)
    assert error.details["reason"] == (
        "the part word/document.xml is not well-formed XML "
        "(mismatched tag: line 2, column 192)"
    )


def test_extract_text_docx_without_document_part(tmp_path: Path):
    path = tmp_path / "vide.docx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
    error = error_of(path, DOCX)
    assert error.details["reason"] == "the package has no word/document.xml part"


def test_extract_text_docx_truncated(tmp_path: Path):
    path = tmp_path / "tronque.docx"
    path.write_bytes((FIXTURES / "diagnostic.docx").read_bytes()[:900])
    error = error_of(path, DOCX, display_name="rapport final.docx")
    assert error.message == (
        "cannot extract the text of 'rapport final.docx': "
        "the file is not a valid ZIP package"
    )


def test_extract_text_docx_corrupt_entry(tmp_path: Path):
    path = tmp_path / "altere.docx"
    write_docx(path, docx_document(DOCX_BODY))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as package:
        info = package.getinfo("word/document.xml")
    # Flip bytes inside the deflated data; the CRC-32 or the inflater then fails.
    start = info.header_offset + 30 + len(info.filename) + 20
    data[start : start + 16] = bytes(byte ^ 0xFF for byte in data[start : start + 16])
    path.write_bytes(bytes(data))
    error = error_of(path, DOCX)
    assert error.details["reason"] == "the file is not a valid ZIP package"
