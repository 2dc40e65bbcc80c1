"""The example queries of the query page, one `.rq` file each in `server/queries/`.

A file starts with `# title: ...` and a few `#` lines of description, in French, then
the query. The queries use maillage's prefixes without declaring them, as the endpoint
allows, and name items by their codes (SIREN, INSEE code, BANATIC code), never by IRI,
so that they work for any base IRI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUERIES_DIR = Path(__file__).parent / "queries"
_TITLE = "# title:"


@dataclass(frozen=True)
class ExampleQuery:
    """An example query: its file name without extension, title, description, text."""

    slug: str
    title: str
    description: str
    text: str


def load_examples(folder: Path = QUERIES_DIR) -> list[ExampleQuery]:
    """Read every `.rq` file of `folder`, in the order of their titles."""
    examples = [_read(path) for path in folder.glob("*.rq")]
    return sorted(examples, key=lambda example: example.title)


def _read(path: Path) -> ExampleQuery:
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or not lines[0].startswith(_TITLE):
        raise ValueError(f"{path.name} must start with a '{_TITLE}' line")
    title = lines[0].removeprefix(_TITLE).strip()
    description = []
    index = 1
    while index < len(lines) and lines[index].startswith("#"):
        description.append(lines[index].lstrip("#").strip())
        index += 1
    text = "\n".join(lines[index:]).strip() + "\n"
    return ExampleQuery(path.stem, title, " ".join(description), text)
