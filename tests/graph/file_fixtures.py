"""Writers of the document fixtures in tests/fixtures/files, and of hostile test files.

Regenerate the committed fixtures with `.venv/bin/python -m tests.graph.file_fixtures`.
DOCX and ODT packages are written by hand from their specifications (ECMA-376 Open
Packaging Conventions, OASIS ODF 1.3 part 2), and the tests check them with python-docx
and odfpy. PDFs come from reportlab, and pypdf encrypts them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "files"

TITLE = "Diagnostic social partagé de l'agglomération, œuvre"

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml"

CONTENT_TYPES = (
    f'{_XML_DECLARATION}<Types xmlns="{_PACKAGE}/content-types">\n'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\n'
    '<Default Extension="xml" ContentType="application/xml"/>\n'
    '<Override PartName="/word/document.xml" '
    f'ContentType="{_MAIN_TYPE}.document.main+xml"/>\n'
    '<Override PartName="/word/footnotes.xml" '
    f'ContentType="{_MAIN_TYPE}.footnotes+xml"/>\n'
    "</Types>"
)

PACKAGE_RELATIONSHIPS = (
    f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">\n'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" '
    'Target="word/document.xml"/>\n'
    "</Relationships>"
)

DOCUMENT_RELATIONSHIPS = (
    f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE}/relationships">\n'
    f'<Relationship Id="rId1" Type="{_REL}/footnotes" Target="footnotes.xml"/>\n'
    "</Relationships>"
)

DOCX_BODY = (
    '<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>'
    f"<w:r><w:t>{TITLE}</w:t></w:r></w:p>\n"
    '<w:p><w:r><w:t xml:space="preserve">Les 42 communes de la CAPCA </w:t></w:r>'
    "<w:r><w:rPr><w:b/></w:rPr><w:t>partagent</w:t></w:r>"
    '<w:r><w:t xml:space="preserve"> un CIAS.</w:t></w:r>'
    '<w:r><w:footnoteReference w:id="1"/></w:r></w:p>\n'
    "<w:p><w:r><w:t>Compétence</w:t><w:tab/><w:t>action sociale</w:t><w:br/>"
    "<w:t>d'intérêt communautaire</w:t></w:r>"
    '<w:del w:id="7" w:author="CAPCA" w:date="2024-03-01T00:00:00Z">'
    "<w:r><w:delText>texte supprimé</w:delText></w:r></w:del></w:p>\n"
    "<w:tbl><w:tblPr/>"
    '<w:tblGrid><w:gridCol w:w="4000"/><w:gridCol w:w="2000"/></w:tblGrid>'
    "<w:tr><w:tc><w:p><w:r><w:t>Privas</w:t></w:r></w:p></w:tc>"
    "<w:tc><w:p><w:r><w:t>07186</w:t></w:r></w:p></w:tc></w:tr></w:tbl>\n"
    '<w:p><w:r><w:br w:type="page"/><w:t>Fin du diagnostic.</w:t></w:r></w:p>'
)

FOOTNOTES = (
    f'{_XML_DECLARATION}<w:footnotes xmlns:w="{_W}">\n'
    '<w:footnote w:type="separator" w:id="-1">'
    "<w:p><w:r><w:separator/></w:r></w:p></w:footnote>\n"
    '<w:footnote w:type="continuationSeparator" w:id="0">'
    "<w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>\n"
    '<w:footnote w:id="1">'
    "<w:p><w:r><w:t>Centre intercommunal d'action sociale.</w:t></w:r></w:p>"
    "</w:footnote>\n"
    "</w:footnotes>"
)

_ODF = "urn:oasis:names:tc:opendocument:xmlns"
_DC = "http://purl.org/dc/elements/1.1/"
ODT_MEDIA_TYPE = "application/vnd.oasis.opendocument.text"

ODT_BODY = (
    f'<text:h text:outline-level="1">{TITLE}</text:h>\n'
    "<text:p>Les 42 communes de la CAPCA <text:span>partagent</text:span> un CIAS."
    '<text:note text:id="n1" text:note-class="footnote">'
    "<text:note-citation>1</text:note-citation><text:note-body>"
    "<text:p>Centre intercommunal d'action sociale.</text:p>"
    "</text:note-body></text:note></text:p>\n"
    "<text:p>Compétence<text:tab/>action sociale<text:line-break/>"
    'd\'intérêt<text:s text:c="3"/>communautaire</text:p>\n'
    "<text:list><text:list-item><text:p>Privas</text:p></text:list-item>"
    "<text:list-item><text:p>Lyas</text:p></text:list-item></text:list>\n"
    '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>'
    "<office:change-info><dc:creator>CAPCA</dc:creator>"
    "<dc:date>2024-03-01T00:00:00</dc:date></office:change-info>"
    "<text:p>texte supprimé</text:p>"
    "</text:deletion></text:changed-region></text:tracked-changes>"
)

MANIFEST = (
    f'{_XML_DECLARATION}<manifest:manifest xmlns:manifest="{_ODF}:manifest:1.0" '
    'manifest:version="1.3">\n'
    '<manifest:file-entry manifest:full-path="/" '
    f'manifest:media-type="{ODT_MEDIA_TYPE}" manifest:version="1.3"/>\n'
    '<manifest:file-entry manifest:full-path="content.xml" '
    'manifest:media-type="text/xml"/>\n'
    "</manifest:manifest>"
)


def docx_document(body: str) -> str:
    """Return a main document part whose body is `body`, WordprocessingML markup."""
    return (
        f'{_XML_DECLARATION}<w:document xmlns:w="{_W}" xmlns:r="{_REL}">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )


def odt_content(body: str) -> str:
    """Return a content.xml part whose office:text is `body`, ODF text markup."""
    return (
        f'{_XML_DECLARATION}<office:document-content xmlns:office="{_ODF}:office:1.0" '
        f'xmlns:text="{_ODF}:text:1.0" xmlns:dc="{_DC}" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )


def write_docx(path: Path, document: str, *, footnotes: str | None = None) -> None:
    """Write a WordprocessingML package with the main part `document`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", PACKAGE_RELATIONSHIPS)
        package.writestr("word/document.xml", document)
        if footnotes is not None:
            package.writestr("word/_rels/document.xml.rels", DOCUMENT_RELATIONSHIPS)
            package.writestr("word/footnotes.xml", footnotes)


def write_odt(path: Path, content: str) -> None:
    """Write an ODF text package, whose `mimetype` entry is first and not compressed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", ODT_MEDIA_TYPE, compress_type=zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", MANIFEST)
        package.writestr("content.xml", content)


def write_pdf_with_text(path: Path) -> None:
    """Write a two-page PDF whose text uses a standard font, so it has a text layer."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path), invariant=True)
    canvas.drawString(72, 760, TITLE)
    canvas.drawString(72, 740, "Les 42 communes de la CAPCA partagent un CIAS.")
    canvas.showPage()
    canvas.drawString(72, 760, "Fin du diagnostic.")
    canvas.save()


def write_scanned_pdf(path: Path) -> None:
    """Write a one-page PDF holding only a picture, like a scan without OCR."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    picture = Image.new("L", (120, 40), color=255)
    draw = ImageDraw.Draw(picture)
    for left in range(6, 110, 14):
        draw.rectangle(
            (left, 14, left + 9, 26), fill=0
        )  # dark blocks like printed words
    canvas = Canvas(str(path), invariant=True)
    canvas.drawImage(ImageReader(picture), 72, 600, width=360, height=120)
    canvas.save()


def write_encrypted_pdf(source: Path, path: Path, *, user_password: str) -> None:
    """Write `source` encrypted with RC4-128, which pypdf writes without AES support."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=source)
    writer.encrypt(
        user_password=user_password, owner_password="proprietaire", algorithm="RC4-128"
    )
    writer.write(path)


HTML_PAGE = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Titre de l'onglet</title>
<style>body {{ font-family: sans-serif; }} .cache {{ display: none; }}</style>
<script>document.write("code exécuté");</script>
</head>
<body>
<h1>{TITLE}</h1>
<p>Les&nbsp;42 communes   de la <b>CAPCA</b>
partagent un CIAS &amp; un CCAS.</p>
<script type="module">const secret = "<p>pas du texte</p>";</script>
<ul><li>Privas</li><li>Lyas</li></ul>
<noscript>Activez JavaScript.</noscript>
</body>
</html>
"""

MARKDOWN = f"""# {TITLE}

Les **42 communes** de la CAPCA partagent un *CIAS*.

- Privas
- Lyas
"""


def write_fixtures(folder: Path = FIXTURES) -> None:
    """Write every committed fixture into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    write_docx(
        folder / "diagnostic.docx", docx_document(DOCX_BODY), footnotes=FOOTNOTES
    )
    write_odt(folder / "diagnostic.odt", odt_content(ODT_BODY))
    write_pdf_with_text(folder / "diagnostic.pdf")
    write_scanned_pdf(folder / "scan.pdf")
    source = folder / "diagnostic.pdf"
    write_encrypted_pdf(source, folder / "encrypted.pdf", user_password="secret")
    write_encrypted_pdf(source, folder / "restricted.pdf", user_password="")
    data = source.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    (folder / "notes.md").write_text(MARKDOWN, encoding="utf-8")
    # Decomposed accents (NFD), a form feed between pages, a backspace, CRLF endings.
    nfd = "Diagnostic social partage\u0301 de l'agglome\u0301ration, \u0153uvre"
    (folder / "nfd.txt").write_bytes(
        f"{nfd}\r\nPremie\u0300re page\fSeconde\b page\r\n".encode()
    )
    (folder / "windows-1252.txt").write_bytes(
        "Intérêt communautaire, œuvre sociale\r\n".encode("cp1252")
    )


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    """Return a ZIP archive in memory, deflated, holding `entries`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


if __name__ == "__main__":
    write_fixtures()
