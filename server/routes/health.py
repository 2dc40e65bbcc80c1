"""Report whether the server and its store respond."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/health", summary="Check that the store answers")
def read_health(request: Request) -> JSONResponse:
    """Return 200 with the number of quads, or 503 when the store fails to respond."""
    store = request.app.state.store
    try:
        quads = store.count_quads()
    # A health check reports any failure of the store instead of raising it.
    except Exception as exc:  # noqa: BLE001
        logger.error("health check failed: the store did not respond: %r", exc)
        body = {
            "detail": "the store did not respond",
            "code": "store_unavailable",
            "status": "error",
            "store": "unavailable",
        }
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "store": "open", "quads": quads})
