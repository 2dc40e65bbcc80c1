"""Errors raised by the domain; the server maps each class to one HTTP status.

    MaillageError                      500 unless a subclass says otherwise
    ├── InvalidIdentifierError         400  an item type, key or IRI is not valid
    ├── MalformedRequestError          400  a query, update or body does not parse
    │   ├── UnsafeRequestError         400  SERVICE, LOAD, remote contexts, entities
    │   └── ParameterError             400  a query parameter repeated, unknown, or
    │                                       outside its accepted values
    ├── UnauthorizedError              401  credentials needed and not sent
    │   └── InvalidTokenError          401  a bearer token unknown, expired or revoked
    ├── NotFoundError                  404  no such item or graph
    ├── ForbiddenError                 403  the user may not do this
    ├── ConflictError                  409  the write conflicts with stored data
    ├── PreconditionFailedError        412  a stale ETag
    ├── PayloadTooLargeError           413  a body or file over the limit
    ├── UnsupportedMediaTypeError      415  a body in a format maillage does not read
    ├── ValidationFailedError          422  content invalid against the model or shapes
    │   └── ExtractionError            422  a file whose text cannot be read
    ├── ResultTooLargeError            422  a result over the configured limit
    └── QueryTimeoutError              503  a query passed its time limit
"""

from __future__ import annotations


class MaillageError(Exception):
    """Base of every error maillage raises on purpose."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, *, details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidIdentifierError(MaillageError):
    code = "invalid_identifier"
    status = 400


class MalformedRequestError(MaillageError):
    code = "malformed_request"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        details: object | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.line = line
        self.column = column


class UnsafeRequestError(MalformedRequestError):
    code = "unsafe_request"


class ParameterError(MalformedRequestError):
    """A query parameter given twice, unknown to its route, or outside a fixed set."""

    code = "bad_parameter"


class UnauthorizedError(MaillageError):
    """Credentials are missing, so the response carries a Bearer challenge."""

    code = "unauthorized"
    status = 401


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"


class NotFoundError(MaillageError):
    code = "not_found"
    status = 404


class ForbiddenError(MaillageError):
    code = "forbidden"
    status = 403


class ConflictError(MaillageError):
    code = "conflict"
    status = 409


class PreconditionFailedError(MaillageError):
    code = "precondition_failed"
    status = 412


class PayloadTooLargeError(MaillageError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaTypeError(MaillageError):
    code = "unsupported_media_type"
    status = 415


class ValidationFailedError(MaillageError):
    code = "validation_failed"
    status = 422


class ExtractionError(ValidationFailedError):
    """A stored file is corrupt, locked by a password, or would expand past a limit."""

    code = "extraction_failed"


class ResultTooLargeError(MaillageError):
    code = "result_too_large"
    status = 422


class QueryTimeoutError(MaillageError):
    code = "query_timeout"
    status = 503
