"""Reasons of validation errors in maillage's words, from pydantic's error details.

pydantic 2 describes each error by a `type` (`string_too_long`, `int_parsing`, ...),
a location and a context. Its own texts link to its documentation, and some quote the
whole input. `describe_error` returns one short reason per error instead: what is
wrong and what is accepted, quoting at most `MAX_QUOTED_CHARS` of a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

MAX_QUOTED_CHARS = 100
# The value given to the reasons when the caller shows the value itself.
_UNQUOTED = object()

_DATE = "a date in the form YYYY-MM-DD"
_DATETIME = (
    "a date and time in ISO 8601 form with a time zone, such as "
    "2026-01-31T09:00:00+01:00"
)


def describe_error(
    error: Mapping[str, Any],
    accepted_fields: Sequence[str] = (),
    *,
    quote_value: bool = True,
) -> str:
    """Return the reason of one pydantic error, without its location.

    `accepted_fields` lists the fields of the model, named in the reason of an unknown
    field. With `quote_value` false, the reason leaves out the invalid value, for a
    caller that shows it already.
    """
    error_type = str(error.get("type", ""))
    context = error.get("ctx") or {}
    value = error.get("input") if quote_value else _UNQUOTED
    if error_type == "extra_forbidden":
        if not accepted_fields:
            return "unknown field"
        return "unknown field; accepted fields: " + ", ".join(accepted_fields)
    reason = _REASONS.get(error_type)
    if reason is not None:
        return reason(context, value)
    for prefix, kind in _KIND_PREFIXES.items():
        if error_type.startswith(prefix):
            return f"must be {kind}"
    return _strip_prefix(str(error.get("msg") or "invalid value"))


def quote(value: object) -> str:
    """Return `repr(value)` of a string or number, cut to `MAX_QUOTED_CHARS`."""
    text = repr(value)
    if len(text) > MAX_QUOTED_CHARS:
        text = text[: MAX_QUOTED_CHARS - 3] + "..."
    return text


def json_kind(value: object) -> str:
    """Return the JSON name of a Python value's kind: string, number, array, ..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _too_long_text(context: Mapping[str, Any], value: object) -> str:
    limit = context.get("max_length")
    if not isinstance(value, str):
        return f"must have at most {limit} characters"
    return f"has {len(value)} characters; at most {limit} are accepted"


def _too_short_text(context: Mapping[str, Any], value: object) -> str:
    limit = context.get("min_length")
    if limit == 1:
        return "must not be empty"
    return f"must have at least {limit} characters"


def _too_long_list(context: Mapping[str, Any], value: object) -> str:
    limit = context.get("max_length")
    if not isinstance(value, (list, tuple)):
        return f"must have at most {limit} values"
    return f"has {len(value)} values; at most {limit} are accepted"


def _too_short_list(context: Mapping[str, Any], value: object) -> str:
    limit = context.get("min_length")
    return f"must have at least {limit} value{'s' if limit != 1 else ''}"


def _accepted(context: Mapping[str, Any], value: object) -> str:
    accepted = f"accepted values: {context.get('expected')}"
    if value is _UNQUOTED:
        return accepted
    return f"{quote(value)} is not accepted; {accepted}"


def _kind(expected: str) -> Callable[[Mapping[str, Any], object], str]:
    def reason(context: Mapping[str, Any], value: object) -> str:
        if value is _UNQUOTED:
            return f"must be {expected}"
        return f"must be {expected}, not {json_kind(value)}"

    return reason


def _parsing(expected: str) -> Callable[[Mapping[str, Any], object], str]:
    def reason(context: Mapping[str, Any], value: object) -> str:
        if value is _UNQUOTED:
            return f"must be {expected}"
        return f"{quote(value)} is not {expected}"

    return reason


def _pattern(context: Mapping[str, Any], value: object) -> str:
    pattern = f"must match the pattern {context.get('pattern')}"
    if value is _UNQUOTED:
        return pattern
    return f"{quote(value)} does not match the pattern {context.get('pattern')}"


def _bound(word: str, key: str) -> Callable[[Mapping[str, Any], object], str]:
    def reason(context: Mapping[str, Any], value: object) -> str:
        return f"must be {word} {context.get(key)}"

    return reason


def _own_reason(context: Mapping[str, Any], value: object) -> str:
    # A ValueError raised by a validator of maillage carries its own sentence.
    return _strip_prefix(str(context.get("error", "invalid value")))


_REASONS: dict[str, Callable[[Mapping[str, Any], object], str]] = {
    "missing": lambda context, value: "missing required field",
    "string_too_long": _too_long_text,
    "string_too_short": _too_short_text,
    "too_long": _too_long_list,
    "too_short": _too_short_list,
    "string_type": _kind("a string"),
    "list_type": _kind("an array"),
    "dict_type": _kind("an object"),
    "model_type": _kind("an object"),
    "model_attributes_type": _kind("an object"),
    "int_type": _kind("an integer"),
    "int_parsing": _parsing("an integer"),
    "int_from_float": _parsing("an integer"),
    "float_type": _kind("a number"),
    "float_parsing": _parsing("a number"),
    "decimal_type": _kind("a decimal number"),
    "decimal_parsing": _parsing("a decimal number"),
    "bool_type": _kind("true or false"),
    "bool_parsing": _parsing("true or false"),
    "date_type": _kind(_DATE),
    "date_parsing": _parsing(_DATE),
    "date_from_datetime_parsing": _parsing(_DATE),
    "date_from_datetime_inexact": _parsing(_DATE),
    "datetime_type": _kind(_DATETIME),
    "datetime_parsing": _parsing(_DATETIME),
    "datetime_from_date_parsing": _parsing(_DATETIME),
    "timezone_aware": lambda context, value: f"must be {_DATETIME}",
    "literal_error": _accepted,
    "enum": _accepted,
    "string_pattern_mismatch": _pattern,
    "greater_than_equal": _bound("at least", "ge"),
    "greater_than": _bound("greater than", "gt"),
    "less_than_equal": _bound("at most", "le"),
    "less_than": _bound("less than", "lt"),
    "value_error": _own_reason,
    "assertion_error": _own_reason,
    "json_invalid": lambda context, value: (
        f"is not valid JSON: {context.get('error', 'syntax error')}"
    ),
}

# Families of pydantic types not listed above, by the start of their name.
_KIND_PREFIXES = {
    "int_": "an integer",
    "float_": "a number",
    "decimal_": "a decimal number",
    "date_": _DATE,
    "datetime_": _DATETIME,
    "bool_": "true or false",
    "string_": "a string",
    "list_": "an array",
    "url_": "an http(s) IRI",
}


def _strip_prefix(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message
