"""Evaluate SPARQL queries in worker processes that are killed at the time limit.

pyoxigraph 0.5.13 takes no time limit and cannot cancel a running query, and it
releases the GIL while it works, so no thread of the server can stop it. The endpoint
therefore evaluates each query in one worker process of a small pool:

- a worker reads a snapshot of the store, never the live store, because opening a
  store read-only while another process writes it is undefined behaviour. A snapshot
  is a RocksDB checkpoint in `{store path}.snapshots/`, made of hard links to the
  store's immutable files, so it costs little disk and time;
- the first query that arrives after a write (`GraphStore.generation` changed) makes a
  new snapshot, and each worker reopens it with its next task. A snapshot is deleted
  once it is neither the current one nor open in a worker;
- when a query passes the time limit, the caller gets `QueryTimeoutError` at once and
  its worker is killed with SIGKILL, so that no CPU keeps burning for a result that
  no client will read. The next query that finds no idle worker starts a new one.

The guard's parse of a query or update (`check_query`, `check_update`) runs in a worker
under the same time limit, because rdflib's parser can take minutes on a long text.
A remote store evaluates its queries itself, so its pool only parses: it makes no
snapshot and refuses `run`.

Workers start from a fork server that has imported this module, so that a new worker
costs a fork, not the start of an interpreter.

A query that a worker evaluated quickly on the current data runs again in the server
process (`QueryPool.run_here`). The work Oxigraph does depends only on the query text,
its dataset and the data, so the repeat takes about as long and cannot run away.

Two caches keep the round trip short. The pool keeps the guard's verdict on the last
texts it checked (`_CHECKED`), so that a query sent again is not parsed again. Each
worker keeps the last datasets it received, by a digest of their graph IRIs, so that
the list of graphs a user may read (988 IRIs for the anonymous user of the benchmark
data) crosses the pipe once per worker, not with every query: pickling 2,000 IRIs
and back took 3.8 ms.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from maillage.graph.errors import MaillageError, QueryTimeoutError
from maillage.graph.sparql.errors import QueryWorkerError
from maillage.graph.sparql.dataset import QueryDataset
from maillage.graph.sparql.guard import QueryInfo, UpdateInfo, check_query, check_update
from maillage.graph.sparql.query import PreparedQuery, QueryAnswer, evaluate_query
from maillage.graph.store import GraphStore, QuadStore

logger = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("forkserver")
# Replaces the default list, which would import the server's __main__ module too.
_CONTEXT.set_forkserver_preload([__name__])

_STOP_TIMEOUT = 5.0
_FAULT_TEXT_LENGTH = 300
_EVALUATION_TIMEOUT = (
    "the query did not finish within {timeout:g} s, the time limit of this endpoint; "
    "narrow its patterns or add a LIMIT"
)
_CHECK_TIMEOUT = (
    "the request could not be parsed within {timeout:g} s, the time limit of this "
    "endpoint; shorten it, for example its IN lists or VALUES blocks"
)


# A query that a worker evaluated within this many seconds on the current data runs
# again in the server process; see `QueryPool.run_here`.
LOCAL_SECONDS = 0.05
# Within this many, the server may run it in its event loop, without a thread.
LOOP_SECONDS = 0.005
# Within this many when no other request is in flight: the loop then holds up no one,
# and the hand-over to a thread and back was measured at 0.5 ms over HTTP on 2 cores.
IDLE_LOOP_SECONDS = 0.02
# A run this many times longer than the shortest replaces it as the query's time.
_SLOWER = 4
# Evaluation times the pool keeps, by data generation, dataset, text and format: the
# shortest and the last of each.
_TIMES = 1024
# Datasets a worker keeps; the pool mirrors each worker's cache to know what it holds.
_DATASETS_PER_WORKER = 8
# Guard verdicts the pool keeps, for texts up to `_CHECKED_TEXT_LENGTH` characters.
_CHECKED_TEXTS = 512
_CHECKED_TEXT_LENGTH = 64 * 1024


class _LeastRecent(OrderedDict):
    """A mapping that drops its least recently used entry past `size` entries."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def use(self, key, value=None):
        """Store or refresh `key`; return its value, `value` if it was absent."""
        if key in self:
            self.move_to_end(key)
            return self[key]
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection
    snapshot: Path | None = None
    datasets: _LeastRecent = field(
        default_factory=lambda: _LeastRecent(_DATASETS_PER_WORKER)
    )


@dataclass(frozen=True)
class _Snapshot:
    path: Path
    generation: int


@dataclass
class _State:
    """The state of the pool, which its lock protects."""

    workers: set[_Worker] = field(default_factory=set)
    idle: list[_Worker] = field(default_factory=list)
    starting: int = 0
    # Queries that chose a snapshot and have not received their result yet.
    pending: Counter[Path] = field(default_factory=Counter)
    snapshots: set[Path] = field(default_factory=set)
    current: _Snapshot | None = None
    closed: bool = False


class QueryPool:
    """At most `size` worker processes that evaluate queries on snapshots of `store`.

    With `evaluates` false the workers only parse, for a store that evaluates its
    queries itself.
    """

    def __init__(self, store: QuadStore, *, size: int, evaluates: bool = True) -> None:
        self.store = store
        self.size = size
        self.evaluates = evaluates
        self._root = _make_snapshot_root(store) if evaluates else None
        self._lock = threading.Lock()
        self._available = threading.Condition(self._lock)
        self._snapshot_lock = threading.Lock()
        self._state = _State()
        self._names = itertools.count(1)
        self._checked = _LeastRecent(_CHECKED_TEXTS)
        self._checked_lock = threading.Lock()
        self._times = _LeastRecent(_TIMES)
        self._local_stores: dict[Path, GraphStore] = {}
        self._local_lock = threading.Lock()
        self._local_slots = threading.BoundedSemaphore(size)

    def run(
        self,
        prepared: PreparedQuery,
        *,
        max_rows: int,
        timeout: float,
        started: float | None = None,
    ) -> QueryAnswer:
        """Evaluate `prepared` in a worker; raise `QueryTimeoutError` after `timeout` s.

        The time counts from `started`, a `time.monotonic()` value, or else from the
        call, waiting for a free worker included. Errors of the query itself
        (`MalformedQueryError`, `ResultTooLargeError`) come back as raised in the
        worker; a worker that dies raises `QueryWorkerError`.
        """
        if not self.evaluates:
            raise QueryWorkerError("this pool parses only: its store evaluates queries")
        deadline = _deadline(started, timeout)
        key = dataset_key(prepared.dataset)
        snapshot = self._take_snapshot()
        try:
            task = ("evaluate", str(snapshot.path), prepared, max_rows, key)
            reply = self._call(task, deadline, timeout, _EVALUATION_TIMEOUT)
        finally:
            self._drop_pending(snapshot.path)
        body, size, seconds = reply
        self._record_time(snapshot.generation, key, prepared, seconds)
        return QueryAnswer(body, prepared.result_format, prepared.form, size)

    def run_here(
        self,
        prepared: PreparedQuery,
        *,
        max_rows: int,
        within: float = LOCAL_SECONDS,
        quick_only: bool = False,
    ) -> QueryAnswer | None:
        """Evaluate `prepared` here if a worker evaluated it quickly; else return None.

        A worker must have evaluated the same text, for the same dataset and result
        format, on the current data, in at most `within` seconds. Oxigraph's work
        depends on nothing else, so evaluating it again takes about as long and stays
        far within the time limit. The hand-over to a worker costs more than a short
        query. The evaluation reads the snapshot of the current data, opened in
        this process, and at most `size` run at once, as in the workers. Queries that
        call a SERVICE, mlg:search, NOW() or another function whose value changes
        between runs always go to a worker, and so does any query when no slot is
        free. With `quick_only`, for a run in the event loop, the last run must have
        been within `within` too, since a busy machine slows the repeat as well. The
        snapshot must be open here already and the view of the dataset built, since
        opening takes milliseconds and a view seconds. The server builds at most
        `MAX_VIEWS` views per snapshot and keeps them; while it builds one, the
        queries that need another go to the workers.
        """
        if not self.evaluates or not _repeatable(prepared):
            return None
        if not self._local_slots.acquire(blocking=False):
            return None
        try:
            key = dataset_key(prepared.dataset)
            with self._lock:
                current = self._state.current
                if (
                    self._state.closed
                    or current is None
                    or current.generation != self.store.generation
                ):
                    return None
                times = self._times.get(_time_key(current.generation, key, prepared))
                if times is None:
                    return None
                shortest, last = times
                if (max(shortest, last) if quick_only else shortest) > within:
                    return None
                if quick_only and current.path not in self._local_stores:
                    return None
                self._state.pending[current.path] += 1
            try:
                store = self._local_store(current.path)
                status = store.view_status(
                    prepared.dataset.default_graph, prepared.dataset.named_graphs
                )
                if status != "ready" and (quick_only or status != "absent"):
                    return None
                start = time.perf_counter()
                # A run of at most `within` on the same data wrote the same result, far
                # below the size limit, so the body is not checked as it grows.
                answer = evaluate_query(
                    store, prepared, max_rows=max_rows, capped=False
                )
                seconds = time.perf_counter() - start
            finally:
                self._drop_pending(current.path)
            # A run here far slower than the shortest, under load, replaces its time.
            self._record_time(current.generation, key, prepared, seconds)
            return answer
        finally:
            self._local_slots.release()

    def known_seconds(self, prepared: PreparedQuery) -> float | None:
        """Return the longer of the shortest and the last time of `prepared` on the
        current data, or None when it has not run on them."""
        key = dataset_key(prepared.dataset)
        with self._lock:
            current = self._state.current
            if current is None or current.generation != self.store.generation:
                return None
            times = self._times.get(_time_key(current.generation, key, prepared))
        return None if times is None else max(times)

    def _record_time(
        self, generation: int, key: str, prepared: PreparedQuery, seconds: float
    ) -> None:
        """Keep the last time of the query on this data, and the shortest, the best
        measure of its work, unless a run took `_SLOWER` times longer: then that
        run's time replaces the shortest."""
        if not _repeatable(prepared):
            return
        time_key = _time_key(generation, key, prepared)
        with self._lock:
            known = self._times.pop(time_key, None)
            shortest = seconds
            if known is not None and seconds <= _SLOWER * known[0]:
                shortest = min(known[0], seconds)
            self._times.use(time_key, (shortest, seconds))

    def _local_store(self, path: Path) -> GraphStore:
        """Return this process's read-only store on the snapshot at `path`."""
        with self._local_lock:
            store = self._local_stores.get(path)
            if store is None:
                # Several threads query it: a view must outlive its last query.
                store = GraphStore(path, read_only=True, evicts_views=False)
                self._local_stores[path] = store
            return store

    def check_query(
        self,
        text: str,
        allowlist: Collection[str] = (),
        *,
        timeout: float,
        started: float | None = None,
    ) -> QueryInfo:
        """Run the guard's `check_query` in a worker, killed after `timeout` s.

        rdflib's parser takes time that grows faster than the text (a FILTER with an
        IN list of 24 KB took 28 s), so the parse runs where it can be stopped. The
        time counts as in `run`.
        """
        task = ("check_query", text, tuple(allowlist))
        deadline = _deadline(started, timeout)
        return self._check(task, deadline, timeout)

    def check_update(
        self,
        text: str,
        allowlist: Collection[str] = (),
        *,
        timeout: float,
        started: float | None = None,
    ) -> UpdateInfo:
        """Run the guard's `check_update` in a worker, killed after `timeout` s."""
        task = ("check_update", text, tuple(allowlist))
        deadline = _deadline(started, timeout)
        return self._check(task, deadline, timeout)

    def checked_query(
        self, text: str, allowlist: Collection[str] = ()
    ) -> QueryInfo | None:
        """Return the guard's verdict on a query it accepted recently, else None."""
        return self._cached_verdict(("check_query", text, tuple(allowlist)))

    def _cached_verdict(self, task: tuple):
        with self._checked_lock:
            info = self._checked.get(task)
            if info is not None:
                self._checked.move_to_end(task)
            return info

    def _check(self, task: tuple, deadline: float, timeout: float):
        """Return the guard's verdict on `task`, from the cache or from a worker.

        Only verdicts are kept: a text that fails the guard is parsed again each time,
        within the time limit.
        """
        cacheable = len(task[1]) <= _CHECKED_TEXT_LENGTH
        if cacheable:
            info = self._cached_verdict(task)
            if info is not None:
                return info
        info = self._call(task, deadline, timeout, _CHECK_TIMEOUT)
        if cacheable:
            with self._checked_lock:
                self._checked.use(task, info)
        return info

    def worker_pids(self) -> list[int]:
        """Return the process ids of the live workers, idle or busy."""
        with self._lock:
            return [worker.process.pid for worker in self._state.workers]

    def close(self) -> None:
        """Stop every worker and delete the snapshots; the pool is unusable after."""
        with self._lock:
            self._state.closed = True
            workers = list(self._state.workers)
            self._state.workers.clear()
            self._state.idle.clear()
            self._available.notify_all()
        for worker in workers:
            _stop(worker)
        with self._local_lock:
            local_stores = list(self._local_stores.values())
            self._local_stores.clear()
        for store in local_stores:
            store.close()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            try:
                self._root.parent.rmdir()
            except OSError:
                pass  # Another pool's folder is still there, or it was a temp one.
        logger.info("query pool stopped %d workers", len(workers))

    def _take_snapshot(self) -> _Snapshot:
        """Return the current snapshot, made anew if the store changed since."""
        with self._snapshot_lock:
            with self._lock:
                current = self._state.current
            if current is None or current.generation != self.store.generation:
                current = self._make_snapshot()
            with self._lock:
                self._state.pending[current.path] += 1
        return current

    def _make_snapshot(self) -> _Snapshot:
        path = self._root / f"snapshot-{next(self._names)}"
        start = time.perf_counter()
        generation = self.store.snapshot(path)
        logger.info(
            "store snapshot %s of generation %d made in %.1f ms",
            path.name,
            generation,
            (time.perf_counter() - start) * 1000,
        )
        snapshot = _Snapshot(path, generation)
        with self._lock:
            self._state.snapshots.add(path)
            self._state.current = snapshot
        self._delete_unused_snapshots()
        return snapshot

    def _acquire(self, deadline: float, timeout: float) -> _Worker:
        with self._available:
            while True:
                if self._state.closed:
                    raise QueryWorkerError("the query pool is closed")
                if self._state.idle:
                    return self._state.idle.pop()
                if len(self._state.workers) + self._state.starting < self.size:
                    self._state.starting += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeoutError(
                        f"no query worker became free within {timeout:g} s, the time "
                        "limit of this endpoint: every worker is busy; retry later"
                    )
                self._available.wait(remaining)
        try:
            worker = _start_worker()
        finally:
            with self._lock:
                self._state.starting -= 1
        with self._lock:
            self._state.workers.add(worker)
        return worker

    def _call(self, task: tuple, deadline: float, timeout: float, message: str):
        """Send `task` to a free worker and return its result, or kill the worker."""
        worker = self._acquire(deadline, timeout)
        try:
            reply = self._ask(worker, task, deadline, timeout, message)
        except BaseException:
            self._discard(worker)
            raise
        self._release(worker)
        return _read_reply(reply)

    def _ask(
        self,
        worker: _Worker,
        task: tuple,
        deadline: float,
        timeout: float,
        message: str,
    ) -> tuple:
        try:
            if task[0] == "evaluate":
                task = _strip_known_dataset(worker, task)
            worker.connection.send(task)
            if task[0] == "evaluate":
                worker.snapshot = Path(task[1])
            if not worker.connection.poll(max(deadline - time.monotonic(), 0)):
                logger.warning(
                    "SPARQL %s task passed the time limit of %g s: killing worker %d",
                    task[0],
                    timeout,
                    worker.process.pid,
                )
                raise QueryTimeoutError(message.format(timeout=timeout))
            return worker.connection.recv()
        except (EOFError, OSError) as exc:
            logger.error(
                "query worker %d stopped during a %s task, exit code %s",
                worker.process.pid,
                task[0],
                worker.process.exitcode,
            )
            raise QueryWorkerError(
                "the process evaluating the query stopped unexpectedly; retry, and "
                "report the query if it happens again"
            ) from exc

    def _release(self, worker: _Worker) -> None:
        with self._available:
            if self._state.closed:
                _stop(worker)
                return
            self._state.idle.append(worker)
            self._available.notify()
        self._delete_unused_snapshots()

    def _discard(self, worker: _Worker) -> None:
        """Kill `worker` and wait until it is gone, so that it burns no more CPU."""
        with self._available:
            self._state.workers.discard(worker)
            self._available.notify()
        _kill(worker)
        self._delete_unused_snapshots()

    def _drop_pending(self, path: Path) -> None:
        with self._lock:
            self._state.pending[path] -= 1
            if self._state.pending[path] > 0:
                return
            del self._state.pending[path]
            current = self._state.current
            if current is not None and current.path == path:
                return  # The current snapshot is never deleted.
        self._delete_unused_snapshots()

    def _delete_unused_snapshots(self) -> None:
        with self._lock:
            current = self._state.current.path if self._state.current else None
            in_use = {worker.snapshot for worker in self._state.workers}
            unused = [
                path
                for path in self._state.snapshots
                if path != current
                and path not in in_use
                and path not in self._state.pending
            ]
            self._state.snapshots.difference_update(unused)
        with self._local_lock:
            local_stores = [self._local_stores.pop(path, None) for path in unused]
        for store in local_stores:
            if store is not None:
                store.close()
        for path in unused:
            shutil.rmtree(path, ignore_errors=True)


# Digests of the last datasets, by the ids of their lists, kept with the lists so that
# the ids stay theirs: the readable graphs of a user are one list until the next write.
_KEYS: _LeastRecent = _LeastRecent(32)
_KEYS_LOCK = threading.Lock()


def dataset_key(dataset: QueryDataset) -> str:
    """Return a digest that names the graphs of `dataset`, for the workers' caches."""
    lists = (dataset.default_graph, dataset.named_graphs)
    ids = (id(lists[0]), id(lists[1]))
    with _KEYS_LOCK:
        known = _KEYS.get(ids)
        if known is not None and known[0][0] is lists[0] and known[0][1] is lists[1]:
            return known[1]
    key = _digest(dataset)
    with _KEYS_LOCK:
        _KEYS.pop(ids, None)
        _KEYS.use(ids, (lists, key))
    return key


def _digest(dataset: QueryDataset) -> str:
    parts = []
    for graphs in (dataset.default_graph, dataset.named_graphs):
        if graphs is None:
            parts.append("\x01")
        else:
            parts.append("\x02" + "\x00".join(graph.value for graph in graphs))
    return hashlib.blake2b("\x03".join(parts).encode(), digest_size=16).hexdigest()


def _time_key(generation: int, key: str, prepared: PreparedQuery) -> tuple:
    return (generation, key, prepared.text, prepared.format_name)


def _repeatable(prepared: PreparedQuery) -> bool:
    """Tell whether the work of `prepared` depends on the store's data only."""
    return (
        prepared.search_matches is None
        and not prepared.services
        and not prepared.volatile
    )


def _strip_known_dataset(worker: _Worker, task: tuple) -> tuple:
    """Leave the dataset out of an evaluate task when the worker already has it.

    The worker applies the same least-recent rule to the same sequence of keys, so
    its cache and `worker.datasets` contain the same keys.
    """
    name, snapshot, prepared, max_rows, key = task
    if key in worker.datasets:
        worker.datasets.use(key)
        prepared = dataclasses.replace(prepared, dataset=None)
    else:
        worker.datasets.use(key, True)
    return (name, snapshot, prepared, max_rows, key)


def _read_reply(reply: tuple):
    kind = reply[0]
    if kind == "answer":
        return reply[1]
    if kind == "error":
        raise reply[1]
    logger.error("query worker failed: %s", reply[1])
    raise QueryWorkerError("the evaluation of the query failed inside the server")


def _deadline(started: float | None, timeout: float) -> float:
    return (time.monotonic() if started is None else started) + timeout


# Pools by store, so that every app and request over one store shares its workers.
_pools: dict[int, QueryPool] = {}
_pools_lock = threading.Lock()


def pool_for(store: QuadStore, *, size: int) -> QueryPool:
    """Return the query pool of `store`, started on first use and stopped with it.

    The pool of a store that is not a `GraphStore` only parses.
    """
    with _pools_lock:
        pool = _pools.get(id(store))
        if pool is not None and pool.store is store:
            return pool
        pool = QueryPool(store, size=size, evaluates=isinstance(store, GraphStore))
        _pools[id(store)] = pool
    store.on_close(lambda: _close_pool(store))
    return pool


def _close_pool(store: QuadStore) -> None:
    with _pools_lock:
        pool = _pools.pop(id(store), None)
    if pool is not None:
        pool.close()


def _make_snapshot_root(store: GraphStore) -> Path:
    """Create this pool's snapshot folder beside the store, on its file system.

    Folders left by a process that no longer runs are removed first.
    """
    if store.path is None:
        return Path(tempfile.mkdtemp(prefix="maillage-snapshots-"))
    parent = store.path.parent / f"{store.path.name}.snapshots"
    parent.mkdir(parents=True, exist_ok=True)
    for entry in parent.iterdir():
        pid = entry.name.partition("-")[0]
        if pid.isdigit() and not _is_running(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_worker() -> _Worker:
    parent_end, child_end = _CONTEXT.Pipe()
    process = _CONTEXT.Process(
        target=_serve, args=(child_end,), name="maillage-query-worker", daemon=True
    )
    process.start()
    child_end.close()
    logger.info("query worker %d started", process.pid)
    return _Worker(process, parent_end)


def _stop(worker: _Worker) -> None:
    """Close the worker's pipe, which ends its loop, and kill it if it lingers."""
    worker.connection.close()
    worker.process.join(_STOP_TIMEOUT)
    if worker.process.is_alive():
        _kill(worker)


def _kill(worker: _Worker) -> None:
    worker.process.kill()
    worker.process.join(_STOP_TIMEOUT)
    worker.connection.close()
    pid, exit_code = worker.process.pid, worker.process.exitcode
    logger.info("query worker %d killed, exit code %s", pid, exit_code)


def _serve(connection: Connection) -> None:
    """Run tasks until the pipe closes; runs in the worker process."""
    # The server stops its workers itself; Ctrl-C in a terminal must not do it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store: GraphStore | None = None
    datasets = _LeastRecent(_DATASETS_PER_WORKER)
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        try:
            if task[0] == "evaluate":
                prepared = _with_dataset(task[2], task[4], datasets)
                store = _open_snapshot(store, task[1])
                start = time.perf_counter()
                answer = evaluate_query(store, prepared, max_rows=task[3])
                seconds = time.perf_counter() - start
                reply: tuple = ("answer", (answer.body, answer.size, seconds))
            else:
                check = check_query if task[0] == "check_query" else check_update
                reply = ("answer", check(task[1], task[2]))
        except MaillageError as exc:
            reply = ("error", exc)
        # The parent logs the fault; the worker must survive it to serve the next task.
        except Exception as exc:  # noqa: BLE001
            reply = ("fault", f"{type(exc).__name__}: {exc}"[:_FAULT_TEXT_LENGTH])
        _send(connection, reply)


def _with_dataset(
    prepared: PreparedQuery, key: str, datasets: _LeastRecent
) -> PreparedQuery:
    """Return `prepared` with its dataset, from `datasets` when it came without one."""
    dataset = datasets.use(key, prepared.dataset)
    if prepared.dataset is None:
        return dataclasses.replace(prepared, dataset=dataset)
    return prepared


def _open_snapshot(store: GraphStore | None, snapshot: str) -> GraphStore:
    """Return `store` if it reads `snapshot`, else close it and open `snapshot`."""
    if store is not None and str(store.path) == snapshot:
        return store
    if store is not None:
        store.close()
    return GraphStore(Path(snapshot), read_only=True)


def _send(connection: Connection, reply: tuple) -> None:
    try:
        connection.send(reply)
    except (TypeError, AttributeError, ValueError) as exc:
        # An error object that does not pickle still reaches the parent as text.
        connection.send(("fault", f"{reply[0]} reply not picklable: {exc}"))
