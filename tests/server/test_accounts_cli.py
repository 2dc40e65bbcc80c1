import pytest
from typer.testing import CliRunner

from maillage.graph.access import Role
from maillage.graph.errors import InvalidTokenError
from maillage.graph.users import USERS_FILE, UserDirectory
from maillage.server.cli import app

runner = CliRunner()


@pytest.fixture
def data(tmp_path):
    return tmp_path / "data"


def run(data, *args: str):
    """Run a `maillage` command on the users file of the folder `data`."""
    return runner.invoke(app, [*args, "--data", str(data)])


def directory(data) -> UserDirectory:
    return UserDirectory(data / USERS_FILE)


def test_cli_users_create_with_group(data):
    run(data, "groups", "create", "juristes")
    result = run(data, "users", "create", "juliette", "--group", "juristes")
    assert result.exit_code == 0, result.output
    account = directory(data).read_user("juliette")
    assert (account.role, account.groups) == (Role.READER, ("juristes",))


def test_cli_users_create_unknown_role(data):
    result = run(data, "users", "create", "ana", "--role", "chef")
    assert result.exit_code == 1, result.output
    assert "unknown role 'chef'" in result.output


def test_cli_users_update_role(data):
    run(data, "users", "create", "ana")
    result = run(data, "users", "update", "ana", "--role", "editor")
    assert result.exit_code == 0, result.output
    assert directory(data).read_user("ana").role is Role.EDITOR


def test_cli_users_delete_last_administrator(data):
    run(data, "users", "create", "admin", "--role", "administrator")
    result = run(data, "users", "delete", "admin", "--yes")
    assert result.exit_code == 1, result.output
    assert "the last administrator" in result.output


def test_cli_tokens_create_quiet(data):
    run(data, "users", "create", "ana", "--role", "editor")
    result = run(data, "tokens", "create", "ana", "--quiet")
    assert result.exit_code == 0, result.output
    user = directory(data).authenticate(result.output.strip())
    assert (user.name, user.role) == ("ana", Role.EDITOR)


def test_cli_tokens_create_days(data):
    run(data, "users", "create", "ana")
    run(data, "tokens", "create", "ana", "--days", "7")
    info = directory(data).list_tokens("ana")[0]
    assert (info.expires_at - info.created_at).days == 7, info


def test_cli_tokens_list_hides_secret(data):
    run(data, "users", "create", "ana")
    secret = run(data, "tokens", "create", "ana", "-q").output.strip()
    result = run(data, "tokens", "list")
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    assert directory(data).list_tokens()[0].id in result.output


def test_cli_tokens_revoke(data):
    run(data, "users", "create", "ana")
    secret = run(data, "tokens", "create", "ana", "-q").output.strip()
    token_id = directory(data).list_tokens()[0].id
    result = run(data, "tokens", "revoke", token_id)
    assert result.exit_code == 0, result.output
    with pytest.raises(InvalidTokenError):
        directory(data).authenticate(secret)


def test_cli_tokens_expire_now(data):
    run(data, "users", "create", "ana")
    run(data, "tokens", "create", "ana")
    token_id = directory(data).list_tokens()[0].id
    result = run(data, "tokens", "expire", token_id)
    assert "expired" in result.output, result.output


def test_cli_tokens_invalid_date(data):
    run(data, "users", "create", "ana")
    result = run(data, "tokens", "create", "ana", "--expires", "demain")
    assert result.exit_code == 1, result.output
    assert "invalid date 'demain'" in result.output


def test_cli_groups_add_and_remove(data):
    run(data, "users", "create", "ana")
    run(data, "groups", "create", "direction-capca")
    run(data, "groups", "add", "direction-capca", "ana")
    result = run(data, "groups", "remove", "direction-capca", "ana")
    assert result.exit_code == 0, result.output
    assert directory(data).read_group("direction-capca").members == ()
