"""French text analysis for the search index, split between Python and tantivy.

tantivy's analyzer chain takes no Python filter, so `normalise_text` first fixes in
Python what the chain cannot: it composes NFD input to NFC, and rewrites characters
that the tokenizer would otherwise read as letters or as word breaks. The tantivy chain
registered as `FRENCH_ANALYZER` then does the rest, in this order:

1. split on every character that is not a letter or a digit, so `l'agglomération` and
   `l’agglomération` give `l` and `agglomération`;
2. lowercase;
3. drop tantivy's French stop words, which include the elided articles and pronouns
   `l d j m n s t c qu`, so elisions are removed;
4. fold to ASCII, which also expands the ligatures `œ` to `oe` and `æ` to `ae`;
5. stem with the French Snowball stemmer.

Folding before stemming gives one stem for a word with or without its accents: stemming
`activité` first gives `activ` but `activite` gives `activit`.
"""

from __future__ import annotations

import re
import unicodedata

from tantivy import Filter, TextAnalyzer, TextAnalyzerBuilder, Tokenizer

FRENCH_ANALYZER = "maillage_fr"

# tantivy rejects a term longer than 65,530 bytes; real French words stay far below 40
# characters, so longer tokens are identifiers or noise.
MAX_TOKEN_CHARS = 40

# The modifier letter apostrophe is a letter (Lm) to the tokenizer, which would keep
# `lʼaide` whole; the typographic apostrophe splits like `'`. The soft hyphen is
# invisible but would split a word in two.
_CHARACTERS = str.maketrans({"\u02bc": "\u2019", "\u00ad": None})

# Combining marks that NFC could not attach to a precomposed letter.
_STRAY_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


def normalise_text(text: str) -> str:
    """Return `text` in NFC, with the characters the tokenizer misreads replaced.

    Every text goes through this function before it is indexed and every query before
    it is parsed, so NFD and NFC spellings of a word give the same terms. The result
    must stay readable, because snippets are cut from it.
    """
    composed = unicodedata.normalize("NFC", text).translate(_CHARACTERS)
    return _STRAY_MARKS.sub("", composed)


def build_french_analyzer() -> TextAnalyzer:
    """Build the French analyzer chain that this module's docstring describes."""
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(Filter.lowercase())
        .filter(Filter.stopword("french"))
        .filter(Filter.ascii_fold())
        .filter(Filter.stemmer("french"))
        .build()
    )


def analyse(text: str) -> list[str]:
    """Return the terms that the index stores for `text`, for tests and diagnostics."""
    return build_french_analyzer().analyze(normalise_text(text))
