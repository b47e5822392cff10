"""Shared pieces of the rule compiler: rule kinds, the compiled-expression record, the node registry."""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

from rule_engine import DataType

from engine import i18n

from ..scope import RuleScope

UTC = _dt.timezone.utc

#: `expect=` values and the rule kinds they accept.
EXPECTED_KINDS = {"boolean": {"boolean"}, "number": {"number"}, "text": {"text"},
                  "date": {"datetime"}, "datetime": {"datetime"}, "any": None}

SCALAR = ("number", "text", "boolean", "datetime", "timedelta")


def kind_words(kind: str) -> dict[str, str] | str:
    """A rule kind or an ``expect=`` value ("number", "datetime") as a compile message names it, in every language
    (``error.rule.kind.<kind>``): the message takes the reader's."""
    key = f"error.rule.kind.{kind}"
    return i18n.texts(key) if i18n.has_text(key) else kind


def kind_of(dt: Any) -> str:
    """The rule kind of a rule-engine data type (what codegen dispatches on)."""
    for kind, t in (("number", DataType.FLOAT), ("text", DataType.STRING), ("boolean", DataType.BOOLEAN),
                    ("datetime", DataType.DATETIME), ("timedelta", DataType.TIMEDELTA), ("null", DataType.NULL)):
        if dt == t:
            return kind
    if DataType.is_type(dt, DataType.ARRAY):
        return "array"
    if DataType.is_type(dt, DataType.OBJECT):
        return "object"
    if dt == DataType.UNDEFINED:
        return "undefined"
    return "unsupported"


def element_kind(dt: Any) -> str:
    return kind_of(dt.value_type) if DataType.is_type(dt, DataType.ARRAY) else "undefined"


@dataclass
class Code:
    """A compiled expression: Python and JS source, its rule kind and whether it can be null."""
    py: str
    js: str
    dtype: Any
    nonnull: bool = False
    path: str | None = None     #: field path when the value is a field/row/reference (for fields_used)

    @property
    def kind(self) -> str:
        return kind_of(self.dtype)


class Refusal(Exception):
    """A rule outside what formflow accepts: the message and what to point at in the text."""

    def __init__(self, message_code: str, needle: str | tuple | None = None, **params: Any) -> None:
        message = i18n.render(message_code, "en", params)
        super().__init__(message)
        self.message, self.needle = message, needle
        self.message_code, self.params = message_code, params


@dataclass
class Env:
    """What one compile collects: constants, locals, fields used, size and depth counters."""

    scope: RuleScope
    objects: dict[str, RuleScope]
    consts: dict[str, Any] = field(default_factory=dict)
    js_consts: list[str] = field(default_factory=list)
    js_temps: int = 0
    py_temps: int = 0
    locals: list[dict[str, Code]] = field(default_factory=list)
    fields_used: set[str] = field(default_factory=set)
    nodes: int = 0
    depth: int = 0
    comprehension_depth: int = 0

    def py_temp(self) -> str:
        """A fresh local of the generated Python function (assigned with `:=`)."""
        self.py_temps += 1
        return f"_v{self.py_temps}"

    def const(self, value: Any) -> str:
        name = f"_k{len(self.consts)}"
        self.consts[name] = value
        return name


# -- node compiler registry --------------------------------------------------------------------------
class NodeCompiler:
    """Compiles one rule-engine AST node class."""
    node: type = object

    def compile(self, c: "Compiler", n: Any) -> Code:
        raise NotImplementedError


NODE_COMPILERS: dict[type, NodeCompiler] = {}


def node_compiler(cls: type[NodeCompiler]) -> type[NodeCompiler]:
    NODE_COMPILERS[cls.node] = cls()
    return cls


def js_str(s: str) -> str:
    return json.dumps(s).replace("<", "\\u003c").replace(">", "\\u003e")
