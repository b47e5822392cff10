"""Errors as values with a location.

Every failure a user can cause is one of these; the API turns them into one
JSON error envelope (never a 500). Each item names the field id, the JSON path
and the label where it can, plus a message a business admin understands.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ErrorItem:
    message: str
    path: str = ""
    field_id: str | None = None
    label: str | None = None
    code: str = "invalid"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "extra" and v is not None}
        out.update(self.extra)
        return out


class FormflowError(Exception):
    """Base of every user-caused error. ``status`` is the HTTP status the API uses."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: list[ErrorItem] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = [e.to_dict() for e in self.errors]
        body.update(self.details)
        return body


class ValidationFailed(FormflowError):
    status = 422
    code = "validation_failed"


class DefinitionInvalid(ValidationFailed):
    code = "definition_invalid"


class NotFound(FormflowError):
    status = 404
    code = "not_found"


class Conflict(FormflowError):
    status = 409
    code = "conflict"


class PreconditionFailed(FormflowError):
    status = 412
    code = "precondition_failed"


class PermissionDenied(FormflowError):
    status = 403
    code = "forbidden"


class Unauthorized(FormflowError):
    status = 401
    code = "unauthorized"
