"""rule-engine's own evaluator over the same scope and data: the reference the compiled Python and
JavaScript are checked against (tests), and a slow path for debugging a rule.

Differences kept on purpose: subtable rows and multiple references are typed as untyped arrays here
(rule-engine cannot check plain dicts against an OBJECT type inside an array at run time), so
`row.field` inside `[... for row in items]` is resolved by rule-engine's mapping lookup."""
from __future__ import annotations

import datetime as _dt
import decimal
import re
import warnings
from typing import Any

import rule_engine
from rule_engine import DataType
from rule_engine.builtins import Builtins

from . import functions as fns
from . import runtime
from .context import RuleContext
from .scope import (BooleanKind, DateKind, DatetimeKind, FIELD_KINDS, MultiselectKind, NumberKind, ReferenceKind, RuleScope,
                    SubtableKind, UserKind)

UTC = _dt.timezone.utc


def _re_type(scope: RuleScope, name: str) -> Any:
    info = scope.fields[name]
    dt = scope.data_type(name)
    if isinstance(info.kind, SubtableKind) or (isinstance(info.kind, ReferenceKind) and info.multiple):
        return DataType.ARRAY
    return dt


def rule_engine_context(scope: RuleScope, ctx: RuleContext) -> rule_engine.Context:
    """A rule-engine Context typed like the compiler's, with `$now`, `$today`, `$user_id` from *ctx*."""
    def resolve(name: str) -> Any:
        if name not in scope.fields:
            raise rule_engine.errors.SymbolResolutionError(name)
        return _re_type(scope, name)
    context = rule_engine.Context(type_resolver=resolve, default_timezone="utc", regex_flags=re.ASCII,
                                  mapping_attribute_lookup=True)
    context.builtins = Builtins.from_defaults(values=fns.builtin_values(ctx.now, ctx.today, ctx.user_id),
                                              value_types=fns.builtin_types(), timezone=UTC)
    return context


def _num(v: Any) -> Any:
    if v is None or isinstance(v, decimal.Decimal):
        return v
    return decimal.Decimal(repr(v))


def rule_engine_thing(scope: RuleScope, values: dict, ctx: RuleContext) -> dict:
    """Record data keyed by field id -> rule-engine values keyed by field name (references loaded)."""
    thing: dict[str, Any] = {}
    for name, info in scope.fields.items():
        raw = values.get(info.id)
        kind = FIELD_KINDS[info.result_type] if info.result_type else info.kind
        if isinstance(kind, NumberKind):
            thing[name] = _num(runtime.cv_money(raw))
        elif isinstance(kind, DatetimeKind):
            thing[name] = runtime.cv_datetime(raw)
        elif isinstance(kind, DateKind):
            thing[name] = runtime.cv_date(raw)
        elif isinstance(kind, BooleanKind):
            thing[name] = runtime.cv_boolean(raw)
        elif isinstance(kind, MultiselectKind):
            v = runtime.cv_text_list(raw)
            thing[name] = None if v is None else tuple(v)
        elif isinstance(kind, UserKind):
            v = runtime.cv_id_list(raw) if info.multiple else runtime.cv_id(raw)
            thing[name] = None if v is None else (tuple(_num(x) for x in v) if info.multiple else _num(v))
        elif isinstance(kind, ReferenceKind):
            if info.multiple:
                data = runtime.load_refs(ctx, info.form, raw)
                thing[name] = None if data is None else tuple(rule_engine_thing(info.target, d, ctx) for d in data)
            else:
                data = runtime.load_ref(ctx, info.form, raw)
                thing[name] = None if data is None else rule_engine_thing(info.target, data, ctx)
        elif isinstance(kind, SubtableKind):
            rows = runtime.cv_rows(raw)
            thing[name] = None if rows is None else tuple(rule_engine_thing(info.row, r, ctx) for r in rows)
        else:
            v = getattr(runtime, kind.py_converter(info))(raw)
            thing[name] = tuple(v) if isinstance(v, list) else v
    return thing


def rule_engine_rule(text: str, scope: RuleScope, ctx: RuleContext) -> rule_engine.Rule:
    """*text* parsed by rule-engine with the reference context (parse once, evaluate many)."""
    return rule_engine.Rule(text, context=rule_engine_context(scope, ctx))


def evaluate_parsed(rule: rule_engine.Rule, scope: RuleScope, values: dict, ctx: RuleContext) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rule.evaluate(rule_engine_thing(scope, values, ctx))


def evaluate_with_rule_engine(text: str, scope: RuleScope, values: dict, ctx: RuleContext) -> Any:
    """Evaluate *text* with rule-engine itself (slow; for tests and debugging). Raises whatever it raises."""
    rule = rule_engine.Rule(text, context=rule_engine_context(scope, ctx))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rule.evaluate(rule_engine_thing(scope, values, ctx))
