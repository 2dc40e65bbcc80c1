"""Checks of query parameters that FastAPI leaves out: repeats and unknown names.

FastAPI keeps the last value of a single-valued parameter given twice, and ignores a
parameter that the route does not declare. These dependencies reject both with a 400
(`ParameterError`), so that `?limit=5&limit=500` or a misspelt `?srot=label` does
not pass unnoticed. They read the declared parameters of the route that matched.
"""

from __future__ import annotations

import types
import typing
from collections import Counter

from fastapi import Request
from fastapi import params
from fastapi.dependencies.utils import get_flat_params

from maillage.graph.errors import ParameterError
from maillage.graph.models.messages import quote

_MULTI_VALUED = (list, tuple, set, frozenset)


async def reject_repeated_parameters(request: Request) -> None:
    """Raise `ParameterError` for a single-valued query parameter given twice."""
    declared = declared_parameters(request)
    counts = Counter(name for name, _ in request.query_params.multi_items())
    for name, count in counts.items():
        if count > 1 and declared.get(name) is False:
            raise ParameterError(
                f"the query parameter {quote(name)} is given {count} times; "
                "give it once"
            )


async def reject_unknown_parameters(request: Request) -> None:
    """Raise `ParameterError` for a query parameter that the route does not declare."""
    declared = declared_parameters(request)
    unknown = [name for name in request.query_params if name not in declared]
    if not unknown:
        return
    accepted = ", ".join(declared) or "none"
    names = ", ".join(quote(name) for name in unknown[:5])
    raise ParameterError(
        f"unknown query parameter {names} on {request.url.path[:200]!r}; "
        f"accepted: {accepted}"
    )


def declared_parameters(request: Request) -> dict[str, bool]:
    """Map each query parameter the route declares to True if it takes many values."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return {}
    return {
        field.alias: _is_multi_valued(field.field_info.annotation)
        for field in get_flat_params(dependant)
        if isinstance(field.field_info, params.Query)
    }


def _is_multi_valued(annotation: object) -> bool:
    """Return True for `list[X]`, `set[X]` and the like, optional or not."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_multi_valued(member) for member in typing.get_args(annotation))
    return (origin or annotation) in _MULTI_VALUED
