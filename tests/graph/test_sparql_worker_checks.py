"""The guard's parse of queries and updates run in a query worker."""

import pytest

from maillage.graph.errors import QueryTimeoutError
from maillage.graph.sparql.errors import (
    LoadNotAllowedError,
    MalformedQueryError,
    ServiceNotAllowedError,
)
from maillage.graph.sparql.workers import QueryPool

ENDPOINT = "http://127.0.0.1:9/sparql"
HEAVY_QUERY = "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (%s)) }" % ",".join(
    str(n) for n in range(6000)
)


@pytest.fixture
def pool(store):
    query_pool = QueryPool(store, size=1)
    yield query_pool
    query_pool.close()


def test_pool_check_query_returns_info(pool):
    info = pool.check_query(
        f"SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}",
        [ENDPOINT],
        timeout=30,
    )
    assert (info.form, info.services) == ("SELECT", (ENDPOINT,))


def test_pool_check_query_rejects_service(pool):
    with pytest.raises(ServiceNotAllowedError) as raised:
        pool.check_query(
            f"SELECT * WHERE {{ SERVICE <{ENDPOINT}> {{ ?s ?p ?o }} }}", timeout=30
        )
    assert str(raised.value) == (
        f"SERVICE <{ENDPOINT}> is not allowed: this endpoint is not in the "
        "federation allowlist"
    )


def test_pool_check_query_keeps_error_position(pool):
    with pytest.raises(MalformedQueryError) as raised:
        pool.check_query("SELECT * WHERE { ?s ?p }", timeout=30)
    assert (raised.value.line, raised.value.column) == (1, 18)


def test_pool_check_update_rejects_load(pool):
    with pytest.raises(LoadNotAllowedError):
        pool.check_update(f"LOAD <{ENDPOINT}>", timeout=30)


def test_pool_check_query_killed_at_time_limit(pool):
    pool.check_query("ASK {}", timeout=30)
    pids = pool.worker_pids()
    with pytest.raises(QueryTimeoutError):
        pool.check_query(HEAVY_QUERY, timeout=1.0)
    assert not set(pids) & set(pool.worker_pids()), (pids, pool.worker_pids())
