"""Authentication of HTTP requests by bearer token (RFC 6750), and role checks.

A request without an Authorization header is anonymous. A request with one must carry
`Bearer TOKEN`, where TOKEN is a token of a user account (`maillage.graph.users`) or
one of the two bootstrap tokens of the settings:

- `editor_token` acts as the editor named `editor`;
- `admin_token` acts as the administrator named `administrator`, so that the first
  accounts and tokens can be made through the API before any administrator exists.

Any other value gets 401 `invalid_token`: a client that sends a wrong, expired or
revoked token learns it at once instead of silently reading as anonymous.
"""

from __future__ import annotations

import logging
import secrets
from typing import NoReturn

from maillage.graph.access import ANONYMOUS, Role, User
from maillage.graph.errors import (
    ForbiddenError,
    InvalidTokenError,
    UnauthorizedError,
)
from maillage.graph.settings import Settings
from maillage.graph.users import USERS_FILE, UserDirectory

logger = logging.getLogger(__name__)

BOOTSTRAP_EDITOR = User("editor", Role.EDITOR)
BOOTSTRAP_ADMINISTRATOR = User("administrator", Role.ADMINISTRATOR)


def open_directory(settings: Settings) -> UserDirectory:
    """Return the user directory of the data folder; its file is made on first use."""
    return UserDirectory(settings.data_path / USERS_FILE)


def authenticate(
    authorization: str | None, settings: Settings, directory: UserDirectory
) -> User:
    """Return the user that an Authorization header value acts as.

    None is anonymous. Raises `UnauthorizedError` for a scheme other than Bearer,
    and `InvalidTokenError` for an empty token or one that no user holds.
    """
    if authorization is None:
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise UnauthorizedError(
            f"unsupported Authorization scheme {scheme[:20]!r}: "
            "send 'Authorization: Bearer TOKEN'"
        )
    token = token.strip()
    if not token:
        raise InvalidTokenError(
            "the bearer token is empty: send 'Authorization: Bearer TOKEN'"
        )
    bootstrap = _bootstrap_user(token, settings)
    if bootstrap is not None:
        return bootstrap
    return directory.authenticate(token)


def check_editor(user: User) -> User:
    """Return `user` if it may write content; raise 401 or 403 otherwise."""
    if not user.can_edit:
        _reject(user, "this request needs the editor or administrator role")
    return user


def check_administrator(user: User) -> User:
    """Return `user` if it is an administrator; raise 401 or 403 otherwise."""
    if user.role is not Role.ADMINISTRATOR:
        _reject(user, "this request needs the administrator role")
    return user


def _reject(user: User, need: str) -> NoReturn:
    if not user.is_authenticated:
        raise UnauthorizedError(f"{need}: send 'Authorization: Bearer TOKEN'")
    logger.info("user %s (%s) rejected: %s", user.name, user.role.value, need)
    raise ForbiddenError(f"{need}; user {user.name!r} is {user.role.value}")


def _bootstrap_user(token: str, settings: Settings) -> User | None:
    encoded = token.encode()
    # compare_digest takes the same time wherever two values of equal length differ,
    # so the response time does not reveal how much of a bootstrap token was right.
    is_editor = _matches(encoded, settings.editor_token)
    is_administrator = _matches(encoded, settings.admin_token)
    if is_administrator:
        return BOOTSTRAP_ADMINISTRATOR
    if is_editor:
        return BOOTSTRAP_EDITOR
    return None


def _matches(encoded: bytes, expected: str | None) -> bool:
    if not expected:
        return False
    return secrets.compare_digest(encoded, expected.encode())

