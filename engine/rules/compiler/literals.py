"""Literal values: true/false, null, numbers, texts, dates, durations and lists.

Literals are never folded into other values at compile time (see `compiler.folding`); a number literal is
rounded to the precision once, here, and both runtimes receive the same digits.
"""
from __future__ import annotations

import datetime as _dt
import decimal

from rule_engine import DataType, ast as re_ast

from .. import numbers as nums
from ..limits import MAX_ARRAY_ITEMS
from .code import SCALAR, Code, NodeCompiler, Refusal, js_str, node_compiler

UTC = _dt.timezone.utc


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
        raw = decimal.Decimal(n.value)
        if not raw.is_finite():
            raise Refusal("error.rule.compile.not_finite", ("inf", "nan"))
        try:
            value = nums.from_text(str(raw))
        except (nums.RuleEvaluationError, decimal.DecimalException):
            raise Refusal("error.rule.compile.number_range", number=str(raw)) from None
        return Code(c.env.const(value), f"rt.k({js_str(str(value))})", DataType.FLOAT, True)


@node_compiler
class StringNode(NodeCompiler):
    node = re_ast.StringExpression

    def compile(self, c, n):
        return Code(repr(n.value), js_str(n.value), DataType.STRING, True)


@node_compiler
class DatetimeNode(NodeCompiler):
    node = re_ast.DatetimeExpression

    def compile(self, c, n):
        try:
            v = nums.truncate_ms(n.value.astimezone(UTC))
        except OverflowError:
            raise Refusal("error.rule.compile.date_range") from None
        return Code(c.env.const(v), repr(nums.time_ms(v)), DataType.DATETIME, True)


@node_compiler
class TimedeltaNode(NodeCompiler):
    node = re_ast.TimedeltaExpression

    def compile(self, c, n):
        try:
            v = nums.duration_literal(n.value)
        except nums.RuleEvaluationError:
            raise Refusal("error.rule.compile.duration_range", days=f"{nums.MAX_DAYS:,}") from None
        return Code(c.env.const(v), repr(v // nums.MS), DataType.TIMEDELTA, True)


@node_compiler
class ArrayNode(NodeCompiler):
    node = re_ast.ArrayExpression

    def compile(self, c, n):
        if len(n.value) > MAX_ARRAY_ITEMS:
            raise Refusal("error.rule.compile.list_too_long", max=MAX_ARRAY_ITEMS)
        items = [c.expr(x) for x in n.value]
        kinds = {i.kind for i in items} - {"null"}
        if len(kinds) > 1:
            raise Refusal("error.rule.compile.list_mixed")
        if kinds and kinds - set(SCALAR):
            raise Refusal("error.rule.compile.list_item_kind")
        # the item type from our kinds (rule-engine's is UNDEFINED when an item came from `b ? null : 1`)
        dtype = DataType.ARRAY(next(i.dtype for i in items if i.kind in kinds)) if kinds else n.result_type
        return Code("[" + ", ".join(i.py for i in items) + "]", "[" + ", ".join(i.js for i in items) + "]",
                    dtype, True)
