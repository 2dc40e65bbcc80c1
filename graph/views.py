"""Copies of a read-only Oxigraph store restricted to the graphs one user may read.

A query whose default graph is a list of graphs makes Oxigraph 0.5.13 look each
pattern up in every graph of the list, one index seek per graph. The anonymous user may
read 988 of the 1,442 graphs of `bench/generate.py`'s `agglomeration` data. With that
list, a query of `bench/sparql.py` that takes 3 ms over the union of all graphs took
5.6 s, and one of 190 ms took 197 s (2-core container).

A view is a RocksDB checkpoint of the store, which hard-links its files, from which
the graphs outside the list are removed; the query then reads the union of the view's
graphs, at the speed of the whole store. On the `departement` data (700 k triples,
2,862 graphs) the checkpoint took 0.2 s and removing 919 graphs 1.1 s.

Views are made only for read-only stores, the snapshots that the query workers read:
nothing writes them, so a view never goes stale, and a worker runs one query at a time,
so no query reads a view while the store closes and deletes it. A store that several
threads query keeps every view it built (`evicts` false) until it closes.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from pyoxigraph import NamedNode, Store

logger = logging.getLogger(__name__)

# Below this many graphs the lists cost less than the build of a view.
MIN_GRAPHS = 32
MAX_VIEWS = 4


class ReadableViews:
    """The views of one read-only store at `path`, one per set of graphs.

    Past `MAX_VIEWS` views, the least recently used is deleted, unless `evicts` is
    false: then a query of another thread might still read it.
    """

    def __init__(self, store: Store, path: Path, *, evicts: bool = True) -> None:
        self._store = store
        self._path = path
        self._evicts = evicts
        self._views: OrderedDict[frozenset[str], Store] = OrderedDict()
        self._folders: dict[frozenset[str], Path] = {}

    def __len__(self) -> int:
        return len(self._views)

    def has(self, graphs: Sequence[NamedNode]) -> bool:
        """Tell whether the view of `graphs` is built."""
        return frozenset(graph.value for graph in graphs) in self._views

    def view(self, graphs: Sequence[NamedNode]) -> Store:
        """Return a store holding only `graphs`, built on the first request for them."""
        key = frozenset(graph.value for graph in graphs)
        if key in self._views:
            self._views.move_to_end(key)
            return self._views[key]
        if self._evicts and len(self._views) >= MAX_VIEWS:
            self._remove(next(iter(self._views)))
        self._views[key], self._folders[key] = self._build(key)
        return self._views[key]

    def _build(self, keep: frozenset[str]) -> tuple[Store, Path]:
        started = time.perf_counter()
        # The same file system as the store, so that the checkpoint hard-links files.
        folder = Path(
            tempfile.mkdtemp(prefix=f"{self._path.name}.view-", dir=self._path.parent)
        )
        self._store.backup(str(folder / "store"))
        view = Store(str(folder / "store"))
        removed = 0
        for graph in list(view.named_graphs()):
            if graph.value not in keep:
                view.remove_graph(graph)
                removed += 1
        logger.info(
            "view of %d graphs (%d removed) built in %.2f s",
            len(keep),
            removed,
            time.perf_counter() - started,
        )
        return view, folder

    def _remove(self, key: frozenset[str]) -> None:
        # Dropping the last reference closes the view, with the background work of
        # RocksDB, which would otherwise write files while they are deleted.
        del self._views[key]
        shutil.rmtree(self._folders.pop(key), ignore_errors=True)

    def close(self) -> None:
        """Close and delete every view."""
        for key in list(self._views):
            self._remove(key)
