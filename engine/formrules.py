"""Form rules on the write path: field effects (visible, required, read-only, allowed options, set value,
also inside sub-table rows) and submit validations.

A form's ``rules`` and ``validations`` (docs/definitions.md) are compiled once per published
FormVersion by this module's ``FEATURE.compile`` into :class:`FormRules` (kept in ``CompiledForm.rules``);
publishing refuses a definition whose rules don't compile, naming the rule, the JSON path
(``/rules/3/when``) and the position in the text. On every write the effects stage sets
``Write.visible/required/readonly`` (the core then drops hidden values and checks required), refuses a
changed read-only field and values outside the allowed options; the assertions stage adds one error per
failed validation on each field it names, all at once. The browser gets the same rules as JavaScript
(:func:`rules_js`). A rule that cannot be evaluated on some data (an empty value where one is needed)
counts as "condition false" for effects and as "not applicable" for validations: rules never make a
submit fail with a 500.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa

from engine import bilingual_text, i18n
from engine.errors import ErrorItem
from engine.fields import FIELD_TYPES
from engine.pipeline import Feature
from engine.rules import CompiledRule, RuleContext, RuleError, RuleEvaluationError, RuleScope, compile_rule
from engine.services import forms as form_service
from engine.fields.relation import target_of_store
from engine.storage.published import form_by_store_key, published_resolver  # noqa: F401  (re-exported)
from engine.storage.tables import forms, form_versions, records

log = logging.getLogger(__name__)



def expect_for(type_name: str | None) -> str:
    """The rule kind a formula must give to be stored in a field of this type (the type's ``rule_expect``, else "any")."""
    return (FIELD_TYPES.get(type_name).rule_expect if type_name in FIELD_TYPES else None) or "any"


EFFECT_FLAGS = ("visible", "required", "readonly")


# -- shared helpers: scopes, contexts, messages ------------------------------------------------

def text_of(label: Any, locale: str = "en") -> str:
    """A message or label given as text or as {locale: text}."""
    if isinstance(label, dict):
        return label.get(locale) or label.get("en") or next(iter(label.values()), "")
    return "" if label is None else str(label)


def _suffixed(name: Any, suffix: str) -> Any:
    """A rule's name with what part of it is meant (each language of a bilingual name)."""
    return {k: v + suffix for k, v in name.items()} if bilingual_text.is_bilingual(name) else f"{name}{suffix}"


def rule_error_item(exc: RuleError, path: str, code: str = "rule_invalid") -> ErrorItem:
    """A rule's compile error as an item: the rule's name, the problem and its place, each in the reader's language."""
    def both(key: str | None, default: str, **params: Any) -> dict[str, str] | str:
        if not key:
            return default
        return {loc: i18n.render(key, loc, params) for loc in i18n.LOCALES}

    where = both("error.rule.where", "", line=exc.line, column=exc.column) if exc.line is not None else ""
    name = both("error.rule.named", "", rule=bilingual_text.quoted(exc.rule)) if exc.rule else ""
    detail = both(exc.message_code, exc.message, **exc.params)
    extra = {k: v for k, v in exc.to_dict().items() if k not in ("message", "rule") and v is not None}
    if exc.message_code:
        extra["detail_code"] = exc.message_code
    return ErrorItem.coded("error.rule.invalid", path=path, code=code, name=name, detail=detail, where=where, extra=extra,
                           bilingual_extra={"rule": exc.rule} if exc.rule is not None else None)


def publish_resolver(conn, app, definition: dict, all_definitions: dict[str, dict]) -> Callable[[str], list[dict] | None]:
    """resolve_form at publish: what records will see, i.e. the other forms' *published* fields (their draft
    only while never published, e.g. a template installing several forms), and this form's new fields."""
    cache: dict[str, list[dict] | None] = {}

    def resolve(key: str) -> list[dict] | None:
        if key == definition.get("key"):
            return definition.get("fields")
        if key not in cache:
            published = conn.execute(sa.select(form_versions.c.definition).join(forms, sa.and_(
                forms.c.id == form_versions.c.form_id, form_versions.c.version == forms.c.published_version))
                .where(form_by_store_key(key, app["id"]))).scalar()
            cache[key] = published.get("fields", []) if published else (all_definitions.get(key) or {}).get("fields")
        return cache[key]
    return resolve


def reference_loader(conn, form_id: int) -> Callable[[str, int], dict | None]:
    """load_reference for rule contexts: a live record of a sibling form by (form key, id), cached."""
    cache: dict[tuple[str, int], dict | None] = {}

    def load(form_key: str, record_id: int) -> dict | None:
        key = (form_key, record_id)
        if key not in cache and target_of_store(form_key, None).app is not None:  # another app's form (``app/form``)
            own_app = sa.select(forms.c.app_id).where(forms.c.id == form_id).scalar_subquery()
            cache[key] = conn.execute(sa.select(records.c.data).join(forms, forms.c.id == records.c.form_id).where(
                records.c.id == record_id, records.c.deleted_at.is_(None), form_by_store_key(form_key, own_app))).scalar()
        if key not in cache:
            cache[key] = conn.execute(_SIBLING_RECORD, {"rid": record_id, "fkey": form_key, "fid": form_id}).scalar()
        return cache[key]
    return load


_OWN_FORM = forms.alias("own_form")
#: a live record of a form of the same app, by (record id, form key, the asking form's id); built once (one per save otherwise)
_SIBLING_RECORD = sa.select(records.c.data).join(forms, forms.c.id == records.c.form_id).where(
    records.c.id == sa.bindparam("rid"), forms.c.key == sa.bindparam("fkey"), records.c.deleted_at.is_(None),
    forms.c.app_id == sa.select(_OWN_FORM.c.app_id).where(_OWN_FORM.c.id == sa.bindparam("fid")).scalar_subquery())


def rule_context(w) -> RuleContext:
    """The evaluation context of one write (cached on it): clock time, workspace zone, user, references."""
    ctx = w.rule_context
    if ctx is None:
        ctx = w.rule_context = RuleContext(now=w.rt.clock.now(), tz=w.rt.timezone, user_id=w.actor.user_id,
                                           load_reference=reference_loader(w.conn, w.form.form_id))
    return ctx


def evaluate(rule: CompiledRule | None, values: dict, ctx: RuleContext) -> tuple[Any, RuleEvaluationError | None]:
    """(result, None) or (None, why it could not be evaluated: a coded error, ``report()`` for a report). A missing
    rule is always true."""
    if rule is None:
        return True, None
    try:
        return rule.evaluate(values, ctx), None
    except RuleEvaluationError as exc:
        log.debug("rule %s not evaluated: %s", rule.name, exc)
        return None, exc


def problem(why: RuleEvaluationError | None) -> dict:
    """A report's ``error`` (English; ``error_code`` and ``error_params`` to read it in another language)."""
    return why.report() if why is not None else {"error": None}


# -- compiled shapes ------------------------------------------------------------------------------

@dataclass
class Effect:
    field: str
    flags: dict[str, bool]                 # visible / required / readonly as set by the rule
    options: list[str] | None = None       # allowed choice values
    has_value: bool = False
    value: Any = None                      # constant "set value"
    formula: CompiledRule | None = None    # computed "set value"


@dataclass
class FormRule:
    index: int
    id: str
    name: Any   # a text or {"en", "zh-CN"} (engine.bilingual_text)
    when: CompiledRule | None
    effects: list[Effect]
    subtable: str | None = None


@dataclass
class Validation:
    index: int
    id: str
    name: Any   # a text or {"en", "zh-CN"} (engine.bilingual_text)
    when: CompiledRule | None
    condition: CompiledRule
    message: Any
    fields: list[str]


@dataclass
class FieldState:
    visible: dict[str, bool] = field(default_factory=dict)
    required: dict[str, bool] = field(default_factory=dict)
    readonly: dict[str, bool] = field(default_factory=dict)
    options: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    matched: list[dict] = field(default_factory=list)   # per rule: {id, name, matched, error}


@dataclass
class FormRules:
    """A form version's rules and validations, compiled."""

    rules: list[FormRule] = field(default_factory=list)
    row_rules: dict[str, list[FormRule]] = field(default_factory=dict)   # subtable field id -> rules
    validations: list[Validation] = field(default_factory=list)
    scope: RuleScope | None = None

    def __bool__(self) -> bool:
        return bool(self.rules or self.row_rules or self.validations)

    def state(self, rules: list[FormRule], values: dict, ctx: RuleContext) -> FieldState:
        """Apply *rules* to *values*: a field some rule shows starts hidden; later rules win."""
        st = FieldState()
        for r in rules:
            for e in r.effects:
                if e.flags.get("visible") is True:
                    st.visible[e.field] = False
        for r in rules:
            matched, why = evaluate(r.when, values, ctx)
            st.matched.append({"id": r.id, "name": r.name, "matched": matched is True, **problem(why)})
            if matched is not True:
                continue
            for e in r.effects:
                for flag, on in e.flags.items():
                    getattr(st, flag)[e.field] = on
                if e.options is not None:
                    st.options[e.field] = e.options
                if e.formula is not None:
                    result, _ = evaluate(e.formula, values, ctx)
                    st.values[e.field] = result
                elif e.has_value:
                    st.values[e.field] = e.value
        for fid, shown in st.visible.items():
            if not shown:
                st.required[fid] = False
        return st


# -- compiling (publish check and per-version compile share this) -------------------------------

def compile_form_rules(definition: dict, resolve_form) -> tuple[FormRules, list[ErrorItem]]:
    fields = definition.get("fields", [])
    by_id = {f["id"]: f for f in fields}
    errors: list[ErrorItem] = []
    scope = RuleScope.from_fields(fields, resolve_form)
    out = FormRules(scope=scope)
    row_scopes: dict[str, tuple[RuleScope, dict]] = {}

    def rule(text, scope_, name, path, expect="boolean"):
        if text is None or (isinstance(text, str) and not text.strip() and expect == "boolean"):
            return None
        try:
            # the compiled rule is cached by a text name; the error names the rule in the reader's language
            return compile_rule(text, scope_, name=bilingual_text.text_in(name, i18n.DEFAULT_LOCALE), expect=expect)
        except RuleError as exc:
            errors.append(rule_error_item(exc.located(rule=name) if bilingual_text.is_bilingual(name) else exc, path))
            return None

    for i, spec in enumerate(definition.get("rules") or []):
        name = spec.get("name") or spec.get("id") or f"rule {i + 1}"
        targets, scope_ = by_id, scope
        sub = spec.get("subtable")
        if sub:
            st = by_id.get(sub)
            if not st or not FIELD_TYPES.get(st["type"]).stores_rows or st.get("deleted"):
                errors.append(ErrorItem.coded("error.rule.not_a_subtable", path=f"/rules/{i}/subtable", code="unknown_field",
                                              rule=bilingual_text.quoted(name), field=repr(sub)))
                continue
            if sub not in row_scopes:
                row_fields = (st.get("options") or {}).get("fields", [])
                row_scopes[sub] = (RuleScope.from_fields(row_fields, resolve_form, key=f"rows:{sub}"), {f["id"]: f for f in row_fields})
            scope_, targets = row_scopes[sub]
        when = rule(spec.get("when"), scope_, name, f"/rules/{i}/when")
        effects = []
        for j, eff in enumerate(spec.get("effects") or []):
            epath = f"/rules/{i}/effects/{j}"
            target = targets.get(eff.get("field"))
            if target is None or target.get("deleted"):
                why = ("error.rule.effect_on_deleted" if target else "error.rule.effect_on_unknown_row" if sub
                       else "error.rule.effect_on_unknown")
                errors.append(ErrorItem.coded(why, path=epath + "/field", field_id=eff.get("field"), code="unknown_field",
                                              rule=bilingual_text.quoted(name), field=repr(eff.get("field")), subtable=repr(sub)))
                continue
            effect = Effect(field=target["id"], flags={k: eff[k] for k in EFFECT_FLAGS if isinstance(eff.get(k), bool)})
            if "options" in eff:
                choices = [c.get("value") for c in (target.get("options") or {}).get("choices", [])]
                if not FIELD_TYPES.get(target["type"]).has_choices:
                    errors.append(ErrorItem.coded("error.rule.options_need_choices", path=epath + "/options", field_id=target["id"],
                                                  rule=bilingual_text.quoted(name)))
                elif unknown := [o for o in eff["options"] if o not in choices]:
                    errors.append(ErrorItem.coded("error.rule.not_a_choice", path=epath + "/options", field_id=target["id"],
                                                  rule=bilingual_text.quoted(name), values=", ".join(map(repr, unknown)), field=repr(target["id"])))
                else:
                    effect.options = list(eff["options"])
            if "formula" in eff:
                effect.formula = rule(eff["formula"], scope_, _suffixed(name, f": value of {target['id']}"), epath + "/formula",
                                      expect_for(target["type"]))
            elif "value" in eff:
                ftype = FIELD_TYPES.get(target["type"])
                if eff["value"] is not None and (ftype.engine_set or not ftype.can_hold(eff["value"], target)):
                    errors.append(ErrorItem.coded("error.rule.value_does_not_fit", path=epath + "/value", field_id=target["id"],
                                                  rule=bilingual_text.quoted(name), value=repr(eff["value"]), field=repr(target["id"])))
                effect.has_value, effect.value = True, eff["value"]
            effects.append(effect)
        compiled = FormRule(i, spec.get("id") or f"r{i + 1}", name, when, effects, sub)
        (out.row_rules.setdefault(sub, []) if sub else out.rules).append(compiled)

    for i, spec in enumerate(definition.get("validations") or []):
        name = spec.get("name") or spec.get("id") or f"validation {i + 1}"
        when = rule(spec.get("when"), scope, name, f"/validations/{i}/when")
        condition = rule(spec.get("condition"), scope, name, f"/validations/{i}/condition")
        names = []
        for j, fid in enumerate(spec.get("fields") or []):
            f = by_id.get(fid) or next((x for x in fields if x.get("name") == fid), None)
            if f is None or f.get("deleted"):
                errors.append(ErrorItem.coded("error.rule.validation_field", path=f"/validations/{i}/fields/{j}", field_id=fid,
                                              code="unknown_field", name=bilingual_text.quoted(name), field=repr(fid)))
            else:
                names.append(f["id"])
        if condition is not None:
            out.validations.append(Validation(i, spec.get("id") or f"v{i + 1}", name, when, condition, spec.get("message"), names))
    return out, errors


def _check_rules(rt, conn, app, definition, all_definitions) -> list[ErrorItem]:
    return compile_form_rules(definition, publish_resolver(conn, app, definition, all_definitions))[1]


def _compile_rules(rt, conn, compiled) -> FormRules:
    rules, errors = compile_form_rules(compiled.definition, published_resolver(conn, compiled.form_id))
    if errors:  # a referenced form changed since publish: keep what still compiles, say so
        log.warning("form %s v%s: %d rule(s) no longer compile: %s", compiled.key, compiled.version, len(errors), errors[0].message)
    return rules


# -- the write path -------------------------------------------------------------------------------

def effects_stage(w) -> None:
    fr: FormRules | None = w.form.rules
    if not fr or not (fr.rules or fr.row_rules):
        return
    ctx = rule_context(w)
    st = fr.state(fr.rules, w.values, ctx)
    w.rule_state = st
    w.visible.update(st.visible)
    w.required.update(st.required)
    w.readonly.update(st.readonly)
    before = w.before or {}
    for fid, value in st.values.items():
        w.values[fid] = value
    for fid, locked in st.readonly.items():
        if locked and fid in w.incoming and w.incoming[fid] != before.get(fid) and \
                not (fid in st.values and st.values[fid] == w.incoming[fid]):
            w.errors.append(w.form.coded(fid, "error.rule.read_only", code="read_only"))
            w.values[fid] = st.values.get(fid, before.get(fid))
    for fid, allowed in st.options.items():
        w.errors += _option_errors(w.form.coded, fid, w.values.get(fid), allowed, f"/data/{fid}")
    for sub, rules in fr.row_rules.items():
        _row_effects(w, sub, rules, ctx)


def _option_errors(make, fid, value, allowed, path) -> list[ErrorItem]:
    picked = value if isinstance(value, list) else [] if value is None else [value]
    bad = [v for v in picked if v not in allowed]
    if not bad:
        return []
    return [make(fid, "error.rule.not_allowed", path=path, code="not_allowed", values=", ".join(map(repr, bad)),
                 allowed=", ".join(allowed) or "—")]


def _row_effects(w, sub: str, rules: list[FormRule], ctx: RuleContext) -> None:
    rows = w.values.get(sub)
    if not isinstance(rows, list):
        return
    keep_hidden = (w.form.settings.get("hidden_values") or "drop") == "keep"
    row_fields = {f["id"]: f for f in (w.form.by_id[sub].get("options") or {}).get("fields", [])}
    before_rows = (w.before or {}).get(sub) or []
    out = []
    for r, row in enumerate(rows):
        if not isinstance(row, dict):
            out.append(row)
            continue
        row = dict(row)
        st = FormRules().state(rules, row, ctx)
        w.row_states.setdefault(sub, []).append(st)
        row.update(st.values)
        base = f"/data/{sub}/{r}"
        old = before_rows[r] if r < len(before_rows) and isinstance(before_rows[r], dict) else {}
        for fid, shown in st.visible.items():
            if not shown and row.get(fid) is not None and not keep_hidden:
                row[fid] = None
        for fid, req in st.required.items():
            f = row_fields.get(fid)
            if req and st.visible.get(fid, True) and f and FIELD_TYPES.get(f["type"]).is_empty(row.get(fid)):
                w.errors.append(w.form.coded(sub, "error.row.required", path=f"{base}/{fid}", code="required", row=r + 1,
                                            column=f.get("label") or fid))
        for fid, locked in st.readonly.items():
            if locked and row.get(fid) != old.get(fid) and fid not in st.values:
                w.errors.append(w.form.coded(sub, "error.row.read_only", path=f"{base}/{fid}", code="read_only", row=r + 1, column=fid))
        for fid, allowed in st.options.items():
            w.errors += _option_errors(w.form.coded, sub, row.get(fid), allowed, f"{base}/{fid}")
        out.append(row)
    w.values[sub] = out


def validations_stage(w) -> None:
    fr: FormRules | None = w.form.rules
    if not fr or not fr.validations:
        return
    w.errors += [item for v in fr.validations for item in validation_errors(w, v, rule_context(w))[0]]


def validation_errors(w, v: Validation, ctx: RuleContext) -> tuple[list[ErrorItem], dict]:
    """The errors one validation gives for the write's values, and a report of why."""
    applies, why = evaluate(v.when, w.values, ctx)
    report = {"id": v.id, "name": v.name, "applies": applies is True, "passed": None, **problem(why)}
    if applies is not True:
        return [], report
    ok, why = evaluate(v.condition, w.values, ctx)
    report.update(passed=ok is True if why is None else None, **problem(why))
    if why is not None or ok is True:  # can't evaluate on this data (empty values): required rules cover that
        return [], report
    # the admin's own message (text or {locale: text}) in the reader's language, else the catalogue's sentence
    message_code, params = ("error.rule.message", {"message": v.message}) if text_of(v.message) else \
        ("error.rule.not_satisfied", {"name": bilingual_text.quoted(v.name)})
    items = [w.form.coded(fid, message_code, code="validation", **params) for fid in v.fields] or \
        [ErrorItem.coded(message_code, path="/data", code="validation", **params)]
    for item in items:  # the rule's name (a text or per language) in the reader's language
        item.add_bilingual(rule=v.name).extra["validation"] = v.id
    return items, report


# -- the browser's copy ---------------------------------------------------------------------------

def rules_js(fr: FormRules) -> str:
    """A script setting ``window.formflowRules`` (and ``formflowRowRules``) for designer_ui/static/formfill.js."""
    def one(r: FormRule) -> str:
        effects = []
        for e in r.effects:
            item = {"field": e.field, **e.flags}
            if e.options is not None:
                item["options"] = e.options
            if e.has_value and e.formula is None:
                item["value"] = e.value
            js = json.dumps(item, ensure_ascii=False).replace("<", "\\u003c")
            if e.formula is not None:
                js = js[:-1] + (", " if len(item) else "") + f'"formula": {e.formula.js}' + "}"
            effects.append(js)
        when = r.when.js if r.when is not None else "function () { return true; }"
        head = json.dumps({"id": r.id, "name": r.name, **({"subtable": r.subtable} if r.subtable else {})}, ensure_ascii=False).replace("<", "\\u003c")
        return head[:-1] + f', "when": {when}, "effects": [{", ".join(effects)}]}}'

    def check(v: Validation) -> str:  # a submit validation, checked before the form is sent (validation_errors)
        head = json.dumps({"id": v.id, "name": v.name, "fields": v.fields, "message": v.message if text_of(v.message) else None},
                          ensure_ascii=False).replace("<", "\\u003c")
        when = v.when.js if v.when is not None else "null"
        return head[:-1] + f', "when": {when}, "condition": {v.condition.js}}}'

    rows = {sub: [one(r) for r in rules] for sub, rules in fr.row_rules.items()}
    return ("/* compiled by formflow (engine/formrules.py); needs engine/rules/runtime.js (FormflowRules) */\n"
            "window.formflowRules = [\n" + ",\n".join(one(r) for r in fr.rules) + "\n];\n"
            "window.formflowRowRules = {" + ", ".join(f"{json.dumps(sub)}: [{', '.join(items)}]" for sub, items in rows.items()) + "};\n"
            "window.formflowValidations = [\n" + ",\n".join(check(v) for v in fr.validations) + "\n];\n")


def rules_for(rt, app_key: str, form_key: str) -> tuple[Any, FormRules]:
    """The published form and its compiled rules."""
    with rt.db.read() as conn:
        form = form_service.compiled_form(rt, conn, app_key, form_key)
    return form, form.rules or FormRules()


#: this module's part in forms and writes (listed in ``engine.features``)
FEATURE = Feature("rules", artefact="rules", compile=_compile_rules, check_publish=_check_rules,
                  effects=effects_stage, assertions=validations_stage)
