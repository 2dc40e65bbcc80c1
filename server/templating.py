"""The Jinja2 environment of maillage's pages, with autoescape on for every template."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# The pages run no script and load styles and images from this server only.
PAGE_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)

templates = Jinja2Templates(env=_environment)


def render_page(
    request: Request,
    name: str,
    context: dict[str, object],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render the template `name` as HTML with maillage's content security policy."""
    all_headers = {"Content-Security-Policy": PAGE_SECURITY_POLICY, **(headers or {})}
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=all_headers
    )
