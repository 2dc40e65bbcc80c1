"""Cross-origin requests: off by default, allowed for the origins of the settings."""

import pytest
from fastapi.testclient import TestClient

from maillage.server.app import create_app

ALLOWED = "https://observatoire.example"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
def client(settings, store):
    settings.cors_origins = [ALLOWED]
    with TestClient(create_app(settings, store=store)) as test_client:
        yield test_client


def test_cors_preflight_allowed_origin(client):
    response = client.options("/sparql", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


def test_cors_preflight_refused_origin(client):
    origin = {"Origin": "https://other.example"}
    response = client.options("/sparql", headers={**origin, **PREFLIGHT})
    assert response.status_code == 400, response.text
    assert "access-control-allow-origin" not in response.headers


def test_cors_simple_request_allowed_origin(client):
    origin = {"Origin": ALLOWED}
    response = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_cors_off_by_default(settings, store):
    with TestClient(create_app(settings, store=store)) as client:
        response = client.options("/sparql", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert "access-control-allow-origin" not in response.headers
