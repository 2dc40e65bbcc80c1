"""Check an import against the Data Cube constraints, then write its graph.

The triples of an import are first loaded into a separate in-memory store, with the
structures of the catalogue indicators they use, and checked there. Only an import
that passes every constraint reaches the repository's store, so a rejected file leaves
nothing behind, not even for administrators.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from pyoxigraph import Quad, RdfFormat, Store

from maillage.graph.errors import ValidationFailedError
from maillage.graph.importers.ntriples import (
    ImportReport,
    TripleWriter,
    replace_dataset_graph,
)
from maillage.graph.iris import Iris
from maillage.graph.observatory.constraints import Violation, check_cube
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# A rejected import lists at most this many problems.
MAX_PROBLEMS = 500


@dataclass(frozen=True)
class Problem:
    """Why one place of a source cannot be imported: a row, a column, or the file."""

    origin: str
    reason: str
    constraint: str | None = None

    def to_dict(self) -> dict[str, str]:
        found = {"origin": self.origin, "reason": self.reason}
        if self.constraint is not None:
            found["constraint"] = self.constraint
        return found


class ImportRejectedError(ValidationFailedError):
    """A file whose rows or Data Cube checks fail; `problems` lists each one."""

    code = "import_rejected"

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message, details=[p.to_dict() for p in problems])
        self.problems = problems


def reject(source: str, problems: list[Problem]) -> ImportRejectedError:
    """Return the error that rejects `source` for `problems`, at most `MAX_PROBLEMS`."""
    shown = problems[:MAX_PROBLEMS]
    more = len(problems) - len(shown)
    message = f"{source} was not imported: {len(problems)} problems"
    if more:
        message += f", the first {len(shown)} listed"
    first = shown[0]
    message += f"; first: {first.origin}: {first.reason}"
    logger.info("import of %s rejected: %d problems", source, len(problems))
    return ImportRejectedError(message, shown)


def check_import(
    writer: TripleWriter,
    *,
    support: Iterable[Quad] = (),
    origins: dict[str, str] | None = None,
) -> list[Problem]:
    """Check the triples of `writer` against the Data Cube constraints.

    `support` adds the quads the import refers to, such as the data structure
    definitions of catalogue indicators. `origins` maps an observation IRI to its place
    in the source, which then names the problem.
    """
    scratch = Store()
    scratch.load("".join(writer.lines).encode("utf-8"), format=RdfFormat.N_TRIPLES)
    scratch.extend(support)
    violations = check_cube(scratch)
    return [_problem(violation, origins or {}) for violation in violations]


def structures_of(
    store: GraphStore, iris: Iris, indicators: Iterable[str]
) -> list[Quad]:
    """Return the quads of the item graphs of `indicators`, with their structures."""
    quads: list[Quad] = []
    for indicator in sorted(set(indicators)):
        ref = iris.parse_item(indicator)
        if ref is None:
            continue
        graph = iris.item_graph(ref.type, ref.key)
        quads.extend(store.oxigraph.quads_for_pattern(None, None, None, graph))
    return quads


def publish(
    store: GraphStore,
    iris: Iris,
    slug: str,
    writer: TripleWriter,
    *,
    source: str,
    support: Iterable[Quad] = (),
    origins: dict[str, str] | None = None,
) -> ImportReport:
    """Check the import, then replace the graph of dataset `slug` with it.

    Raises `ImportRejectedError`, with each row and reason, when a constraint fails.
    """
    problems = check_import(writer, support=support, origins=origins)
    if problems:
        raise reject(source, problems)
    return replace_dataset_graph(store, iris, slug, writer)


def _problem(violation: Violation, origins: dict[str, str]) -> Problem:
    origin = origins.get(violation.subject, violation.subject)
    return Problem(origin, violation.reason, violation.constraint)
