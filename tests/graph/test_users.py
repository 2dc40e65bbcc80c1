import hashlib
import logging
import sqlite3
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest

from maillage.graph.access import Role, User
from maillage.graph.errors import (
    ConflictError,
    InvalidIdentifierError,
    InvalidTokenError,
    NotFoundError,
    ValidationFailedError,
)
from maillage.graph.users import (
    DEFAULT_TOKEN_LIFETIME,
    USERS_FILE,
    UserDirectory,
    utc_now,
)


@pytest.fixture
def directory(settings):
    return UserDirectory(settings.data_path / USERS_FILE)


@pytest.fixture
def lawyers(directory):
    directory.create_group("juristes", "Juristes de la CAPCA")
    return directory


def stored_rows(directory, table):
    with sqlite3.connect(directory.path) as db:
        return db.execute(f"SELECT * FROM {table}").fetchall()


def test_create_user_then_read(lawyers):
    lawyers.create_user("juliette", Role.READER, ["juristes"])
    account = lawyers.read_user("juliette")
    assert (account.role, account.groups) == (Role.READER, ("juristes",))


def test_create_user_file_owner_only(directory):
    directory.create_user("ana", Role.EDITOR)
    mode = stat.S_IMODE(directory.path.stat().st_mode)
    assert mode == 0o600, oct(mode)


def test_create_user_taken_name(directory):
    directory.create_user("ana", Role.EDITOR)
    with pytest.raises(ConflictError) as caught:
        directory.create_user("ana", Role.READER)
    assert caught.value.message == "a user named 'ana' already exists"


def test_create_user_invalid_name(directory):
    with pytest.raises(InvalidIdentifierError) as caught:
        directory.create_user("../ana", Role.READER)
    assert caught.value.message.startswith("invalid user name '../ana'")


def test_create_user_anonymous_role(directory):
    with pytest.raises(ValidationFailedError) as caught:
        directory.create_user("ana", Role.ANONYMOUS)
    assert caught.value.message == (
        "role 'anonymous' cannot be given to a user; "
        "accepted: reader, editor, administrator"
    )


def test_create_user_unknown_group_changes_nothing(lawyers):
    with pytest.raises(ValidationFailedError) as caught:
        lawyers.create_user("ana", Role.READER, ["juristes", "direction-capca"])
    assert caught.value.message == "unknown group 'direction-capca'; create it first"
    assert lawyers.list_users() == []


def test_update_user_replaces_groups(lawyers):
    lawyers.create_group("direction-capca")
    lawyers.create_user("ana", Role.READER, ["juristes"])
    account = lawyers.update_user("ana", groups=["direction-capca"])
    assert account.groups == ("direction-capca",)


def test_update_user_role(directory):
    directory.create_user("ana", Role.READER)
    assert directory.update_user("ana", role=Role.EDITOR).role is Role.EDITOR


def test_update_user_last_administrator(directory):
    directory.create_user("admin", Role.ADMINISTRATOR)
    with pytest.raises(ConflictError):
        directory.update_user("admin", role=Role.READER)
    assert directory.read_user("admin").role is Role.ADMINISTRATOR


def test_delete_user_last_administrator(directory):
    directory.create_user("admin", Role.ADMINISTRATOR)
    with pytest.raises(ConflictError) as caught:
        directory.delete_user("admin")
    assert caught.value.message == (
        "cannot delete 'admin', the last administrator; "
        "give another user the administrator role first"
    )


def test_delete_user_second_administrator(directory):
    directory.create_user("admin", Role.ADMINISTRATOR)
    directory.create_user("adjoint", Role.ADMINISTRATOR)
    directory.delete_user("adjoint")
    assert [account.name for account in directory.list_users()] == ["admin"]


def test_delete_user_drops_tokens(directory):
    directory.create_user("ana", Role.READER)
    secret = directory.create_token("ana").secret
    directory.delete_user("ana")
    assert stored_rows(directory, "tokens") == []
    with pytest.raises(InvalidTokenError):
        directory.authenticate(secret)


def test_read_user_missing(directory):
    with pytest.raises(NotFoundError) as caught:
        directory.read_user("nobody")
    assert caught.value.message == "no user named 'nobody'"


def test_add_member_twice(lawyers):
    lawyers.create_user("ana", Role.READER)
    lawyers.add_member("juristes", "ana")
    group = lawyers.add_member("juristes", "ana")
    assert group.members == ("ana",)


def test_remove_member_not_a_member(lawyers):
    lawyers.create_user("ana", Role.READER)
    with pytest.raises(NotFoundError) as caught:
        lawyers.remove_member("juristes", "ana")
    assert caught.value.message == "user 'ana' is not in group 'juristes'"


def test_delete_group_leaves_members(lawyers):
    lawyers.create_user("ana", Role.READER, ["juristes"])
    lawyers.delete_group("juristes")
    assert lawyers.read_user("ana").groups == ()


def test_create_group_taken_name(lawyers):
    with pytest.raises(ConflictError):
        lawyers.create_group("juristes")


def test_authenticate_user_with_groups(lawyers):
    lawyers.create_user("juliette", Role.READER, ["juristes"])
    secret = lawyers.create_token("juliette").secret
    expected = User("juliette", Role.READER, frozenset({"juristes"}))
    assert lawyers.authenticate(secret) == expected


def test_authenticate_follows_group_changes(lawyers):
    lawyers.create_user("juliette", Role.READER)
    secret = lawyers.create_token("juliette").secret
    lawyers.add_member("juristes", "juliette")
    assert lawyers.authenticate(secret).groups == frozenset({"juristes"})


def test_create_token_stores_digest_only(directory):
    directory.create_user("ana", Role.READER)
    secret = directory.create_token("ana").secret
    digest = hashlib.sha256(secret.encode()).digest()
    stored = directory.path.read_bytes() + _journal_bytes(directory)
    assert secret.encode() not in stored
    assert [row[1] for row in stored_rows(directory, "tokens")] == [digest]


def _journal_bytes(directory):
    wal = directory.path.with_name(directory.path.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_create_token_format(directory):
    directory.create_user("ana", Role.READER)
    secret = directory.create_token("ana").secret
    assert secret.startswith("mlg_"), secret
    assert len(secret) == 4 + 43, secret


def test_create_token_default_lifetime(directory):
    directory.create_user("ana", Role.READER)
    info = directory.create_token("ana").info
    assert info.expires_at - info.created_at == DEFAULT_TOKEN_LIFETIME


def test_create_token_past_expiry(directory):
    directory.create_user("ana", Role.READER)
    with pytest.raises(ValidationFailedError) as caught:
        directory.create_token("ana", expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert caught.value.message == (
        "expiry date 2020-01-01T00:00:00+00:00 is not in the future"
    )


def test_create_token_naive_expiry(directory):
    directory.create_user("ana", Role.READER)
    with pytest.raises(ValidationFailedError):
        directory.create_token("ana", expires_at=datetime(2099, 1, 1))


def test_create_token_unknown_user(directory):
    with pytest.raises(NotFoundError):
        directory.create_token("nobody")


def test_create_token_never_logged(directory, caplog):
    caplog.set_level(logging.DEBUG, logger="maillage")
    directory.create_user("ana", Role.READER)
    secret = directory.create_token("ana").secret
    directory.authenticate(secret)
    assert secret not in caplog.text
    assert secret[4:20] not in caplog.text


def test_authenticate_unknown_token(directory):
    directory.create_user("ana", Role.READER)
    with pytest.raises(InvalidTokenError) as caught:
        directory.authenticate("mlg_" + "A" * 43)
    assert caught.value.message == (
        "the bearer token is not valid; ask an administrator for a new one"
    )


def test_authenticate_expired_token(directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana", expires_at=utc_now() + timedelta(days=1))
    later = utc_now() + timedelta(days=2)
    with pytest.raises(InvalidTokenError) as caught:
        directory.authenticate(issued.secret, now=later)
    assert caught.value.message == (
        f"the bearer token {issued.info.id} is expired; "
        "ask an administrator for a new one"
    )


def test_expire_token_now(directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana")
    info = directory.expire_token(issued.info.id)
    assert info.state(utc_now() + timedelta(seconds=1)) == "expired"
    with pytest.raises(InvalidTokenError):
        directory.authenticate(issued.secret, now=utc_now() + timedelta(seconds=1))


def test_revoke_token_rejects_it(directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana")
    directory.revoke_token(issued.info.id)
    with pytest.raises(InvalidTokenError) as caught:
        directory.authenticate(issued.secret)
    assert "is revoked" in caught.value.message


def test_revoke_token_twice_keeps_date(directory):
    directory.create_user("ana", Role.READER)
    token_id = directory.create_token("ana").info.id
    first = directory.revoke_token(token_id).revoked_at
    assert directory.revoke_token(token_id).revoked_at == first


def test_revoke_token_leaves_others(directory):
    directory.create_user("ana", Role.READER)
    laptop = directory.create_token("ana", label="laptop")
    server = directory.create_token("ana", label="server")
    directory.revoke_token(laptop.info.id)
    assert directory.authenticate(server.secret).name == "ana"


def test_list_tokens_of_user(directory):
    directory.create_user("ana", Role.READER)
    directory.create_user("bruno", Role.EDITOR)
    directory.create_token("ana", label="laptop")
    directory.create_token("bruno", label="server")
    labels = [info.label for info in directory.list_tokens("bruno")]
    assert labels == ["server"]


def test_list_tokens_unknown_user(directory):
    with pytest.raises(NotFoundError):
        directory.list_tokens("nobody")


def test_create_user_concurrent_same_name(directory):
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait()
        try:
            directory.create_user("ana", Role.READER)
            outcomes.append("created")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
