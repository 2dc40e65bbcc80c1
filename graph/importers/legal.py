"""Import law articles as references to versioned texts, never as text.

A folder of legal texts contains one Markdown file per article version, named
`{CODE}_{article}__{origin}_{YYYY-MM-DD}.md` (for example
`CGCT_L5216-5__etalab_2016-01-01.md`) and opening with an HTML comment that names the
source repository, the file's path in it and the commit of the version. Each file
becomes an `mlg:LawArticle` whose key is `{code}-{article}-{date}` in lower case, with
the file name as `mlg:textPath`. The text stays in the folder: `read_article_text` reads
it at run time.

Files whose name does not follow the pattern are skipped and listed in the report. This
skips `CURRENT_VERSION_EXCERPTS__code_search_unnamed.md` of the public inputs on
purpose: its excerpts have neither a named source nor a version date, and a law article
needs both.

Without the folder, `import_legal_references` reads the same facts (code, article,
version date, source) from a CSV file, and the acts have no text path.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode

from maillage.graph.errors import MalformedRequestError
from maillage.graph.importers.ntriples import (
    A,
    DatasetInfo,
    ImportReport,
    TripleWriter,
    check_counts,
    date,
    describe_dataset,
    iri,
    replace_dataset_graph,
    text,
)
from maillage.graph.iris import Iris
from maillage.graph.namespaces import DCTERMS, ELI, MLG, PROV
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

SLUG = "legal-acts"
PUBLISHER = "Légifrance (données LEGI), dépôt etalab/codes-juridiques-francais"
REFERENCE_COLUMNS = ("legal_code", "article", "version_date", "source")

_FILE_NAME = re.compile(
    r"^(?P<code>[A-Z]+)_(?P<article>[A-Z]*\d[0-9A-Za-z-]*)__"
    r"(?P<origin>[a-z]+)_(?P<date>\d{4}-\d{2}-\d{2})\.md$"
)
_HEADER = re.compile(r"\A\s*<!--(?P<body>.*?)-->", re.DOTALL)
# An entry name may carry a remark in brackets: `history (newest first):`.
_ENTRY_NAME = re.compile(r"([a-z_]+)(?: \([^)]*\))?")
_HISTORY_LINE = re.compile(
    r"^\s*[0-9a-f]{40}\s*\|\s*(\d{4}-\d{2}-\d{2})\s*\|", re.MULTILINE
)


@dataclass(frozen=True)
class ArticleVersion:
    """One version of a law article, as the act that refers to it."""

    legal_code: str
    article: str
    version_date: str
    source: str | None = None
    text_path: str | None = None

    @property
    def key(self) -> str:
        return act_key(self.legal_code, self.article, self.version_date)

    @property
    def title(self) -> str:
        return (
            f"{self.legal_code}, article {self.article} "
            f"(version en vigueur au {self.version_date})"
        )


def act_key(legal_code: str, article: str, version_date: str) -> str:
    """Return the key of a law article version: `cgct-l5216-5-2016-01-01`."""
    return f"{legal_code}-{article}-{version_date}".lower()


def parse_file_name(name: str) -> ArticleVersion | None:
    """Return the code, article and version date a file name gives, or None."""
    match = _FILE_NAME.match(name)
    if match is None:
        return None
    return ArticleVersion(
        match["code"], match["article"], match["date"], text_path=name
    )


def read_article_version(path: Path) -> tuple[ArticleVersion, list[str]]:
    """Read the header of one article file; return the version and any warnings.

    The version date comes from the file name; the header's history must agree with it.
    """
    version = parse_file_name(path.name)
    if version is None:
        raise MalformedRequestError(
            f"{path.name} is not named like CODE_ARTICLE__origin_YYYY-MM-DD.md"
        )
    header = _read_header(path)
    warnings = []
    history = _HISTORY_LINE.findall(header.get("history", ""))
    if history and history[0] != version.version_date:
        warnings.append(
            f"{path.name}: the newest history entry is {history[0]}, "
            "the file name says "
            f"{version.version_date}; the file name is kept"
        )
    source = _source(header)
    if source is None:
        warnings.append(f"{path.name}: the header names no source repository")
    return (
        ArticleVersion(
            version.legal_code, version.article, version.version_date, source, path.name
        ),
        warnings,
    )


def import_legal_folder(store: GraphStore, iris: Iris, folder: Path) -> ImportReport:
    """Import each article file of `folder` as a law article, replacing the graph."""
    if not folder.is_dir():
        raise MalformedRequestError(f"legal texts folder {folder} does not exist")
    versions: list[ArticleVersion] = []
    warnings: list[str] = []
    for path in sorted(folder.glob("*.md")):
        if parse_file_name(path.name) is None:
            warnings.append(
                f"{path.name} skipped: no article and version date in its name"
            )
            continue
        version, file_warnings = read_article_version(path)
        versions.append(version)
        warnings.extend(file_warnings)
    report = _write(store, iris, versions, source=folder.name)
    report.warnings.extend(warnings)
    return report


def import_legal_references(store: GraphStore, iris: Iris, path: Path) -> ImportReport:
    """Import law article versions listed in a CSV file, with no text path."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REFERENCE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise MalformedRequestError(
                f"{path.name} lacks the columns {', '.join(missing)}; expected "
                f"{', '.join(REFERENCE_COLUMNS)}"
            )
        versions = [
            ArticleVersion(
                row["legal_code"],
                row["article"],
                row["version_date"],
                row["source"] or None,
            )
            for row in reader
        ]
    return _write(store, iris, versions, source=path.name)


def read_article_text(
    settings_or_folder: Settings | Path | str | None, act: NamedNode | str
) -> str | None:
    """Read the text of a law article version from the legal texts folder.

    `act` is the act's IRI or key. Returns the Markdown after the file's header comment,
    or None when no folder is configured or no file of the folder matches the act.
    """
    folder = _folder(settings_or_folder)
    if folder is None or not folder.is_dir():
        return None
    key = _key_of(act)
    for path in sorted(folder.glob("*.md")):
        version = parse_file_name(path.name)
        if version is not None and version.key == key:
            content = path.read_text(encoding="utf-8")
            return _HEADER.sub("", content, count=1).strip()
    return None


def _write(
    store: GraphStore, iris: Iris, versions: list[ArticleVersion], *, source: str
) -> ImportReport:
    years = [int(v.version_date[:4]) for v in versions]
    info = DatasetInfo(
        slug=SLUG,
        title="Articles de loi (versions datées)",
        source=source,
        publisher=PUBLISHER,
        vintage=max(years) if years else None,
    )
    writer = TripleWriter()
    dataset = describe_dataset(writer, iris, info)
    for version in versions:
        _add_act(writer, iris, version, dataset)
    report = replace_dataset_graph(store, iris, SLUG, writer)
    with_path = sum(1 for v in versions if v.text_path)
    expected = {
        "law articles": ("?a a mlg:LawArticle", len(versions)),
        "with a text path": ("?a mlg:textPath ?p", with_path),
    }
    must_be_zero = {
        "law articles without an entry-into-force date": (
            "?a a mlg:LawArticle . "
            "FILTER NOT EXISTS { ?a eli:first_date_entry_in_force ?d }"
        ),
    }
    check_counts(store, report, expected, must_be_zero)
    return report


def _add_act(
    writer: TripleWriter, iris: Iris, version: ArticleVersion, dataset: str
) -> None:
    subject = iri(iris.item("act", version.key))
    writer.add(subject, A, iri(MLG.LawArticle))
    writer.add(subject, A, iri(MLG.LegalAct))
    writer.add(subject, iri(DCTERMS["title"]), text(version.title, "fr"))
    writer.add(subject, iri(MLG.legalCode), text(version.legal_code))
    writer.add(subject, iri(MLG.articleNumber), text(version.article))
    writer.add(subject, iri(ELI.first_date_entry_in_force), date(version.version_date))
    if version.text_path:
        writer.add(subject, iri(MLG.textPath), text(version.text_path))
    if version.source:
        writer.add(subject, iri(DCTERMS.source), text(version.source))
    writer.add(subject, iri(PROV.wasDerivedFrom), dataset)


def _read_header(path: Path) -> dict[str, str]:
    """Return the `name: value` entries of the file's opening HTML comment."""
    with path.open(encoding="utf-8") as handle:
        head = handle.read(16384)
    match = _HEADER.match(head)
    if match is None:
        return {}
    entries: dict[str, str] = {}
    current = None
    for line in match["body"].splitlines():
        name, colon, value = line.partition(":")
        entry = _ENTRY_NAME.fullmatch(name.strip())
        if colon and entry:
            current = entry.group(1)
            entries[current] = value.strip()
        elif current is not None:
            entries[current] += "\n" + line
    return entries


def _source(header: dict[str, str]) -> str | None:
    """Return `repository@commit:path` for the version the file records."""
    repository = header.get("source_repo")
    if not repository:
        return None
    commit_match = re.match(
        r"\s*([0-9a-f]{40})", header.get("last_commit_touching_file", "")
    )
    commit = (
        commit_match.group(1) if commit_match else header.get("snapshot_head_commit")
    )
    path = header.get("path")
    source = repository
    if commit:
        source += f"@{commit}"
    if path:
        source += f":{path}"
    return source


def _folder(settings_or_folder: Settings | Path | str | None) -> Path | None:
    if isinstance(settings_or_folder, Settings):
        return settings_or_folder.legal_texts_path
    if settings_or_folder is None:
        return None
    return Path(settings_or_folder)


def _key_of(act: NamedNode | str) -> str:
    value = act.value if isinstance(act, NamedNode) else act
    return value.rsplit("/id/act/", 1)[-1].split("#", 1)[0]
