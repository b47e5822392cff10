"""Operators: logic, comparisons, pattern matches, arithmetic, `??`, `? :` and `in`.

The kinds of both operands are known at compile time, so each operator picks the runtime helper for its
kinds (numbers: `n_add` / `rt.nadd`; a date and a duration: `t_add` / `rt.tadd` ...). Both helpers of a pair
implement the same rule of docs/rules.md ("The value model").
"""
from __future__ import annotations

from decimal import Decimal

from rule_engine import DataType, ast as re_ast

from engine import i18n, patterns

from .. import numbers as nums
from ..limits import check_regex
from .code import SCALAR, Code, NodeCompiler, Refusal, element_kind, js_str, kind_words, node_compiler


def need_boolean(code: Code, what: str | dict) -> None:
    """Refuse a condition that is no true/false value; ``what`` names the place (an operator, or words per language)."""
    if code.kind not in ("boolean", "null"):
        raise Refusal("error.rule.compile.needs_boolean", what=what, kind=kind_words(code.kind))


@node_compiler
class LogicNode(NodeCompiler):
    node = re_ast.LogicExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        need_boolean(left, f"'{n.type}'")
        need_boolean(right, f"'{n.type}'")
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
            need_boolean(right, "'not'")
            return Code(f"(not {right.py})", f"(!{right.js})", DataType.BOOLEAN, True)
        if right.kind == "number":
            return Code(f"n_neg({right.py})", f"rt.nneg({right.js})", n.result_type, True)
        if right.kind == "timedelta":
            return Code(f"d_neg({right.py})", f"rt.dneg({right.js})", n.result_type, True)
        raise Refusal("error.rule.compile.minus_kind")


def _comparable(left: Code, right: Code, op: str) -> None:
    kinds = {left.kind, right.kind}
    if "undefined" in kinds or "unsupported" in kinds:
        raise Refusal("error.rule.compile.compare_unknown", op=op)
    if "object" in kinds and "null" not in kinds:
        raise Refusal("error.rule.compile.compare_object")
    if len(kinds - {"null"}) > 1:
        raise Refusal("error.rule.compile.never_equal", op=op, left=kind_words(left.kind), right=kind_words(right.kind))


@node_compiler
class ComparisonNode(NodeCompiler):
    node = re_ast.ComparisonExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        op = "==" if n.type == "eq" else "!="
        _comparable(left, right, op)
        literal = {left.py, right.py} & {"True", "False", "None"}
        if literal and not (left.py[:1] in "'\"" or right.py[:1] in "'\""):
            py = f"({left.py} {'is' if op == '==' else 'is not'} {right.py})"
        else:
            py = f"({left.py} {op} {right.py})"
        kinds = {left.kind, right.kind}
        if kinds & {"array", "number"}:  # decimals and lists compare by value, not by identity
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
                raise Refusal("error.rule.compile.order_kind", op=op, kind=kind_words(side.kind))
        py = f"({left.py} {op} {right.py})" if (left.nonnull or right.nonnull) else f"{n.type}({left.py}, {right.py})"
        # texts compare by code point and numbers by value: always through the runtime in JS
        return Code(py, f"rt.{n.type}({left.js}, {right.js})", DataType.BOOLEAN, True)


@node_compiler
class FuzzyComparisonNode(NodeCompiler):
    node = re_ast.FuzzyComparisonExpression

    def compile(self, c, n):
        if not isinstance(n.right, re_ast.StringExpression):
            raise Refusal("error.rule.compile.pattern_fixed")
        pattern = n.right.value
        why = check_regex(pattern)
        if why:
            raise Refusal("error.rule.compile.pattern_refused", (pattern, "=~", "!~"), why=why)
        left = c.expr(n.left)
        if left.kind not in ("text", "null"):
            raise Refusal("error.rule.compile.pattern_needs_text")
        search = n.type in ("eq_fzs", "ne_fzs")
        negate = n.type.startswith("ne")
        try:
            program = patterns.compile_pattern(pattern)  # RE2 on the server, re2js in the browser
        except patterns.PatternRefused as exc:
            raise Refusal("error.rule.compile.pattern_refused", (pattern, "=~", "!~"), why=str(exc)) from None
        rx = c.env.const(program)
        py = f"regex_{'search' if search else 'match'}({rx}, {left.py})"
        js = f"rt.regex{'Search' if search else 'Match'}(rt.re2({js_str(pattern)}), {left.js})"
        if negate:
            py, js = f"(not {py})", f"(!{js})"
        return Code(py, js, DataType.BOOLEAN, True)


_ADD = {("number", "number"): ("num(_add({a}, {b}))", "rt.nadd({a}, {b})"),
        ("text", "text"): ("s_add({a}, {b})", "rt.sadd({a}, {b})"),
        ("datetime", "timedelta"): ("t_add({a}, {b})", "rt.tadd({a}, {b})"),
        ("timedelta", "datetime"): ("t_add({b}, {a})", "rt.tadd({b}, {a})"),
        ("timedelta", "timedelta"): ("d_add({a}, {b})", "rt.dadd({a}, {b})")}
_SUB = {("number", "number"): ("num(_sub({a}, {b}))", "rt.nsub({a}, {b})"),
        ("datetime", "timedelta"): ("t_sub({a}, {b})", "rt.tsub({a}, {b})"),
        ("datetime", "datetime"): ("t_diff({a}, {b})", "rt.tdiff({a}, {b})"),
        ("timedelta", "timedelta"): ("d_sub({a}, {b})", "rt.dsub({a}, {b})")}


_RESULT = {("number", "number"): DataType.FLOAT, ("text", "text"): DataType.STRING,
           ("datetime", "timedelta"): DataType.DATETIME, ("timedelta", "datetime"): DataType.DATETIME,
           ("timedelta", "timedelta"): DataType.TIMEDELTA}


def _literal_number(c, code: Code) -> Decimal | None:
    value = c.env.consts.get(code.py)
    return value if type(value) is Decimal else None


def _with_literal(c, op: str, left: Code, right: Code) -> str | None:
    """Python for `a op k` / `k op a` with a number literal k: one bound call (numbers.with_literal); the JS is
    unchanged, so both sides still compute the same decimal operation."""
    k_right, k_left = _literal_number(c, right), _literal_number(c, left)
    if k_right is not None:
        return f"{c.env.const(nums.with_literal(op, k_right, False))}({left.py})"
    if k_left is not None:
        return f"{c.env.const(nums.with_literal(op, k_left, True))}({right.py})"
    return None


def _binary(c, table: dict, op: str, left: Code, right: Code, dtype) -> Code:
    pair = table.get((left.kind, right.kind))
    if pair is None:
        raise Refusal("error.rule.compile.cannot_combine", op=op, left=kind_words(left.kind), right=kind_words(right.kind))
    py_t, js_t = pair
    if (left.kind, right.kind) == ("datetime", "datetime"):
        result = DataType.TIMEDELTA
    else:  # from our kinds: rule-engine's type is UNDEFINED when a side came from `b ? null : 1`
        result = _RESULT[(left.kind, right.kind)]
    py = (_with_literal(c, "add" if op == "+" else "sub", left, right) if (left.kind, right.kind) == ("number", "number")
          else None) or py_t.format(a=left.py, b=right.py)
    return Code(py, js_t.format(a=left.js, b=right.js), result, True)


@node_compiler
class AddNode(NodeCompiler):
    node = re_ast.AddExpression

    def compile(self, c, n):
        return _binary(c, _ADD, "+", c.expr(n.left), c.expr(n.right), n.result_type)


@node_compiler
class SubtractNode(NodeCompiler):
    node = re_ast.SubtractExpression

    def compile(self, c, n):
        return _binary(c, _SUB, "-", c.expr(n.left), c.expr(n.right), n.result_type)


_ARITH = {"mul": ("num(_mul", "rt.nmul"), "tdiv": ("num(_div", "rt.ndiv"), "mod": ("n_mod", "rt.nmod"),
          "fdiv": ("n_fdiv", "rt.nfdiv"), "pow": ("n_pow", "rt.npow")}


@node_compiler
class ArithmeticNode(NodeCompiler):
    node = re_ast.ArithmeticExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        for side in (left, right):
            if side.kind != "number":
                raise Refusal("error.rule.compile.arithmetic_kind", kind=kind_words(side.kind))
        py_f, js_f = _ARITH[n.type]
        py = f"{py_f}({left.py}, {right.py})" + (")" if py_f.startswith("num(") else "")
        if n.type in ("mul", "tdiv"):
            py = _with_literal(c, "mul" if n.type == "mul" else "div", left, right) or py
        return Code(py, f"{js_f}({left.js}, {right.js})", DataType.FLOAT, True)


@node_compiler
class CoalesceNode(NodeCompiler):
    node = re_ast.CoalesceExpression

    def compile(self, c, n):
        left, right = c.expr(n.left), c.expr(n.right)
        if "null" not in (left.kind, right.kind) and left.kind != right.kind:
            raise Refusal("error.rule.compile.coalesce_mixed", left=kind_words(left.kind), right=kind_words(right.kind))
        dtype = left.dtype if left.kind != "null" else right.dtype
        if left.nonnull:  # a literal or a value that is never null: the right side is never used
            return Code(left.py, left.js, dtype, True, path=left.path)
        c.env.js_temps += 1
        t = f"t{c.env.js_temps}"
        return Code(f"(_{t} if (_{t} := {left.py}) is not None else {right.py})",
                    f"(({t} = {left.js}) !== null ? {t} : {right.js})", dtype, right.nonnull)


@node_compiler
class TernaryNode(NodeCompiler):
    node = re_ast.TernaryExpression

    def compile(self, c, n):
        cond, yes, no = c.expr(n.condition), c.expr(n.case_true), c.expr(n.case_false)
        need_boolean(cond, i18n.texts("error.rule.part.ternary_condition"))
        if "null" not in (yes.kind, no.kind) and yes.kind != no.kind:
            raise Refusal("error.rule.compile.ternary_mixed", yes=kind_words(yes.kind), no=kind_words(no.kind))
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
            if ek not in SCALAR and ek not in ("null", "undefined"):
                raise Refusal("error.rule.compile.in_list_kind")
            if member.kind not in ("null", ek) and ek not in ("null", "undefined"):
                raise Refusal("error.rule.compile.in_member_kind", member=kind_words(member.kind), items=kind_words(ek))
        elif container.kind != "text":
            raise Refusal("error.rule.compile.in_container", kind=kind_words(container.kind))
        return Code(f"({member.py} in {container.py})", f"rt.within({member.js}, {container.js})",
                    DataType.BOOLEAN, True)
