"""Cross-origin requests from browsers, off unless `settings.cors_origins` lists some.

Only the listed origins may call the API, the SPARQL endpoint and the Graph Store from
a page of theirs. A preflight from any other origin gets no CORS headers, so the
browser blocks the call. Credentials (cookies) are never allowed: clients send the
bearer token in Authorization, which the preflight allows.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from maillage.graph.settings import Settings

ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
ALLOWED_HEADERS = ["Accept", "Authorization", "Content-Type", "If-Match"]
EXPOSED_HEADERS = ["Content-Type", "ETag", "Location", "Retry-After", "Vary"]
PREFLIGHT_MAX_AGE = 600


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Add Starlette's CORS middleware for `settings.cors_origins`, if any."""
    if not settings.cors_origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE,
    )
