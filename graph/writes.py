"""Write content items: create, replace, patch, trash, restore, purge, revert, move.

Every write replaces the item's named graph in one SPARQL update whose WHERE requires
the revision the writer read (`mlg:revisionNumber` in the item graph), so a write that
lost a race changes nothing and gets `PreconditionFailedError`. Within one process a
lock per item also serialises the check of the entity tag and the update. Each write
first records a revision in the `RevisionStore`, then writes the item graph; when the
item write fails the revision is removed again.

Editors and administrators write; only administrators purge. The server sets `created`
and `modified`, and the workflow state changes only through `transition`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from pydantic import ValidationError as PydanticValidationError
from pyoxigraph import Literal, NamedNode, Triple

from maillage.graph.access import Role, User, readable_graphs
from maillage.graph.errors import (
    ConflictError,
    ForbiddenError,
    MaillageError,
    NotFoundError,
    PreconditionFailedError,
    ValidationFailedError,
)
from maillage.graph.files import FileStore
from maillage.graph.iris import KEY_PATTERN, Iris, slugify
from maillage.graph.models import MODELS, DocumentFile, ItemModel
from maillage.graph.namespaces import DCTERMS, MLG, XSD
from maillage.graph.revisions import (
    ItemState,
    Revision,
    RevisionStore,
    canonical_lines,
    file_hashes,
    locate_item,
    marker_triple,
    may_read,
    may_read_trash,
    stored_form,
    triples_text,
    utc_now,
)
from maillage.graph.settings import Settings
from maillage.graph.store import GraphStore
from maillage.graph.write_checks import (
    check_links,
    check_shapes,
    error,
    invalid,
    merge_patch,
    parse_item_body,
)

logger = logging.getLogger(__name__)

# Item types written through the API; the others come from importers only.
WRITABLE_TYPES: tuple[str, ...] = (
    "document",
    "action",
    "actor",
    "competence",
    "transfer",
    "act",
    "indicator",
    "event",
)

WORKFLOW_STATES: tuple[str, ...] = ("draft", "published", "archived")
# The allowed moves between workflow states. An item without a state reads as published.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("published",),
    "published": ("archived", "draft"),
    "archived": ("published", "draft"),
}
MAX_COMMENT_CHARS = 2000


class PreconditionRequiredError(MaillageError):
    """A write without `If-Match`."""

    code = "precondition_required"
    status = 428


class ReadOnlyTypeError(MaillageError):
    """A write to a type that only importers write, such as communes."""

    code = "method_not_allowed"
    status = 405


class ItemExistsError(ConflictError):
    code = "item_exists"


class ItemInUseError(ConflictError):
    """A move to the trash of an item that other items link to."""

    code = "item_in_use"


class ImportedItemError(ConflictError):
    """A write to an item that an importer keeps in a dataset graph."""

    code = "imported_item"


class TransitionNotAllowedError(ConflictError):
    code = "transition_not_allowed"


# Opens a block around the write of an item graph, given the item IRI.
Recording = Callable[[NamedNode], AbstractContextManager[object]]


@dataclass
class WriteHooks:
    """Functions called with the item IRI around and after a write.

    `recording` context managers wrap each change of an item graph, such as
    `SearchService.recording`, which journals the IRI before the change and re-indexes
    it after. One that fails on entry stops the write. The block's exception, if any,
    reaches them, and an error they raise on a successful exit is logged and does not
    undo the write. `on_write`, `on_delete` and `on_purge` run after the write; one
    that raises is logged and does not undo it either.
    """

    recording: list[Recording] = field(default_factory=list)
    on_write: list[Callable[[NamedNode], None]] = field(default_factory=list)
    on_delete: list[Callable[[NamedNode], None]] = field(default_factory=list)
    on_purge: list[Callable[[NamedNode], None]] = field(default_factory=list)


class ContentWriter:
    """Writes the content items of one store and records their revisions.

    `files` is the file store whose files a purge deletes; None keeps files.
    """

    def __init__(
        self,
        store: GraphStore,
        iris: Iris,
        revisions: RevisionStore,
        *,
        files: FileStore | None = None,
        hooks: WriteHooks | None = None,
        groups: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self.store = store
        self.iris = iris
        self.revisions = revisions
        self.files = files
        self.hooks = hooks or WriteHooks()
        # Returns the names of the existing groups; None leaves `readable_by` unchecked.
        self.groups = groups
        # NOTE: one lock per item ever written stays in memory until the process ends.
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def state(self, item_type: str, key: str) -> ItemState:
        """Return the state of the item: live, in the trash, imported or missing."""
        return locate_item(self.store, self.revisions, self.iris, item_type, key)

    def create(
        self,
        item_type: str,
        body: object,
        user: User,
        *,
        comment: str | None = None,
    ) -> ItemState:
        """Create an item from a JSON body; its key is `key` or made from the title.

        The workflow state defaults to draft. Raise `ItemExistsError` when an item has
        the key, live, in the trash or imported.
        """
        _check_editor(user)
        check_writable(item_type)
        key = key_for(item_type, body)
        existing = self.state(item_type, key)
        if existing.status != "missing":
            raise _exists(item_type, key, existing)
        body = _with_default_state(self.iris, body)
        graphs = readable_graphs(self.store, self.iris, user)
        now = utc_now()
        model = parse_item_body(
            self.iris, item_type, key, body, groups=self._existing_groups()
        )
        model = model.model_copy(update={"created": now, "modified": now})
        self._validate(model, graphs)
        content = model.to_triples(self.iris)

        with self._lock(item_type, key):
            state = self.state(item_type, key)
            if state.status != "missing":
                raise _exists(item_type, key, state)
            revision = _revision("create", user, now, comment)
            self._commit(state, revision, content)
        return self._written(item_type, key, "create", user)

    def replace(
        self,
        item_type: str,
        key: str,
        body: object,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Replace an item by a JSON body, if `if_match` names its current version.

        The body may leave out `files` or repeat the document's current files; other
        files raise `ValidationFailedError`, since files change through `update_files`.
        """

        def checked_body(state: ItemState) -> object:
            check_files_unchanged(item_type, body, self._current_files(state))
            return body

        return self._rewrite(
            item_type, key, user, if_match, "update", comment, checked_body
        )

    def patch(
        self,
        item_type: str,
        key: str,
        patch: object,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Apply a JSON Merge Patch (RFC 7396) to the item's JSON, then replace it.

        A patch that names `files` raises `ValidationFailedError`, since files change
        through `update_files`.
        """
        check_files_unchanged(item_type, patch, None)
        return self._rewrite(
            item_type,
            key,
            user,
            if_match,
            "patch",
            comment,
            lambda state: merge_patch(self._model_json(item_type, state), patch),
        )

    def update_files(
        self,
        key: str,
        files: list[dict[str, object]],
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Replace the file nodes of a document, as the files routes do.

        `files` lists the JSON form of each `DocumentFile`. Clients reach this only
        through the attach and detach routes, which store or check the files first.
        """
        return self._rewrite(
            "document",
            key,
            user,
            if_match,
            "patch",
            comment,
            lambda state: merge_patch(
                self._model_json("document", state), {"files": files}
            ),
        )

    def revert(
        self,
        item_type: str,
        key: str,
        number: int,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Write the content of revision `number` as a new revision.

        The workflow state stays the current one; change it with `transition`.
        """

        def old_body(state: ItemState) -> object:
            triples = self._revision_content(state, number, user)
            body = self._model_json(item_type, replace(state, triples=tuple(triples)))
            body["workflow_state"] = _workflow_value(state)
            return body

        note = comment or f"revert to revision {number}"
        return self._rewrite(item_type, key, user, if_match, "revert", note, old_body)

    def transition(
        self,
        item_type: str,
        key: str,
        target: str,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Move the item to the workflow state `target` along `TRANSITIONS`."""
        _check_editor(user)
        check_writable(item_type)
        target_name = self._state_name(target)
        graphs = readable_graphs(self.store, self.iris, user)
        state = self._live(item_type, key, user, graphs)
        check_if_match(state, if_match)
        self._check_transition(item_type, key, state, target_name)

        with self._lock(item_type, key):
            fresh = self._fresh(item_type, key, if_match)
            current = _state_name_of(self.iris, fresh)
            self._check_transition(item_type, key, fresh, target_name)
            now = utc_now()
            target_iri = self.iris.concept("workflow-state", target_name)
            content = _set_value(
                fresh.content, fresh.iri, MLG.workflowState, target_iri
            )
            content = _set_value(content, fresh.iri, DCTERMS.modified, _date_time(now))
            revision = _revision("transition", user, now, comment)
            revision = replace(
                revision,
                from_state=self.iris.concept("workflow-state", current).value,
                to_state=target_iri.value,
            )
            self._commit(fresh, revision, content)
        return self._written(item_type, key, "transition", user)

    def delete(
        self,
        item_type: str,
        key: str,
        user: User,
        *,
        if_match: str | None,
        comment: str | None = None,
    ) -> ItemState:
        """Move the item to the trash: its graph leaves the store, its revisions stay.

        Raise `ItemInUseError` when other items link to it.
        """
        _check_editor(user)
        check_writable(item_type)
        graphs = readable_graphs(self.store, self.iris, user)
        state = self._live(item_type, key, user, graphs)
        check_if_match(state, if_match)

        with self._lock(item_type, key):
            fresh = self._fresh(item_type, key, if_match)
            self._check_unlinked(item_type, key, fresh, graphs)
            revision = _revision("delete", user, utc_now(), comment)
            self._commit(fresh, revision, fresh.content, delete=True)
        self._run_hooks(self.hooks.on_delete, state.iri)
        return self._written(item_type, key, "delete", user)

    def restore(
        self, item_type: str, key: str, user: User, *, comment: str | None = None
    ) -> ItemState:
        """Put an item of the trash back in the store, as a new revision."""
        _check_editor(user)
        check_writable(item_type)
        graphs = readable_graphs(self.store, self.iris, user)
        state = self._trashed(item_type, key, user)
        now = utc_now()
        content = _set_value(
            state.content, state.iri, DCTERMS.modified, _date_time(now)
        )
        self._check_restored_links(item_type, state, graphs)

        with self._lock(item_type, key):
            fresh = self._trashed(item_type, key, user)
            if fresh.head != state.head:
                raise PreconditionFailedError(
                    f"{item_type} {key!r} changed while it was being restored; retry"
                )
            revision = _revision("restore", user, now, comment)
            self._commit(fresh, revision, content)
        return self._written(item_type, key, "restore", user)

    def purge(self, item_type: str, key: str, user: User) -> None:
        """Erase an item for good: its graph, revisions, files and index entries.

        Only administrators purge. The purge is logged and recorded with who, when and
        the IRI, never the content.
        """
        if user.role is not Role.ADMINISTRATOR:
            raise ForbiddenError(
                f"user {user.name!r} may not purge items: the administrator role "
                "is required"
            )
        check_writable(item_type)
        with self._lock(item_type, key):
            state = self.state(item_type, key)
            recorded = self.revisions.list(state.iri)
            if state.status == "imported":
                raise _imported(item_type, key, state)
            if state.status == "missing" and not recorded:
                raise _not_found(item_type, key)
            if state.status == "live":
                self._check_unlinked(item_type, key, state, None)
            hashes = file_hashes(state.triples) | self.revisions.file_hashes(state.iri)
            with self._recording(state.iri):
                self.store.drop_graph(state.graph)
            self.revisions.purge(state.iri)
            when = utc_now()
            self.revisions.record_purge(state.iri, user, when)
        self._delete_files(hashes)
        self._run_hooks(self.hooks.on_purge, state.iri)
        logger.info(
            "purged %s by %s (%s) at %s",
            state.iri.value,
            user.name,
            user.role.value,
            when.isoformat(),
        )

    def discard_file(self, sha256: str) -> bool:
        """Delete a stored file that no item or revision describes; True if deleted."""
        if self.files is None or self._file_still_used(sha256):
            return False
        return self.files.delete(sha256)

    def _rewrite(
        self,
        item_type: str,
        key: str,
        user: User,
        if_match: str | None,
        operation: str,
        comment: str | None,
        make_body: Callable[[ItemState], object],
    ) -> ItemState:
        """Validate and write the version of a live item that `make_body` builds."""
        _check_editor(user)
        check_writable(item_type)
        graphs = readable_graphs(self.store, self.iris, user)
        state = self._live(item_type, key, user, graphs)
        check_if_match(state, if_match)

        now = utc_now()
        body = _with_current_values(make_body(state), state, self._current_json)
        # A group deleted since the current version may stay, so that an item read
        # and sent back unchanged is still accepted.
        model = parse_item_body(
            self.iris,
            item_type,
            key,
            body,
            groups=self._existing_groups(),
            kept_groups=_current_groups(state),
        )
        _check_same_state(self.iris, item_type, model, state)
        model = model.model_copy(update={"created": _created(state), "modified": now})
        self._validate(model, graphs)
        content = model.to_triples(self.iris)

        with self._lock(item_type, key):
            fresh = self._fresh(item_type, key, if_match)
            self._commit(fresh, _revision(operation, user, now, comment), content)
        return self._written(item_type, key, operation, user)

    def _commit(
        self,
        state: ItemState,
        revision: Revision,
        content: list[Triple],
        *,
        delete: bool = False,
    ) -> None:
        """Record the revision, write the item graph, and drop the record on failure.

        The `recording` hooks wrap the revision and the graph write.
        """
        with self._recording(state.iri):
            applied, numbers = self._commit_recorded(state, revision, content, delete)
        if not applied:
            self._forget(state.iri, numbers)
            raise PreconditionFailedError(
                f"{state.iri.value} changed during the write; read it again and retry"
            )

    def _commit_recorded(
        self,
        state: ItemState,
        revision: Revision,
        content: list[Triple],
        delete: bool,
    ) -> tuple[bool, list[int]]:
        numbers = []
        number = state.head + 1
        if state.status == "live" and state.head == 0:
            # The item came from an import: its content so far becomes revision 1.
            baseline = Revision(1, "import", None, None)
            self.revisions.add(state.iri, baseline, state.content)
            numbers.append(1)
            number = 2
        self.revisions.add(state.iri, replace(revision, number=number), content)
        numbers.append(number)

        new_triples = None if delete else [*content, marker_triple(state.iri, number)]
        try:
            applied = write_item_graph(self.store, state, new_triples)
        except BaseException:
            self._forget(state.iri, numbers)
            raise
        return applied, numbers

    @contextmanager
    def _recording(self, iri: NamedNode) -> Iterator[None]:
        """Run the block inside every `recording` hook; see `WriteHooks`."""
        with ExitStack() as stack:
            for recording in self.hooks.recording:
                stack.enter_context(recording(iri))
            yield
            try:
                stack.close()
            except Exception:
                logger.exception("a recording hook failed after writing %s", iri.value)

    def _forget(self, iri: NamedNode, numbers: list[int]) -> None:
        for number in numbers:
            try:
                self.revisions.remove(iri, number)
            except Exception:
                # History hides revisions above the item's marker, so it stays right.
                logger.exception("cannot remove revision %d of %s", number, iri.value)

    def _validate(self, model: ItemModel, graphs: list[NamedNode] | None) -> None:
        check_links(self.store, model, self.iris, graphs)
        check_shapes(self.store, self.iris, model)

    def _live(
        self,
        item_type: str,
        key: str,
        user: User,
        graphs: list[NamedNode] | None,
    ) -> ItemState:
        """Return the state of a live item the user may read, else raise."""
        state = self.state(item_type, key)
        if state.status == "live" and may_read(
            self.iris, user, state.graph, state.triples
        ):
            return state
        if state.status == "imported" and (
            graphs is None or state.source_graph in graphs
        ):
            raise _imported(item_type, key, state)
        if state.status == "trash" and may_read_trash(self.iris, user, state):
            raise NotFoundError(
                f"{item_type} {key!r} is in the trash; restore it with "
                f"POST /api/{item_type}/{key}/restore"
            )
        raise _not_found(item_type, key)

    def _trashed(self, item_type: str, key: str, user: User) -> ItemState:
        state = self.state(item_type, key)
        if state.status == "trash" and may_read_trash(self.iris, user, state):
            return state
        if state.status == "live" and may_read(
            self.iris, user, state.graph, state.triples
        ):
            raise ConflictError(f"{item_type} {key!r} is not in the trash")
        raise NotFoundError(f"no {item_type} with key {key[:80]!r} in the trash")

    def _fresh(self, item_type: str, key: str, if_match: str | None) -> ItemState:
        """Read the item again inside the lock and check the entity tag again."""
        fresh = self.state(item_type, key)
        if fresh.status != "live":
            raise PreconditionFailedError(
                f"{item_type} {key!r} was deleted since it was read"
            )
        check_if_match(fresh, if_match)
        return fresh

    def _revision_content(
        self, state: ItemState, number: int, user: User
    ) -> list[Triple]:
        if not 1 <= number <= state.head:
            raise NotFoundError(
                f"no revision {number} of {state.iri.value}; "
                f"revisions go from 1 to {state.head}"
            )
        triples = self.revisions.triples(state.iri, number)
        if not may_read(self.iris, user, state.graph, triples):
            raise NotFoundError(f"no revision {number} of {state.iri.value}")
        return triples

    def _existing_groups(self) -> Collection[str] | None:
        """Return the groups `readable_by` may name, or None to accept any group."""
        return None if self.groups is None else self.groups()

    def _current_files(self, state: ItemState) -> list[object]:
        if not _has_files(state):
            return []
        return list(self._current_json(state).get("files") or [])

    def _current_json(self, state: ItemState) -> dict[str, object]:
        ref = self.iris.parse_item(state.iri.value)
        return self._model_json(ref.type, state)

    def _model_json(self, item_type: str, state: ItemState) -> dict[str, object]:
        try:
            model = MODELS[item_type].from_triples(self.iris, state.iri, state.triples)
        except ValidationFailedError as exc:
            raise invalid(
                item_type,
                [
                    error(
                        None,
                        f"the stored triples of {state.iri.value} do not fit the "
                        f"{item_type} model; send the whole item with PUT",
                    )
                ],
            ) from exc
        return model.model_dump(mode="json")

    def _check_unlinked(
        self,
        item_type: str,
        key: str,
        state: ItemState,
        graphs: list[NamedNode] | None,
    ) -> None:
        rows = self.store.select(
            f"SELECT DISTINCT ?s ?g WHERE {{ GRAPH ?g {{ ?s ?p {state.iri} }} "
            f"FILTER(?g != {state.graph} && ?p != rdf:type) }}"
        )
        if not rows:
            return
        readable = None if graphs is None else {graph.value for graph in graphs}
        linking: dict[str, bool] = {}
        for row in rows:
            item = _item_of(row["s"], row["g"])
            visible = readable is None or row["g"].value in readable
            linking[item] = linking.get(item, False) or visible
        shown = sorted(item for item, visible in linking.items() if visible)
        hidden = len(linking) - len(shown)
        if shown:
            message = (
                f"{item_type} {key!r} is linked from {len(shown)} item(s); "
                "remove those links first"
            )
            if hidden:
                message += f", and from {hidden} item(s) you may not read"
        else:
            message = (
                f"{item_type} {key!r} is linked from {hidden} item(s) you may not "
                "read; ask an administrator to remove those links"
            )
        raise ItemInUseError(message, details={"links": shown})

    def _check_transition(
        self, item_type: str, key: str, state: ItemState, target: str
    ) -> None:
        current = _state_name_of(self.iris, state)
        allowed = TRANSITIONS[current]
        if target not in allowed:
            raise TransitionNotAllowedError(
                f"{item_type} {key!r} cannot move from {current} to {target}; "
                f"allowed from {current}: {', '.join(allowed)}"
            )

    def _check_restored_links(
        self, item_type: str, state: ItemState, graphs: list[NamedNode] | None
    ) -> None:
        try:
            model = MODELS[item_type].from_triples(self.iris, state.iri, state.content)
        except ValidationFailedError:
            logger.warning(
                "restoring %s, whose triples do not fit its model", state.iri.value
            )
            return
        check_links(self.store, model, self.iris, graphs)

    def _state_name(self, target: str) -> str:
        prefix = self.iris.concept("workflow-state", "").value
        name = target[len(prefix) :] if target.startswith(prefix) else target
        if name not in WORKFLOW_STATES:
            raise invalid(
                "transition",
                [
                    error(
                        "to",
                        f"{target[:100]!r} is not a workflow state; accepted: "
                        + ", ".join(WORKFLOW_STATES),
                    )
                ],
            )
        return name

    def _delete_files(self, hashes: set[str]) -> None:
        if self.files is None:
            return
        for sha256 in sorted(hashes):
            try:
                self.discard_file(sha256)
            except Exception:
                logger.exception("cannot delete the stored file %s", sha256)

    def _file_still_used(self, sha256: str) -> bool:
        # Files are stored once per content, so another item may share this one.
        used_in_store = self.store.ask(
            f"ASK {{ GRAPH ?g {{ ?file mlg:sha256 {Literal(sha256)} }} }}"
        )
        return used_in_store or self.revisions.references_file(sha256)

    def _written(
        self, item_type: str, key: str, operation: str, user: User
    ) -> ItemState:
        state = self.state(item_type, key)
        if state.status == "live":
            self._run_hooks(self.hooks.on_write, state.iri)
        logger.info(
            "%s %s: revision %d by %s (%s)",
            operation,
            state.iri.value,
            state.head,
            user.name,
            user.role.value,
        )
        return state

    def _run_hooks(
        self, hooks: list[Callable[[NamedNode], None]], iri: NamedNode
    ) -> None:
        for hook in hooks:
            try:
                hook(iri)
            except Exception:
                logger.exception("hook %r failed for %s", hook, iri.value)

    @contextmanager
    def _lock(self, item_type: str, key: str) -> Iterator[None]:
        name = f"{item_type}/{key}"
        with self._locks_guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            yield


def open_content_writer(
    store: GraphStore,
    iris: Iris,
    settings: Settings,
    *,
    groups: Callable[[], Collection[str]] | None = None,
) -> ContentWriter:
    """Open the writer of a store, with its revision store and file store.

    The revision store at `{data_path}/revisions` closes when `store` closes. `groups`
    returns the names of the existing groups, which `readable_by` may name.
    """
    revisions = RevisionStore.open(settings.data_path, iris)
    store.on_close(revisions.close)
    return ContentWriter(
        store, iris, revisions, files=FileStore.from_settings(settings), groups=groups
    )


def write_item_graph(
    store: GraphStore, state: ItemState, triples: list[Triple] | None
) -> bool:
    """Write an item graph if it still contains the revision that `state` read.

    The check and the write are one SPARQL update: the DELETE applies only while the
    graph contains the revision number of `state` (no number for `state.head` 0), and
    the INSERT only when the graph is then empty. `triples` None deletes the graph.
    Return True when the graph now contains `triples`, so False means that another
    writer came first and nothing was changed.
    """
    graph = state.graph
    operations = []
    if state.status == "live":
        operations.append(
            f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} "
            f"WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} {_head_filter(state)} }}"
        )
    if triples is not None:
        operations.append(
            f"INSERT {{ GRAPH {graph} {{\n{triples_text(triples)}\n}} }} "
            f"WHERE {{ FILTER NOT EXISTS {{ GRAPH {graph} {{ ?s ?p ?o }} }} }}"
        )
    store.update(" ;\n".join(operations))

    stored = store.graph_triples(graph)
    if triples is None:
        if not stored:
            # Oxigraph keeps a named graph emptied by DELETE; the trash drops it.
            store.drop_graph(graph)
        return not stored
    return canonical_lines(stored) == canonical_lines(stored_form(triples))


def _head_filter(state: ItemState) -> str:
    graph, iri = state.graph, state.iri
    if state.head == 0:
        return (
            f"FILTER NOT EXISTS {{ GRAPH {graph} "
            f"{{ {iri} {MLG.revisionNumber} ?number }} }}"
        )
    marker = marker_triple(iri, state.head)
    return (
        f"FILTER EXISTS {{ GRAPH {graph} "
        f"{{ {iri} {marker.predicate} {marker.object} }} }}"
    )


def check_writable(item_type: str) -> None:
    """Raise `ReadOnlyTypeError` unless the API writes items of `item_type`."""
    if item_type not in WRITABLE_TYPES:
        raise ReadOnlyTypeError(
            f"items of type {item_type[:80]!r} come from importers and are not "
            f"written through the API; writable types: {', '.join(WRITABLE_TYPES)}"
        )


def check_if_match(state: ItemState, if_match: str | None) -> None:
    """Raise unless `if_match` is `*` or lists the item's current entity tag.

    The comparison is strong (RFC 9110, section 13.1.1), so weak tags never match.
    """
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(
            f"writing {state.iri.value} requires an If-Match header with the ETag "
            "of the version you read"
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" in tags or state.etag in tags:
        return
    raise PreconditionFailedError(
        f"{state.iri.value} changed since it was read: If-Match "
        f"{if_match[:100]!r} does not name the current ETag; read it again"
    )


def check_files_unchanged(
    item_type: str, body: object, current: list[object] | None
) -> None:
    """Raise `ValidationFailedError` when a client's body would change `files`.

    Files change only through the files routes, which store the bytes and compute
    their SHA-256, so a client cannot point a document at another item's file. A body
    may leave `files` out, or give the `current` files unchanged, as a read returns
    them. With `current` None, any `files` raises, as for a merge patch.
    """
    if not isinstance(body, dict) or "files" not in body:
        return
    if current is not None and _same_files(body["files"], current):
        return
    route = "POST or DELETE /api/document/{key}/files"
    raise invalid(
        item_type,
        [
            error(
                "files",
                f"files change only through {route}; leave the field out",
            )
        ],
    )


def _same_files(sent: object, current: list[object]) -> bool:
    if not isinstance(sent, list) or len(sent) != len(current):
        return False
    try:
        parsed = [DocumentFile.model_validate(file) for file in sent]
        kept = [DocumentFile.model_validate(file) for file in current]
    except PydanticValidationError:
        return False
    return parsed == kept


def key_for(item_type: str, body: object) -> str:
    """Return the key of a new item: the body's `key`, else its title made a slug."""
    if not isinstance(body, dict):
        return "item"
    key = body.get("key")
    if key is None:
        title = body.get("title") or body.get("label")
        if not isinstance(title, str) or not title.strip():
            raise invalid(
                item_type,
                [error("key", "give a key, or a title or label to make it from")],
            )
        return slugify(title)
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise invalid(
            item_type,
            [
                error(
                    "key",
                    f"{str(key)[:80]!r} is not a valid key: use 1 to 200 characters "
                    "among A-Z a-z 0-9 . _ -, starting with a letter or digit",
                )
            ],
        )
    return key


def _check_editor(user: User) -> None:
    if not user.can_edit:
        raise ForbiddenError(
            f"user {user.name!r} may not write items: the editor or administrator "
            "role is required"
        )


def _check_same_state(
    iris: Iris, item_type: str, model: ItemModel, state: ItemState
) -> None:
    current = _workflow_value(state)
    if model.workflow_state != current:
        raise invalid(
            item_type,
            [
                error(
                    "workflow_state",
                    f"is {current}; change it with "
                    f"POST /api/{item_type}/{model.key}/transition",
                )
            ],
        )


def _workflow_value(state: ItemState) -> str | None:
    for triple in state.triples:
        if triple.subject == state.iri and triple.predicate == MLG.workflowState:
            return triple.object.value
    return None


def _state_name_of(iris: Iris, state: ItemState) -> str:
    value = _workflow_value(state)
    prefix = iris.concept("workflow-state", "").value
    if value is None or not value.startswith(prefix):
        return "published"
    name = value[len(prefix) :]
    return name if name in TRANSITIONS else "published"


def _created(state: ItemState) -> datetime | None:
    for triple in state.triples:
        if triple.subject == state.iri and triple.predicate == DCTERMS.created:
            try:
                return datetime.fromisoformat(triple.object.value)
            except ValueError:
                return None
    return None


def _with_default_state(iris: Iris, body: object) -> object:
    if isinstance(body, dict) and body.get("workflow_state") is None:
        draft = iris.concept("workflow-state", "draft").value
        return {**body, "workflow_state": draft}
    return body


def _with_current_values(
    body: object, state: ItemState, current_json: Callable[[ItemState], dict]
) -> object:
    """Fill in the fields that the server keeps when a body leaves them out.

    They are the workflow state, which changes through transitions only, and the
    files of a document, which the upload route adds.
    """
    if not isinstance(body, dict):
        return body
    filled = dict(body)
    if "workflow_state" not in filled:
        filled["workflow_state"] = _workflow_value(state)
    if "files" not in filled and _has_files(state):
        filled["files"] = current_json(state).get("files", [])
    return filled


def _current_groups(state: ItemState) -> list[str]:
    """Return the groups that the current version of the item is readable by."""
    return [
        t.object.value
        for t in state.triples
        if t.subject == state.iri and t.predicate == MLG.readableBy
    ]


def _has_files(state: ItemState) -> bool:
    return any(
        t.subject == state.iri and t.predicate == MLG.file for t in state.triples
    )


def _set_value(
    triples: Sequence[Triple], iri: NamedNode, predicate: NamedNode, value
) -> list[Triple]:
    kept = [t for t in triples if not (t.subject == iri and t.predicate == predicate)]
    return [*kept, Triple(iri, predicate, value)]


def _item_of(subject, graph: NamedNode) -> str:
    if isinstance(subject, NamedNode):
        return subject.value.split("#", 1)[0]
    return graph.value


def _revision(
    operation: str, user: User, when: datetime, comment: str | None
) -> Revision:
    if comment is not None and len(comment) > MAX_COMMENT_CHARS:
        raise invalid(
            "revision",
            [error("comment", f"has more than {MAX_COMMENT_CHARS} characters")],
        )
    return Revision(0, operation, user.name, when, comment or None)


def _date_time(when: datetime) -> Literal:
    return Literal(when.isoformat(), datatype=XSD.dateTime)


def _exists(item_type: str, key: str, state: ItemState) -> ItemExistsError:
    if state.status == "trash":
        return ItemExistsError(
            f"{item_type} {key!r} is in the trash; restore or purge it first"
        )
    if state.status == "imported" and state.source_graph is not None:
        return ItemExistsError(
            f"{item_type} {key!r} already exists in the imported graph "
            f"{state.source_graph.value}"
        )
    return ItemExistsError(f"{item_type} {key!r} already exists")


def _imported(item_type: str, key: str, state: ItemState) -> ImportedItemError:
    source = state.source_graph.value if state.source_graph is not None else "?"
    return ImportedItemError(
        f"{item_type} {key!r} belongs to the imported dataset graph {source}; "
        "change it by importing the dataset again"
    )


def _not_found(item_type: str, key: str) -> NotFoundError:
    return NotFoundError(f"no {item_type} with key {key[:80]!r}")
