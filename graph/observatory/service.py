"""The observatory of one store: its index, kept fresh, and the figures of a user."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode

from maillage.graph.access import User, readable_graphs
from maillage.graph.iris import Iris
from maillage.graph.observatory.catalogue import Catalogue, read_catalogue
from maillage.graph.observatory.figures import Figures, access_for
from maillage.graph.observatory.index import ObservatoryIndex
from maillage.graph.observatory.refresh import RefreshReport, refresh_index
from maillage.graph.store import GraphStore

if TYPE_CHECKING:
    from maillage.graph.writes import ContentWriter

logger = logging.getLogger(__name__)

# Seconds between two checks for writes made by another process, such as an import
# by the CLI: the index and the graphs a user may read follow them within this delay.
# Writes made through this process's store are seen at once.
CHECK_INTERVAL = 2.0
# Seconds a reading waits for a refresh to end. A longer refresh, such as a full
# rebuild at national size or published copies written again, goes on in its thread,
# and readings get the index as it was, with `recomputing` set.
WAIT_SECONDS = 5.0
# Seconds a closing store waits for a background refresh to end.
CLOSE_WAIT_SECONDS = 60.0
# Item types whose writes change the figures or the published copies.
WATCHED_TYPES = frozenset({"indicator", "membership", "commune", "epci", "dataset"})


class Observatory:
    """Figures of the store's cubes, from an index under `data_path`."""

    def __init__(
        self,
        store: GraphStore,
        iris: Iris,
        data_path: Path,
        *,
        wait_seconds: float = WAIT_SECONDS,
    ) -> None:
        self.store = store
        self.iris = iris
        self.index = ObservatoryIndex.in_folder(data_path)
        self.wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._checked_generation = -1
        self._catalogue: tuple[str, Catalogue] | None = None
        self._refreshes = 0
        # The figures of each kind of user, with the time and store state they are for.
        self._views: dict[tuple, tuple[float, int, int, Figures]] = {}
        self._worker: threading.Thread | None = None
        # Set by a write during a background refresh, so that the thread runs again.
        self._pending = False
        store.on_close(self._wait_before_close)

    def refresh(self, *, force: bool = False) -> RefreshReport:
        """Bring the index up to date with the store now, in the calling thread."""
        generation = self.store.generation
        report = refresh_index(self.index, self.store, self.iris, force=force)
        if report.changed:
            self._refreshes += 1
        self._checked_at = time.monotonic()
        self._checked_generation = generation
        return report

    def refresh_in_background(self) -> threading.Thread:
        """Start a refresh in a thread, unless one runs; return the running thread.

        A call while a refresh runs makes the thread refresh once more when it ends,
        since the running one may have read the store before the latest write.
        """
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                self._pending = True
                return self._worker
            self._pending = False
            self._worker = threading.Thread(
                target=self._refresh_until_done, name="observatory-refresh", daemon=True
            )
            self._worker.start()
            return self._worker

    def _refresh_until_done(self) -> None:
        while True:
            try:
                self.refresh()
            except Exception:
                # The thread has no caller to raise to; the next reading tries again.
                logger.exception("observatory refresh failed")
                self._checked_at = float("-inf")
            with self._lock:
                if not self._pending:
                    return
                self._pending = False

    @property
    def recomputing(self) -> bool:
        """Return True while a refresh runs in its thread."""
        worker = self._worker
        return worker is not None and worker.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running refresh, if any; return True when none runs."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return not self.recomputing

    def ensure_fresh(self) -> bool:
        """Refresh the index when the store may have changed; return False if stale.

        Writes of this process are seen at once, those of others after at most
        `CHECK_INTERVAL` seconds. The refresh runs in a thread that the call starting
        it waits for at most `wait_seconds`, and later calls do not wait for. False
        means that it still runs, and the index is the one from before it.
        """
        with self._lock:
            worker = self._worker
            if worker is not None and worker.is_alive():
                return False
            recent = time.monotonic() - self._checked_at < CHECK_INTERVAL
            if recent and self.store.generation == self._checked_generation:
                return True
        worker = self.refresh_in_background()
        worker.join(self.wait_seconds)
        return not worker.is_alive()

    def catalogue(self) -> Catalogue:
        """Return every indicator of the store, reread when the catalogue changes."""
        digest = self.index.meta("catalogue") or ""
        cached = self._catalogue
        if cached is None or cached[0] != digest:
            cached = (digest, read_catalogue(self.store, self.iris))
            self._catalogue = cached
        return cached[1]

    def figures_of(self, user: User) -> Figures:
        """Return the figures `user` may see, reusing those of the same kind of user.

        The graphs a user may read depend on the role and the groups only, so they are
        computed once per role and groups, again after any write of this process and at
        least every `CHECK_INTERVAL` seconds.
        """
        self.ensure_fresh()
        key = (user.role, user.groups)
        now = time.monotonic()
        cached = self._views.get(key)
        if cached is not None:
            made_at, generation, refreshes, figures = cached
            fresh = now - made_at < CHECK_INTERVAL
            if fresh and (generation, refreshes) == self._state():
                return figures
        state = self._state()
        figures = self._figures(readable_graphs(self.store, self.iris, user))
        self._views[key] = (now, *state, figures)
        return figures

    def _state(self) -> tuple[int, int]:
        return self.store.generation, self._refreshes

    def figures(self, graphs: Sequence[NamedNode] | None) -> Figures:
        """Return the figures a user whose readable graphs are `graphs` may see."""
        self.ensure_fresh()
        return self._figures(graphs)

    def _figures(self, graphs: Sequence[NamedNode] | None) -> Figures:
        catalogue = self.catalogue().readable(graphs)
        access = access_for(self.index, graphs)
        return Figures(self.index, catalogue, access, self.iris)

    def _wait_before_close(self) -> None:
        if not self.wait(CLOSE_WAIT_SECONDS):
            logger.warning(
                "observatory refresh still running when the store closes; it will fail"
            )

    def close(self) -> None:
        self.wait()
        self.index.close()


def register_hooks(
    writer: ContentWriter, observatory_of: Callable[[], Observatory | None]
) -> None:
    """Refresh the observatory in the background after writes that change its figures.

    `observatory_of` returns the observatory of the writer's store, or None while
    there is none yet; the first reading then builds the index anyway. Writes of an
    indicator (its secrecy threshold, its quotient) or of a membership also rewrite
    the published copies of protected datasets.
    """

    def refresh_after(iri: NamedNode) -> None:
        observatory = observatory_of()
        if observatory is None:
            return
        ref = observatory.iris.parse_item(iri.value)
        if ref is not None and ref.type in WATCHED_TYPES:
            observatory.refresh_in_background()

    writer.hooks.on_write.append(refresh_after)
    writer.hooks.on_delete.append(refresh_after)
    writer.hooks.on_purge.append(refresh_after)
