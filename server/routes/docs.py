"""Swagger UI at /docs, served with its script and stylesheet from this server."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

# The fastapi-offline package ships Swagger UI 5, which renders OpenAPI 3.1 documents.
SWAGGER_DIR = resources.files("fastapi_offline") / "static"
SWAGGER_PATH = "/static/swagger"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"

router = APIRouter(include_in_schema=False)
router.mount(SWAGGER_PATH, StaticFiles(directory=str(SWAGGER_DIR)), name="swagger")


@router.get("/docs")
def read_docs(request: Request) -> HTMLResponse:
    """Render Swagger UI for the OpenAPI document of the application."""
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} · API",
        swagger_js_url=f"{root}{SWAGGER_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{SWAGGER_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{root}{SWAGGER_PATH}/favicon.png",
        oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
        # A null validator URL stops Swagger UI from asking an online validator.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get(OAUTH2_REDIRECT_PATH)
def read_oauth2_redirect() -> HTMLResponse:
    """Return the page Swagger UI needs to finish an OAuth2 login."""
    return get_swagger_ui_oauth2_redirect_html()
