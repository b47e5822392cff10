"""What the designer's formula and roll-up editors offer, and the live check of a formula being typed.

``formula_sources`` lists what a formula or a roll-up can use: the functions and ``$`` values of the rule language
with their one-line help (``engine.rules.functions.HELP``), and the links a roll-up can follow (reference fields
pointing at this form, in the app's forms and in the forms of the workspace's other apps) with each source form's
fields and the aggregates each field's type takes. ``check_formula`` compiles an expression against the draft with
the rules compiler (the same compile as save and publish) and answers its result type or the error with its position, plus its value against a sample
record: the form's latest record, or one built from the fields' constant defaults.
"""
from __future__ import annotations

import datetime as _dt
import decimal
from typing import Any

import sqlalchemy as sa

from engine.errors import ErrorItem, ValidationFailed
from engine.field_defaults import default_value
from engine.fields import FIELD_TYPES
from engine.fields.relation import reference_target
from engine.formrules import expect_for, publish_resolver, reference_loader
from engine.rules import RuleError, RuleScope, compile_rule
from engine.rules.context import RuleContext
from engine.rules.errors import RuleEvaluationError
from engine.rules.functions import BUILTIN_VALUES, FUNCTIONS, HELP
from engine.rules.limits import MAX_RULE_LENGTH
from engine.runtime import Actor, Runtime
from engine.services.form_lookup import form_row
from engine.services.permissions import require_capability
from engine.storage.tables import apps, forms, records

#: every roll-up can count the linked records; the field-level aggregates depend on the field's value kind
COUNT = "count"
#: aggregates by the value kind of the rolled-up field (any other kind: the latest value only)
AGGREGATES_BY_VALUE_KIND = {"number": ("sum", "min", "max", "latest"), "integer": ("sum", "min", "max", "latest"),
                            "date": ("min", "max", "latest"), "datetime": ("min", "max", "latest")}
#: aggregates of a field of any other kind
OTHER_AGGREGATES = ("latest",)


def _text(label: Any, key: str) -> dict:
    """A label as {en, zh-CN} (a plain text serves both languages; none: the key)."""
    if isinstance(label, dict):
        en = label.get("en") or next(iter(label.values()), "") or key
        return {"en": en, "zh-CN": label.get("zh-CN") or en}
    return {"en": str(label or key), "zh-CN": str(label or key)}


def field_aggregates(field: dict) -> list[str]:
    """The aggregates a roll-up may take over ``field`` (by its type's value kind)."""
    ftype = FIELD_TYPES.get(field.get("type")) if field.get("type") in FIELD_TYPES else None
    return list(AGGREGATES_BY_VALUE_KIND.get(ftype.value_kind if ftype else "", OTHER_AGGREGATES))


def _field_entry(f: dict) -> dict:
    return {"id": f["id"], "label": _text(f.get("label"), f["id"]), "type": f.get("type"), "aggregates": field_aggregates(f)}


def functions() -> list[dict]:
    """The rule language's ``$`` values and functions with their signature and one line of help."""
    out = []
    for name in [*BUILTIN_VALUES, *FUNCTIONS]:
        signature, en, zh = HELP.get(name, (f"${name}", "", ""))
        out.append({"name": name, "insert": signature.split("(")[0] + ("(" if "(" in signature else ""),
                    "signature": signature, "help": {"en": en, "zh-CN": zh}})
    return out


def formula_sources(rt: Runtime, actor: Actor, app_key: str, form_key: str) -> dict:
    """``{functions, links}``: what the formula editor inserts and which links a roll-up of this form can follow: the
    reference fields pointing at this form of this app's forms and of other apps' forms of the workspace (``app``:
    None, or the other app's key, with ``app_label``; this app's links first, then by app and form)."""
    require_capability(rt, actor, "design")
    with rt.db.read() as conn:
        form_row(conn, rt, app_key, form_key)  # 404 for an unknown form
        rows = conn.execute(sa.select(apps.c.key, apps.c.label, forms.c.key, forms.c.draft).join(apps, apps.c.id == forms.c.app_id)
                            .where(apps.c.workspace_id == rt.workspace_id)
                            .order_by(apps.c.key != app_key, apps.c.key, forms.c.id)).all()
    links = []
    for app, app_label, key, draft in rows:
        live = [f for f in (draft or {}).get("fields", []) if not f.get("deleted")]
        for f in live:
            ftype = FIELD_TYPES.get(f.get("type")) if f.get("type") in FIELD_TYPES else None
            if not ftype or not ftype.is_reference:
                continue
            target = reference_target(f, app)
            if target.form == form_key and (target.app or app) == app_key:
                links.append({"app": None if app == app_key else app, "app_label": _text(app_label, app),
                              "form": key, "form_label": _text((draft or {}).get("label"), key), "via": f["id"],
                              "via_label": _text(f.get("label"), f["id"]),
                              "fields": [_field_entry(x) for x in live if x["id"] != f["id"]]})
    return {"functions": functions(), "links": links, "count": COUNT}


def _body_error(message_code: str, path: str, **params: Any) -> ValidationFailed:
    item = ErrorItem.coded(message_code, path=path, **params)
    return ValidationFailed(item.message, [item], message_code=message_code, params=params)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _sample(conn, rt: Runtime, actor: Actor, form_id: int, fields: list[dict]) -> tuple[dict, dict]:
    """(values, {source, record_id}): the latest live record of the form, else the fields' static defaults
    (``$now``, ``$today``, ``$user`` read as a create reads them)."""
    row = conn.execute(sa.select(records.c.id, records.c.data).where(records.c.form_id == form_id, records.c.deleted_at.is_(None))
                       .order_by(records.c.id.desc()).limit(1)).first()
    if row is not None:
        return dict(row.data or {}), {"source": "record", "record_id": row.id}
    now = rt.clock.now()
    values = {f["id"]: default_value(f["default"], now=now, timezone=rt.timezone, user_id=actor.user_id) for f in fields if "default" in f}
    return {k: v for k, v in values.items() if v is not None}, {"source": "defaults", "record_id": None}


def check_formula(rt: Runtime, actor: Actor, app_key: str, form_key: str, body: Any, locale: str | None = None) -> dict:
    """Compile ``body.expression`` against ``body.definition`` (the draft on screen; the saved draft without it) and
    answer ``{ok, type}`` or ``{ok: false, error: {message, position, line, column}}``, with ``value`` against a
    sample record when it compiles. ``body.result_type``: the type the formula must give (a computed field's).
    Messages are in ``locale`` (the editor's language), with their ``message_code`` and ``params``."""
    require_capability(rt, actor, "design")
    if not isinstance(body, dict):
        raise _body_error("error.formula_editor.body_object", "")
    expression, definition, result_type = body.get("expression"), body.get("definition"), body.get("result_type")
    if not isinstance(expression, str):
        raise _body_error("error.formula_editor.expression_text", "/expression")
    if len(expression) > MAX_RULE_LENGTH:
        raise _body_error("error.formula_editor.expression_too_long", "/expression", limit=MAX_RULE_LENGTH)
    if definition is not None and not (isinstance(definition, dict) and isinstance(definition.get("fields", []), list)):
        raise _body_error("error.formula_editor.definition_shape", "/definition")
    if result_type is not None and (not isinstance(result_type, str) or result_type not in FIELD_TYPES):
        raise _body_error("error.formula_editor.unknown_result_type", "/result_type", type=repr(result_type))
    with rt.db.read() as conn:
        app, row = form_row(conn, rt, app_key, form_key)
        definition = {**(definition if definition is not None else row["draft"]), "key": form_key}
        fields = [f for f in definition.get("fields", []) if isinstance(f, dict) and isinstance(f.get("id"), str)]
        siblings = dict(conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app["id"])).all())
        resolve = publish_resolver(conn, app, {**definition, "fields": fields}, siblings)
        try:
            scope = RuleScope.from_fields(fields, resolve)
            compiled = compile_rule(expression, scope, name="formula", expect=expect_for(result_type) if result_type else "any")
        except RuleError as exc:
            return {"ok": False, "error": {"message": exc.localized(locale), "message_code": exc.message_code, "params": exc.params,
                                           "position": exc.position, "line": exc.line, "column": exc.column}}
        except (KeyError, TypeError, ValueError) as exc:  # a half-edited definition on screen: say so, don't fail
            return {"ok": False, "error": {"message": f"the form's fields can't be read yet ({exc})", "position": None,
                                           "line": None, "column": None}}
        values, sample = _sample(conn, rt, actor, row["id"], fields)
        ctx = RuleContext(now=rt.clock.now(), tz=rt.timezone, user_id=actor.user_id, load_reference=reference_loader(conn, row["id"]))
        try:
            value, why = _jsonable(compiled.evaluate(values, ctx)), None
        except RuleEvaluationError as exc:
            value, why = None, exc.localized(locale)
    return {"ok": True, "type": compiled.result_type, "value": value, "value_error": why, "sample": sample}
