"""Notification templates: compile once, render safely many times.

Owns the sandboxed Jinja dialect business admins write notification
templates in. ``compile_template`` parses a template once, at save or
publish time, and refuses what it can recognise as a problem: unknown
variables or attribute paths (checked against a ``VariableScope`` built from
the form's fields), sandbox escape attempts, filters outside a small safe
list, imports/includes/macros. What compiles is then rendered inside
``jinja2.sandbox.ImmutableSandboxedEnvironment`` with bounded output, loop
iterations, ranges and arithmetic. Every render has a budget: wall-clock
time (``MAX_RENDER_SECONDS``, checked cooperatively at every loop step,
filter, concatenation and output), characters built in all
(``MAX_TEMPLATE_BUILT``: output, set blocks and loop text) and text any one
filter, ``~``, ``+`` or ``*`` may make (``MAX_TEMPLATE_OUTPUT``, checked
before the text is made where it can be). Every problem is a ``TemplateError``
carrying the template name, the line and a message an admin understands.

The render-time data shape: ``{"record": {<field name>: value, "id": ...},
"owner": <user>, "user": <user>, "workspace": {"id", "name"}, "now": aware
datetime, "link": str}`` where a user is ``{"id", "name", "email", "phone",
"tz", "manager": <user>}`` and a reference value is the referenced record's
dict (field names plus ``id`` and ``title``).

The review lifecycle of a template (draft -> submitted -> approved ->
published) lives in ``engine.notifications.lifecycle`` and is re-exported
here as ``TemplateState`` / ``transition``.
"""
from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import ChainableUndefined, TemplateSyntaxError, meta, nodes, pass_context, pass_eval_context
from jinja2 import filters as jinja_filters
from jinja2.exceptions import SecurityError
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from engine.errors import ErrorItem, ValidationFailed
from engine.notifications.lifecycle import (  # re-exported: part of this module's API
    Actor, LifecycleError, TemplateState, transition,
)

__all__ = [
    "TemplateError", "VariableScope", "ScopeNode", "CompiledTemplate", "compile_template",
    "TemplateState", "transition", "Actor", "LifecycleError",
    "MAX_TEMPLATE_LENGTH", "MAX_TEMPLATE_OUTPUT", "MAX_RANGE", "MAX_LOOP_ITERATIONS",
    "MAX_RENDER_SECONDS", "MAX_TEMPLATE_BUILT",
]

#: Longest template source accepted, in characters.
MAX_TEMPLATE_LENGTH = 20_000
#: Longest rendered output, in characters; rendering stops beyond it. Also the longest text one filter, ``~``, ``+``
#: or ``*`` may make.
MAX_TEMPLATE_OUTPUT = 100_000
#: Most characters one render may build in all: output, set blocks, filter blocks, each loop pass's text.
MAX_TEMPLATE_BUILT = 1_000_000
#: Wall-clock seconds one render may take (checked at every loop step, filter, concatenation and output).
MAX_RENDER_SECONDS = 0.5
#: Most numbers ``range()`` may produce in a template.
MAX_RANGE = 1_000
#: Most loop iterations (all loops together) in one render.
MAX_LOOP_ITERATIONS = 10_000
#: Largest exponent allowed in ``a ** b``.
MAX_POWER_EXPONENT = 64
#: Largest integer size, in bits, that ``*`` and ``**`` may produce.
MAX_INT_BITS = 1_024
#: Deepest expression nesting accepted (guards the compiler's recursion).
MAX_NESTING_DEPTH = 60
#: How many reference hops a template may follow (record.customer.owner...).
MAX_REFERENCE_DEPTH = 2
#: How many manager hops a template may follow (owner.manager.manager...).
MAX_MANAGER_DEPTH = 2
#: Longest strftime format accepted by the ``datetime`` / ``date`` filters.
MAX_DATE_FORMAT_LENGTH = 64

#: Attribute names never allowed, whatever the object (sandbox escape vectors).
UNSAFE_ATTRIBUTES = frozenset({
    "mro", "globals", "func_globals", "f_globals", "f_locals", "f_builtins", "gi_frame",
    "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame", "format",
    "format_map", "func_code", "im_class", "im_func", "im_self", "func_closure",
    "subclasses", "builtins", "import", "module", "modules", "os", "sys", "eval", "exec",
})
#: Statements a notification template may not use, and why.
FORBIDDEN_STATEMENTS = {
    nodes.Import: "importing other templates is not allowed",
    nodes.FromImport: "importing other templates is not allowed",
    nodes.Include: "including other templates is not allowed",
    nodes.Extends: "extending other templates is not allowed",
    nodes.Macro: "macros are not allowed",
    nodes.CallBlock: "call blocks are not allowed",
    nodes.Block: "blocks are not allowed",
    nodes.Scope: "changing autoescaping is not allowed",
    nodes.ScopedEvalContextModifier: "changing autoescaping is not allowed",
    nodes.EvalContextModifier: "changing autoescaping is not allowed",
}
#: Jinja tests allowed in ``{% if x is ... %}``.
SAFE_TESTS = frozenset({
    "defined", "undefined", "none", "number", "string", "boolean", "true", "false",
    "even", "odd", "divisibleby", "eq", "ne", "lt", "gt", "le", "ge", "in",
    "equalto", "lessthan", "greaterthan", "sequence", "mapping", "iterable",
})
#: Functions a template may call.
SAFE_CALLS = frozenset({"range"})

UTC = timezone.utc
_LOOP_GUARD_FILTER = "_formflow_loop_guard"
_CONCAT_FILTER = "_formflow_concat"
_TZ_KEY = "__formflow_tz__"


# ------------------------------------------------------------------ errors

class TemplateError(ValidationFailed):
    """A template problem: which template, which line, what is wrong."""

    code = "template_invalid"

    def __init__(self, template: str, line: int | None, message: str):
        item = ErrorItem(message, path=f"/templates/{template}", code="template_invalid",
                         extra={"line": line} if line else {})
        super().__init__(message, [item], template=template, line=line)
        self.template = template
        self.line = line

    def __str__(self) -> str:
        where = f"template {self.template!r}"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"template": self.template, "line": self.line, "message": self.message}


class _RenderLimit(Exception):
    """Raised inside a render when a safety limit is hit."""


# ------------------------------------------------------------------ scope

@dataclass(frozen=True)
class ScopeNode:
    """What a template may do with a variable.

    ``kind`` is ``object`` (has ``children``), ``list`` (has ``item``),
    ``any`` (opaque object: any safe attribute) or a leaf value kind
    (``text``, ``number``, ``datetime``, ``date``, ``boolean``, ``value``).
    """

    kind: str
    children: Mapping[str, "ScopeNode"] | None = None
    item: "ScopeNode | None" = None
    label: str = ""

    @property
    def is_leaf(self) -> bool:
        return self.kind not in ("object", "list", "any")


_TEXT = ScopeNode("text")
_NUMBER = ScopeNode("number")
_DATETIME = ScopeNode("datetime")
_DATE = ScopeNode("date")
_BOOLEAN = ScopeNode("boolean")
_VALUE = ScopeNode("value")
_ANY = ScopeNode("any")
_LOOP = ScopeNode("object", {
    name: _NUMBER for name in ("index", "index0", "revindex", "revindex0", "length", "depth", "depth0")
} | {"first": _BOOLEAN, "last": _BOOLEAN, "previtem": _ANY, "nextitem": _ANY}, label="loop")

#: Leaf kind of each field type (docs/definitions.md); object-like types are built below.
FIELD_TYPE_KINDS = {
    "text": _TEXT, "textarea": _TEXT, "phone": _TEXT, "email": _TEXT, "url": _TEXT,
    "serial": _TEXT, "select": _TEXT, "number": _NUMBER, "money": _NUMBER,
    "date": _DATE, "datetime": _DATETIME, "boolean": _BOOLEAN, "rollup": _VALUE,
}
_COMPUTED_KINDS = {"number": _NUMBER, "text": _TEXT, "date": _DATE,
                   "datetime": _DATETIME, "boolean": _BOOLEAN}
_ATTACHMENT = ScopeNode("object", {"id": _NUMBER, "name": _TEXT, "url": _TEXT, "size": _NUMBER})


def user_node(manager_depth: int = MAX_MANAGER_DEPTH) -> ScopeNode:
    """The shape of a user variable (owner, user, a user field)."""
    children = {"id": _NUMBER, "name": _TEXT, "email": _TEXT, "phone": _TEXT, "tz": _TEXT}
    if manager_depth > 0:
        children["manager"] = user_node(manager_depth - 1)
    return ScopeNode("object", children, label="user")


_WORKSPACE = ScopeNode("object", {"id": _NUMBER, "name": _TEXT}, label="workspace")
#: Variables every template has besides ``record``.
FIXED_ROOTS = {
    "owner": user_node(), "user": user_node(), "workspace": _WORKSPACE,
    "now": _DATETIME, "link": _TEXT,
}


def _field_node(fld: Mapping, resolve_form: Callable[[str], Any] | None, depth: int) -> ScopeNode:
    ftype = fld.get("type")
    opts = fld.get("options") or {}
    multiple = bool(opts.get("multiple"))
    label = fld.get("name") or fld.get("id") or ""
    if ftype in FIELD_TYPE_KINDS:
        node = FIELD_TYPE_KINDS[ftype]
    elif ftype == "computed":
        node = _COMPUTED_KINDS.get(opts.get("result_type"), _VALUE)
    elif ftype == "multiselect":
        return ScopeNode("list", item=_TEXT, label=label)
    elif ftype == "user":
        node = user_node(1)
    elif ftype == "attachment":
        node = _ATTACHMENT
    elif ftype == "subtable":
        node = _record_node(opts.get("fields") or [], resolve_form, depth, system=False)
        return ScopeNode("list", item=node, label=label)
    elif ftype == "reference":
        target = opts.get("form")
        target_fields = resolve_form(target) if (resolve_form and target and depth > 0) else None
        if isinstance(target_fields, Mapping):  # a whole form definition was given
            target_fields = target_fields.get("fields")
        if target_fields is None:
            node = ScopeNode("object", {"id": _NUMBER, "title": _TEXT}, label=label)
        else:
            node = _record_node(target_fields, resolve_form, depth - 1)
    else:
        node = _VALUE
    return ScopeNode("list", item=node, label=label) if multiple else node


def _record_node(fields: Iterable[Mapping], resolve_form, depth: int, *, system: bool = True) -> ScopeNode:
    children: dict[str, ScopeNode] = {}
    if system:
        children.update({"id": _NUMBER, "title": _TEXT, "created_at": _DATETIME, "updated_at": _DATETIME})
    for fld in fields:
        if fld.get("deleted"):
            continue
        name = fld.get("name") or fld.get("id")
        if name:
            children[name] = _field_node(fld, resolve_form, depth)
    return ScopeNode("object", children, label="record")


@dataclass(frozen=True)
class VariableScope:
    """The variables a template may use: named roots, each a ``ScopeNode`` tree."""

    roots: Mapping[str, ScopeNode]

    @classmethod
    def from_fields(cls, fields: Iterable[Mapping],
                    resolve_form: Callable[[str], Iterable[Mapping] | None] | None = None,
                    ) -> "VariableScope":
        """Scope for a form: ``record.<field name>`` plus the fixed roots.

        ``resolve_form(form_key)`` returns the field list (or the whole form
        definition) of a referenced form, or None; without it, reference fields expose only ``id`` and
        ``title``.
        """
        record = _record_node(list(fields), resolve_form, MAX_REFERENCE_DEPTH)
        return cls({"record": record, **FIXED_ROOTS})

    def with_root(self, name: str, node: ScopeNode) -> "VariableScope":
        return VariableScope({**self.roots, name: node})


# ------------------------------------------------------------------ filters

def _zone(tz: str | None, default: str | None = None) -> ZoneInfo:
    name = tz or default or "UTC"
    return _cached_zone(name)


@lru_cache(maxsize=256)
def _cached_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise _RenderLimit(f"unknown time zone {name!r}") from None


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _RenderLimit("a date and time without a time zone cannot be shown")
        return value
    if isinstance(value, str) and value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _RenderLimit(f"{value[:40]!r} is not a date and time") from None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def _check_format(fmt: Any) -> str:
    if not isinstance(fmt, str) or len(fmt) > MAX_DATE_FORMAT_LENGTH:
        raise _RenderLimit(f"date format must be text of at most {MAX_DATE_FORMAT_LENGTH} characters")
    return fmt


@pass_context
def datetime_filter(context, value: Any, fmt: str = "%Y-%m-%d %H:%M", tz: str | None = None) -> str:
    """``{{ record.due|datetime("%m-%d %H:%M", "Asia/Shanghai") }}``; tz defaults to the recipient's."""
    if value is None or isinstance(value, ChainableUndefined):
        return ""
    dt = _as_datetime(value)
    if dt is None:
        return ""
    return dt.astimezone(_zone(tz, context.get(_TZ_KEY))).strftime(_check_format(fmt))


@pass_context
def date_filter(context, value: Any, fmt: str = "%Y-%m-%d", tz: str | None = None) -> str:
    """``{{ record.birthday|date("%d/%m") }}``; datetimes are first moved to tz."""
    if value is None or isinstance(value, ChainableUndefined):
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime(_check_format(fmt))
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime(_check_format(fmt))
        except ValueError:
            raise _RenderLimit(f"{value!r} is not a date") from None
    dt = _as_datetime(value)
    if dt is None:
        return ""
    return dt.astimezone(_zone(tz, context.get(_TZ_KEY))).date().strftime(_check_format(fmt))


def _replace_filter(eval_ctx_value, old, new, count=None):
    text = str(eval_ctx_value)
    old, new = str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if len(text) + hits * max(0, len(new) - len(old)) > MAX_TEMPLATE_OUTPUT:
        raise _RenderLimit("replace would make the text too long")
    return text.replace(old, new, -1 if count is None else count)


def _text_size(value: Any, limit: int = MAX_TEMPLATE_BUILT) -> int:
    """About how many characters ``str(value)`` makes, counted without making it (stops counting past ``limit``)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, Mapping)):
        total = 2
        for item in (value.items() if isinstance(value, Mapping) else value):
            total += _text_size(item, limit) + 2
            if total > limit:
                break
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() * 30103 // 100000 + 2  # log10(2): digits, sign
    return 32


def _too_long(size: int, what: str) -> None:
    if size > MAX_TEMPLATE_OUTPUT:
        raise _RenderLimit(f"{what} would make text longer than {MAX_TEMPLATE_OUTPUT} characters")


@pass_eval_context
def _join_filter(eval_ctx, value, d="", attribute=None):
    """Jinja's ``join``, sized before the text is made."""
    items = list(value)
    if attribute is not None:
        items = list(map(jinja_filters.make_attrgetter(eval_ctx.environment, attribute), items))
    size = _text_size(d) * max(len(items) - 1, 0)
    for item in items:
        _too_long(size, "join")
        size += _text_size(item)
    _too_long(size, "join")
    return jinja_filters.sync_do_join(eval_ctx, items, d)


def _string_filter(value):
    _too_long(_text_size(value), "string")
    return jinja_filters.do_string(value)


@jinja_filters.pass_environment
def _sum_filter(environment, iterable, attribute=None, start=0):
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise _RenderLimit("sum adds numbers; start must be a number")
    return jinja_filters.sync_do_sum(environment, iterable, attribute, start)


def _striptags_filter(value):
    """Jinja's ``striptags`` in one pass (MarkupSafe's rebuilds the text for every tag: quadratic on ``<>`` * 50,000)."""
    text = value.__html__() if hasattr(value, "__html__") else str(value)
    out, at = [], 0
    while (start := text.find("<", at)) != -1:
        out.append(text[at:start])
        closing = ("-->", 3) if text.startswith("<!--", start) else (">", 1)
        end = text.find(closing[0], start + 1)
        if end == -1:
            break
        at = end + closing[1]
    else:
        start = -1
    out.append(text[at:] if start == -1 else text[start:])
    return Markup(" ".join("".join(out).split())).unescape()


def _budgeted(fn: Callable) -> Callable:
    """A filter that checks the render's clock before it runs and the length of the text it made."""
    @functools.wraps(fn)  # keeps Jinja's pass_context / pass_eval_context marker
    def run(*args, **kwargs):
        budget = _CURRENT.get()
        if budget is not None:
            budget.check_time()
        out = fn(*args, **kwargs)
        if isinstance(out, str) and len(out) > MAX_TEMPLATE_OUTPUT:
            raise _RenderLimit(f"a filter made text longer than {MAX_TEMPLATE_OUTPUT} characters")
        return out
    return run


#: Filters a template may use: the safe subset of Jinja's plus ours (each checks the render's budget).
SAFE_FILTERS: dict[str, Callable] = {name: _budgeted(f) for name, f in ({
    name: jinja_filters.FILTERS[name] for name in (
        "abs", "capitalize", "default", "d", "escape", "e", "first", "last", "float", "int",
        "length", "count", "lower", "upper", "title", "trim", "truncate", "round",
        "wordcount", "urlencode", "list", "min", "max", "sort", "unique", "reverse",
    )
} | {"replace": _replace_filter, "datetime": datetime_filter, "date": date_filter, "join": _join_filter,
     "string": _string_filter, "sum": _sum_filter, "striptags": _striptags_filter}).items()}


def _loop_guard(iterable, weight=0):
    """Counts loop iterations (and the text each pass writes, ``weight``) against the render's budget."""
    budget = _CURRENT.get() or _Budget()
    for item in iterable:
        budget.tick(weight)
        yield item


@pass_eval_context
def _concat_guard(eval_ctx, parts):
    """``a ~ b ~ c``, sized before the text is made."""
    size = 0
    for part in parts:
        size += _text_size(part)
        _too_long(size, "~")
    budget = _CURRENT.get()
    if budget is not None:
        budget.check_time()
    return markup_join(parts) if eval_ctx.autoescape else str_join(parts)


def _safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise _RenderLimit(f"range() may produce at most {MAX_RANGE} numbers")
    return rng


class _Budget:
    """One render's budget: loop iterations, characters built, a deadline on the monotonic clock."""

    __slots__ = ("left", "built", "deadline")

    def __init__(self) -> None:
        self.left = MAX_LOOP_ITERATIONS
        self.built = 0
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def tick(self, weight: int = 0) -> None:
        self.left -= 1
        if self.left < 0:
            raise _RenderLimit(f"loops ran more than {MAX_LOOP_ITERATIONS} times")
        self.build(weight)

    def build(self, size: int) -> None:
        self.built += size
        if self.built > MAX_TEMPLATE_BUILT:
            raise _RenderLimit(f"the template builds more than {MAX_TEMPLATE_BUILT} characters of text")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _RenderLimit(f"the template took longer than {MAX_RENDER_SECONDS} s to render")


#: the budget of the render running in this thread (filters have no other way to reach it)
_CURRENT: ContextVar[_Budget | None] = ContextVar("formflow_render_budget", default=None)


# ------------------------------------------------------------------ environment

def _finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` (output, set and filter blocks alike) passes here: its size counts against the budget."""
    if value is None:
        return ""
    budget = _CURRENT.get()
    if budget is not None:
        budget.build(len(value) if type(value) is str else _text_size(value))
    return value


class NotificationEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with our arithmetic limits and mapping-first attribute access."""

    intercepted_binops = frozenset({"*", "**", "%", "//", "+"})

    def __init__(self, autoescape: bool):
        super().__init__(autoescape=autoescape, undefined=ChainableUndefined,
                         finalize=_finalize, auto_reload=False, cache_size=0)
        self.filters = dict(SAFE_FILTERS)
        self.filters[_LOOP_GUARD_FILTER] = _loop_guard
        self.filters[_CONCAT_FILTER] = _concat_guard
        self.tests = {k: v for k, v in self.tests.items() if k in SAFE_TESTS}
        self.globals = {"range": _safe_range}

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
            raise _RenderLimit("formatting text with % is not allowed; use ~ to join text")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            _too_long(_text_size(left) + _text_size(right), "+")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if _text_size(seq) * max(times, 0) > MAX_TEMPLATE_OUTPUT:
                        raise _RenderLimit("repeating text this many times makes it too long")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise _RenderLimit("number too large")
        if operator == "**" and isinstance(right, (int, float)) and isinstance(left, (int, float)):
            if abs(right) > MAX_POWER_EXPONENT and abs(left) > 1:
                raise _RenderLimit(f"powers are limited to an exponent of {MAX_POWER_EXPONENT}")
            if isinstance(left, int) and isinstance(right, int) and \
                    left.bit_length() * max(right, 0) > MAX_INT_BITS:
                raise _RenderLimit("number too large")
        return super().call_binop(context, operator, left, right)


_ENVIRONMENTS = {"text": NotificationEnvironment(autoescape=False),
                 "html": NotificationEnvironment(autoescape=True)}


# ------------------------------------------------------------------ compile-time checks

class _Refused(Exception):
    def __init__(self, node: nodes.Node | None, message: str):
        super().__init__(message)
        self.line = getattr(node, "lineno", None)
        self.message = message


def _describe(path: str | None) -> str:
    return f"'{path}'" if path else "this value"


class _Checker:
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
                raise _Refused(node, why)
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
                raise _Refused(node, "recursive loops are not allowed")
            source, path = self.expr(node.iter, env, 0)
            item = source.item if source.kind == "list" else (_ANY if source.kind == "any" else _VALUE)
            inner = dict(env)
            self.bind(node.target, inner, item, f"{path}" if path else None)
            inner["loop"] = (_LOOP, None)
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
            self.bind(node.target, env, _TEXT, None)
        elif isinstance(node, nodes.With):
            inner = dict(env)
            for target, value in zip(node.targets, node.values):
                self.bind(target, inner, *self.expr(value, env, 0))
            self.block(node.body, inner)
        elif isinstance(node, nodes.FilterBlock):
            self.block(node.body, dict(env))
            self.filter(node.filter, env, 0)
        else:
            raise _Refused(node, f"'{type(node).__name__}' is not supported in notification templates")

    def bind(self, target: nodes.Node, env: dict, node: ScopeNode, path: str | None) -> None:
        if isinstance(target, nodes.Name):
            if target.name.startswith("_"):
                raise _Refused(target, "names starting with _ are not allowed")
            env[target.name] = (node, path)
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                self.bind(item, env, _ANY, None)
        else:
            raise _Refused(target, "this kind of assignment is not allowed")

    # expressions ------------------------------------------------------
    def expr(self, node: nodes.Node, env: dict, depth: int) -> tuple[ScopeNode, str | None]:
        if depth > MAX_NESTING_DEPTH:
            raise _Refused(node, "expression is nested too deeply")
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
                return (_ANY if kind.kind == "any" else _VALUE), None
            raise _Refused(node, f"{_describe(path)} cannot be indexed; use its field names")
        if isinstance(node, nodes.Const):
            if isinstance(node.value, str):
                return _TEXT, None
            return _VALUE, None
        if isinstance(node, nodes.TemplateData):
            return _TEXT, None
        if isinstance(node, nodes.Filter):
            return self.filter(node, env, depth)
        if isinstance(node, nodes.Test):
            if node.name not in SAFE_TESTS:
                raise _Refused(node, f"the test 'is {node.name}' is not available")
            self.expr(node.node, env, depth)
            self.arguments(node, env, depth)
            return _BOOLEAN, None
        if isinstance(node, nodes.Call):
            if not (isinstance(node.node, nodes.Name) and node.node.name in SAFE_CALLS
                    and node.node.name not in env):
                raise _Refused(node, "calling functions or methods is not allowed; use filters")
            self.arguments(node, env, depth)
            return ScopeNode("list", item=_NUMBER), None
        if isinstance(node, (nodes.List, nodes.Tuple)):
            for item in node.items:
                self.expr(item, env, depth)
            return ScopeNode("list", item=_ANY), None
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                self.expr(pair.key, env, depth)
                self.expr(pair.value, env, depth)
            return _ANY, None
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
            return _BOOLEAN, None
        if isinstance(node, nodes.BinExpr):
            self.expr(node.left, env, depth)
            self.expr(node.right, env, depth)
            return _VALUE, None
        if isinstance(node, nodes.UnaryExpr):
            self.expr(node.node, env, depth)
            return _VALUE, None
        if isinstance(node, nodes.Concat):
            for child in node.nodes:
                self.expr(child, env, depth)
            return _TEXT, None
        raise _Refused(node, f"'{type(node).__name__}' is not supported in notification templates")

    def name(self, node: nodes.Name, env: dict) -> tuple[ScopeNode, str | None]:
        if node.name.startswith("_"):
            raise _Refused(node, "names starting with _ are not allowed")
        if node.name in env:
            found, path = env[node.name]
            if path:
                self.used.add(path)
            return found, path
        if node.name in self.scope.roots:
            self.used.add(node.name)
            return self.scope.roots[node.name], node.name
        if node.name in SAFE_CALLS:
            raise _Refused(node, f"'{node.name}' must be called, like {node.name}(5)")
        roots = ", ".join(sorted(self.scope.roots))
        raise _Refused(node, f"unknown variable '{node.name}' (available: {roots})")

    def attribute(self, node: nodes.Node, base: tuple[ScopeNode, str | None], attr: str):
        if attr.startswith("_") or attr in UNSAFE_ATTRIBUTES:
            raise _Refused(node, f"'{attr}' is not allowed in a template")
        kind, path = base
        new_path = f"{path}.{attr}" if path else None
        if kind.kind == "object":
            child = (kind.children or {}).get(attr)
            if child is None:
                known = ", ".join(sorted(kind.children or {}))
                raise _Refused(node, f"{_describe(path)} has no field '{attr}' (available: {known})")
            if new_path:
                self.used.discard(path)
                self.used.add(new_path)
            return child, new_path
        if kind.kind == "list":
            raise _Refused(node, f"{_describe(path)} is a list; loop over it with "
                                 f"{{% for item in ... %}} to reach '{attr}'")
        if kind.kind == "any":
            return _ANY, None
        raise _Refused(node, f"{_describe(path)} is a {kind.kind} value and has no '{attr}'; "
                             f"use a filter instead")

    def arguments(self, node, env: dict, depth: int) -> None:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise _Refused(node, "*args and **kwargs are not allowed")
        for arg in node.args:
            self.expr(arg, env, depth)
        for kw in node.kwargs:
            if kw.key == "attribute":
                if not isinstance(kw.value, nodes.Const) or not isinstance(kw.value.value, str):
                    raise _Refused(node, "attribute= must be a fixed field name")
                for part in kw.value.value.split("."):
                    if part.startswith("_") or part in UNSAFE_ATTRIBUTES:
                        raise _Refused(node, f"'{part}' is not allowed in a template")
            self.expr(kw.value, env, depth)

    def filter(self, node: nodes.Filter, env: dict, depth: int) -> tuple[ScopeNode, str | None]:
        if node.name not in SAFE_FILTERS:
            raise _Refused(node, f"the filter '|{node.name}' is not available "
                                 f"(available: {', '.join(sorted(SAFE_FILTERS))})")
        base: tuple[ScopeNode, str | None] = (_TEXT, None)
        if node.node is not None:
            base = self.expr(node.node, env, depth)
        self.arguments(node, env, depth)
        if node.name in ("datetime", "date"):
            self.check_date_arguments(node)
            return _TEXT, None
        if node.name in ("first", "last") and base[0].kind == "list":
            return base[0].item, base[1]
        if node.name in ("default", "d"):
            return base
        if node.name in ("sort", "unique", "reverse", "list"):
            return (base[0] if base[0].kind == "list" else ScopeNode("list", item=_ANY)), base[1]
        return _VALUE, None

    @staticmethod
    def check_date_arguments(node: nodes.Filter) -> None:
        args = list(node.args) + [kw.value for kw in node.kwargs]
        if len(args) >= 1 and isinstance(args[0], nodes.Const):
            fmt = args[0].value
            if not isinstance(fmt, str) or len(fmt) > MAX_DATE_FORMAT_LENGTH:
                raise _Refused(node, f"date format must be text of at most {MAX_DATE_FORMAT_LENGTH} characters")
        if len(args) >= 2 and isinstance(args[1], nodes.Const) and args[1].value is not None:
            try:
                _cached_zone(args[1].value)
            except _RenderLimit as exc:
                raise _Refused(node, str(exc)) from None


class _Guards(NodeTransformer):
    """After the checks: every loop's iterable counts against the budget (with the text one pass writes), every
    ``~`` is sized before it joins."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        weight = nodes.Const(_own_text(node.body), lineno=node.iter.lineno)
        node.iter = nodes.Filter(node.iter, _LOOP_GUARD_FILTER, [weight], [], None, None, lineno=node.iter.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        return nodes.Filter(nodes.List(node.nodes, lineno=node.lineno), _CONCAT_FILTER, [], [], None, None,
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


# ------------------------------------------------------------------ compiled template

@dataclass(frozen=True)
class CompiledTemplate:
    """A checked, compiled template; ``render`` it as often as needed."""

    name: str
    kind: str
    source: str
    variables_used: frozenset[str]
    _template: Any = field(repr=False, compare=False)
    _filename: str = field(repr=False, compare=False, default="")

    def render(self, variables: Mapping[str, Any], *, tz: str | None = None) -> str:
        """Render with ``variables`` (see module docstring); ``tz`` is the
        recipient's time zone, used by the date filters by default."""
        if not isinstance(variables, Mapping):
            raise TemplateError(self.name, None, "template variables must be a mapping")
        context = dict(variables)
        context[_TZ_KEY] = tz
        out: list[str] = []
        size = 0
        budget = _CURRENT.set(_Budget())
        try:
            for chunk in self._template.generate(context):
                size += len(chunk)
                if size > MAX_TEMPLATE_OUTPUT:
                    raise _RenderLimit(f"the message is longer than {MAX_TEMPLATE_OUTPUT} characters")
                out.append(chunk)
        except Exception as exc:  # never leak a Python exception to the caller
            raise TemplateError(self.name, self._line_of(exc), _runtime_message(exc)) from None
        finally:
            _CURRENT.reset(budget)
        return "".join(out)

    def _line_of(self, exc: BaseException) -> int | None:
        line = None
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == self._filename:
                line = frame.lineno
        return line


def _runtime_message(exc: BaseException) -> str:
    if isinstance(exc, _RenderLimit):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"not allowed: {exc}"
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    if isinstance(exc, (OverflowError, MemoryError, RecursionError)):
        return "the computation is too large"
    if isinstance(exc, TypeError):
        return f"values of these types cannot be combined ({exc})"
    return f"cannot render: {exc}"


def compile_template(source: str, variables: VariableScope, *, name: str,
                     kind: str = "text") -> CompiledTemplate:
    """Check and compile a template once; raise ``TemplateError`` if it is unusable.

    ``kind`` is ``"html"`` (autoescaped, for email HTML bodies) or ``"text"``
    (plain: text email, chat messages, subjects).
    """
    if kind not in _ENVIRONMENTS:
        raise TemplateError(name, None, f"template kind must be one of {', '.join(_ENVIRONMENTS)}")
    if not isinstance(source, str):
        raise TemplateError(name, None, "template must be text")
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise TemplateError(name, None, f"template is longer than {MAX_TEMPLATE_LENGTH} characters")
    env = _ENVIRONMENTS[kind]
    filename = f"<notification template {name}>"
    try:
        tree = env.parse(source, name=name, filename=filename)
    except TemplateSyntaxError as exc:
        raise TemplateError(name, exc.lineno, f"syntax error: {exc.message}") from None
    except RecursionError:
        raise TemplateError(name, None, "template is nested too deeply") from None
    checker = _Checker(variables)
    try:
        checker.run(tree)
        # Second opinion from Jinja itself on names used before being set.
        unknown = meta.find_undeclared_variables(tree) - set(variables.roots) - SAFE_CALLS
        if unknown:
            bad = sorted(unknown)[0]
            first = next(n for n in tree.find_all(nodes.Name) if n.name == bad)
            checker.name(first, {})  # raises with the line and the available roots
        tree = _Guards().visit(tree)
        tree.set_environment(env)
        code = env.compile(tree, name=name, filename=filename)
    except _Refused as exc:
        raise TemplateError(name, exc.line, exc.message) from None
    except TemplateSyntaxError as exc:
        raise TemplateError(name, exc.lineno, f"syntax error: {exc.message}") from None
    except RecursionError:
        raise TemplateError(name, None, "template is nested too deeply") from None
    template = env.template_class.from_code(env, code, env.make_globals(None))
    return CompiledTemplate(name, kind, source, frozenset(checker.used), template, filename)
