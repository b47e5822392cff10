"""Compile rule texts once into a Python callable and a JavaScript function.

The text is parsed and type-checked by rule-engine (with a type resolver built from the form's
`RuleScope`), then its AST is walked once: each node class has a registered `NodeCompiler` that
emits the Python and the JavaScript expression for the node. Python source is compiled with
`compile()` into `fn(values, ctx)`; the JS source is `function(values, ctx){...}` over
`runtime.js`. Anything outside the supported subset is refused with a `RuleError`.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import rule_engine
from rule_engine import DataType, ast as re_ast, errors as re_errors
from rule_engine.builtins import Builtins

from engine import patterns

from . import functions as fns
from . import runtime
from .context import RuleContext
from .errors import RuleError, RuleEvaluationError
from .limits import (MAX_ARRAY_ITEMS, MAX_CACHED_RULES, MAX_COMPREHENSION_DEPTH, MAX_GENERATED_CODE,
                     MAX_NESTING, MAX_NODES, MAX_RULE_LENGTH, check_regex)
from .scope import RuleScope

UTC = _dt.timezone.utc

#: `expect=` values and the rule kinds they accept.
EXPECTED_KINDS = {"boolean": {"boolean"}, "number": {"number"}, "text": {"text"},
                  "date": {"datetime"}, "datetime": {"datetime"}, "any": None}

_SCALAR = ("number", "text", "boolean", "datetime", "timedelta")


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


class _Refusal(Exception):
    def __init__(self, message: str, needle: str | None = None) -> None:
        super().__init__(message)
        self.message, self.needle = message, needle


@dataclass
class _Env:
    scope: RuleScope
    objects: dict[str, RuleScope]
    consts: dict[str, Any] = field(default_factory=dict)
    js_consts: list[str] = field(default_factory=list)
    js_temps: int = 0
    locals: list[dict[str, Code]] = field(default_factory=list)
    fields_used: set[str] = field(default_factory=set)
    nodes: int = 0
    comprehension_depth: int = 0

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


def _js_str(s: str) -> str:
    return json.dumps(s).replace("<", "\\u003c").replace(">", "\\u003e")


def _num_js(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "(-Infinity)"
    r = repr(v)
    return f"({r})" if v < 0 or r.startswith("-") else r


def _num_py(v: float) -> str:
    if math.isnan(v) or math.isinf(v):
        return f"float({repr(v)!r})"
    r = repr(v)
    return f"({r})" if r.startswith("-") else r


@node_compiler
class BooleanNode(NodeCompiler):
    node = re_ast.BooleanExpression

    def compile(self, c, n):
        return Code("True" if n.value else "False", "true" if n.value else "false", DataType.BOOLEAN, True)


@node_compiler
class NullNode(NodeCompiler):
    node = re_ast.NullExpression

    def compile(self, c, n):
        return Code("None", "null", DataType.NULL)


@node_compiler
class FloatNode(NodeCompiler):
    node = re_ast.FloatExpression

    def compile(self, c, n):
        v = float(n.value)
        return Code(_num_py(v), _num_js(v), DataType.FLOAT, True)


@node_compiler
class StringNode(NodeCompiler):
    node = re_ast.StringExpression

    def compile(self, c, n):
        return Code(repr(n.value), _js_str(n.value), DataType.STRING, True)


@node_compiler
class DatetimeNode(NodeCompiler):
    node = re_ast.DatetimeExpression

    def compile(self, c, n):
        v = n.value.astimezone(UTC)
        ms = (v - runtime._EPOCH) // _dt.timedelta(milliseconds=1)
        return Code(c.env.const(v), repr(ms), DataType.DATETIME, True)


@node_compiler
class TimedeltaNode(NodeCompiler):
    node = re_ast.TimedeltaExpression

    def compile(self, c, n):
        ms = n.value // _dt.timedelta(milliseconds=1)
        return Code(c.env.const(n.value), _num_js(float(ms)), DataType.TIMEDELTA, True)


@node_compiler
class ArrayNode(NodeCompiler):
    node = re_ast.ArrayExpression

    def compile(self, c, n):
        if len(n.value) > MAX_ARRAY_ITEMS:
            raise _Refusal(f"a list may hold at most {MAX_ARRAY_ITEMS} items")
        items = [c.expr(x) for x in n.value]
        kinds = {i.kind for i in items} - {"null"}
        if len(kinds) > 1:
            raise _Refusal("all items of a list must be of the same kind")
        if kinds and kinds - set(_SCALAR):
            raise _Refusal("lists may only hold numbers, texts, true/false, dates and durations")
        return Code("[" + ", ".join(i.py for i in items) + "]", "[" + ", ".join(i.js for i in items) + "]",
                    n.result_type, True)


@node_compiler
class SymbolNode(NodeCompiler):
    node = re_ast.SymbolExpression

    def compile(self, c, n):
        if n.scope == "built-in":
            value = fns.BUILTIN_VALUES.get(n.name)
            if value is None:
                if n.name in fns.FUNCTIONS:
                    raise _Refusal(f"${n.name} is a function: call it like ${n.name}(...)", "$" + n.name)
                raise _Refusal(f"${n.name} is not available in formflow rules", "$" + n.name)
            return Code(value.py, value.js, value.data_type, n.name != "user_id")
        for frame in reversed(c.env.locals):
            if n.name in frame:
                return frame[n.name]
        info = c.env.scope.get(n.name)
        if info is None:  # rule-engine already refused unknown names; defensive
            raise _Refusal(f"unknown field {n.name!r}", n.name)
        py, js = info.kind.read(info, f"values.get({info.id!r})", f"values[{_js_str(info.id)}]")
        c.env.fields_used.add(info.id)
        return Code(py, js, n.result_type, False, path=info.id)


@node_compiler
class GetAttributeNode(NodeCompiler):
    node = re_ast.GetAttributeExpression

    def compile(self, c, n):
        obj = c.expr(n.object)
        if obj.kind == "object":
            scope = c.env.objects[obj.dtype.name]
            info = scope.get(n.name)
            raw_py = f"get_field({obj.py}, {info.id!r}, {n.safe})"
            raw_js = f"rt.getField({obj.js}, {_js_str(info.id)}, {'true' if n.safe else 'false'})"
            py, js = info.kind.read(info, raw_py, raw_js)
            path = f"{obj.path}.{info.id}" if obj.path else None
            if path:
                c.env.fields_used.add(path)
            return Code(py, js, n.result_type, False, path=path)
        attr = fns.ATTRIBUTES.get(n.name)
        if attr is None or obj.kind not in attr.kinds:
            raise _Refusal(f"{obj.kind} values have no attribute {n.name!r} in formflow rules", "." + n.name)
        if attr.method:
            raise _Refusal(f"{n.name} must be called: {n.name}(...)", "." + n.name)
        if n.safe:
            return Code(f"safe_call({attr.py}, {obj.py})", f"rt.safe({attr.js}, {obj.js})", n.result_type)
        return Code(f"{attr.py}({obj.py})", f"{attr.js}({obj.js})", n.result_type, True)


@node_compiler
class FunctionCallNode(NodeCompiler):
    node = re_ast.FunctionCallExpression

    def compile(self, c, n):
        f = n.function
        if isinstance(f, re_ast.SymbolExpression) and f.scope == "built-in":
            fn = fns.FUNCTIONS.get(f.name)
            if fn is None:
                raise _Refusal(f"${f.name}() is not available in formflow rules", "$" + f.name)
            args = [c.expr(a) for a in n.arguments]
            if fn.check:
                why = fn.check([f"{a.kind}:{element_kind(a.dtype)}" if a.kind == "array" else a.kind for a in args])
                if why:
                    raise _Refusal(f"${f.name}() {why}", "$" + f.name)
            return Code(f"{fn.py}({', '.join(a.py for a in args)})", f"{fn.js}({', '.join(a.js for a in args)})",
                        n.result_type, True)
        if isinstance(f, re_ast.GetAttributeExpression):
            attr = fns.ATTRIBUTES.get(f.name)
            obj = c.expr(f.object)
            if attr is None or not attr.method or obj.kind not in attr.kinds:
                raise _Refusal(f"{obj.kind} values have no method {f.name!r}", "." + f.name)
            args = [c.expr(a) for a in n.arguments]
            if len(args) != 1:
                raise _Refusal(f"{f.name}() takes one value", "." + f.name)
            return Code(f"{attr.py}({obj.py}, {args[0].py})", f"{attr.js}({obj.js}, {args[0].js})", n.result_type, True)
        if isinstance(f, re_ast.FunctionExpression) and isinstance(f.value, functools.partial):
            # rule-engine folds `"literal".starts_with` into a bound function: unfold it
            method = {"_value_starts_with": "starts_with", "_value_ends_with": "ends_with"}.get(
                getattr(f.value.func, "__name__", ""))
            if method and len(n.arguments) == 1 and isinstance(f.value.args[-1], str):
                attr = fns.ATTRIBUTES[method]
                obj = StringNode().compile(c, re_ast.StringExpression(c.context, f.value.args[-1]))
                arg = c.expr(n.arguments[0])
                return Code(f"{attr.py}({obj.py}, {arg.py})", f"{attr.js}({obj.js}, {arg.js})", n.result_type, True)
        raise _Refusal("only $functions and methods such as .starts_with(...) can be called")


def _need_boolean(code: Code, what: str) -> None:
    if code.kind not in ("boolean", "null"):
        raise _Refusal(f"{what} needs true/false values, not a {code.kind} (compare it, or use $is_empty(...))")


@node_compiler
class LogicNode(NodeCompiler):
    node = re_ast.LogicExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        _need_boolean(left, f"'{n.type}'")
        _need_boolean(right, f"'{n.type}'")
        op_py, op_js = ("and", "&&") if n.type == "and" else ("or", "||")
        if left.nonnull and right.nonnull:
            return Code(f"({left.py} {op_py} {right.py})", f"({left.js} {op_js} {right.js})", DataType.BOOLEAN, True)
        return Code(f"bool({left.py} {op_py} {right.py})", f"!!({left.js} {op_js} {right.js})", DataType.BOOLEAN, True)


@node_compiler
class UnaryNode(NodeCompiler):
    node = re_ast.UnaryExpression

    def compile(self, c, n):
        right = c.expr(n.right)
        if n.type == "not":
            _need_boolean(right, "'not'")
            return Code(f"(not {right.py})", f"(!{right.js})", DataType.BOOLEAN, True)
        if right.kind not in ("number", "timedelta"):
            raise _Refusal("'-' needs a number or a duration")
        js = f"(-{right.js})" if right.nonnull else f"rt.neg({right.js})"
        return Code(f"(-{right.py})", js, n.result_type, True)


def _comparable(left: Code, right: Code, op: str) -> None:
    kinds = {left.kind, right.kind}
    if "undefined" in kinds or "unsupported" in kinds:
        raise _Refusal(f"cannot tell what kind of values '{op}' compares")
    if "object" in kinds and "null" not in kinds:
        raise _Refusal("a reference or row can only be compared with null")
    if len(kinds - {"null"}) > 1:
        raise _Refusal(f"'{op}' compares a {left.kind} with a {right.kind}; they can never be equal")


@node_compiler
class ComparisonNode(NodeCompiler):
    node = re_ast.ComparisonExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        op = "==" if n.type == "eq" else "!="
        _comparable(left, right, op)
        literal = {left.py, right.py} & {"True", "False", "None"}
        if literal:
            py = f"({left.py} {'is' if op == '==' else 'is not'} {right.py})"
        else:
            py = f"({left.py} {op} {right.py})"
        if "array" in (left.kind, right.kind):
            js = f"{'' if op == '==' else '!'}rt.eq({left.js}, {right.js})"
        else:
            js = f"({left.js} {op}= {right.js})"
        return Code(py, js, DataType.BOOLEAN, True)


_ORDERED_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


@node_compiler
class ArithmeticComparisonNode(NodeCompiler):
    node = re_ast.ArithmeticComparisonExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        op = _ORDERED_OPS[n.type]
        for side in (left, right):
            if side.kind not in ("number", "text", "datetime", "timedelta"):
                raise _Refusal(f"'{op}' needs numbers, texts, dates or durations on both sides, not a {side.kind}")
        py = f"({left.py} {op} {right.py})" if (left.nonnull or right.nonnull) else f"{n.type}({left.py}, {right.py})"
        js = f"({left.js} {op} {right.js})" if (left.nonnull and right.nonnull) else f"rt.{n.type}({left.js}, {right.js})"
        return Code(py, js, DataType.BOOLEAN, True)


@node_compiler
class FuzzyComparisonNode(NodeCompiler):
    node = re_ast.FuzzyComparisonExpression

    def compile(self, c, n):
        if not isinstance(n.right, re_ast.StringExpression):
            raise _Refusal("the right side of a pattern match must be a fixed text pattern")
        pattern = n.right.value
        why = check_regex(pattern)
        if why:
            raise _Refusal(f"pattern refused: {why}", (pattern, "=~", "!~"))
        left = c.expr(n.left)
        if left.kind not in ("text", "null"):
            raise _Refusal("pattern matching needs a text value")
        search = n.type in ("eq_fzs", "ne_fzs")
        negate = n.type.startswith("ne")
        try:
            program = patterns.compile_pattern(pattern)  # RE2: the server never runs a user pattern on `re`
        except patterns.PatternRefused as exc:
            raise _Refusal(f"pattern refused: {exc}", (pattern, "=~", "!~")) from None
        rx = c.env.const(program)
        py = f"regex_{'search' if search else 'match'}({rx}, {left.py})"
        js_pattern = _js_regex_source(pattern) if search else f"^(?:{_js_regex_source(pattern)})"
        js = f"rt.regexMatch(new RegExp({_js_str(js_pattern)}), {left.js})"
        if negate:
            py, js = f"(not {py})", f"(!{js})"
        return Code(py, js, DataType.BOOLEAN, True)


#: RE2's `\s` (what the server matches); JavaScript's also takes \v and Unicode spaces
_RE2_SPACE = "\\t\\n\\f\\r "


def _js_regex_source(pattern: str) -> str:
    """The pattern for the browser's RegExp, with `.` and `\\s` spelt as RE2 reads them (JavaScript's `.` also
    stops at CR and the line/paragraph separators, its `\\s` also takes the vertical tab and Unicode spaces)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            pair = pattern[i:i + 2]
            if pair == "\\s":
                out.append(_RE2_SPACE if in_class else f"[{_RE2_SPACE}]")
            elif pair == "\\S" and not in_class:
                out.append(f"[^{_RE2_SPACE}]")
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == ".":
            ch = "[^\\n]"
        out.append(ch)
        i += 1
    return "".join(out)


@node_compiler
class AddNode(NodeCompiler):
    node = re_ast.AddExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        for side in (left, right):
            if side.kind not in ("number", "text", "datetime", "timedelta"):
                raise _Refusal(f"'+' cannot use a {side.kind}")
        nonnull = left.nonnull and right.nonnull
        js = f"({left.js} + {right.js})" if nonnull else f"rt.add({left.js}, {right.js})"
        return Code(f"({left.py} + {right.py})", js, n.result_type, True)


@node_compiler
class SubtractNode(NodeCompiler):
    node = re_ast.SubtractExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        for side in (left, right):
            if side.kind not in ("number", "datetime", "timedelta"):
                raise _Refusal(f"'-' cannot use a {side.kind}")
        nonnull = left.nonnull and right.nonnull
        js = f"({left.js} - {right.js})" if nonnull else f"rt.sub({left.js}, {right.js})"
        return Code(f"({left.py} - {right.py})", js, n.result_type, True)


_ARITH = {"mul": ("({a} * {b})", "rt.mul({a}, {b})"), "tdiv": ("({a} / {b})", "rt.div({a}, {b})"),
          "mod": ("fmod({a}, {b})", "rt.fmod({a}, {b})"), "fdiv": ("fdiv({a}, {b})", "rt.fdiv({a}, {b})"),
          "pow": ("power({a}, {b})", "rt.power({a}, {b})")}


@node_compiler
class ArithmeticNode(NodeCompiler):
    node = re_ast.ArithmeticExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        for side in (left, right):
            if side.kind != "number":
                raise _Refusal(f"arithmetic needs numbers, not a {side.kind}")
        py_t, js_t = _ARITH[n.type]
        return Code(py_t.format(a=left.py, b=right.py), js_t.format(a=left.js, b=right.js), DataType.FLOAT, True)


@node_compiler
class CoalesceNode(NodeCompiler):
    node = re_ast.CoalesceExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        if "null" not in (left.kind, right.kind) and left.kind != right.kind:
            raise _Refusal(f"'??' mixes a {left.kind} and a {right.kind}")
        c.env.js_temps += 1
        t = f"t{c.env.js_temps}"
        dtype = left.dtype if left.kind != "null" else right.dtype
        return Code(f"({left.py} if {left.py} is not None else {right.py})",
                    f"(({t} = {left.js}) !== null ? {t} : {right.js})", dtype, right.nonnull)


@node_compiler
class TernaryNode(NodeCompiler):
    node = re_ast.TernaryExpression

    def compile(self, c, n):
        cond, yes, no = c.expr(n.condition), c.expr(n.case_true), c.expr(n.case_false)
        _need_boolean(cond, "the condition of '? :'")
        if "null" not in (yes.kind, no.kind) and yes.kind != no.kind:
            raise _Refusal(f"both results of '? :' must be of the same kind, not {yes.kind} and {no.kind}")
        dtype = yes.dtype if yes.kind != "null" else no.dtype
        return Code(f"({yes.py} if {cond.py} else {no.py})", f"({cond.js} ? {yes.js} : {no.js})", dtype,
                    yes.nonnull and no.nonnull)


@node_compiler
class ContainsNode(NodeCompiler):
    node = re_ast.ContainsExpression

    def compile(self, c, n):
        container, member = c.expr(n.container), c.expr(n.member)
        if container.kind == "array":
            ek = element_kind(container.dtype)
            if ek not in _SCALAR and ek not in ("null", "undefined"):
                raise _Refusal("'in' works on lists of numbers, texts, true/false or dates")
            if member.kind not in ("null", ek) and ek not in ("null", "undefined"):
                raise _Refusal(f"'in' looks for a {member.kind} in a list of {ek}")
        elif container.kind != "text":
            raise _Refusal(f"'in' needs a text or a list on its right, not a {container.kind}")
        return Code(f"({member.py} in {container.py})", f"rt.contains({container.js}, {member.js})",
                    DataType.BOOLEAN, True)


@node_compiler
class GetItemNode(NodeCompiler):
    node = re_ast.GetItemExpression

    def compile(self, c, n):
        container, index = c.expr(n.container), c.expr(n.item)
        if container.kind not in ("text", "array") or index.kind != "number":
            raise _Refusal("[...] takes a position number from a text or a list")
        safe = "true" if n.safe else "false"
        return Code(f"item({container.py}, {index.py}, {n.safe})", f"rt.item({container.js}, {index.js}, {safe})",
                    n.result_type, False, path=container.path)


@node_compiler
class GetSliceNode(NodeCompiler):
    node = re_ast.GetSliceExpression

    def compile(self, c, n):
        container, start, stop = c.expr(n.container), c.expr(n.start), c.expr(n.stop)
        if container.kind not in ("text", "array"):
            raise _Refusal("[a:b] takes a part of a text or a list")
        safe = "true" if n.safe else "false"
        return Code(f"slice_({container.py}, {start.py}, {stop.py}, {n.safe})",
                    f"rt.slice({container.js}, {start.js}, {stop.js}, {safe})", n.result_type, not n.safe)


@node_compiler
class ComprehensionNode(NodeCompiler):
    node = re_ast.ComprehensionExpression

    def compile(self, c, n):
        env = c.env
        if env.comprehension_depth >= MAX_COMPREHENSION_DEPTH:
            raise _Refusal(f"lists built from lists may be nested at most {MAX_COMPREHENSION_DEPTH} deep")
        iterable = c.expr(n.iterable)
        if iterable.kind != "array":
            raise _Refusal("'for ... in' needs a list")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n.variable):
            raise _Refusal("invalid variable name")
        var = Code(f"_l_{n.variable}", f"l_{n.variable}", iterable.dtype.value_type, False, path=iterable.path)
        env.locals.append({n.variable: var})
        env.comprehension_depth += 1
        try:
            cond = c.expr(n.condition) if n.condition is not None else None
            result = c.expr(n.result)
        finally:
            env.locals.pop()
            env.comprehension_depth -= 1
        if cond is not None:
            _need_boolean(cond, "the 'if' of a list")
        if result.kind not in _SCALAR + ("null",):
            raise _Refusal("a list built with 'for' must hold numbers, texts, true/false, dates or durations")
        py = f"[{result.py} for {var.py} in iterate({iterable.py})" + (f" if {cond.py}]" if cond else "]")
        js = f"rt.iter({iterable.js})"
        if cond:
            js += f".filter(function ({var.js}) {{ return {cond.js}; }})"
        js += f".map(function ({var.js}) {{ return {result.js}; }})"
        return Code(py, js, n.result_type, True)


# -- compiled rule ----------------------------------------------------------------------------------
class CompiledRule:
    """A rule compiled once: evaluate many times in Python, or ship `.js` to the browser."""

    def __init__(self, *, source: str, name: str | None, result_type: str, fields_used: frozenset[str],
                 js: str, python_source: str, fn: Callable[[dict, RuleContext], Any]) -> None:
        self.source = source
        self.name = name
        self.result_type = result_type
        self.fields_used = fields_used
        self.js = js
        self.python_source = python_source
        self._fn = fn

    def __repr__(self) -> str:
        return f"<CompiledRule {self.name or ''} {self.source!r} -> {self.result_type}>"

    def evaluate(self, values: dict, ctx: RuleContext) -> Any:
        """Evaluate against record data keyed by field id; only ever raises `RuleEvaluationError`."""
        try:
            return self._fn(values, ctx)
        except RuleEvaluationError as exc:
            if exc.rule is None:
                exc.rule, exc.text = self.name, self.source
            raise
        except ZeroDivisionError:
            raise RuleEvaluationError("division by zero", rule=self.name, text=self.source) from None
        except Exception as exc:  # noqa: BLE001 - any data-dependent failure is an evaluation error
            message = "an empty value was used where a value is needed" if "NoneType" in str(exc) else \
                f"the rule could not be evaluated ({type(exc).__name__}: {exc})"
            raise RuleEvaluationError(message, rule=self.name, text=self.source) from None


_RESULT_NAMES = {"number": "number", "text": "text", "boolean": "boolean", "datetime": "datetime",
                 "timedelta": "duration", "array": "list", "null": "null"}


class Compiler:
    """Turns one rule text into a `CompiledRule` for one scope."""

    def __init__(self, scope: RuleScope) -> None:
        self.scope = scope
        self.objects: dict[str, RuleScope] = {}
        self._collect(scope, set())
        self.context = self._rule_engine_context()

    def _collect(self, scope: RuleScope, seen: set) -> None:
        if scope.key in seen:
            return
        seen.add(scope.key)
        self.objects[scope.key] = scope
        for info in scope.fields.values():
            for sub in (info.target, info.row):
                if sub is not None:
                    self._collect(sub, seen)

    def _type_of(self, name: str) -> Any:
        info = self.scope.get(name)
        if info is None:
            if name in self.scope.unusable:
                raise re_errors.SymbolResolutionError(name, suggestion=None) from _Unusable(name, self.scope.unusable[name])
            raise re_errors.SymbolResolutionError(name, suggestion=_suggest(name, self.scope.fields))
        return self.scope.data_type(name)

    def _rule_engine_context(self) -> rule_engine.Context:
        ctx = rule_engine.Context(type_resolver=self._type_of, default_timezone="utc", regex_flags=re.ASCII,
                                  mapping_attribute_lookup=False)
        ctx.builtins = Builtins.from_defaults(
            values={name: None for name in fns.builtin_types()},
            value_types=fns.builtin_types(), timezone=UTC)
        return ctx

    def compile(self, text: str, *, name: str | None = None, expect: str | None = None) -> CompiledRule:
        def refuse(message: str, position: int | None = None) -> RuleError:
            return RuleError(message, rule=name, text=text, position=position)

        if not isinstance(text, str) or not text.strip():
            raise refuse("the rule is empty")
        if len(text) > MAX_RULE_LENGTH:
            raise refuse(f"the rule is longer than {MAX_RULE_LENGTH} characters", MAX_RULE_LENGTH)
        depth = 0
        for i, ch in enumerate(text):
            depth += ch in "([{"
            depth -= ch in ")]}"
            if depth > MAX_NESTING:
                raise refuse(f"the rule nests deeper than {MAX_NESTING} levels", i)
        if expect is not None and expect not in EXPECTED_KINDS:
            raise ValueError(f"unknown expect={expect!r}")
        try:
            rule = rule_engine.Rule(text, context=self.context)
        except re_errors.EngineError as exc:
            raise _translate(exc, text, name) from None
        except RecursionError:
            raise refuse(f"the rule nests deeper than {MAX_NESTING} levels") from None
        env = _Env(scope=self.scope, objects=self.objects)
        self.env = env
        try:
            code = self.expr(rule.statement.expression)
        except _Refusal as r:
            raise refuse(r.message, _locate(text, r.needle)) from None
        kind = code.kind
        if kind in ("undefined", "unsupported", "object"):
            raise refuse("the rule's result is not a plain value")
        if expect is not None and EXPECTED_KINDS[expect] is not None and kind not in EXPECTED_KINDS[expect] \
                and kind != "null":
            raise refuse(f"the rule gives a {_RESULT_NAMES.get(kind, kind)} but a {expect} is needed")
        py_src = f"def _rule(values, ctx):\n    return {code.py}\n"
        temps = "".join(f", t{i}" for i in range(1, env.js_temps + 1))
        out = code.js
        if kind == "datetime":
            out = f"(function (v) {{ return v === null ? null : new Date(v); }})({code.js})"
        elif kind == "timedelta":
            out = f"(function (v) {{ return v === null ? null : v / 1000; }})({code.js})"
        elif kind == "array" and element_kind(code.dtype) == "datetime":
            out = f"rt.iter({code.js}).map(function (v) {{ return v === null ? null : new Date(v); }})"
        js = ("function (values, ctx) {\n  var rt = FormflowRules" + temps + ";\n"
              f"  try {{ return {out}; }}\n"
              "  catch (e) { if (e instanceof rt.RuleEvaluationError) throw e;"
              " throw new rt.RuleEvaluationError(String(e && e.message || e)); }\n}")
        if len(py_src) > MAX_GENERATED_CODE or len(js) > MAX_GENERATED_CODE:
            raise refuse("the rule is too complex")
        namespace = dict(runtime.NAMESPACE)
        namespace.update(env.consts)
        exec(compile(py_src, f"<rule {name or ''}>", "exec"), namespace)  # noqa: S102 - our own generated code
        return CompiledRule(source=text, name=name, result_type=_RESULT_NAMES.get(kind, kind),
                            fields_used=frozenset(env.fields_used), js=js, python_source=py_src,
                            fn=namespace["_rule"])

    def expr(self, node: Any) -> Code:
        env = self.env
        env.nodes += 1
        if env.nodes > MAX_NODES:
            raise _Refusal(f"the rule has more than {MAX_NODES} parts")
        handler = NODE_COMPILERS.get(type(node))
        if handler is None:
            raise _Refusal(_UNSUPPORTED.get(type(node).__name__, f"{type(node).__name__} is not supported"))
        return handler.compile(self, node)


_UNSUPPORTED = {"SetExpression": "sets {...} are not supported", "MappingExpression": "mappings {...} are not supported",
                "BytesExpression": "bytes values are not supported",
                "BitwiseExpression": "bitwise operators (& | ^) are not supported",
                "BitwiseShiftExpression": "bit shifts (<< >>) are not supported"}


class _Unusable(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name, self.reason = name, reason


def _suggest(name: str, fields: dict) -> str | None:
    import difflib
    match = difflib.get_close_matches(name, list(fields), n=1)
    return match[0] if match else None


def _locate(text: str, needle: str | tuple | None) -> int | None:
    if not needle:
        return None
    if isinstance(needle, tuple):
        for one in needle:
            found = _locate(text, one)
            if found is not None:
                return found
        return None
    if re.fullmatch(r"[$.]?[A-Za-z_][A-Za-z0-9_]*", needle):
        before = "" if needle[0] == "." else r"(?<![A-Za-z0-9_$])"
        m = re.search(before + re.escape(needle) + r"(?![A-Za-z0-9_])", text)
        if m is None and needle[0] == ".":
            m = re.search(re.escape("&" + needle), text)
        return m.start() if m else None
    idx = text.find(needle)
    return idx if idx >= 0 else None


def _compile_regex_on_re2(node: Any, regex: str) -> Any:
    """rule-engine's pattern compiler, replaced: it folds `"lit" =~ "pat"` while parsing, before our checks run,
    so a literal match (and the reference evaluator) runs on RE2 too, in linear time."""
    try:
        return patterns.compile_pattern(regex).for_text()  # rule-engine reads match objects over str
    except patterns.PatternRefused as exc:
        raise re_errors.RegexSyntaxError("invalid regular expression", error=exc, value=regex) from None


re_ast.FuzzyComparisonExpression._compile_regex = _compile_regex_on_re2


def _translate(exc: Exception, text: str, name: str | None) -> RuleError:
    """rule-engine's exception -> a RuleError an admin understands, located in the text when possible."""
    position: int | None = None
    if isinstance(exc, re_errors.SymbolResolutionError):
        cause = exc.__cause__
        if isinstance(cause, _Unusable):
            message = f"the field {cause.name!r} cannot be used in rules: {cause.reason}"
        elif exc.symbol_scope == "built-in":
            message = f"${exc.symbol_name} is not a known built-in"
        else:
            message = f"unknown field {exc.symbol_name!r}"
            if exc.suggestion:
                message += f" (did you mean {exc.suggestion!r}?)"
        position = _locate(text, ("$" if exc.symbol_scope == "built-in" else "") + exc.symbol_name)
    elif isinstance(exc, re_errors.ObjectAttributeError):
        message = f"the referenced form has no field {exc.attribute_name!r}"
        if getattr(exc, "suggestion", None):
            message += f" (did you mean {exc.suggestion!r}?)"
        position = _locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.AttributeResolutionError):
        message = f"unknown attribute {exc.attribute_name!r}"
        if getattr(exc, "suggestion", None):
            message += f" (did you mean {exc.suggestion!r}?)"
        position = _locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.RuleSyntaxError):
        token = exc.token
        if token is None:
            message, position = "the rule ends too early", len(text)
        else:
            message, position = f"syntax error near {str(token.value)!r}", getattr(token, "lexpos", None)
        if "illegal character" in exc.message:
            message = exc.message.replace("syntax error (", "").rstrip(")")
    elif isinstance(exc, re_errors.RegexSyntaxError):
        message = f"invalid pattern: {getattr(exc.error, 'reason', exc.error)}"
        at = text.find(exc.value) if exc.value else -1
        position = at + (getattr(exc.error, "position", None) or 0) if at >= 0 else _locate(text, ("=~", "!~"))
    elif isinstance(exc, re_errors.FunctionCallError):
        fname = getattr(exc, "function_name", None)
        message = f"${fname}(): {exc.message}" if fname else exc.message
        position = _locate(text, f"${fname}") if fname else None
    elif isinstance(exc, re_errors.EvaluationError):
        msg = exc.message
        if "data type mismatch" in msg:
            message = "the values on both sides of an operator are of different kinds" + \
                      (f" ({msg.split('(', 1)[1].rstrip(')')})" if "(" in msg else "")
        else:
            message = msg
    else:
        message = getattr(exc, "message", str(exc))
    return RuleError(message, rule=name, text=text, position=position)


# -- public entry point with a cache -----------------------------------------------------------------
class RuleCache:
    """Compiled rules keyed by (scope fingerprint, text, name, expect); LRU-bounded."""

    def __init__(self, size: int = MAX_CACHED_RULES) -> None:
        self.size = size
        self._rules: OrderedDict[tuple, CompiledRule] = OrderedDict()
        self._compilers: OrderedDict[str, Compiler] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, scope: RuleScope, name: str | None, expect: str | None) -> CompiledRule:
        key = (scope.fingerprint, text, name, expect)
        with self._lock:
            hit = self._rules.get(key)
            if hit is not None:
                self._rules.move_to_end(key)
                return hit
            compiler = self._compilers.get(scope.fingerprint)
            if compiler is None or compiler.scope is not scope:
                compiler = Compiler(scope)
                self._compilers[scope.fingerprint] = compiler
                if len(self._compilers) > 64:
                    self._compilers.popitem(last=False)
            compiled = compiler.compile(text, name=name, expect=expect)
            self._rules[key] = compiled
            if len(self._rules) > self.size:
                self._rules.popitem(last=False)
            return compiled

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._compilers.clear()


RULE_CACHE = RuleCache()


def compile_rule(text: str, scope: RuleScope, *, name: str | None = None, expect: str | None = None) -> CompiledRule:
    """Compile *text* for *scope* (cached). `expect="boolean"` for conditions; a result kind for formulas."""
    return RULE_CACHE.get(text, scope, name, expect)
