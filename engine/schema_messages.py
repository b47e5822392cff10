"""JSON Schema refusals as catalogue message codes: every keyword jsonschema can report (``validator`` of its
``ValidationError``, Draft 3 to 2020-12) has its code and params here, so a definition's, a record's or a request
body's shape error reads in the reader's language and never in the library's English. Words inside the params (a JSON
type's name, a format's) are catalogue texts too, taken in the same language as the message (``i18n.texts``)."""
from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

from engine import i18n

#: JSON Schema keywords that compare with a limit, and the catalogue key of their refusal (definitions and request bodies)
SCHEMA_LIMIT_CODES = {
    "maximum": "error.schema.maximum", "minimum": "error.schema.minimum",
    "exclusiveMaximum": "error.schema.exclusive_maximum", "exclusiveMinimum": "error.schema.exclusive_minimum",
    "maxLength": "error.schema.max_length", "minLength": "error.schema.min_length",
    "maxItems": "error.schema.max_items", "minItems": "error.schema.min_items",
    "maxProperties": "error.schema.max_properties", "minProperties": "error.schema.min_properties",
    "uniqueItems": "error.schema.unique_items", "multipleOf": "error.schema.multiple_of", "divisibleBy": "error.schema.multiple_of",
    "minContains": "error.schema.min_contains", "maxContains": "error.schema.max_contains",
}
#: keywords whose refusal says the value matches none (or more than one) of several shapes
SHAPE_KEYWORDS = frozenset({"oneOf", "anyOf", "not", "allOf", "if", "then", "else", "dependentSchemas", "extends",
                            "disallow", "$ref", "$dynamicRef", "properties", "patternProperties", "propertyNames"})
#: keywords that refuse members or items beyond what the schema names
EXTRA_KEYWORDS = {"additionalProperties": "error.schema.extra_members", "unevaluatedProperties": "error.schema.extra_members",
                  "additionalItems": "error.schema.extra_items", "unevaluatedItems": "error.schema.extra_items",
                  "items": "error.schema.extra_items", "prefixItems": "error.schema.extra_items"}
#: JSON types with a catalogue name (``error.schema.kind.<type>``)
KINDS = ("string", "number", "integer", "boolean", "array", "object", "null", "any")
#: formats with a catalogue name (``error.schema.format_name.<format with _>``); others are shown as written
FORMATS = ("date", "date-time", "time", "duration", "email", "idn-email", "hostname", "idn-hostname", "ipv4", "ipv6",
           "uri", "uri-reference", "iri", "iri-reference", "uuid", "regex", "json-pointer", "relative-json-pointer",
           "uri-template")
#: longest value quoted back in a shape error
MAX_SHOWN_VALUE = 60

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_DEPENDENCY = re.compile(r"^'(.+)' is a dependency of '(.+)'$")


def shown(value: Any) -> str:
    """A refused value as the message quotes it (JSON, cut at MAX_SHOWN_VALUE characters)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_SHOWN_VALUE else text[:MAX_SHOWN_VALUE - 1] + "…"


def kinds(names: Any) -> dict[str, str]:
    """JSON type names ("string", ["integer", "null"]) as words in every language ("text, nothing")."""
    listed = names if isinstance(names, list) else [names]
    return {loc: i18n.render("error.schema.kind_separator", loc).join(
        i18n.render(f"error.schema.kind.{n}", loc) if n in KINDS else repr(n) for n in listed) for loc in i18n.LOCALES}


def format_name(name: Any) -> Any:
    """A format ("date-time") as words in every language; an unknown one as written."""
    if name in FORMATS:
        return i18n.texts("error.schema.format_name." + str(name).replace("-", "_"))
    return repr(name)


def _names(values) -> str:
    return ", ".join(map(repr, values))


def extra_members(err: jsonschema.ValidationError) -> list[str]:
    """The members an additionalProperties / unevaluatedProperties refusal is about."""
    if not isinstance(err.instance, dict):
        return []
    named = set((err.schema or {}).get("properties", {})) if isinstance(err.schema, dict) else set()
    patterns = list((err.schema or {}).get("patternProperties", {})) if isinstance(err.schema, dict) else []
    return sorted(k for k in err.instance if k not in named and not any(re.search(p, k) for p in patterns))


def schema_code(err: jsonschema.ValidationError) -> tuple[str, dict]:
    """The catalogue message code and params of any jsonschema refusal (the fallback: "has none of the allowed shapes")."""
    keyword, value, inst = err.validator, err.validator_value, err.instance
    if keyword == "required":
        missing = _REQUIRED.match(err.message)
        return "error.schema.required", {"name": repr(missing.group(1)) if missing else _names(value)}
    if keyword in ("dependentRequired", "dependencies") and _DEPENDENCY.match(err.message):
        needed, owner = _DEPENDENCY.match(err.message).groups()
        return "error.schema.dependent_required", {"name": repr(needed), "owner": repr(owner)}
    if keyword in ("enum", "const"):
        allowed = value if keyword == "enum" else [value]
        return "error.schema.enum", {"value": shown(inst), "allowed": ", ".join(json.dumps(v, ensure_ascii=False) for v in allowed)}
    if keyword == "type":
        return "error.schema.type", {"value": shown(inst), "kinds": kinds(value)}
    if keyword == "format":
        return "error.schema.format", {"value": shown(inst), "limit": format_name(value)}
    if keyword in SCHEMA_LIMIT_CODES:
        return SCHEMA_LIMIT_CODES[keyword], {"value": shown(inst), "limit": value}
    if keyword == "pattern":
        return "error.schema.pattern", {"value": shown(inst), "pattern": str(value)}
    if keyword == "contains":
        return "error.schema.contains", {"value": shown(inst)}
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return "error.schema.extra_members", {"names": _names(extra_members(err)) or shown(inst), "count": len(extra_members(err)) or 1}
    if keyword in EXTRA_KEYWORDS:
        return "error.schema.extra_items", {"value": shown(inst)}
    if keyword == "oneOf" and not err.context:  # valid under more than one of its shapes
        return "error.schema.one_of_many", {"value": shown(inst)}
    if keyword is None:  # a ``false`` schema: nothing may be here
        return "error.schema.not_allowed", {"value": shown(inst)}
    return "error.schema.shape", {"value": shown(inst)}


def json_kind(value: Any) -> str:
    """The JSON type of a Python value as jsonschema names it (for "got ..." in a message)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object" if isinstance(value, dict) else "any"
