"""User accounts, groups and bearer tokens, kept in one SQLite file.

A user has one role (reader, editor or administrator) and belongs to any number of
groups; a group's name is what items name in `mlg:readableBy`. A token belongs to one
user and acts as that user until it expires or an administrator revokes it.

A token is `mlg_` followed by 32 random bytes in URL-safe base64. The file stores only
its SHA-256 digest. A salt or a slow hash protects secrets that can be guessed, such as
passwords, which 256 random bits cannot be. The token itself is returned once, by
`create_token`, and is never stored or logged. Tokens are listed, expired and revoked
by their public `id`.

Every change runs in one SQLite transaction. The file and its tables are created on
first use, readable and writable by the owner only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from maillage.graph.access import Role, User
from maillage.graph.errors import (
    ConflictError,
    InvalidIdentifierError,
    InvalidTokenError,
    NotFoundError,
    ValidationFailedError,
)

logger = logging.getLogger(__name__)

USERS_FILE = "users.sqlite3"
TOKEN_PREFIX = "mlg_"
TOKEN_BYTES = 32
# A token that has no expiry date given expires after this time.
DEFAULT_TOKEN_LIFETIME = timedelta(days=90)
# The roles an account may have. Anonymous is the absence of an account.
ACCOUNT_ROLES = (Role.READER, Role.EDITOR, Role.ADMINISTRATOR)
# User and group names use the characters of item keys, in lower case.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
MAX_LABEL_LENGTH = 200
# Longer bearer values cannot be tokens, so they are rejected before hashing.
MAX_TOKEN_LENGTH = 200

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'administrator')),
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    PRIMARY KEY (group_name, user_name)
);
CREATE INDEX IF NOT EXISTS members_by_user ON members (user_name);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    digest BLOB NOT NULL UNIQUE,
    user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    label TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    revoked TEXT
);
CREATE INDEX IF NOT EXISTS tokens_by_user ON tokens (user_name);
"""


@dataclass(frozen=True)
class Account:
    """A stored user, with the names of its groups in alphabetical order."""

    name: str
    role: Role
    groups: tuple[str, ...]
    created_at: datetime

    def as_user(self) -> User:
        """Return the identity that requests made with this account act as."""
        return User(self.name, self.role, frozenset(self.groups))


@dataclass(frozen=True)
class Group:
    """A group of users, with its members' names in alphabetical order."""

    name: str
    description: str
    members: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    """The public part of a token: every field but the secret and its digest."""

    id: str
    user: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """Return `revoked`, `expired` or `active` at the time `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class IssuedToken:
    """A new token: `secret` is what the client sends, shown this once only."""

    info: TokenInfo
    secret: str


def utc_now() -> datetime:
    """Return the current time in UTC, to the second, as stored in the file."""
    return datetime.now(UTC).replace(microsecond=0)


def check_name(kind: str, name: str) -> None:
    """Raise `InvalidIdentifierError` unless `name` is a valid user or group name."""
    if not NAME_PATTERN.fullmatch(name):
        raise InvalidIdentifierError(
            f"invalid {kind} name {name[:80]!r}: use 1 to 64 characters among "
            "a-z 0-9 . _ -, starting with a letter or digit"
        )


def parse_role(value: str) -> Role:
    """Return the account role named `value`; raise `ValidationFailedError` if none."""
    for role in ACCOUNT_ROLES:
        if value == role.value:
            return role
    accepted = ", ".join(role.value for role in ACCOUNT_ROLES)
    raise ValidationFailedError(f"unknown role {value[:40]!r}; accepted: {accepted}")


class UserDirectory:
    """The users, groups and tokens of one instance, in the SQLite file at `path`.

    Each call opens its own connection, so one directory serves many threads. SQLite
    runs one writer at a time, and a writer waits up to `timeout` seconds for the
    previous one to finish.
    """

    def __init__(self, path: Path, *, timeout: float = 10.0) -> None:
        self.path = path
        self.timeout = timeout
        self._ready = False
        self._ready_lock = threading.Lock()

    # Users.

    def create_user(
        self, name: str, role: Role, groups: Iterable[str] = ()
    ) -> Account:
        """Add a user with `role` in the existing `groups`; 409 if the name is taken."""
        check_name("user", name)
        _check_account_role(role)
        group_names = sorted(set(groups))
        with self._transaction(write=True) as db:
            if _exists(db, "users", name):
                raise ConflictError(f"a user named {name!r} already exists")
            _check_groups_exist(db, group_names)
            db.execute(
                "INSERT INTO users (name, role, created) VALUES (?, ?, ?)",
                (name, role.value, _text(utc_now())),
            )
            _set_groups(db, name, group_names)
            account = _read_account(db, name)
        logger.info("user %s created with role %s", name, role.value)
        return account

    def list_users(self) -> list[Account]:
        """Return every user, by name."""
        with self._transaction() as db:
            rows = db.execute("SELECT name FROM users ORDER BY name").fetchall()
            return [_read_account(db, row[0]) for row in rows]

    def read_user(self, name: str) -> Account:
        """Return the user `name`; raise `NotFoundError` if there is none."""
        with self._transaction() as db:
            return _read_account(db, name)

    def update_user(
        self,
        name: str,
        *,
        role: Role | None = None,
        groups: Iterable[str] | None = None,
    ) -> Account:
        """Change the role and, when given, replace the groups of the user `name`.

        Raises `ConflictError` when the change would leave no administrator.
        """
        with self._transaction(write=True) as db:
            account = _read_account(db, name)
            if role is not None and role is not account.role:
                _check_account_role(role)
                if account.role is Role.ADMINISTRATOR:
                    _check_not_last_administrator(db, name, "change the role of")
                db.execute(
                    "UPDATE users SET role = ? WHERE name = ?", (role.value, name)
                )
            if groups is not None:
                group_names = sorted(set(groups))
                _check_groups_exist(db, group_names)
                db.execute("DELETE FROM members WHERE user_name = ?", (name,))
                _set_groups(db, name, group_names)
            updated = _read_account(db, name)
        logger.info(
            "user %s updated: role %s, groups %s",
            name,
            updated.role.value,
            ",".join(updated.groups) or "none",
        )
        return updated

    def delete_user(self, name: str) -> None:
        """Delete the user `name` with its tokens and memberships.

        Raises `ConflictError` for the last administrator.
        """
        with self._transaction(write=True) as db:
            account = _read_account(db, name)
            if account.role is Role.ADMINISTRATOR:
                _check_not_last_administrator(db, name, "delete")
            db.execute("DELETE FROM users WHERE name = ?", (name,))
        logger.info("user %s deleted with its tokens", name)

    # Groups.

    def create_group(self, name: str, description: str = "") -> Group:
        """Add an empty group; 409 if the name is taken."""
        check_name("group", name)
        with self._transaction(write=True) as db:
            if _exists(db, "groups", name):
                raise ConflictError(f"a group named {name!r} already exists")
            db.execute(
                "INSERT INTO groups (name, description, created) VALUES (?, ?, ?)",
                (name, description, _text(utc_now())),
            )
            group = _read_group(db, name)
        logger.info("group %s created", name)
        return group

    def list_groups(self) -> list[Group]:
        """Return every group, by name."""
        with self._transaction() as db:
            rows = db.execute("SELECT name FROM groups ORDER BY name").fetchall()
            return [_read_group(db, row[0]) for row in rows]

    def read_group(self, name: str) -> Group:
        """Return the group `name`; raise `NotFoundError` if there is none."""
        with self._transaction() as db:
            return _read_group(db, name)

    def delete_group(self, name: str) -> None:
        """Delete the group `name`; its members lose it, items keep naming it."""
        with self._transaction(write=True) as db:
            _read_group(db, name)
            db.execute("DELETE FROM groups WHERE name = ?", (name,))
        logger.info("group %s deleted", name)

    def add_member(self, group: str, user: str) -> Group:
        """Put the user `user` in the group `group`; a second call changes nothing."""
        with self._transaction(write=True) as db:
            _read_group(db, group)
            _read_account(db, user)
            db.execute(
                "INSERT OR IGNORE INTO members (group_name, user_name) VALUES (?, ?)",
                (group, user),
            )
            updated = _read_group(db, group)
        logger.info("user %s added to group %s", user, group)
        return updated

    def remove_member(self, group: str, user: str) -> Group:
        """Take the user `user` out of the group `group`; 404 if not a member."""
        with self._transaction(write=True) as db:
            _read_group(db, group)
            removed = db.execute(
                "DELETE FROM members WHERE group_name = ? AND user_name = ?",
                (group, user),
            ).rowcount
            if not removed:
                raise NotFoundError(f"user {user[:80]!r} is not in group {group!r}")
            updated = _read_group(db, group)
        logger.info("user %s removed from group %s", user, group)
        return updated

    # Tokens.

    def create_token(
        self,
        user: str,
        *,
        label: str = "",
        expires_at: datetime | None = None,
    ) -> IssuedToken:
        """Issue a new token for `user`, valid until `expires_at`.

        `expires_at` must be in the future and carry a time zone; without it the token
        lasts `DEFAULT_TOKEN_LIFETIME`. The returned secret is stored nowhere.
        """
        now = utc_now()
        if expires_at is None:
            expires = now + DEFAULT_TOKEN_LIFETIME
        else:
            expires = _check_expiry(expires_at, now)
        if len(label) > MAX_LABEL_LENGTH:
            raise ValidationFailedError(
                f"token label of {len(label)} characters is too long; "
                f"the maximum is {MAX_LABEL_LENGTH}"
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        token_id = secrets.token_hex(8)
        with self._transaction(write=True) as db:
            _read_account(db, user)
            db.execute(
                "INSERT INTO tokens (id, digest, user_name, label, created, expires) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (token_id, _digest(secret), user, label, _text(now), _text(expires)),
            )
            info = _read_token(db, token_id)
        logger.info("token %s created for user %s, expires %s", token_id, user, expires)
        return IssuedToken(info, secret)

    def list_tokens(self, user: str | None = None) -> list[TokenInfo]:
        """Return every token, or those of `user`, the newest first."""
        query = f"SELECT {_TOKEN_COLUMNS} FROM tokens"
        parameters: tuple[str, ...] = ()
        if user is not None:
            query += " WHERE user_name = ?"
            parameters = (user,)
        query += " ORDER BY created DESC, id"
        with self._transaction() as db:
            if user is not None:
                _read_account(db, user)
            return [_token_info(row) for row in db.execute(query, parameters)]

    def read_token(self, token_id: str) -> TokenInfo:
        """Return the token whose public id is `token_id`; raise `NotFoundError`."""
        with self._transaction() as db:
            return _read_token(db, token_id)

    def expire_token(self, token_id: str, at: datetime | None = None) -> TokenInfo:
        """Set the expiry date of a token to `at`, or to now; past dates are allowed."""
        when = _aware(at) if at is not None else utc_now()
        with self._transaction(write=True) as db:
            _read_token(db, token_id)
            db.execute(
                "UPDATE tokens SET expires = ? WHERE id = ?", (_text(when), token_id)
            )
            info = _read_token(db, token_id)
        logger.info("token %s now expires %s", token_id, when)
        return info

    def revoke_token(self, token_id: str) -> TokenInfo:
        """Revoke a token for good; revoking it again keeps the first date."""
        with self._transaction(write=True) as db:
            _read_token(db, token_id)
            db.execute(
                "UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (_text(utc_now()), token_id),
            )
            info = _read_token(db, token_id)
        logger.info("token %s revoked", token_id)
        return info

    def authenticate(self, secret: str, now: datetime | None = None) -> User:
        """Return the user that the token `secret` acts as.

        Raises `InvalidTokenError` when the token is unknown, expired or revoked.
        """
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
            raise InvalidTokenError(_UNKNOWN_TOKEN)
        now = now or utc_now()
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE digest = ?",
                (_digest(secret),),
            ).fetchone()
            if row is None:
                raise InvalidTokenError(_UNKNOWN_TOKEN)
            info = _token_info(row)
            state = info.state(now)
            if state != "active":
                logger.info(
                    "token %s of user %s rejected: %s", info.id, info.user, state
                )
                raise InvalidTokenError(
                    f"the bearer token {info.id} is {state}; "
                    "ask an administrator for a new one"
                )
            return _read_account(db, info.user).as_user()

    # The file.

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction, committed at its end or rolled back.

        A write transaction takes SQLite's write lock at once (BEGIN IMMEDIATE), so
        that a check and the change it allows see the same state.
        """
        self._prepare()
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def _prepare(self) -> None:
        """Create the file, owner-only, and its tables on the first call."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Creating the file first sets its mode, and SQLite gives its -wal and -shm
            # files the mode of the database file.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode = WAL")
                db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            finally:
                db.close()
            self._ready = True


_UNKNOWN_TOKEN = "the bearer token is not valid; ask an administrator for a new one"
_TOKEN_COLUMNS = "id, user_name, label, created, expires, revoked"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValidationFailedError(
            f"expiry date {moment.isoformat()} has no time zone; "
            "add one, such as 2030-01-31T00:00:00+00:00"
        )
    return moment.astimezone(UTC)


def _check_expiry(expires: datetime, now: datetime) -> datetime:
    expires = _aware(expires)
    if expires <= now:
        raise ValidationFailedError(
            f"expiry date {expires.isoformat()} is not in the future"
        )
    return expires


def _check_account_role(role: Role) -> None:
    if role not in ACCOUNT_ROLES:
        accepted = ", ".join(role.value for role in ACCOUNT_ROLES)
        raise ValidationFailedError(
            f"role {role.value!r} cannot be given to a user; accepted: {accepted}"
        )


def _exists(db: sqlite3.Connection, table: str, name: str) -> bool:
    query = f"SELECT 1 FROM {table} WHERE name = ?"
    return db.execute(query, (name,)).fetchone() is not None


def _check_groups_exist(db: sqlite3.Connection, groups: list[str]) -> None:
    missing = [name for name in groups if not _exists(db, "groups", name)]
    if missing:
        names = ", ".join(repr(name[:80]) for name in missing)
        raise ValidationFailedError(f"unknown group {names}; create it first")


def _set_groups(db: sqlite3.Connection, user: str, groups: list[str]) -> None:
    db.executemany(
        "INSERT INTO members (group_name, user_name) VALUES (?, ?)",
        [(group, user) for group in groups],
    )


def _check_not_last_administrator(db: sqlite3.Connection, name: str, verb: str) -> None:
    others = db.execute(
        "SELECT COUNT(*) FROM users WHERE role = 'administrator' AND name != ?",
        (name,),
    ).fetchone()[0]
    if not others:
        raise ConflictError(
            f"cannot {verb} {name!r}, the last administrator; "
            "give another user the administrator role first"
        )


def _read_account(db: sqlite3.Connection, name: str) -> Account:
    row = db.execute(
        "SELECT role, created FROM users WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no user named {name[:80]!r}")
    groups = db.execute(
        "SELECT group_name FROM members WHERE user_name = ? ORDER BY group_name",
        (name,),
    )
    return Account(
        name=name,
        role=Role(row[0]),
        groups=tuple(group for (group,) in groups),
        created_at=datetime.fromisoformat(row[1]),
    )


def _read_group(db: sqlite3.Connection, name: str) -> Group:
    row = db.execute(
        "SELECT description, created FROM groups WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no group named {name[:80]!r}")
    members = db.execute(
        "SELECT user_name FROM members WHERE group_name = ? ORDER BY user_name",
        (name,),
    )
    return Group(
        name=name,
        description=row[0],
        members=tuple(member for (member,) in members),
        created_at=datetime.fromisoformat(row[1]),
    )


def _read_token(db: sqlite3.Connection, token_id: str) -> TokenInfo:
    row = db.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id = ?", (token_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no token with id {token_id[:80]!r}")
    return _token_info(row)


def _token_info(row: tuple) -> TokenInfo:
    token_id, user, label, created, expires, revoked = row
    return TokenInfo(
        id=token_id,
        user=user,
        label=label,
        created_at=datetime.fromisoformat(created),
        expires_at=datetime.fromisoformat(expires),
        revoked_at=_moment(revoked),
    )
