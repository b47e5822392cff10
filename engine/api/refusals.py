"""The API's own refusals of a request's shape (not an object, not a number, not true or false, ...), each built with
its message code so the caller reads it in their language; the services refuse what the values mean."""
from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

from engine import i18n
from engine.definitions import SCHEMA_LIMIT_CODES
from engine.errors import ErrorItem, FormflowError, NotFound, ValidationFailed


def not_an_object(name: str | None = None) -> ValidationFailed:
    """The body (``name`` None) or its member ``name`` is not a JSON object."""
    if name is None:
        return coded(ValidationFailed, "error.body.not_object", [ErrorItem.coded("error.body.expected_object", path="/")])
    return invalid(name, "error.body.member_not_object", "error.body.expected_object")


def not_a_definition(name: str = "definition") -> ValidationFailed:
    return invalid(name, "error.body.member_not_definition", "error.body.expected_definition")


def not_text(name: str) -> ValidationFailed:
    return invalid(name, "error.body.member_not_text", "error.body.expected_text")


def not_boolean(name: str) -> ValidationFailed:
    return invalid(name, "error.body.member_not_boolean", "error.body.expected_boolean")


def not_record_id(name: str) -> ValidationFailed:
    return invalid(name, "error.body.member_not_record_id", "error.body.expected_record_id")


def not_whole_number(name: str, low: int, high: int) -> ValidationFailed:
    return invalid(name, "error.body.member_not_in_range", "error.body.expected_whole_number", low=low, high=high)


def unknown_locale(choices: Any) -> ValidationFailed:
    return coded(ValidationFailed, "error.locale.unknown",
                 [ErrorItem.coded("error.options.one_of", path="/locale", choices=", ".join(map(str, choices)))])


def refused(message_code: str, item_code: str, path: str, *, code: str = "invalid", **params: Any) -> ValidationFailed:
    """A refusal of one thing at ``path``: the top-level text says what was wrong, the item what is expected."""
    return coded(ValidationFailed, message_code, [ErrorItem.coded(item_code, path=path, code=code, **params)], **params)


def invalid(name: str, message_code: str, item_code: str, *, code: str = "invalid", **params: Any) -> ValidationFailed:
    """``name`` (a body member or query argument) refused: the top-level text names it, the item says what it expects."""
    return coded(ValidationFailed, message_code, [ErrorItem.coded(item_code, path=f"/{name}", code=code, **params)],
                 name=name, **params)


def no_such_record(record_id: int, path: str = "/record_id") -> NotFound:
    return coded(NotFound, "error.record.no_such_record", details={"path": path}, id=record_id)


def coded(kind: type[FormflowError], message_code: str, errors: list[ErrorItem] | None = None, *,
          details: dict[str, Any] | None = None, **params: Any) -> FormflowError:
    """An error of class ``kind`` whose English message is the catalogue's text of ``message_code`` with ``params``."""
    return kind(i18n.render(message_code, "en", params), errors, message_code=message_code, params=params, **(details or {}))


#: marshmallow's fixed refusals (and bodies.py's own), and the catalogue key saying the same
MARSHMALLOW_CODES = {
    "Missing data for required field.": ("error.field.required", "required"),
    "Field may not be null.": ("error.body.not_null", "invalid"),
    "is not a known setting": ("error.body.unknown_setting", "invalid"),
    "Not a valid string.": ("error.value.text", "wrong_type"),
    "Not a valid integer.": ("error.body.expected_integer", "wrong_type"),
    "Not a valid number.": ("error.table.not_a_number", "wrong_type"),
    "Not a valid boolean.": ("error.body.expected_boolean", "wrong_type"),
    "Not a valid mapping type.": ("error.body.expected_object", "wrong_type"),
    "Not a valid list.": ("error.body.expected_list", "wrong_type"),
    "Invalid input type.": ("error.code.wrong_type", "wrong_type"),
    "lower-case letters, digits and _, starting with a letter": ("error.app.key", "invalid"),
    "must be text or a map of locale to text": ("error.body.label", "invalid"),
}
#: marshmallow's refusals with values in them: pattern, catalogue key, the params' names
MARSHMALLOW_PATTERNS = (
    (re.compile(r"^Must be one of: (?P<choices>.+)\.$"), "error.options.one_of"),
    (re.compile(r"^Must be greater than or equal to (?P<low>\S+) and less than or equal to (?P<high>\S+)\.$"),
     "error.body.expected_between"),
    (re.compile(r"^Must be greater than or equal to (?P<limit>\S+)\.$"), "error.value.at_least"),
    (re.compile(r"^Must be less than or equal to (?P<limit>\S+)\.$"), "error.value.at_most"),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), "error.value.at_most_chars"),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), "error.body.at_least_chars"),
    (re.compile(r"^Length must be between (?P<low>\d+) and (?P<high>\d+)\.$"), "error.body.length_between"),
)


def library_item(message: str, path: str) -> ErrorItem | None:
    """marshmallow's refusal ``message`` at ``path`` as a coded item, None when its words are not known here."""
    if message in MARSHMALLOW_CODES:
        message_code, code = MARSHMALLOW_CODES[message]
        return ErrorItem.coded(message_code, path=path, code=code)
    for pattern, message_code in MARSHMALLOW_PATTERNS:
        found = pattern.match(message)
        if found:
            return ErrorItem.coded(message_code, path=path, **found.groupdict())
    return None


def schema_item(err: jsonschema.ValidationError, path: str) -> ErrorItem | None:
    """A JSON Schema refusal of a request body as a coded item, None for a keyword not known here."""
    shown = json.dumps(err.instance, ensure_ascii=False, default=str)[:60]
    if err.validator == "required":
        missing = re.match(r"^'(.+)' is a required property$", err.message)
        return ErrorItem.coded("error.schema.required", path=path, code="required",
                               name=repr(missing.group(1)) if missing else ", ".join(map(repr, err.validator_value)))
    if err.validator == "additionalProperties":
        return ErrorItem.coded("error.definition.unknown_settings", path=path,
                               detail=err.message.replace("Additional properties are not allowed", "").strip())
    if err.validator in ("enum", "const"):
        allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
        return ErrorItem.coded("error.schema.enum", path=path, value=shown,
                               allowed=", ".join(json.dumps(v, ensure_ascii=False) for v in allowed))
    if err.validator == "type":
        kinds = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return ErrorItem.coded("error.schema.type", path=path, code="wrong_type", value=shown, kinds=", ".join(map(repr, kinds)))
    if err.validator in SCHEMA_LIMIT_CODES:
        return ErrorItem.coded(SCHEMA_LIMIT_CODES[err.validator], path=path, value=shown, limit=err.validator_value)
    if err.validator in ("oneOf", "anyOf", "not"):
        return ErrorItem.coded("error.schema.shape", path=path, value=shown)
    return None
