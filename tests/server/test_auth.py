import logging
from datetime import timedelta

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient

from maillage.graph.access import Role, User
from maillage.graph.errors import ForbiddenError, UnauthorizedError
from maillage.graph.users import USERS_FILE, UserDirectory, utc_now
from maillage.server.app import create_app
from maillage.server.deps import require_administrator, require_editor
from tests.sample_items import load_sample

ADMIN_TOKEN = "bootstrap-admin-secret"
BOOTSTRAP_ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BOOTSTRAP_EDITOR = {"Authorization": "Bearer editor-secret"}
INVALID_TOKEN = {
    "detail": "the bearer token is not valid; ask an administrator for a new one",
    "code": "invalid_token",
}


@pytest.fixture
def directory(settings):
    return UserDirectory(settings.data_path / USERS_FILE)


@pytest.fixture
def app(settings, store, iris):
    load_sample(store, iris)
    settings.admin_token = ADMIN_TOKEN
    application = create_app(settings, store=store)
    # A write route with no other effect, to check the editor dependency over HTTP.
    application.add_api_route(
        "/test-write",
        lambda: {"written": True},
        methods=["POST"],
        dependencies=[Depends(require_editor)],
    )
    return application


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def token_for(directory, name, role, groups=()):
    """Create the user `name` and return the headers of a new token of it."""
    directory.create_user(name, role, groups)
    return bearer(directory.create_token(name).secret)


# Who a request acts as.


def test_get_user_without_header_reads_public(client):
    response = client.get("/api/document")
    keys = [item["key"] for item in response.json()["items"]]
    assert keys == ["compte-rendu-hostile", "diagnostic-social"], response.text


def test_get_user_reader_token(client, directory):
    directory.create_group("juristes")
    headers = token_for(directory, "juliette", Role.READER, ["juristes"])
    response = client.get("/api/document/note-juridique", headers=headers)
    assert response.status_code == 200, response.text


def test_get_user_reader_without_group(client, directory):
    headers = token_for(directory, "ana", Role.READER)
    response = client.get("/api/document/note-juridique", headers=headers)
    assert response.status_code == 404, response.text


def test_get_user_group_change_applies_at_once(client, directory):
    directory.create_group("juristes")
    headers = token_for(directory, "juliette", Role.READER)
    directory.add_member("juristes", "juliette")
    response = client.get("/api/document/note-juridique", headers=headers)
    assert response.status_code == 200, response.text


def test_get_user_unknown_token(client):
    response = client.get("/api/document", headers=bearer("mlg_not-a-token"))
    assert response.status_code == 401, response.text
    assert response.json() == INVALID_TOKEN
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_get_user_expired_token(client, directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana")
    directory.expire_token(issued.info.id, utc_now() - timedelta(minutes=1))
    response = client.get("/api/document", headers=bearer(issued.secret))
    assert response.status_code == 401, response.text
    assert response.json() == {
        "detail": f"the bearer token {issued.info.id} is expired; "
        "ask an administrator for a new one",
        "code": "invalid_token",
    }


def test_get_user_revoked_token(client, directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana")
    directory.revoke_token(issued.info.id)
    response = client.get(
        "/sparql", params={"query": "ASK {}"}, headers=bearer(issued.secret)
    )
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_token"


def test_get_user_other_scheme(client):
    response = client.get("/api/document", headers={"Authorization": "Basic YTpi"})
    assert response.status_code == 401, response.text
    assert response.json() == {
        "detail": "unsupported Authorization scheme 'Basic': "
        "send 'Authorization: Bearer TOKEN'",
        "code": "unauthorized",
    }
    assert response.headers["www-authenticate"] == "Bearer"


def test_get_user_empty_bearer(client):
    response = client.get("/api/document", headers={"Authorization": "Bearer "})
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_token"


def test_get_user_invalid_token_on_page(client):
    response = client.get(
        "/id/document/diagnostic-social",
        headers={**bearer("mlg_wrong"), "Accept": "text/html"},
    )
    assert response.status_code == 401, response.text
    assert "a expiré ou a été révoqué" in response.text


def test_get_user_anonymous_opens_no_file(client, directory):
    client.get("/api/document")
    assert not directory.path.exists()


def test_get_user_token_never_logged(client, directory, caplog):
    caplog.set_level(logging.DEBUG)
    headers = token_for(directory, "ana", Role.READER)
    client.get("/api/document", headers=headers)
    secret = headers["Authorization"].removeprefix("Bearer ")
    assert secret not in caplog.text


# Bootstrap tokens of the settings.


def test_bootstrap_editor_sees_drafts(client):
    response = client.get("/api/document/brouillon", headers=BOOTSTRAP_EDITOR)
    assert response.status_code == 200, response.text


def test_bootstrap_administrator_reads_admin_api(client):
    response = client.get("/api/admin/users", headers=BOOTSTRAP_ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_bootstrap_token_unset_is_invalid(settings, store):
    settings.editor_token = None
    with TestClient(create_app(settings, store=store)) as client:
        response = client.get("/api/document", headers=BOOTSTRAP_EDITOR)
    assert response.status_code == 401, response.text


# Role checks.


@pytest.mark.parametrize(
    ("user", "error"),
    [
        (User("anonymous", Role.ANONYMOUS), UnauthorizedError),
        (User("ana", Role.READER), ForbiddenError),
    ],
)
def test_require_editor_refuses(user, error):
    with pytest.raises(error):
        require_editor(user)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMINISTRATOR])
def test_require_editor_accepts(role):
    user = User("ana", role)
    assert require_editor(user) is user


@pytest.mark.parametrize("role", [Role.READER, Role.EDITOR])
def test_require_administrator_refuses(role):
    with pytest.raises(ForbiddenError):
        require_administrator(User("ana", role))


def test_require_editor_route_anonymous(client):
    response = client.post("/test-write")
    assert response.status_code == 401, response.text
    assert response.json() == {
        "detail": "this request needs the editor or administrator role: "
        "send 'Authorization: Bearer TOKEN'",
        "code": "unauthorized",
    }
    assert response.headers["www-authenticate"] == "Bearer"


def test_require_editor_route_reader(client, directory):
    headers = token_for(directory, "ana", Role.READER)
    response = client.post("/test-write", headers=headers)
    assert response.status_code == 403, response.text
    assert response.json() == {
        "detail": "this request needs the editor or administrator role; "
        "user 'ana' is reader",
        "code": "forbidden",
    }


def test_require_editor_route_editor(client, directory):
    headers = token_for(directory, "bruno", Role.EDITOR)
    response = client.post("/test-write", headers=headers)
    assert response.json() == {"written": True}, response.text


# The administration API.


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), (Role.READER, 403), (Role.EDITOR, 403)]
)
def test_admin_api_refuses_non_administrators(client, directory, role, status):
    headers = token_for(directory, "ana", role) if role else {}
    response = client.get("/api/admin/users", headers=headers)
    assert response.status_code == status, response.text


def test_admin_api_administrator_account(client, directory):
    headers = token_for(directory, "admin", Role.ADMINISTRATOR)
    response = client.get("/api/admin/users", headers=headers)
    assert [user["name"] for user in response.json()] == ["admin"], response.text


def test_admin_create_user(client):
    client.post("/api/admin/groups", json={"name": "juristes"}, headers=BOOTSTRAP_ADMIN)
    response = client.post(
        "/api/admin/users",
        json={"name": "juliette", "role": "reader", "groups": ["juristes"]},
        headers=BOOTSTRAP_ADMIN,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["name"], body["role"], body["groups"]) == (
        "juliette",
        "reader",
        ["juristes"],
    )
    assert response.headers["location"] == "http://testserver/api/admin/users/juliette"


def test_admin_create_user_taken_name(client):
    body = {"name": "ana", "role": "reader"}
    client.post("/api/admin/users", json=body, headers=BOOTSTRAP_ADMIN)
    response = client.post("/api/admin/users", json=body, headers=BOOTSTRAP_ADMIN)
    assert response.status_code == 409, response.text
    assert response.json() == {
        "detail": "a user named 'ana' already exists",
        "code": "conflict",
    }


def test_admin_create_user_unknown_role(client):
    response = client.post(
        "/api/admin/users",
        json={"name": "ana", "role": "anonymous"},
        headers=BOOTSTRAP_ADMIN,
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_parameter"


def test_admin_update_user_role(client, directory):
    directory.create_user("ana", Role.READER)
    response = client.patch(
        "/api/admin/users/ana", json={"role": "editor"}, headers=BOOTSTRAP_ADMIN
    )
    assert response.json()["role"] == "editor", response.text


def test_admin_delete_user_invalidates_tokens(client, directory):
    headers = token_for(directory, "ana", Role.READER)
    response = client.delete("/api/admin/users/ana", headers=BOOTSTRAP_ADMIN)
    assert response.status_code == 204, response.text
    assert client.get("/api/document", headers=headers).status_code == 401


def test_admin_read_missing_user(client):
    response = client.get("/api/admin/users/nobody", headers=BOOTSTRAP_ADMIN)
    assert response.status_code == 404, response.text
    assert response.json() == {"detail": "no user named 'nobody'", "code": "not_found"}


def test_admin_group_members(client, directory):
    directory.create_user("ana", Role.READER)
    client.post(
        "/api/admin/groups",
        json={"name": "direction-capca", "description": "Direction"},
        headers=BOOTSTRAP_ADMIN,
    )
    client.put("/api/admin/groups/direction-capca/members/ana", headers=BOOTSTRAP_ADMIN)
    response = client.get("/api/admin/groups/direction-capca", headers=BOOTSTRAP_ADMIN)
    assert response.json()["members"] == ["ana"], response.text


def test_admin_remove_member(client, directory):
    directory.create_group("juristes")
    directory.create_user("ana", Role.READER, ["juristes"])
    response = client.delete(
        "/api/admin/groups/juristes/members/ana", headers=BOOTSTRAP_ADMIN
    )
    assert response.json()["members"] == [], response.text


def test_admin_create_token_shown_once(client, directory):
    directory.create_user("ana", Role.READER)
    response = client.post(
        "/api/admin/tokens",
        json={"user": "ana", "label": "poste de travail"},
        headers=BOOTSTRAP_ADMIN,
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    secret = response.json()["token"]
    listed = client.get("/api/admin/tokens", headers=BOOTSTRAP_ADMIN)
    assert secret not in listed.text
    assert "token" not in listed.json()[0], listed.text


def test_admin_create_token_works(client, directory):
    directory.create_user("ana", Role.EDITOR)
    created = client.post(
        "/api/admin/tokens", json={"user": "ana"}, headers=BOOTSTRAP_ADMIN
    )
    headers = bearer(created.json()["token"])
    response = client.get("/api/document/brouillon", headers=headers)
    assert response.status_code == 200, response.text


def test_admin_create_token_naive_expiry(client, directory):
    directory.create_user("ana", Role.READER)
    response = client.post(
        "/api/admin/tokens",
        json={"user": "ana", "expires_at": "2099-01-01T00:00:00"},
        headers=BOOTSTRAP_ADMIN,
    )
    assert response.status_code == 422, response.text
    assert response.json() == {
        "detail": "expiry date 2099-01-01T00:00:00 has no time zone; "
        "add one, such as 2030-01-31T00:00:00+00:00",
        "code": "validation_failed",
    }


def test_admin_expire_token(client, directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana")
    response = client.patch(
        f"/api/admin/tokens/{issued.info.id}",
        json={"expires_at": "2020-01-01T00:00:00Z"},
        headers=BOOTSTRAP_ADMIN,
    )
    assert response.json()["state"] == "expired", response.text
    assert client.get("/api", headers=bearer(issued.secret)).status_code == 401


def test_admin_revoke_token(client, directory):
    directory.create_user("ana", Role.READER)
    issued = directory.create_token("ana")
    response = client.post(
        f"/api/admin/tokens/{issued.info.id}/revoke", headers=BOOTSTRAP_ADMIN
    )
    assert response.json()["state"] == "revoked", response.text
    assert client.get("/api", headers=bearer(issued.secret)).status_code == 401


def test_admin_list_tokens_of_user(client, directory):
    directory.create_user("ana", Role.READER)
    directory.create_user("bruno", Role.READER)
    directory.create_token("ana")
    directory.create_token("bruno")
    response = client.get(
        "/api/admin/tokens", params={"user": "bruno"}, headers=BOOTSTRAP_ADMIN
    )
    assert [token["user"] for token in response.json()] == ["bruno"], response.text


def test_admin_routes_before_item_routes(client):
    response = client.get("/api/admin/groups", headers=BOOTSTRAP_ADMIN)
    assert response.status_code == 200, response.text
    assert response.json() == []


def test_admin_api_in_openapi(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/admin/tokens/{token_id}/revoke" in paths
