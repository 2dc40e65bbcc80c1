"""What the query routes share: the per-client query limit.

Every SPARQL query and Graph Store read takes one slot of its client while it runs. A
client is its bearer token when it sends one, else its address, and may hold
`settings.max_concurrent_queries` slots at once; one more request gets 429 with
Retry-After. The count lives in the server process.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from starlette.exceptions import HTTPException

logger = logging.getLogger(__name__)

# Seconds sent in Retry-After, because a slot is free as soon as one query ends.
RETRY_AFTER_SECONDS = 1


class QueryLimiter:
    """Counts the queries each client runs and rejects those over the limit."""

    def __init__(self) -> None:
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, client: str, limit: int) -> Iterator[None]:
        """Hold one of the `limit` slots of `client`, or raise 429 when none is free."""
        with self._lock:
            if self._running[client] >= limit:
                logger.info("query rejected: client %s already runs %d", client, limit)
                raise HTTPException(
                    429,
                    f"this client already runs {limit} queries, the limit of this "
                    "endpoint; send the next one when one of them has finished",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            self._running[client] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[client] -= 1
                if self._running[client] <= 0:
                    del self._running[client]


class RequestCount:
    """The number of HTTP requests the app has started and not finished.

    The outermost middleware counts them, in the event loop's thread, so that a route
    can tell whether it is the only request the server is working on.
    """

    def __init__(self) -> None:
        self.in_flight = 0


def requests_in_flight(request: Request) -> int:
    """Return how many HTTP requests the app is working on, this one included."""
    return request.app.state.request_count.in_flight


def client_key(request: Request) -> str:
    """Return who sends the request: a digest of its bearer token, or its address."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        digest = hashlib.sha256(token.strip().encode()).hexdigest()[:16]
        return f"token:{digest}"
    # NOTE: behind a reverse proxy every client has the proxy's address, so they share
    # one limit unless the proxy passes the client's address to uvicorn.
    host = request.client.host if request.client else "unknown"
    return f"address:{host}"


_limiter_lock = threading.Lock()


async def get_query_limiter(request: Request) -> QueryLimiter:
    """Return the app's limiter, made on first use."""
    state = request.app.state
    with _limiter_lock:
        limiter = getattr(state, "query_limiter", None)
        if limiter is None:
            limiter = QueryLimiter()
            state.query_limiter = limiter
    return limiter


@contextmanager
def query_slot(
    request: Request, limiter: QueryLimiter, limit: int
) -> Iterator[None]:
    """Hold a query slot of the request's client for the time of the block."""
    with limiter.hold(client_key(request), limit):
        yield


LimiterDep = Annotated[QueryLimiter, Depends(get_query_limiter)]
