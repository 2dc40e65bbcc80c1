"""The observatory of one store: its index, kept fresh, and the figures of a user."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from pyoxigraph import NamedNode

from maillage.graph.access import User, readable_graphs
from maillage.graph.iris import Iris
from maillage.graph.observatory.catalogue import Catalogue, read_catalogue
from maillage.graph.observatory.figures import Figures, access_for
from maillage.graph.observatory.index import ObservatoryIndex
from maillage.graph.observatory.refresh import RefreshReport, refresh_index
from maillage.graph.store import GraphStore

logger = logging.getLogger(__name__)

# Seconds between two checks for writes made by another process, such as an import
# by the CLI: the index and the graphs a user may read follow them within this delay.
# Writes made through this process's store are seen at once.
CHECK_INTERVAL = 2.0


class Observatory:
    """Figures of the store's cubes, from an index under `data_path`."""

    def __init__(self, store: GraphStore, iris: Iris, data_path: Path) -> None:
        self.store = store
        self.iris = iris
        self.index = ObservatoryIndex.in_folder(data_path)
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._checked_generation = -1
        self._catalogue: tuple[str, Catalogue] | None = None
        self._refreshes = 0
        # The figures of each kind of user, with the time and store state they are for.
        self._views: dict[tuple, tuple[float, int, int, Figures]] = {}

    def refresh(self, *, force: bool = False) -> RefreshReport:
        """Bring the index up to date with the store now."""
        report = refresh_index(self.index, self.store, self.iris, force=force)
        if report.changed:
            self._refreshes += 1
        self._checked_at = time.monotonic()
        self._checked_generation = self.store.generation
        return report

    def ensure_fresh(self) -> None:
        """Refresh the index when the store may have changed.

        Writes of this process are seen at once, those of others after at most
        `CHECK_INTERVAL` seconds.
        """
        with self._lock:
            recent = time.monotonic() - self._checked_at < CHECK_INTERVAL
            if recent and self.store.generation == self._checked_generation:
                return
            self.refresh()

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

    def close(self) -> None:
        self.index.close()
