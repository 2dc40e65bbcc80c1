"""Snippets of the hits: a piece of each item's text with the matching words marked.

tantivy's `SnippetGenerator` analyses the whole stored field to find the best fragment,
which costs about a millisecond per 1,500 words. For a long `text` field,
`SnippetCutter` therefore first looks in Python for the words that have one of the
query's stems. A regular expression finds the words that start like a stem, and the
analyzer stems each of them to confirm it. It reads the first `FIRST_SCAN_CHARS` of the
text, and the rest only when they hold no window with every stem of the query. The
generator then works on a window of the text around the best place. It still decides
what matches, so a wrong guess only costs a second try on the whole field.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from tantivy import Document, Query, Schema, Searcher, Snippet, SnippetGenerator

from maillage.graph.search.analysis import build_french_analyzer, normalise_text

# Length of a snippet, in characters of the source text.
SNIPPET_CHARS = 240
# Fields a snippet is cut from, in order: the first with a match wins.
SNIPPET_FIELDS = ("text", "description", "title")
# Fields whose start is the snippet of a hit with no highlighted match.
LEADING_FIELDS = ("description", "text", "title")
# Texts longer than this are searched through windows first.
WINDOW_THRESHOLD = 4 * SNIPPET_CHARS
# Matching words kept per stem and text.
MAX_CANDIDATES = 20
# Characters of a long text searched first: when they hold a window with every stem
# of the query, the rest of the text cannot offer a better one.
FIRST_SCAN_CHARS = 8 * SNIPPET_CHARS

# Letters that ASCII folding took the accent off, and the ligatures it expanded.
_FOLDED = {
    "a": "[aàâäáãå]",
    "c": "[cç]",
    "e": "[eéèêë]",
    "i": "[iîïíì]",
    "n": "[nñ]",
    "o": "[oôöóòõ]",
    "u": "[uùûüú]",
    "y": "[yÿý]",
}
_LIGATURES = {"oe": "(?:oe|œ)", "ae": "(?:ae|æ)"}
# Line breaks and runs of spaces, shown as one space in a snippet.
_WHITESPACE = re.compile(r"\s+")


class SnippetCutter:
    """Cuts the snippet of each hit of one query.

    Each field's `SnippetGenerator` is built once per query, at its first use, since
    building it looks up the query's terms in the index.
    """

    def __init__(
        self, searcher: Searcher, schema: Schema, query: Query, query_text: str
    ) -> None:
        self.searcher = searcher
        self.schema = schema
        self.query = query
        self._generators: dict[str, SnippetGenerator] = {}
        stems = build_french_analyzer().analyze(normalise_text(query_text))
        self._finder = _StemFinder(stems) if stems else None

    def __call__(self, document: Document) -> str:
        """Return the snippet of `document` as HTML: a match if any, else its start."""
        if self._finder is not None:
            for name in SNIPPET_FIELDS:
                marked = self._highlight_field(document, name)
                if marked:
                    return marked
        for name in LEADING_FIELDS:
            value = document.get_first(name)
            if value:
                return leading_text(value)
        return ""

    def _highlight_field(self, document: Document, name: str) -> str | None:
        value = document.get_first(name) or ""
        if len(value) <= WINDOW_THRESHOLD:
            return highlight(self._generator(name).snippet_from_doc(document))
        words = self._finder.find(value[:FIRST_SCAN_CHARS])
        if not words or _best_window(words)[1] < len(self._finder.stems):
            words = self._finder.find(value)
        if not words:
            return None
        for start in _best_starts(words):
            window = Document()
            window.add_text(name, _window(value, start))
            marked = highlight(self._generator(name).snippet_from_doc(window))
            if marked:
                return marked
        return highlight(self._generator(name).snippet_from_doc(document))

    def _generator(self, name: str) -> SnippetGenerator:
        if name not in self._generators:
            generator = SnippetGenerator.create(
                self.searcher, self.query, self.schema, name
            )
            generator.set_max_num_chars(SNIPPET_CHARS)
            self._generators[name] = generator
        return self._generators[name]


def highlight(snippet: Snippet) -> str | None:
    """Return the snippet's fragment as escaped HTML with `<mark>` around each match.

    Return None when the fragment has no match. tantivy gives the matches as byte
    ranges of the UTF-8 fragment.
    """
    ranges = sorted((r.start, r.end) for r in snippet.highlighted())
    if not ranges:
        return None
    fragment = snippet.fragment().encode("utf-8")
    parts = []
    position = 0
    for start, end in ranges:
        if start < position:
            continue
        parts.append(_escape(fragment[position:start]))
        parts.append(f"<mark>{_escape(fragment[start:end])}</mark>")
        position = end
    parts.append(_escape(fragment[position:]))
    return "".join(parts).strip()


def leading_text(text: str, max_chars: int = SNIPPET_CHARS) -> str:
    """Return the start of `text` as escaped HTML, cut at a word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) > max_chars:
        cut = flat[:max_chars].rsplit(" ", 1)[0]
        flat = f"{cut} …"
    return html.escape(flat, quote=True)


def _escape(data: bytes) -> str:
    text = _WHITESPACE.sub(" ", data.decode("utf-8", errors="replace"))
    return html.escape(text, quote=True)


class _StemFinder:
    """Finds the words of a text whose stem is one of the query's stems."""

    def __init__(self, stems: list[str]) -> None:
        self.stems = set(stems)
        self.expressions = _stem_expressions(self.stems)
        self._analyzer = build_french_analyzer()
        self._known: dict[str, str | None] = {}

    def find(self, text: str) -> list[tuple[int, str]]:
        """Return the start and stem of the first matching words, ordered by start.

        Each stem expression stops after `MAX_CANDIDATES` words, or after the first
        when the query has a single stem.
        """
        lowered = text.lower()
        if len(lowered) != len(text):
            # Lowercasing changed the length, so its offsets are not the text's. The
            # words in capitals are then missed, and the cutter falls back on tantivy.
            lowered = text
        per_expression = 1 if len(self.stems) == 1 else MAX_CANDIDATES
        found = []
        for expression in self.expressions:
            found.extend(self._find_words(expression, lowered, per_expression))
        return sorted(found)

    def _find_words(
        self, expression: re.Pattern[str], text: str, limit: int
    ) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for match in expression.finditer(text):
            start = match.start()
            if start and text[start - 1].isalnum():
                continue
            stem = self._stem_of(match.group(0))
            if stem is not None:
                found.append((start, stem))
                if len(found) == limit:
                    break
        return found

    def _stem_of(self, word: str) -> str | None:
        key = word.lower()
        if key not in self._known:
            stems = self._analyzer.analyze(key)
            self._known[key] = stems[0] if stems and stems[0] in self.stems else None
        return self._known[key]


def _stem_expressions(stems: set[str]) -> list[re.Pattern[str]]:
    """Build one expression per stem prefix, for the words that may have the stem.

    The stemmer sometimes changes a word's ending (`généraux` gives `general`), so an
    expression looks for the stem without its last two letters, with or without
    accents, and takes the whole word for `_StemFinder` to check. One expression per
    prefix, with no alternation and no lookbehind, lets `re` scan for its first letters
    quickly.
    """
    prefixes = sorted({stem[: max(4, len(stem) - 2)] for stem in stems})
    return [re.compile(_accented(prefix) + r"\w*") for prefix in prefixes]


def _accented(prefix: str) -> str:
    parts = []
    position = 0
    while position < len(prefix):
        pair = prefix[position : position + 2]
        if pair in _LIGATURES:
            parts.append(_LIGATURES[pair])
            position += 2
            continue
        char = prefix[position]
        parts.append(_FOLDED.get(char, re.escape(char)))
        position += 1
    return "".join(parts)


def _best_starts(words: list[tuple[int, str]]) -> list[int]:
    """Return up to two window starts: the one with the most distinct stems, then the
    first matching word.
    """
    best_start, _ = _best_window(words)
    starts = [best_start]
    if words[0][0] != best_start:
        starts.append(words[0][0])
    return starts


def _best_window(words: list[tuple[int, str]]) -> tuple[int, int]:
    """Return the start of the best window and its number of distinct stems.

    The best start is the earliest word that begins a stretch of `SNIPPET_CHARS` with
    the most distinct stems.
    """
    best_start, best_count = words[0][0], 0
    inside: Counter[str] = Counter()
    left = 0
    for position, stem in words:
        inside[stem] += 1
        while words[left][0] < position - SNIPPET_CHARS:
            leaving = words[left][1]
            inside[leaving] -= 1
            if not inside[leaving]:
                del inside[leaving]
            left += 1
        if len(inside) > best_count:
            best_start, best_count = words[left][0], len(inside)
    return best_start, best_count


def _window(text: str, start: int) -> str:
    """Return about three snippets of `text` around `start`, cut between words."""
    begin = max(0, start - SNIPPET_CHARS)
    end = min(len(text), start + 2 * SNIPPET_CHARS)
    if begin > 0:
        space = text.find(" ", begin, start)
        begin = space + 1 if space != -1 else begin
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space != -1 else end
    return text[begin:end]
