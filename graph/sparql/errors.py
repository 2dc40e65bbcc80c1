"""Errors of the SPARQL endpoint, as subclasses of `maillage.graph.errors`.

MaillageError
├── MalformedRequestError
│   ├── MalformedQueryError          400  the query does not parse
│   ├── DatasetConflictError         400  using-graph-uri beside USING or WITH
│   └── UnsafeRequestError
│       ├── ServiceNotAllowedError   400  SERVICE outside the federation allowlist
│       └── LoadNotAllowedError      400  LOAD, which would fetch a document
└── QueryWorkerError                 500  the process evaluating a query died
"""

from __future__ import annotations

from maillage.graph.errors import (
    MaillageError,
    MalformedRequestError,
    UnsafeRequestError,
)


class MalformedQueryError(MalformedRequestError):
    code = "malformed_query"


class ServiceNotAllowedError(UnsafeRequestError):
    code = "service_not_allowed"


class LoadNotAllowedError(UnsafeRequestError):
    code = "load_not_allowed"


class DatasetConflictError(MalformedRequestError):
    code = "dataset_conflict"


class QueryWorkerError(MaillageError):
    code = "query_worker_failed"
    status = 500
