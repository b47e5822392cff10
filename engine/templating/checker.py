"""The static checker: walks a parsed template and refuses unknown variables and paths, unsafe attributes, filters
outside the safe list and forbidden statements, each with its line."""
from __future__ import annotations

from typing import Any

from jinja2 import nodes

from engine import i18n

from engine.templating.errors import RenderLimit
from engine.templating.filters import SAFE_FILTERS, cached_zone
from engine.templating.limits import (
    FORBIDDEN_STATEMENTS, MAX_DATE_FORMAT_LENGTH, MAX_NESTING_DEPTH, SAFE_CALLS, SAFE_TESTS, UNSAFE_ATTRIBUTES,
)
from engine.templating.scope import ANY, BOOLEAN, LOOP, NUMBER, TEXT, VALUE, ScopeNode, VariableScope

class Refused(Exception):
    """A refused template construct: its line, and its message by a catalogue key of engine/translations with its
    values, ``code`` + ``params``, so the author reads it in their language."""

    def __init__(self, node: nodes.Node | None, *, code: str, **params: Any):
        message = i18n.render(code, i18n.DEFAULT_LOCALE, params)
        super().__init__(message)
        self.line = getattr(node, "lineno", None)
        self.message = message
        self.message_code = code
        self.params = params


def _what(path: str | None) -> Any:
    """What a message is about: the quoted path, or "this value" in each language."""
    return f"'{path}'" if path else {"en": "this value", "zh-CN": "此值"}


class Checker:
    """Walks a parsed template: every name, path, filter and call is checked."""

    def __init__(self, scope: VariableScope):
        self.scope = scope
        self.used: set[str] = set()

    # statements -------------------------------------------------------
    def run(self, tree: nodes.Template) -> None:
        self.block(tree.body, {})

    def block(self, body: list[nodes.Node], env: dict) -> None:
        for node in body:
            self.stmt(node, env)

    def stmt(self, node: nodes.Node, env: dict) -> None:
        for kind, why in FORBIDDEN_STATEMENTS.items():
            if isinstance(node, kind):
                raise Refused(node, code=why)
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expr(child, env, 0)
        elif isinstance(node, nodes.If):
            self.expr(node.test, env, 0)
            self.block(node.body, dict(env))
            for elif_ in node.elif_:
                self.stmt(elif_, env)
            self.block(node.else_, dict(env))
        elif isinstance(node, nodes.For):
            if node.recursive:
                raise Refused(node, code="error.template.recursive_loop")
            source, path = self.expr(node.iter, env, 0)
            item = source.item if source.kind == "list" else (ANY if source.kind == "any" else VALUE)
            inner = dict(env)
            self.bind(node.target, inner, item, f"{path}" if path else None)
            inner["loop"] = (LOOP, None)
            if node.test is not None:
                self.expr(node.test, inner, 0)
            self.block(node.body, inner)
            self.block(node.else_, dict(env))
        elif isinstance(node, nodes.Assign):
            value = self.expr(node.node, env, 0)
            self.bind(node.target, env, *value)
        elif isinstance(node, nodes.AssignBlock):
            inner = dict(env)
            self.block(node.body, inner)
            if node.filter is not None:
                self.filter(node.filter, inner, 0)
            self.bind(node.target, env, TEXT, None)
        elif isinstance(node, nodes.With):
            inner = dict(env)
            for target, value in zip(node.targets, node.values):
                self.bind(target, inner, *self.expr(value, env, 0))
            self.block(node.body, inner)
        elif isinstance(node, nodes.FilterBlock):
            self.block(node.body, dict(env))
            self.filter(node.filter, env, 0)
        else:
            raise Refused(node, code="error.template.unsupported", construct=repr(type(node).__name__))

    def bind(self, target: nodes.Node, env: dict, node: ScopeNode, path: str | None) -> None:
        if isinstance(target, nodes.Name):
            if target.name.startswith("_"):
                raise Refused(target, code="error.template.underscore_name")
            env[target.name] = (node, path)
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, env, ANY, None)
        else:
            raise Refused(target, code="error.template.assignment")

    # expressions ------------------------------------------------------
    def expr(self, node: nodes.Node, env: dict, depth: int) -> tuple[ScopeNode, str | None]:
        if depth > MAX_NESTING_DEPTH:
            raise Refused(node, code="error.template.too_deep")
        depth += 1
        if isinstance(node, nodes.Name):
            return self.name(node, env)
        if isinstance(node, nodes.Getattr):
            base = self.expr(node.node, env, depth)
            return self.attribute(node, base, node.attr)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, env, depth)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.attribute(node, base, node.arg.value)
            if isinstance(node.arg, nodes.Slice):
                for part in (node.arg.start, node.arg.stop, node.arg.step):
                    if part is not None:
                        self.expr(part, env, depth)
                return base[0], base[1]
            self.expr(node.arg, env, depth)
            kind, path = base
            if kind.kind == "list":
                return kind.item, path
            if kind.kind in ("any", "text", "value"):
                return (ANY if kind.kind == "any" else VALUE), None
            raise Refused(node, code="error.template.not_indexable", what=_what(path))
        if isinstance(node, nodes.Const):
            if isinstance(node.value, str):
                return TEXT, None
            return VALUE, None
        if isinstance(node, nodes.TemplateData):
            return TEXT, None
        if isinstance(node, nodes.Filter):
            return self.filter(node, env, depth)
        if isinstance(node, nodes.Test):
            if node.name not in SAFE_TESTS:
                raise Refused(node, code="error.template.unknown_test", name=node.name)
            self.expr(node.node, env, depth)
            self.arguments(node, env, depth)
            return BOOLEAN, None
        if isinstance(node, nodes.Call):
            if not (isinstance(node.node, nodes.Name) and node.node.name in SAFE_CALLS
                    and node.node.name not in env):
                raise Refused(node, code="error.template.no_calls")
            self.arguments(node, env, depth)
            return ScopeNode("list", item=NUMBER), None
        if isinstance(node, (nodes.List, nodes.Tuple)):
            for item in node.items:
                self.expr(item, env, depth)
            return ScopeNode("list", item=ANY), None
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                self.expr(pair.key, env, depth)
                self.expr(pair.value, env, depth)
            return ANY, None
        if isinstance(node, nodes.CondExpr):
            self.expr(node.test, env, depth)
            first = self.expr(node.expr1, env, depth)
            if node.expr2 is not None:
                self.expr(node.expr2, env, depth)
            return first[0], None
        if isinstance(node, nodes.Compare):
            self.expr(node.expr, env, depth)
            for op in node.ops:
                self.expr(op.expr, env, depth)
            return BOOLEAN, None
        if isinstance(node, nodes.BinExpr):
            self.expr(node.left, env, depth)
            self.expr(node.right, env, depth)
            return VALUE, None
        if isinstance(node, nodes.UnaryExpr):
            self.expr(node.node, env, depth)
            return VALUE, None
        if isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.expr(child, env, depth)
            return TEXT, None
        raise Refused(node, code="error.template.unsupported", construct=repr(type(node).__name__))

    def name(self, node: nodes.Name, env: dict) -> tuple[ScopeNode, str | None]:
        if node.name.startswith("_"):
            raise Refused(node, code="error.template.underscore_name")
        if node.name in env:
            found, path = env[node.name]
            if path:
                self.used.add(path)
            return found, path
        if node.name in self.scope.roots:
            self.used.add(node.name)
            return self.scope.roots[node.name], node.name
        if node.name in SAFE_CALLS:
            raise Refused(node, code="error.template.must_call", name=node.name)
        roots = ", ".join(sorted(self.scope.roots))
        raise Refused(node, code="error.template.unknown_variable", name=node.name, available=roots)

    def attribute(self, node: nodes.Node, base: tuple[ScopeNode, str | None], attr: str):
        if attr.startswith("_") or attr in UNSAFE_ATTRIBUTES:
            raise Refused(node, code="error.template.not_allowed_name", name=attr)
        kind, path = base
        new_path = f"{path}.{attr}" if path else None
        if kind.kind == "object":
            child = (kind.children or {}).get(attr)
            if child is None:
                known = ", ".join(sorted(kind.children or {}))
                raise Refused(node, code="error.template.no_field", what=_what(path), attr=attr, available=known)
            if new_path:
                self.used.discard(path)
                self.used.add(new_path)
            return child, new_path
        if kind.kind == "list":
            raise Refused(node, code="error.template.is_list", what=_what(path), attr=attr)
        if kind.kind == "any":
            return ANY, None
        raise Refused(node, code="error.template.no_attribute", what=_what(path), kind=i18n.texts(f"error.template.value_kind.{kind.kind}"), attr=attr)

    def arguments(self, node, env: dict, depth: int) -> None:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise Refused(node, code="error.template.star_args")
        for arg in node.args:
            self.expr(arg, env, depth)
        for kw in node.kwargs:
            if kw.key == "attribute":
                if not isinstance(kw.value, nodes.Const) or not isinstance(kw.value.value, str):
                    raise Refused(node, code="error.template.attribute_argument")
                for part in kw.value.value.split("."):
                    if part.startswith("_") or part in UNSAFE_ATTRIBUTES:
                        raise Refused(node, code="error.template.not_allowed_name", name=part)
            self.expr(kw.value, env, depth)

    def filter(self, node: nodes.Filter, env: dict, depth: int) -> tuple[ScopeNode, str | None]:
        if node.name not in SAFE_FILTERS:
            raise Refused(node, code="error.template.unknown_filter", name=node.name, available=", ".join(sorted(SAFE_FILTERS)))
        base: tuple[ScopeNode, str | None] = (TEXT, None)
        if node.node is not None:
            base = self.expr(node.node, env, depth)
        self.arguments(node, env, depth)
        if node.name in ("datetime", "date"):
            self.check_date_arguments(node)
            return TEXT, None
        if node.name in ("first", "last") and base[0].kind == "list":
            return base[0].item, base[1]
        if node.name in ("default", "d"):
            return base
        if node.name in ("sort", "unique", "reverse", "list"):
            return (base[0] if base[0].kind == "list" else ScopeNode("list", item=ANY)), base[1]
        return VALUE, None

    @staticmethod
    def check_date_arguments(node: nodes.Filter) -> None:
        args = list(node.args) + [kw.value for kw in node.kwargs]
        if len(args) >= 1 and isinstance(args[0], nodes.Const):
            fmt = args[0].value
            if not isinstance(fmt, str) or len(fmt) > MAX_DATE_FORMAT_LENGTH:
                raise Refused(node, code="error.template.date_format", max=MAX_DATE_FORMAT_LENGTH)
        if len(args) >= 2 and isinstance(args[1], nodes.Const) and args[1].value is not None:
            try:
                cached_zone(args[1].value)
            except RenderLimit as exc:
                raise Refused(node, code=exc.message_code, **exc.params) from None

