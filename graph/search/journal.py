"""A write-ahead journal that keeps the search index in step with the graph.

The graph and the index are two stores with no shared transaction. A writer therefore
records the item IRI as pending before it writes the graph, and clears the entry only
after the index has the new state committed:

    with journal.recording(iri):
        store.replace_graph(...)
        index.reindex([iri], reader)

If the process dies in between, the entry stays on disk, and `SearchIndex.repair` at
the next start re-reads each pending IRI from the graph. The journal records IRIs, never
content, so replaying an entry is idempotent and always converges on the graph's state.

Each entry is its own file, written to a temporary name, flushed to disk and renamed,
so a crash never leaves a half-written entry. Two writers of the same IRI get two
entries, and one clearing its entry leaves the other pending.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

_SUFFIX = ".pending"
# Present while a rebuild runs, so a rebuild that did not finish runs again.
_REBUILD_MARK = "rebuild.pending"


class IndexJournal:
    """The pending writes of one search index, as files in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def pending(self, iri: str) -> str:
        """Record that the graph of `iri` is about to change, and return the entry."""
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex}{_SUFFIX}"
        self._write_durably(self.folder / name, iri)
        logger.debug("journal entry %s records %s", name, iri)
        return name

    def clear(self, entry: str) -> None:
        """Remove the entry `entry`, once the index agrees with the graph again."""
        (self.folder / entry).unlink(missing_ok=True)

    def entries(self) -> list[tuple[str, str]]:
        """Return the pending entries, oldest first, as (entry name, item IRI) pairs."""
        found = []
        for path in sorted(self.folder.glob(f"*{_SUFFIX}")):
            if path.name == _REBUILD_MARK:
                continue
            try:
                found.append((path.name, path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                continue  # cleared by another writer since the listing
        return found

    @contextmanager
    def recording(self, iri: str) -> Iterator[str]:
        """Keep `iri` pending while the block runs, and clear it if the block succeeds.

        An exception leaves the entry on disk, so the next repair fixes the index.
        """
        entry = self.pending(iri)
        yield entry
        self.clear(entry)

    def start_rebuild(self) -> None:
        """Record that a rebuild of the whole index has started."""
        self._write_durably(self.folder / _REBUILD_MARK, "")

    def finish_rebuild(self) -> None:
        """Record that the rebuild finished and its result is committed."""
        (self.folder / _REBUILD_MARK).unlink(missing_ok=True)

    @property
    def rebuild_pending(self) -> bool:
        """Whether a rebuild started and did not finish."""
        return (self.folder / _REBUILD_MARK).exists()

    def _write_durably(self, path: Path, content: str) -> None:
        temporary = path.with_name(f".{path.name}.tmp")
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        _fsync_folder(self.folder)


def _fsync_folder(folder: Path) -> None:
    """Flush the folder's entry list, so a renamed file survives a power loss."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
