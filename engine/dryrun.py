"""Dry-run: what a submit would do, without writing anything.

Runs the front half of the record write path (defaults, fetches, effects, hidden-value drop, schema
validation, required, reference checks, submit validations, computed values) on a read connection and
asks each automation what it would do. The answer says what is shown, required, read-only, filled,
refused and created, and *why*: for every rule and trigger condition that did not hold, the parts of
it (top-level ``and`` clauses) that were false.

The caller's read gate applies as on a real write: a record they may not update answers as the update would
(404 out of their scope), and the values it shows, its own and those an automation would write elsewhere, leave
out the fields their role hides.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import sqlalchemy as sa

from engine import automations as automation_area
from engine.autofill import computed_stage
from engine.formrules import FormRules, evaluate, rule_context, validation_errors
from engine.rules import RuleError, RuleScope, compile_rule
from engine.rules.errors import localize_reports
from engine.runtime import Actor, Runtime
from engine.services import records as rs
from engine.services.form_lookup import compiled_form
from engine.services.record_input import keyed
from engine.services import reference_targets
from engine.errors import DefinitionInvalid, FormflowError
from engine.formrules import publish_resolver
from engine.services.form_lookup import form_row
from engine.storage.tables import forms as forms_table

#: why an automation did not fire that its condition explains, clause by clause
CONDITION_WHYS = ("dryrun.why.condition_false", "dryrun.why.condition_failed")
#: most ``and`` clauses explained per condition
MAX_EXPLAINED_CLAUSES = 20


def dry_run(rt: Runtime, actor: Actor, app_key: str, form_key: str, data: Any, *, record_id: int | None = None,
            draft: dict | None = None, as_submitted: bool = False, locale: str | None = None) -> dict:
    """*draft*: a form definition as edited on screen (unsaved); its automations run instead of the published ones.
    *as_submitted* (with *record_id*): the record's own values evaluated as a submit of them (create triggers fire),
    after the same access check as an edit of it. *locale*: the reader's language of the refusals and of why a rule,
    a validation or a clause could not be evaluated (None: English, with their codes)."""
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        if draft is not None:
            form = copy.copy(form)  # the cached published form stays as it is
            form.automations = draft_automations(rt, conn, app_key, form_key, draft)
        before = None
        if record_id is not None:
            row = rs.live_row(conn, form, record_id)
            rs.check_access(rt, conn, actor, form, "update", row)  # as the update itself: 404 out of scope, 403 read-only
            before = dict(row["data"])
        if as_submitted and before is not None:  # the picked record as if submitted now: its values, create triggers fire
            inputs = {f["id"] for f in form.input_fields}
            data, before = {k: v for k, v in before.items() if k in inputs and v is not None}, None
        w = rs.Write(rt, conn, actor, form, "update" if before is not None else "create", keyed(form, data), before, record_id=record_id)
        rs.refuse_unknown_and_engine_set(w)
        w.values = {**(before or {}), **w.incoming}
        if w.action == "create":
            rs.apply_defaults(w)
        for stage in rt.pipeline.defaults + rt.pipeline.effects:  # formula defaults, fetches; rules, protected fields
            stage(w)
        keep = (form.settings.get("hidden_values") or "drop") == "keep"
        dropped = [] if keep else sorted(fid for fid, shown in w.visible.items() if not shown and w.values.get(fid) is not None)
        rs.drop_hidden(w)
        shape = {fid: w.values.get(fid) for fid in form.schema["properties"] if fid in w.values}
        normalized, errors = form.validate(shape)
        w.errors += errors
        bad = {e.field_id for e in w.errors}
        w.values.update({k: v for k, v in normalized.items() if k not in bad})
        w.errors += [e for e in rs.required_errors(w) if e.field_id not in bad]
        fr: FormRules = form.rules or FormRules()
        ctx = rule_context(w)
        validations = []
        if not w.errors:
            w.errors += rs.reference_errors(w)
        for v in fr.validations:
            items, report = validation_errors(w, v, ctx)
            if report["applies"] and report["passed"] is False:
                report["why"] = explain(v.condition.source, fr.scope, w.values, ctx)
            elif not report["applies"] and v.when is not None:
                report["why"] = explain(v.when.source, fr.scope, w.values, ctx)
            validations.append(report)
            if not any(e.code == "validation" and e.extra.get("validation") == v.id for e in w.errors):
                w.errors += items
        computed_stage(w)
        st = w.rule_state
        rules = []
        for r, seen in zip(fr.rules, st.matched if st else []):
            item = dict(seen)
            if not seen["matched"] and r.when is not None:
                item["why"] = explain(r.when.source, fr.scope, w.values, ctx)
            rules.append(item)
        autos = automation_area.plan(w) if not w.errors else []
        for item, auto in zip(autos, w.form.automations or []):
            if not item["triggered"] and auto.when is not None and item["why_code"] in CONDITION_WHYS:
                item["clauses"] = explain(auto.when.source, fr.scope, w.values, ctx)
        fields = {}
        for f in form.live_fields:
            fid = f["id"]
            shown = w.visible.get(fid, True)
            fields[fid] = {"visible": shown, "required": bool(w.required.get(fid, bool(f.get("required"))) and shown),
                           "readonly": w.readonly.get(fid, False)}
            if st and fid in st.options:
                fields[fid]["options"] = st.options[fid]
        rows = {sub: [{"visible": rs_.visible, "required": rs_.required, "readonly": rs_.readonly, "options": rs_.options,
                       "rules": rs_.matched} for rs_ in states] for sub, states in w.row_states.items()}
        hidden = rs.hidden_fields(rt, conn, actor, form)
        for item in autos:  # what an automation would write elsewhere, as the caller may read that form
            _drop_hidden_values(rt, conn, actor, app_key, item.get("form") or form_key, item)
        return {"action": w.action, "valid": not w.errors,
                "values": {k: v for k, v in w.values.items() if v is not None and k not in hidden},
                "fields": fields, "rows": localize_reports(rows, locale), "dropped": dropped,
                "errors": [e.to_dict(locale) for e in w.errors], "rules": localize_reports(rules, locale),
                "validations": localize_reports(validations, locale), "automations": localize_reports(autos, locale)}


def draft_automations(rt: Runtime, conn, app_key: str, form_key: str, definition: dict) -> list:
    """The automations of an unsaved definition, checked and compiled as publishing would, or DefinitionInvalid
    naming every problem by its path."""
    app, _ = form_row(conn, rt, app_key, form_key)
    definition = {**definition, "key": form_key}
    siblings = {k: d for k, d in conn.execute(sa.select(forms_table.c.key, forms_table.c.draft).where(
        forms_table.c.app_id == app["id"])).all() if k != form_key}
    everything = {**siblings, form_key: definition}
    errors = reference_targets.check_definition(conn, rt, definition, siblings, app_key)
    if not errors:
        for check in rt.pipeline.publish_checks:  # the features' checks, as on publish
            errors += check(rt, conn, app, definition, everything)
    if errors:
        raise DefinitionInvalid(f"the draft of form {form_key!r} can't be compiled", errors,
                                message_code="error.dryrun.draft", params={"form": repr(form_key)})
    autos, errors = automation_area.compile_automations(definition, publish_resolver(conn, app, definition, everything),
                                                        check_forms=everything)
    if errors:
        raise DefinitionInvalid(f"the draft of form {form_key!r} can't be compiled", errors,
                                message_code="error.dryrun.draft", params={"form": repr(form_key)})
    return autos


def _drop_hidden_values(rt: Runtime, conn, actor: Actor, app_key: str, target_key: str, item: dict) -> None:
    """An automation's planned values without the fields of its target form the actor may not see."""

    values = item.get("values")
    if not isinstance(values, dict):
        return
    try:
        target = compiled_form(rt, conn, app_key, target_key)
    except FormflowError:
        item["values"] = {}
        return
    hidden = rs.hidden_fields(rt, conn, actor, target)
    item["values"] = {k: v for k, v in values.items() if k not in hidden}


def clauses(text: str) -> list[str]:
    """The top-level ``and`` clauses of a condition (outside brackets and quotes)."""
    parts, depth, quote, start, i = [], 0, None, 0, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and re.match(r"(?<![A-Za-z0-9_])and(?![A-Za-z0-9_])", text[i:i + 4]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            parts.append(text[start:i])
            start = i + 3
            i += 3
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def explain(text: str, scope: RuleScope | None, values: dict, ctx) -> list[dict]:
    """Each top-level clause of *text* with its value: which part made the condition false."""
    if scope is None:
        return []
    out = []
    for part in clauses(text)[:MAX_EXPLAINED_CLAUSES]:
        try:
            rule = compile_rule(part, scope, name="why", expect="boolean")
        except RuleError:
            continue
        value, why = evaluate(rule, values, ctx)
        out.append({"clause": part, "value": value, **(why.report() if why else {})})
    return out
