"""The domain side of the SPARQL 1.1 endpoint: safety checks, datasets, results."""

from maillage.graph.sparql.dataset import DatasetRequest, QueryDataset, resolve_dataset
from maillage.graph.sparql.description import describe_service
from maillage.graph.sparql.formats import ResultFormat, find_format, media_types
from maillage.graph.sparql.guard import QueryInfo, UpdateInfo, check_query, check_update
from maillage.graph.sparql.query import (
    FormatChooser,
    QueryAnswer,
    QueryRequest,
    run_query,
)
from maillage.graph.sparql.update import UpdateResult, run_update

__all__ = [
    "DatasetRequest",
    "FormatChooser",
    "QueryAnswer",
    "QueryDataset",
    "QueryInfo",
    "QueryRequest",
    "ResultFormat",
    "UpdateInfo",
    "UpdateResult",
    "check_query",
    "check_update",
    "describe_service",
    "find_format",
    "media_types",
    "resolve_dataset",
    "run_query",
    "run_update",
]
