"""Every keyword jsonschema can report (Draft 2020-12) has a message code with its zh-CN text (engine.schema_messages):
a refusal of a definition, a record or a request body never reaches a zh-CN reader in jsonschema's English; words
inside its params (a JSON type, a format) read in Chinese too."""
from __future__ import annotations

import re

import jsonschema
import pytest

from engine import i18n
from engine.errors import ErrorItem
from engine.schema_messages import schema_code

#: per keyword, a schema and an instance it refuses (keywords that only descend report their sub-keyword's refusal)
REFUSED = {
    "required": ({"required": ["name"]}, {}),
    "dependentRequired": ({"dependentRequired": {"card": ["billing"]}}, {"card": 1}),
    "enum": ({"enum": ["a", "b"]}, "c"),
    "const": ({"const": "a"}, "b"),
    "type": ({"type": ["integer", "null"]}, "x"),
    "format": ({"format": "date-time"}, "not a moment"),
    "maximum": ({"maximum": 3}, 4), "minimum": ({"minimum": 3}, 2),
    "exclusiveMaximum": ({"exclusiveMaximum": 3}, 3), "exclusiveMinimum": ({"exclusiveMinimum": 3}, 3),
    "maxLength": ({"maxLength": 2}, "abc"), "minLength": ({"minLength": 2}, "a"),
    "maxItems": ({"maxItems": 1}, [1, 2]), "minItems": ({"minItems": 2}, [1]),
    "maxProperties": ({"maxProperties": 1}, {"a": 1, "b": 2}), "minProperties": ({"minProperties": 1}, {}),
    "uniqueItems": ({"uniqueItems": True}, [1, 1]), "multipleOf": ({"multipleOf": 2}, 3),
    "maxContains": ({"contains": {"type": "integer"}, "maxContains": 1}, [1, 2]),
    "minContains": ({"contains": {"type": "integer"}, "minContains": 2}, [1, "x"]),
    "contains": ({"contains": {"type": "integer"}}, ["x"]),
    "pattern": ({"pattern": "^[a-z]+$"}, "ABC"),
    "additionalProperties": ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "colour": 2}),
    "unevaluatedProperties": ({"properties": {"a": {}}, "unevaluatedProperties": False}, {"a": 1, "colour": 2}),
    "items": ({"prefixItems": [{}], "items": False}, [1, 2]),
    "unevaluatedItems": ({"prefixItems": [{}], "unevaluatedItems": False}, [1, 2]),
    "oneOf": ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 1),
    "anyOf": ({"anyOf": [{"type": "integer"}, {"type": "boolean"}]}, "x"),
    "not": ({"not": {"type": "string"}}, "x"),
    "false": ({"properties": {"a": False}}, {"a": 1}),
    "propertyNames": ({"propertyNames": {"maxLength": 2}}, {"long": 1}),
    "if": ({"if": {"type": "string"}, "then": {"minLength": 3}}, "ab"),
    "dependentSchemas": ({"dependentSchemas": {"a": {"required": ["b"]}}}, {"a": 1}),
    "allOf": ({"allOf": [{"type": "string"}]}, 1),
    "$ref": ({"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s"}, 1),
}
#: keywords that never refuse on their own (they descend into sub-schemas or only annotate)
DESCEND_ONLY = {"$dynamicRef", "$ref", "allOf", "properties", "patternProperties", "prefixItems", "dependentSchemas", "if",
                "propertyNames"}
#: an ASCII word left once quoted values and numbers are out
WORD = re.compile(r"[A-Za-z]{2,}")


def _refusals(schema: dict, instance) -> list[jsonschema.ValidationError]:
    errors = list(jsonschema.Draft202012Validator({"$schema": "https://json-schema.org/draft/2020-12/schema", **schema},
                                                  format_checker=jsonschema.FormatChecker()).iter_errors(instance))
    return [jsonschema.exceptions.best_match([e]) if e.context else e for e in errors]


def test_every_keyword_jsonschema_reports_is_in_the_table():
    assert set(jsonschema.Draft202012Validator.VALIDATORS) - DESCEND_ONLY <= set(REFUSED) | {"minContains", "maxContains"}


@pytest.mark.parametrize("keyword", sorted(REFUSED))
def test_a_refusal_reads_in_chinese_with_its_params_in_chinese(keyword):
    schema, instance = REFUSED[keyword]
    refusals = _refusals(schema, instance)
    assert refusals, keyword
    for err in refusals:
        code, params = schema_code(err)
        assert i18n.has_text(code, "zh-CN"), (keyword, code)
        item = ErrorItem.coded(code, path="/x", **params)
        zh = item.localized("zh-CN")
        assert re.search(r"[\u4e00-\u9fff]", zh), (keyword, zh)
        left = WORD.findall(re.sub(r"'[^']*'|\"[^\"]*\"|\^\[a-z\]\+\$", " ", zh))
        assert left == [], (keyword, err.validator, zh)
