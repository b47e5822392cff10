"""The field-type base class and registry.

Stored values are plain JSON; ``normalize`` turns an accepted input value (the
record JSON Schema has already checked its shape) into the stored value, or
raises ``ValueError`` with a message for the user.
"""
from __future__ import annotations

import decimal
from typing import Any

from engine.registry import Registry

FIELD_TYPES: "Registry[FieldType]" = Registry("field type")

#: JSON path of a top-level field id inside the records.data column.
def json_path(field_id: str) -> str:
    return f'$."{field_id}"'


def field_label(field: dict, locale: str = "en") -> str:
    label = field.get("label") or field.get("name") or field.get("id")
    if isinstance(label, dict):
        return label.get(locale) or label.get("en") or next(iter(label.values()), field.get("id"))
    return str(label)


class FieldType:
    """Base of every field type. Subclasses set ``name`` and override what differs."""

    name: str = ""
    #: what rules see: string, number, boolean, date, datetime, array, integer, object
    value_kind: str = "string"
    #: value set by the engine; a client that sends one is refused
    engine_set: bool = False
    #: SQL comparison kind for filters/sorting: "text" or "number"
    sql_kind: str = "text"
    #: field types whose stored values this type can read after a type change
    converts_from: frozenset[str] = frozenset()

    # -- definition time -------------------------------------------------
    def check_options(self, field: dict, ctx: "DefinitionContext") -> list[tuple[str, str]]:
        """Semantic checks beyond the meta-schema: list of (path suffix, message) or (suffix, message, extra for the error item)."""
        return []

    # -- record values ---------------------------------------------------
    def schema(self, field: dict) -> dict:
        """JSON Schema fragment of the input value (null always allowed = empty)."""
        raise NotImplementedError

    def normalize(self, value: Any, field: dict) -> Any:
        return value

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    def display(self, value: Any, field: dict, locale: str = "en", tz: str = "UTC") -> str:
        if value is None:
            return ""
        return str(value)

    def can_hold(self, stored: Any, field: dict) -> bool:
        """Whether a value stored under another type is acceptable to this one."""
        try:
            import jsonschema

            jsonschema.validate(stored, _nullable(self.schema(field)))
            self.normalize(stored, field)
            return True
        except Exception:
            return False

    # -- SQL -------------------------------------------------------------
    def sql_type(self, field: dict, source_type: str | None = None) -> "FieldType":
        """The field type whose ``sql_expression``/``sql_value``/``sql_kind`` filters, sorts and indexes use for *field*.

        Itself for a stored value; a derived field (computed, roll-up) answers the type of its result, so numbers
        compare as numbers. *source_type* is the type of the field a roll-up aggregates, when known.
        """
        return self

    def sql_expression(self, dialect: str, field_id: str) -> str:
        """The SQL expression over ``records.data`` used by filters, sorting and indexes."""
        if dialect == "postgresql":
            text = f"(data ->> '{field_id}')"
            return f"formflow_num{text}" if self.sql_kind == "number" else text
        extract = f"json_extract(data, '{json_path(field_id)}')"
        return f"CAST({extract} AS REAL)" if self.sql_kind == "number" else extract

    def sql_value(self, value: Any, dialect: str) -> Any:
        """A filter operand in the form ``sql_expression`` compares against."""
        if value is None:
            return None
        if self.sql_kind == "number":
            number = float(value)  # refuses what is not a number (the caller reports the path)
            if dialect != "postgresql":
                return number
            # PostgreSQL: a numeric operand, so ``formflow_num(...) = $1`` stays numeric and its index applies (a float
            # is sent as double precision, which turns the indexed side into a double: a scan of the whole form)
            exact = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else repr(number)
            try:
                return decimal.Decimal(exact)
            except decimal.InvalidOperation:
                return decimal.Decimal(repr(number))
        return str(value)


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


class DefinitionContext:
    """What semantic definition checks may look up (other forms of the app, users)."""

    def __init__(self, form_keys: set[str], forms_fields: dict[str, list[dict]] | None = None,
                 current_fields: list[dict] | None = None):
        self.form_keys = form_keys
        self.forms_fields = forms_fields or {}
        self.current_fields = current_fields or []
