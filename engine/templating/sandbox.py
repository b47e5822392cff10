"""The sandboxed Jinja environments (text and HTML) with our arithmetic limits, and the tree guards that make every
loop and ``~`` spend the render's budget."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import ChainableUndefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from engine.templating.budget import CURRENT_BUDGET, concat_guard, loop_guard, safe_range, text_size, too_long
from engine.templating.errors import RenderLimit
from engine.templating.filters import SAFE_FILTERS
from engine.templating.limits import (
    CONCAT_FILTER, LOOP_GUARD_FILTER, MAX_INT_BITS, MAX_POWER_EXPONENT, MAX_TEMPLATE_OUTPUT, SAFE_TESTS, UNSAFE_ATTRIBUTES,
)


def _finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` (output, set and filter blocks alike) passes here: its size counts against the budget."""
    if value is None:
        return ""
    budget = CURRENT_BUDGET.get()
    if budget is not None:
        budget.build(len(value) if type(value) is str else text_size(value))
    return value


class NotificationEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with our arithmetic limits and mapping-first attribute access."""

    intercepted_binops = frozenset({"*", "**", "%", "//", "+"})

    def __init__(self, autoescape: bool):
        super().__init__(autoescape=autoescape, undefined=ChainableUndefined,
                         finalize=_finalize, auto_reload=False, cache_size=0)
        self.filters = dict(SAFE_FILTERS)
        self.filters[LOOP_GUARD_FILTER] = loop_guard
        self.filters[CONCAT_FILTER] = concat_guard
        self.tests = {k: v for k, v in self.tests.items() if k in SAFE_TESTS}
        self.globals = {"range": safe_range}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_") or attr in UNSAFE_ATTRIBUTES:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Field values are dicts: a field named "items" must not become dict.items.
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise RenderLimit("error.template.limit.percent")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            too_long(text_size(left) + text_size(right), "+")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if text_size(seq) * max(times, 0) > MAX_TEMPLATE_OUTPUT:
                        raise RenderLimit("error.template.limit.repeat")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise RenderLimit("error.template.limit.number")
        if operator == "**" and isinstance(right, (int, float)) and isinstance(left, (int, float)):
            if abs(right) > MAX_POWER_EXPONENT and abs(left) > 1:
                raise RenderLimit("error.template.limit.power", max=MAX_POWER_EXPONENT)
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() * max(right, 0) > MAX_INT_BITS:
                raise RenderLimit("error.template.limit.number")
        return super().call_binop(context, operator, left, right)


ENVIRONMENTS = {"text": NotificationEnvironment(autoescape=False),
                 "html": NotificationEnvironment(autoescape=True)}



class Guards(NodeTransformer):
    """After the checks: every loop's iterable counts against the budget (with the text one pass writes), every
    ``~`` is sized before it joins."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        weight = nodes.Const(_own_text(node.body), lineno=node.iter.lineno)
        node.iter = nodes.Filter(node.iter, LOOP_GUARD_FILTER, [weight], [], None, None, lineno=node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), CONCAT_FILTER, [], [], None, None,
                            lineno=node.lineno)


def _own_text(body: list[nodes.Node]) -> int:
    """Characters of template text in a loop body, nested loops left out (they count their own)."""
    total, stack = 0, list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.TemplateData):
            total += len(node.data)
        elif not isinstance(node, nodes.For):
            stack.extend(node.iter_child_nodes())
    return total

