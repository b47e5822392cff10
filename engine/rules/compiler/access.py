"""Reading values: fields, `$` built-ins, attributes and methods, calls, items, slices and `for` lists.

Field ids are looked up as own properties only (`rt.own`, `rt.getField`): a field id such as `constructor` or
`__proto__` never reads JavaScript object internals.
"""
from __future__ import annotations

import decimal
import re

from rule_engine import DataType, ast as re_ast

from engine import i18n

from .. import functions as fns
from ..limits import MAX_COMPREHENSION_DEPTH
from .code import SCALAR, Code, NodeCompiler, Refusal, element_kind, js_str, kind_words, node_compiler
from .operators import need_boolean

@node_compiler
class SymbolNode(NodeCompiler):
    node = re_ast.SymbolExpression

    def compile(self, c, n):
        if n.scope == "built-in":
            value = fns.BUILTIN_VALUES.get(n.name)
            if value is None:
                if n.name in fns.FUNCTIONS:
                    raise Refusal("error.rule.compile.call_function", "$" + n.name, name=n.name)
                raise Refusal("error.rule.compile.builtin_unavailable", "$" + n.name, name=n.name)
            return Code(value.py, value.js, value.data_type, n.name != "user_id")
        for frame in reversed(c.env.locals):
            if n.name in frame:
                return frame[n.name]
        info = c.env.scope.get(n.name)
        if info is None:  # rule-engine already refused unknown names; defensive
            raise Refusal("error.rule.compile.unknown_field", n.name, name=n.name)
        raw = f"values.get({info.id!r})"
        py, js = info.kind.read(info, raw, f"rt.own(values, {js_str(info.id)})")
        if py == f"cv_number({raw})":  # a stored double read before: one look-up, no call (numbers.DOUBLES)
            t = c.env.py_temp()
            py = f"((_DOUBLES.get({t}) or cv_number({t})) if type({t} := {raw}) is float else cv_number({t}))"
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
            raw_js = f"rt.getField({obj.js}, {js_str(info.id)}, {'true' if n.safe else 'false'})"
            py, js = info.kind.read(info, raw_py, raw_js)
            path = f"{obj.path}.{info.id}" if obj.path else None
            if path:
                c.env.fields_used.add(path)
            return Code(py, js, n.result_type, False, path=path)
        attr = fns.ATTRIBUTES.get(n.name)
        if attr is None or obj.kind not in attr.kinds:
            raise Refusal("error.rule.compile.no_attribute", "." + n.name, kind=kind_words(obj.kind), name=n.name)
        if attr.method:
            raise Refusal("error.rule.compile.must_call", "." + n.name, name=n.name)
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
                raise Refusal("error.rule.compile.function_unavailable", "$" + f.name, name=f.name)
            args = [c.expr(a) for a in n.arguments]
            if fn.check:
                why = fn.check([f"{a.kind}:{element_kind(a.dtype)}" if a.kind == "array" else a.kind for a in args])
                if why:
                    raise Refusal(why, "$" + f.name, name=f.name)
            return Code(f"{fn.py}({', '.join(a.py for a in args)})", f"{fn.js}({', '.join(a.js for a in args)})",
                        n.result_type, True)
        if isinstance(f, re_ast.GetAttributeExpression):
            attr = fns.ATTRIBUTES.get(f.name)
            obj = c.expr(f.object)
            if attr is None or not attr.method or obj.kind not in attr.kinds:
                raise Refusal("error.rule.compile.no_method", "." + f.name, kind=kind_words(obj.kind), name=f.name)
            args = [c.expr(a) for a in n.arguments]
            if len(args) != 1:
                raise Refusal("error.rule.compile.one_argument", "." + f.name, name=f.name)
            return Code(f"{attr.py}({obj.py}, {args[0].py})", f"{attr.js}({obj.js}, {args[0].js})", n.result_type, True)
        raise Refusal("error.rule.compile.not_callable")



_NUMBER = re.compile(r"(-\s*)?(?<![A-Za-z0-9_.])(\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?")


def refuse_fraction(c, node, opener: str) -> None:
    """A position written as a number that is not whole (``name[1.5]``, ``name[:-2.5]``) is refused when the rule is
    compiled (as rule-engine refuses ``name['a']``), pointing at the number after *opener* (``[`` or ``:``); it is
    not left to fail each time the rule runs (``error.eval.index_whole`` in Python and in the browser's runtime.js)."""
    literal = node.right if isinstance(node, re_ast.UnaryExpression) else node
    if not isinstance(literal, re_ast.FloatExpression):
        return
    value = decimal.Decimal(literal.value)
    if not value.is_finite() or value == value.to_integral_value():
        return
    position = None
    for m in _NUMBER.finditer(c.text):
        try:
            same = abs(decimal.Decimal(m.group(0).replace("_", "").replace(" ", ""))) == abs(value)
        except decimal.DecimalException:
            continue
        if same and c.text[:m.start()].rstrip().endswith(opener):
            position = m.start()
            break
    raise Refusal("error.rule.compile.needs_whole_number", position)


@node_compiler
class GetItemNode(NodeCompiler):
    node = re_ast.GetItemExpression

    def compile(self, c, n):
        refuse_fraction(c, n.item, "[")
        container, index = c.expr(n.container), c.expr(n.item)
        if container.kind not in ("text", "array") or index.kind != "number":
            raise Refusal("error.rule.compile.item_needs_sequence")
        safe = "true" if n.safe else "false"
        return Code(f"item({container.py}, {index.py}, {n.safe})", f"rt.item({container.js}, {index.js}, {safe})",
                    n.result_type, False, path=container.path)


@node_compiler
class GetSliceNode(NodeCompiler):
    node = re_ast.GetSliceExpression

    def compile(self, c, n):
        refuse_fraction(c, n.start, "[")
        refuse_fraction(c, n.stop, ":")
        container, start, stop = c.expr(n.container), c.expr(n.start), c.expr(n.stop)
        if container.kind not in ("text", "array"):
            raise Refusal("error.rule.compile.slice_needs_sequence")
        safe = "true" if n.safe else "false"
        return Code(f"slice_({container.py}, {start.py}, {stop.py}, {n.safe})",
                    f"rt.slice({container.js}, {start.js}, {stop.js}, {safe})", n.result_type, not n.safe)


@node_compiler
class ComprehensionNode(NodeCompiler):
    node = re_ast.ComprehensionExpression

    def compile(self, c, n):
        env = c.env
        if env.comprehension_depth >= MAX_COMPREHENSION_DEPTH:
            raise Refusal("error.rule.compile.comprehension_depth", max=MAX_COMPREHENSION_DEPTH)
        iterable = c.expr(n.iterable)
        if iterable.kind != "array":
            raise Refusal("error.rule.compile.for_needs_list")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n.variable):
            raise Refusal("error.rule.compile.bad_variable")
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
            need_boolean(cond, i18n.texts("error.rule.part.list_if"))
        if result.kind not in SCALAR + ("null",):
            raise Refusal("error.rule.compile.for_item_kind")
        # the list is walked inside a lambda: Python refuses `:=` (used by `??` and field reads) in a comprehension's
        # iterable, and here the iterable is the lambda's argument
        py = (f"(lambda _it: [{result.py} for {var.py} in _it" + (f" if {cond.py}])" if cond else "])")
              + f"(iterate({iterable.py}))")
        js = f"rt.iter({iterable.js})"
        if cond:
            js += f".filter(function ({var.js}) {{ return {cond.js}; }})"
        js += f".map(function ({var.js}) {{ return {result.js}; }})"
        dtype = DataType.ARRAY(result.dtype) if result.kind in SCALAR else n.result_type  # our kinds, not UNDEFINED
        return Code(py, js, dtype, True)
