from fastapi.testclient import TestClient

from maillage.server.app import create_app

DEEP_JSON = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_json_body_is_400(settings, store):
    with TestClient(create_app(settings, store=store), raise_server_exceptions=False) as client:
        response = client.post(
            "/api/document",
            content=DEEP_JSON,
            headers={
                "Authorization": f"Bearer {settings.editor_token}",
                "Content-Type": "application/json",
            },
        )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_request", response.text
