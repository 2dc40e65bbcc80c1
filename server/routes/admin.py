"""The administration API at /api/admin: users, groups and tokens, for administrators.

Every route needs the administrator role: a request without a token gets 401, a
token of a reader or an editor gets 403. A new token is returned once, in the body of
the response that creates it, with `Cache-Control: no-store`. Afterwards only its
public `id` and dates are shown.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from maillage.graph.access import User
from maillage.graph.users import (
    MAX_LABEL_LENGTH,
    Account,
    Group,
    TokenInfo,
    parse_role,
    utc_now,
)
from maillage.graph.models.base import MAX_LIST_ITEMS
from maillage.server.deps import DirectoryDep, require_administrator
from maillage.server.errors import ErrorBody
from maillage.server.parameters import (
    reject_repeated_parameters,
    reject_unknown_parameters,
)

logger = logging.getLogger(__name__)


def _log_administrator(
    request: Request, user: Annotated[User, Depends(require_administrator)]
) -> None:
    logger.info("administrator %s: %s %s", user.name, request.method, request.url.path)


ADMIN_ERRORS: dict[int | str, dict[str, object]] = {
    400: {
        "model": ErrorBody,
        "description": "A body that is not JSON, or a query parameter repeated or "
        "unknown.",
    },
    401: {"model": ErrorBody, "description": "No token, or an invalid one."},
    403: {"model": ErrorBody, "description": "The user is not an administrator."},
    404: {"model": ErrorBody, "description": "No such user, group or token."},
    409: {
        "model": ErrorBody,
        "description": "The name is taken, or the change would leave no administrator.",
    },
    422: {
        "model": ErrorBody,
        "description": "Invalid body or parameter, or a body field that is unknown.",
    },
}

router = APIRouter(
    prefix="/api/admin",
    tags=["administration"],
    dependencies=[
        Depends(_log_administrator),
        Depends(reject_repeated_parameters),
        Depends(reject_unknown_parameters),
    ],
    responses=ADMIN_ERRORS,
)

RoleName = Literal["reader", "editor", "administrator"]
NO_STORE = {"Cache-Control": "no-store"}
# User and group names have at most 64 characters (`maillage.graph.users`). This
# looser bound rejects a huge value before the user directory reads it.
MAX_NAME_CHARS = 200


class RequestBody(BaseModel):
    """A request body of this API, in which an unknown field is a 422 error."""

    model_config = ConfigDict(extra="forbid")


Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]


class UserCreate(RequestBody):
    name: Name = Field(description="1 to 64 characters among a-z 0-9 . _ -.")
    role: RoleName
    groups: list[Name] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Existing groups.",
    )


class UserUpdate(RequestBody):
    """A change of a user: fields left out keep their value."""

    role: RoleName | None = None
    groups: list[Name] | None = Field(
        default=None,
        max_length=MAX_LIST_ITEMS,
        description="The user's groups, replacing the current ones.",
    )


class UserPublic(BaseModel):
    name: str
    role: RoleName
    groups: list[str]
    created_at: datetime


class GroupCreate(RequestBody):
    name: Name = Field(description="The name that items give in `mlg:readableBy`.")
    description: str = Field(default="", max_length=500)


class GroupPublic(BaseModel):
    name: str
    description: str
    members: list[str]
    created_at: datetime


class TokenCreate(RequestBody):
    user: Name
    label: str = Field(
        default="",
        max_length=MAX_LABEL_LENGTH,
        description="What the token is for, such as the machine that uses it.",
    )
    expires_at: datetime | None = Field(
        default=None,
        description="When the token stops working, with a time zone; "
        "90 days from now when left out.",
    )


class TokenUpdate(RequestBody):
    expires_at: datetime = Field(
        description="The new expiry date, with a time zone; now or a past date "
        "expires the token at once."
    )


class TokenPublic(BaseModel):
    id: str
    user: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: Literal["active", "expired", "revoked"]


class TokenIssued(TokenPublic):
    token: str = Field(description="The token to send as 'Bearer TOKEN'; shown once.")


# Users.


@router.get("/users", summary="List the users")
def list_users(directory: DirectoryDep) -> list[UserPublic]:
    """Return every user with its role and groups, by name."""
    return [_user_public(account) for account in directory.list_users()]


@router.post("/users", status_code=201, summary="Create a user")
def create_user(
    body: UserCreate, request: Request, response: Response, directory: DirectoryDep
) -> UserPublic:
    """Create a user with a role and existing groups; it has no token yet."""
    account = directory.create_user(body.name, parse_role(body.role), body.groups)
    response.headers["Location"] = str(request.url_for("read_user", name=account.name))
    return _user_public(account)


@router.get("/users/{name}", summary="Read a user")
def read_user(name: str, directory: DirectoryDep) -> UserPublic:
    """Return one user with its role and groups."""
    return _user_public(directory.read_user(name))


@router.patch("/users/{name}", summary="Change the role or the groups of a user")
def update_user(name: str, body: UserUpdate, directory: DirectoryDep) -> UserPublic:
    """Change the role, replace the groups, or both; the user's tokens follow."""
    role = parse_role(body.role) if body.role is not None else None
    return _user_public(directory.update_user(name, role=role, groups=body.groups))


@router.delete("/users/{name}", status_code=204, summary="Delete a user")
def delete_user(name: str, directory: DirectoryDep) -> Response:
    """Delete a user, its tokens and its memberships."""
    directory.delete_user(name)
    return Response(status_code=204)


# Groups.


@router.get("/groups", summary="List the groups")
def list_groups(directory: DirectoryDep) -> list[GroupPublic]:
    """Return every group with its members, by name."""
    return [_group_public(group) for group in directory.list_groups()]


@router.post("/groups", status_code=201, summary="Create a group")
def create_group(
    body: GroupCreate, request: Request, response: Response, directory: DirectoryDep
) -> GroupPublic:
    """Create an empty group."""
    group = directory.create_group(body.name, body.description)
    response.headers["Location"] = str(request.url_for("read_group", name=group.name))
    return _group_public(group)


@router.get("/groups/{name}", summary="Read a group")
def read_group(name: str, directory: DirectoryDep) -> GroupPublic:
    """Return one group with its members."""
    return _group_public(directory.read_group(name))


@router.delete("/groups/{name}", status_code=204, summary="Delete a group")
def delete_group(name: str, directory: DirectoryDep) -> Response:
    """Delete a group; items that name it stay readable by administrators only."""
    directory.delete_group(name)
    return Response(status_code=204)


@router.put("/groups/{name}/members/{user}", summary="Add a user to a group")
def create_member(name: str, user: str, directory: DirectoryDep) -> GroupPublic:
    """Add `user` to the group; adding a member again changes nothing."""
    return _group_public(directory.add_member(name, user))


@router.delete("/groups/{name}/members/{user}", summary="Remove a user from a group")
def delete_member(name: str, user: str, directory: DirectoryDep) -> GroupPublic:
    """Remove `user` from the group."""
    return _group_public(directory.remove_member(name, user))


# Tokens.


@router.get("/tokens", summary="List the tokens")
def list_tokens(
    directory: DirectoryDep,
    user: Annotated[
        str | None,
        Query(max_length=MAX_NAME_CHARS, description="Only this user's tokens."),
    ] = None,
) -> list[TokenPublic]:
    """Return the tokens, newest first, with their state; never the secrets."""
    now = utc_now()
    return [_token_public(info, now) for info in directory.list_tokens(user)]


@router.post(
    "/tokens",
    status_code=201,
    summary="Create a token for a user",
    response_model=TokenIssued,
)
def create_token(
    body: TokenCreate, request: Request, response: Response, directory: DirectoryDep
) -> TokenIssued:
    """Issue a token; the response is the only place where the token appears."""
    issued = directory.create_token(
        body.user, label=body.label, expires_at=body.expires_at
    )
    response.headers.update(NO_STORE)
    response.headers["Location"] = str(
        request.url_for("read_token", token_id=issued.info.id)
    )
    public = _token_public(issued.info, utc_now())
    return TokenIssued(**public.model_dump(), token=issued.secret)


@router.get("/tokens/{token_id}", summary="Read a token's dates and state")
def read_token(token_id: str, directory: DirectoryDep) -> TokenPublic:
    """Return one token's user, label, dates and state."""
    return _token_public(directory.read_token(token_id), utc_now())


@router.patch("/tokens/{token_id}", summary="Change a token's expiry date")
def update_token(
    token_id: str, body: TokenUpdate, directory: DirectoryDep
) -> TokenPublic:
    """Set the expiry date; a date in the past expires the token at once."""
    info = directory.expire_token(token_id, body.expires_at)
    return _token_public(info, utc_now())


@router.post("/tokens/{token_id}/revoke", summary="Revoke a token")
def revoke_token(token_id: str, directory: DirectoryDep) -> TokenPublic:
    """Revoke a token for good; it stays listed, as revoked."""
    return _token_public(directory.revoke_token(token_id), utc_now())


def _user_public(account: Account) -> UserPublic:
    return UserPublic(
        name=account.name,
        role=account.role.value,
        groups=list(account.groups),
        created_at=account.created_at,
    )


def _group_public(group: Group) -> GroupPublic:
    return GroupPublic(
        name=group.name,
        description=group.description,
        members=list(group.members),
        created_at=group.created_at,
    )


def _token_public(info: TokenInfo, now: datetime) -> TokenPublic:
    return TokenPublic(
        id=info.id,
        user=info.user,
        label=info.label,
        created_at=info.created_at,
        expires_at=info.expires_at,
        revoked_at=info.revoked_at,
        state=info.state(now),
    )
