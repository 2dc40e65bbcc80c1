"""The `maillage users`, `maillage groups` and `maillage tokens` commands.

They work on the users file in the data folder (`MAILLAGE_DATA_PATH`) directly, so
any account that can write that file on the server acts as an administrator. The
server may run meanwhile. A new token is printed once and never again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from maillage.graph.errors import MaillageError
from maillage.graph.settings import load_settings
from maillage.graph.users import (
    ACCOUNT_ROLES,
    DEFAULT_TOKEN_LIFETIME,
    USERS_FILE,
    TokenInfo,
    UserDirectory,
    parse_role,
    utc_now,
)

users_app = typer.Typer(
    help="Manage user accounts and their roles.", no_args_is_help=True
)
groups_app = typer.Typer(
    help="Manage groups, the names that restricted items are readable by.",
    no_args_is_help=True,
)
tokens_app = typer.Typer(
    help="Create, list, expire and revoke bearer tokens.", no_args_is_help=True
)

console = Console()
error_console = Console(stderr=True)

ROLE_NAMES = ", ".join(role.value for role in ACCOUNT_ROLES)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder of files, users and the search index; by default the "
        "environment variable MAILLAGE_DATA_PATH, else var/data.",
    ),
]

Result = TypeVar("Result")


# Users.


@users_app.command("list")
def list_users(data: DataOption = None) -> None:
    """List the users with their roles and groups."""
    accounts = _guarded(_directory(data).list_users)
    table = Table("name", "role", "groups", "created")
    for account in accounts:
        table.add_row(
            account.name,
            account.role.value,
            ", ".join(account.groups),
            _moment(account.created_at),
        )
    console.print(table)


@users_app.command("create")
def create_user(
    name: Annotated[str, typer.Argument(help="1 to 64 characters among a-z 0-9 . _ -")],
    role: Annotated[str, typer.Option(help=f"One of: {ROLE_NAMES}.")] = "reader",
    group: Annotated[
        list[str] | None,
        typer.Option("--group", help="An existing group to join; repeatable."),
    ] = None,
    data: DataOption = None,
) -> None:
    """Create a user; give it a token with `maillage tokens create`."""
    directory = _directory(data)
    account = _guarded(
        directory.create_user, name, _guarded(parse_role, role), group or ()
    )
    console.print(f"user {account.name} created with role {account.role.value}")


@users_app.command("update")
def update_user(
    name: Annotated[str, typer.Argument(help="The user to change.")],
    role: Annotated[str | None, typer.Option(help=f"One of: {ROLE_NAMES}.")] = None,
    group: Annotated[
        list[str] | None,
        typer.Option("--group", help="Replace the groups by these; repeatable."),
    ] = None,
    no_groups: Annotated[
        bool, typer.Option("--no-groups", help="Take the user out of every group.")
    ] = False,
    data: DataOption = None,
) -> None:
    """Change the role or the groups of a user."""
    if no_groups and group:
        _fail("give either --group or --no-groups, not both")
    groups = [] if no_groups else group
    new_role = _guarded(parse_role, role) if role is not None else None
    account = _guarded(
        _directory(data).update_user, name, role=new_role, groups=groups
    )
    console.print(
        f"user {account.name}: role {account.role.value}, "
        f"groups {', '.join(account.groups) or 'none'}"
    )


@users_app.command("delete")
def delete_user(
    name: Annotated[str, typer.Argument(help="The user to delete.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
    data: DataOption = None,
) -> None:
    """Delete a user with its tokens and memberships."""
    if not yes:
        typer.confirm(f"Delete user {name} and its tokens?", abort=True)
    _guarded(_directory(data).delete_user, name)
    console.print(f"user {name} deleted")


# Groups.


@groups_app.command("list")
def list_groups(data: DataOption = None) -> None:
    """List the groups with their members."""
    table = Table("name", "members", "description")
    for group in _guarded(_directory(data).list_groups):
        table.add_row(group.name, ", ".join(group.members), group.description)
    console.print(table)


@groups_app.command("create")
def create_group(
    name: Annotated[
        str, typer.Argument(help="The name items give in mlg:readableBy.")
    ],
    description: Annotated[str, typer.Option(help="Who the group is.")] = "",
    data: DataOption = None,
) -> None:
    """Create an empty group."""
    group = _guarded(_directory(data).create_group, name, description)
    console.print(f"group {group.name} created")


@groups_app.command("delete")
def delete_group(
    name: Annotated[str, typer.Argument(help="The group to delete.")],
    data: DataOption = None,
) -> None:
    """Delete a group; its members leave it, items keep naming it."""
    _guarded(_directory(data).delete_group, name)
    console.print(f"group {name} deleted")


@groups_app.command("add")
def add_member(
    name: Annotated[str, typer.Argument(help="The group.")],
    user: Annotated[str, typer.Argument(help="The user to add.")],
    data: DataOption = None,
) -> None:
    """Add a user to a group."""
    group = _guarded(_directory(data).add_member, name, user)
    console.print(f"group {group.name}: {', '.join(group.members)}")


@groups_app.command("remove")
def remove_member(
    name: Annotated[str, typer.Argument(help="The group.")],
    user: Annotated[str, typer.Argument(help="The user to remove.")],
    data: DataOption = None,
) -> None:
    """Remove a user from a group."""
    group = _guarded(_directory(data).remove_member, name, user)
    console.print(f"group {group.name}: {', '.join(group.members) or 'no member'}")


# Tokens.


@tokens_app.command("list")
def list_tokens(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    data: DataOption = None,
) -> None:
    """List the tokens, newest first, with their state; never the tokens themselves."""
    tokens = _guarded(_directory(data).list_tokens, user)
    now = utc_now()
    table = Table()
    # The id is what `expire` and `revoke` take, so it is never cut.
    table.add_column("id", no_wrap=True, min_width=16)
    for heading in ("user", "label", "state", "created", "expires"):
        table.add_column(heading)
    for info in tokens:
        table.add_row(
            info.id,
            info.user,
            info.label,
            info.state(now),
            _moment(info.created_at),
            _moment(info.expires_at),
        )
    console.print(table)


@tokens_app.command("create")
def create_token(
    user: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    days: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Days until the token expires; "
            f"{DEFAULT_TOKEN_LIFETIME.days} without this option or --expires.",
        ),
    ] = None,
    expires: Annotated[
        str | None,
        typer.Option(
            help="Expiry date in ISO 8601, such as 2027-06-30 or "
            "2027-06-30T18:00+02:00; without a time zone it is read as UTC.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the token only.")
    ] = False,
    data: DataOption = None,
) -> None:
    """Create a token for a user and print it, this once."""
    if days is not None and expires is not None:
        _fail("give either --days or --expires, not both")
    expires_at = _parse_moment(expires) if expires is not None else None
    if days is not None:
        expires_at = utc_now() + timedelta(days=days)
    issued = _guarded(
        _directory(data).create_token, user, label=label, expires_at=expires_at
    )
    if quiet:
        typer.echo(issued.secret)
        return
    _print_token(issued.info)
    console.print(
        "Send it as 'Authorization: Bearer TOKEN'. It is shown this once only:"
    )
    typer.echo(issued.secret)


@tokens_app.command("expire")
def expire_token(
    token_id: Annotated[str, typer.Argument(help="The token's id, from `list`.")],
    at: Annotated[
        str | None,
        typer.Option(help="New expiry date in ISO 8601; now by default."),
    ] = None,
    data: DataOption = None,
) -> None:
    """Set a token's expiry date; without --at it expires at once."""
    when = _parse_moment(at) if at is not None else None
    _print_token(_guarded(_directory(data).expire_token, token_id, when))


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The token's id, from `list`.")],
    data: DataOption = None,
) -> None:
    """Revoke a token for good."""
    _print_token(_guarded(_directory(data).revoke_token, token_id))


def _directory(data: Path | None) -> UserDirectory:
    try:
        settings = load_settings(data_path=data)
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")
    return UserDirectory(settings.data_path / USERS_FILE)


def _guarded(function: Callable[..., Result], *args, **kwargs) -> Result:
    """Call `function`; turn maillage's errors into a message and exit status 1."""
    try:
        return function(*args, **kwargs)
    except MaillageError as exc:
        _fail(exc.message)


def _fail(message: str) -> NoReturn:
    error_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code=1)


def _parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"invalid date {text[:40]!r}: use ISO 8601, such as 2027-06-30")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _print_token(info: TokenInfo) -> None:
    console.print(
        f"token {info.id} of {info.user}: {info.state(utc_now())}, "
        f"expires {_moment(info.expires_at)}",
        highlight=False,
    )
