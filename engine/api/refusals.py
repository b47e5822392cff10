"""The API's own refusals of a request's shape (not an object, not a number, not true or false, ...), each built with
its message code so the caller reads it in their language; the services refuse what the values mean."""
from __future__ import annotations

import re
from typing import Any

import jsonschema

from engine import i18n
from engine.errors import ErrorItem, FormflowError, NotFound, ValidationFailed
from engine.schema_messages import schema_code


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


#: marshmallow's fixed refusals (every field's and validator's default_error_messages, the schema's own, and bodies.py's),
#: and the catalogue key and item code saying the same
MARSHMALLOW_CODES = {
    "Missing data for required field.": ("error.field.required", "required"),
    "Field may not be null.": ("error.body.not_null", "invalid"),
    "is not a known setting": ("error.body.unknown_setting", "invalid"),
    "Unknown field.": ("error.body.unknown_setting", "invalid"),
    "Not a valid string.": ("error.value.text", "wrong_type"),
    "Not a valid utf-8 string.": ("error.value.text", "wrong_type"),
    "Not a valid integer.": ("error.body.expected_integer", "wrong_type"),
    "Not a valid number.": ("error.table.not_a_number", "wrong_type"),
    "Not a valid decimal.": ("error.table.not_a_number", "wrong_type"),
    "Not a valid boolean.": ("error.body.expected_boolean", "wrong_type"),
    "Not a valid mapping type.": ("error.body.expected_object", "wrong_type"),
    "Not a valid list.": ("error.body.expected_list", "wrong_type"),
    "Not a valid tuple.": ("error.body.expected_list", "wrong_type"),
    "Not a valid date.": ("error.body.expected_date", "wrong_type"),
    "Not a valid datetime.": ("error.body.expected_moment", "wrong_type"),
    "Not a valid aware datetime.": ("error.body.expected_moment", "wrong_type"),
    "Not a valid naive datetime.": ("error.body.expected_moment", "wrong_type"),
    "Not a valid time.": ("error.body.expected_time", "wrong_type"),
    "Not a valid aware time.": ("error.body.expected_time", "wrong_type"),
    "Not a valid naive time.": ("error.body.expected_time", "wrong_type"),
    "Not a valid period of time.": ("error.body.expected_duration", "wrong_type"),
    "Not a valid email address.": ("error.value.email", "invalid"),
    "Not a valid URL.": ("error.body.expected_url", "invalid"),
    "Not a valid UUID.": ("error.body.expected_uuid", "invalid"),
    "Not a valid IP address.": ("error.body.expected_ip", "invalid"),
    "Not a valid IPv4 address.": ("error.body.expected_ip", "invalid"),
    "Not a valid IPv6 address.": ("error.body.expected_ip", "invalid"),
    "Not a valid IP interface.": ("error.body.expected_ip", "invalid"),
    "Not a valid IPv4 interface.": ("error.body.expected_ip", "invalid"),
    "Not a valid IPv6 interface.": ("error.body.expected_ip", "invalid"),
    "Special numeric values (nan or infinity) are not permitted.": ("error.body.not_finite", "invalid"),
    "Number too large.": ("error.code.too_large", "too_large"),
    "Invalid type.": ("error.code.wrong_type", "wrong_type"),
    "Invalid input type.": ("error.code.wrong_type", "wrong_type"),
    "Invalid value.": ("error.code.invalid", "invalid"),
    "Invalid input.": ("error.code.invalid", "invalid"),
    "String does not match expected pattern.": ("error.value.format", "invalid"),
    "lower-case letters, digits and _, starting with a letter": ("error.app.key", "invalid"),
    "must be text or a map of locale to text": ("error.body.label", "invalid"),
}
#: marshmallow's refusals with values in them: pattern, catalogue key, the params' names
MARSHMALLOW_PATTERNS = (
    (re.compile(r"^Must be one of: (?P<choices>.+)\.$"), "error.options.one_of"),
    (re.compile(r"^One or more of the choices you made was not in: (?P<choices>.+)\.$"), "error.options.one_of"),
    (re.compile(r"^One or more of the choices you made was in: (?P<values>.+)\.$"), "error.body.none_of"),
    (re.compile(r"^Must be equal to (?P<other>.+)\.$"), "error.body.equal"),
    (re.compile(r"^Must be greater than or equal to (?P<low>\S+) and less than or equal to (?P<high>\S+)\.$"),
     "error.body.expected_between"),
    (re.compile(r"^Must be greater than or equal to (?P<limit>\S+)\.$"), "error.value.at_least"),
    (re.compile(r"^Must be less than or equal to (?P<limit>\S+)\.$"), "error.value.at_most"),
    (re.compile(r"^Must be greater than (?P<limit>\S+)\.$"), "error.body.greater_than"),
    (re.compile(r"^Must be less than (?P<limit>\S+)\.$"), "error.body.less_than"),
    (re.compile(r"^Must be (?P<low_op>greater than(?: or equal to)?) (?P<low>\S+) and (?P<high_op>less than(?: or equal to)?) "
                r"(?P<high>\S+)\.$"), "error.body.range"),
    (re.compile(r"^Longer than maximum length (?P<max>\d+)\.$"), "error.value.at_most_chars"),
    (re.compile(r"^Shorter than minimum length (?P<min>\d+)\.$"), "error.body.at_least_chars"),
    (re.compile(r"^Length must be between (?P<low>\d+) and (?P<high>\d+)\.$"), "error.body.length_between"),
    (re.compile(r"^Length must be (?P<equal>\d+)\.$"), "error.body.length_equal"),
    (re.compile(r"^.*cannot be formatted as an? (?P<kind>.+)\.$"), "error.code.wrong_type"),
)
#: the words of marshmallow's Range operators, as catalogue keys (a param read in the message's language)
RANGE_OPERATORS = {"greater than": "error.body.op.gt", "greater than or equal to": "error.body.op.ge",
                   "less than": "error.body.op.lt", "less than or equal to": "error.body.op.le"}


def library_item(message: str, path: str) -> ErrorItem:
    """marshmallow's refusal ``message`` at ``path`` as a coded item; words not known here (a library newer than this
    table) read as "is not valid", never as the library's English."""
    if message in MARSHMALLOW_CODES:
        message_code, code = MARSHMALLOW_CODES[message]
        return ErrorItem.coded(message_code, path=path, code=code)
    for pattern, message_code in MARSHMALLOW_PATTERNS:
        found = pattern.match(message)
        if found:
            params = {k: i18n.texts(RANGE_OPERATORS[v]) if k.endswith("_op") else v
                      for k, v in found.groupdict().items() if k != "kind"}
            return ErrorItem.coded(message_code, path=path, **params)
    return ErrorItem.coded("error.code.invalid", path=path)


def schema_item(err: jsonschema.ValidationError, path: str) -> ErrorItem:
    """A JSON Schema refusal of a request body as a coded item (every keyword: engine.schema_messages)."""
    message_code, params = schema_code(err)
    code = {"required": "required", "type": "wrong_type"}.get(err.validator, "invalid")
    return ErrorItem.coded(message_code, path=path, code=code, **params)
