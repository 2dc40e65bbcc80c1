"""Plain text of stored documents: PDF, DOCX, ODT, HTML, Markdown and plain text.

The text is cleaned so that any RDF syntax can carry it in a literal: Unicode NFC, line
breaks as `\\n`, and no control character but `\\n` and `\\t`, because XML 1.0, and so
RDF/XML, cannot contain the others. A file that cannot be read raises `ExtractionError`,
and the caller then keeps the document's metadata without its text.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PyPdfError

from maillage.graph.errors import ExtractionError, UnsupportedMediaTypeError
from maillage.graph.files import DOCX, HTML, MARKDOWN, ODT, PDF, PLAIN_TEXT

logger = logging.getLogger(__name__)

MiB = 1024 * 1024


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds on the work and memory that one file may cost."""

    max_unzipped_bytes: int = 100 * MiB
    """Total uncompressed size of a DOCX or ODT package, declared and actually read."""
    max_compression_ratio: float = 100.0
    """Uncompressed over compressed size of one ZIP entry larger than 1 MiB."""
    max_zip_entries: int = 10_000
    max_pages: int = 2_000
    """PDF pages read; the text of later pages is left out with a warning."""
    max_text_chars: int = 10_000_000
    """Characters kept; the rest of the text is cut with a warning."""


@dataclass(frozen=True)
class ExtractedText:
    """Text of one file; `text` is None for a PDF with no text layer, such as a scan."""

    text: str | None
    has_text_layer: bool
    pages: int | None
    warnings: list[str] = field(default_factory=list)


class _Unreadable(Exception):
    """A reason, in words for the user, why a file's text cannot be read."""


def extract_text(
    path: Path,
    media_type: str,
    *,
    limits: ExtractionLimits | None = None,
    display_name: str | None = None,
) -> ExtractedText:
    """Read the plain text of the file at `path`, whose content is of `media_type`.

    `display_name`, such as the client's file name, names the file in error messages
    in place of `path.name`. Raises `UnsupportedMediaTypeError` for a media type that
    has no reader, and `ExtractionError` for a corrupt file, a PDF locked by a password,
    or a package that would expand past `limits`.
    """
    reader = _READERS.get(media_type)
    if reader is None:
        accepted = ", ".join(_READERS)
        raise UnsupportedMediaTypeError(
            f"no text reader for media type {media_type[:80]!r}; accepted: {accepted}"
        )
    limits = limits or ExtractionLimits()
    name = display_name or path.name

    started = time.perf_counter()
    try:
        raw = reader(path, limits)
    except _Unreadable as exc:
        logger.info("text extraction failed for %s (%s): %s", name, media_type, exc)
        raise ExtractionError(
            f"cannot extract the text of {name!r}: {exc}",
            details={"file": name, "reason": str(exc)},
        ) from exc

    extracted = _finish(raw, limits)
    logger.info(
        "extracted %d characters from %s (%s) in %.2f s",
        len(extracted.text or ""),
        name,
        media_type,
        time.perf_counter() - started,
    )
    return extracted


_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\f": "\n", "\v": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
)
# C0 controls but tab and line feed, DEL, C1 controls, lone surrogates, and the two
# non-characters that XML 1.0 excludes.
_DROPPED_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)


def clean_text(text: str) -> str:
    """Return `text` in NFC, with `\\n` line breaks and no control but `\\n` and `\\t`.

    Form feeds, which mark page breaks, and the other line separators become `\\n`.
    Backspaces and the remaining controls are removed.
    """
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    text = _DROPPED_CHARACTERS.sub("", text)
    # Normalise after the removal: a dropped control may have kept a base letter and its
    # combining accent apart.
    return unicodedata.normalize("NFC", text)


def _finish(raw: ExtractedText, limits: ExtractionLimits) -> ExtractedText:
    if raw.text is None:
        return raw
    text = clean_text(raw.text)
    warnings = list(raw.warnings)
    if len(text) > limits.max_text_chars:
        warnings.append(
            f"the text was cut after {limits.max_text_chars} characters, the limit"
        )
        text = text[: limits.max_text_chars]
    return ExtractedText(text, raw.has_text_layer, raw.pages, warnings)


# PDF ----------------------------------------------------------------------------------

# pypdf raises its own errors for most damaged files, and built-in ones for some others,
# such as a KeyError for a missing dictionary entry or a RecursionError for a loop.
_PDF_FAILURES = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
)


def _read_pdf(path: Path, limits: ExtractionLimits) -> ExtractedText:
    warnings: list[str] = []
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            _unlock(reader, warnings)
        page_count = len(reader.pages)
        texts = _pdf_page_texts(reader, limits, warnings)
    except DependencyError as exc:
        raise _Unreadable(
            "the PDF is encrypted with AES, which this installation cannot decrypt"
        ) from exc
    except _PDF_FAILURES as exc:
        logger.info("pypdf cannot read %s: %s", path.name, exc)
        raise _Unreadable("the PDF is damaged or truncated") from exc

    if not any(text.strip() for text in texts):
        return ExtractedText(None, False, page_count, warnings)
    # A page break becomes a line break, so that no page runs into the next.
    return ExtractedText("\n".join(texts), True, page_count, warnings)


def _unlock(reader: PdfReader, warnings: list[str]) -> None:
    """Open a PDF encrypted with an empty user password, as any PDF viewer does."""
    if reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise _Unreadable("the PDF is encrypted with a password")
    warnings.append("the PDF is encrypted with an empty password; its text was read")


def _pdf_page_texts(
    reader: PdfReader, limits: ExtractionLimits, warnings: list[str]
) -> list[str]:
    texts: list[str] = []
    length = 0
    for number, page in enumerate(reader.pages, start=1):
        if number > limits.max_pages or length > limits.max_text_chars:
            warnings.append(f"only the first {number - 1} pages were read")
            break
        # NOTE: pypdf has no time limit, so a page with a huge content stream is slow.
        text = page.extract_text() or ""
        texts.append(text)
        length += len(text)
    return texts


# Text and HTML ------------------------------------------------------------------------


def _read_plain(path: Path, limits: ExtractionLimits) -> ExtractedText:
    warnings: list[str] = []
    text = _decode(_read_head(path, limits, warnings), warnings)
    return ExtractedText(text, True, None, warnings)


def _read_html(path: Path, limits: ExtractionLimits) -> ExtractedText:
    warnings: list[str] = []
    parser = _VisibleText()
    parser.feed(_decode(_read_head(path, limits, warnings), warnings))
    parser.close()
    return ExtractedText(parser.text(), True, None, warnings)


def _read_head(path: Path, limits: ExtractionLimits, warnings: list[str]) -> bytes:
    """Read the bytes that the text limit can use, at most 4 a character in UTF-8."""
    cap = 4 * limits.max_text_chars
    with path.open("rb") as file:
        data = file.read(cap + 1)
    if len(data) > cap:
        warnings.append(f"only the first {cap} bytes of the file were read")
        data = _cut_at_character(data[:cap])
    return data


def _cut_at_character(data: bytes) -> bytes:
    """Drop a UTF-8 sequence cut in two at the end of `data`, so that it decodes."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 == 0x80:
            continue  # a continuation byte: look further back for the lead byte
        if byte < 0xC0:
            length = 1
        elif byte < 0xE0:
            length = 2
        elif byte < 0xF0:
            length = 3
        else:
            length = 4
        return data[:-back] if back < length else data
    return data


def _decode(data: bytes, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append("the file is not valid UTF-8 and was read as Windows-1252")
        return data.decode("cp1252", "replace")


class _VisibleText(HTMLParser):
    """Text that a browser shows: no script, style, template, noscript or title."""

    HIDDEN = frozenset({"script", "style", "template", "noscript", "title"})
    BLOCKS = frozenset(
        {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"}
        | {"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"}
        | {"header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table"}
        | {"td", "th", "tr", "ul"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden_depth:
            return
        self.parts.append(data if self.pre_depth else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        """Return the collected text, one block a line.

        NOTE: the spaces that open a line of a `pre` block are trimmed like any other.
        """
        text = re.sub(r" *\n[ \n]*", "\n", "".join(self.parts))
        return text.strip(" \n")


# DOCX and ODT -------------------------------------------------------------------------

# Entries over this size must respect `max_compression_ratio`; small XML parts compress
# far better than 100 to 1 when they are mostly repeated markup.
_RATIO_GRACE_BYTES = MiB

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _read_docx(path: Path, limits: ExtractionLimits) -> ExtractedText:
    parts = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
    text = _read_package(path, limits, parts, _DOCX_MARKUP)
    return ExtractedText(text, True, None, [])


def _read_odt(path: Path, limits: ExtractionLimits) -> ExtractedText:
    text = _read_package(path, limits, ("content.xml",), _ODT_MARKUP)
    return ExtractedText(text, True, None, [])


@dataclass(frozen=True)
class _Markup:
    """Layout rules of the text in one XML vocabulary."""

    paragraphs: frozenset[str]
    skipped: frozenset[str]  # elements whose text is not part of the document's text
    emit: Callable[[Element], str]  # the text an element adds before its children
    mixed_content: bool  # whether an element's tail is text, as in ODF


def _docx_emit(element: Element) -> str:
    if element.tag == f"{_W}t":
        return element.text or ""
    if element.tag == f"{_W}tab":
        return "\t"
    if element.tag in (f"{_W}br", f"{_W}cr"):
        return "\n"
    return ""


def _odt_emit(element: Element) -> str:
    if element.tag == f"{_TEXT}s":
        count = element.get(f"{_TEXT}c", "1")
        return " " * min(int(count), 1000) if count.isdigit() else " "
    if element.tag == f"{_TEXT}tab":
        return "\t"
    if element.tag == f"{_TEXT}line-break":
        return "\n"
    return element.text or ""


_DOCX_MARKUP = _Markup(
    paragraphs=frozenset({f"{_W}p"}),
    # Deleted text is in w:delText, which emits nothing; moved text is in both places.
    skipped=frozenset({f"{_W}moveFrom"}),
    emit=_docx_emit,
    mixed_content=False,
)
_ODT_MARKUP = _Markup(
    paragraphs=frozenset({f"{_TEXT}p", f"{_TEXT}h"}),
    skipped=frozenset({f"{_TEXT}tracked-changes"}),
    emit=_odt_emit,
    mixed_content=True,
)
_ZIP_FAILURES = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not have
    RuntimeError,  # an entry encrypted with a password
    OSError,
)


def _read_package(
    path: Path, limits: ExtractionLimits, part_names: tuple[str, ...], markup: _Markup
) -> str:
    """Return the text of the XML parts `part_names`, of which the first must exist."""
    texts = []
    try:
        with zipfile.ZipFile(path) as archive:
            _check_directory(archive, limits)
            budget = _Budget(limits.max_unzipped_bytes)
            for name in part_names:
                if name not in archive.NameToInfo:
                    if name == part_names[0]:
                        raise _Unreadable(f"the package has no {name} part")
                    continue
                info = archive.getinfo(name)
                with archive.open(info) as entry:
                    reader = _CappedReader(entry, info, budget, limits)
                    texts.append(_xml_text(reader, markup, name))
    except _ZIP_FAILURES as exc:
        logger.info("zipfile cannot read %s: %s", path.name, exc)
        raise _Unreadable("the file is not a valid ZIP package") from exc
    return "\n".join(texts)


def _check_directory(archive: zipfile.ZipFile, limits: ExtractionLimits) -> None:
    """Reject a package whose central directory declares too much data to read."""
    entries = archive.infolist()
    if len(entries) > limits.max_zip_entries:
        raise _Unreadable(
            f"the package has {len(entries)} entries, over the limit of "
            f"{limits.max_zip_entries}"
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_unzipped_bytes:
        raise _Unreadable(
            f"the package would expand to {declared} bytes, over the limit of "
            f"{limits.max_unzipped_bytes}"
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if (
            entry.file_size > _RATIO_GRACE_BYTES
            and ratio > limits.max_compression_ratio
        ):
            raise _Unreadable(
                f"the entry {entry.filename[:80]!r} would expand {ratio:.0f} times, "
                f"over the limit of {limits.max_compression_ratio:.0f}"
            )


class _Budget:
    """Bytes that the parts of one package may still expand to."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.remaining = limit

    def spend(self, size: int) -> None:
        self.remaining -= size
        if self.remaining < 0:
            raise _Unreadable(f"the package expands past {self.limit} bytes, the limit")


class _CappedReader:
    """A ZIP entry that checks, while it is read, what the central directory declared.

    The directory may lie, so the bytes actually read are held to the declared size, the
    compression ratio and the package's budget.
    """

    CHUNK_BYTES = 64 * 1024

    def __init__(
        self,
        entry: IO[bytes],
        info: zipfile.ZipInfo,
        budget: _Budget,
        limits: ExtractionLimits,
    ) -> None:
        self.entry = entry
        self.name = info.filename[:80]
        self.declared = info.file_size
        self.ratio = limits.max_compression_ratio
        self.ceiling = max(_RATIO_GRACE_BYTES, self.ratio * info.compress_size)
        self.budget = budget
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk_size = self.CHUNK_BYTES if size < 0 else min(size, self.CHUNK_BYTES)
        data = self.entry.read(chunk_size)
        self.count += len(data)
        if self.count > self.declared:
            raise _Unreadable(
                f"the entry {self.name!r} is longer than its declared size"
            )
        if self.count > self.ceiling:
            raise _Unreadable(
                f"the entry {self.name!r} expands more than {self.ratio:.0f} times"
            )
        self.budget.spend(len(data))
        return data


def _xml_text(source: _CappedReader, markup: _Markup, name: str) -> str:
    """Stream an XML part and return its text, one paragraph a line.

    Each outermost paragraph is read once it is complete and then cleared, so memory
    follows the largest paragraph, not the whole part. DTDs are rejected, which also
    rejects entity declarations and so entity expansion.
    """
    lines = []
    paragraph_depth = skipped_depth = 0
    try:
        events = defusedxml.ElementTree.iterparse(
            source, events=("start", "end"), forbid_dtd=True
        )
        for event, element in events:
            if element.tag in markup.skipped:
                skipped_depth += 1 if event == "start" else -1
            if element.tag not in markup.paragraphs:
                if event == "end" and paragraph_depth == 0:
                    element.clear()
                continue
            paragraph_depth += 1 if event == "start" else -1
            if event == "end" and paragraph_depth == 0:
                text = "" if skipped_depth else _paragraph_text(element, markup)
                if text:
                    lines.append(text)
                element.clear()
    except ParseError as exc:
        raise _Unreadable(f"the part {name} is not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise _Unreadable(f"the part {name} contains a DTD, which is rejected") from exc
    return "\n".join(lines)


def _paragraph_text(paragraph: Element, markup: _Markup) -> str:
    """Return the text of a paragraph, where a nested one, such as a note, is a line."""
    parts: list[str] = []
    # An explicit stack rather than recursion, so that deep nesting cannot overflow.
    stack: list[tuple[Element, bool]] = [(paragraph, False)]
    while stack:
        element, closing = stack.pop()
        nested = element is not paragraph and element.tag in markup.paragraphs
        if not closing and element.tag not in markup.skipped:
            parts.append("\n" if nested else "")
            parts.append(markup.emit(element))
            stack.append((element, True))
            stack.extend((child, False) for child in reversed(element))
            continue
        if element is paragraph:
            continue
        if closing and nested:
            parts.append("\n")
        if markup.mixed_content and element.tail:
            parts.append(element.tail)
    # Neither empty nested paragraphs nor a page break opening a paragraph leave a blank
    # line.
    return re.sub(r"\n{2,}", "\n", "".join(parts)).strip("\n")


_READERS: dict[str, Callable[[Path, ExtractionLimits], ExtractedText]] = {
    PDF: _read_pdf,
    DOCX: _read_docx,
    ODT: _read_odt,
    HTML: _read_html,
    MARKDOWN: _read_plain,
    PLAIN_TEXT: _read_plain,
}
