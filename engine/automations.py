"""On-submit automations (自动操作): when a record is saved and a trigger matches, run an action.

An automation is ``{id, name, trigger: {on, fields?, when?}, action: {type, ...}}`` (docs/definitions.md).
Actions are small classes in the ``ACTIONS`` registry (``create_record``, ``update_record``,
``set_field``); each fills a mapping table (target field <- source field / constant / formula /
template) compiled once per published FormVersion. After-save actions run in the triggering
transaction, through the same record service (so rules, validation and audit apply, the audit naming
``automation:<name>`` as the actor) and are idempotent: ``create_record`` remembers the record it
created in ``automation_links`` and updates that same record when the source is edited. Chains that
could loop are refused at publish (a graph of form -> form writes); ``MAX_AUTOMATION_DEPTH`` guards the
rest at run time.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, ClassVar

import sqlalchemy as sa

from engine import bilingual_text, constant_values, i18n
from engine.errors import ErrorItem, FormflowError, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.relation import reference_target
from engine.formrules import evaluate, expect_for, publish_resolver, published_resolver, rule_context, rule_error_item
from engine.autofill import stored
from engine.pipeline import Feature
from engine.registry import Registry
from engine.rules import CompiledRule, RuleError, RuleScope, compile_rule
from engine.services import records as record_service
from engine.storage.automation_tables import automation_links
from engine.storage.tables import records
from engine.templating import TemplateError, VariableScope, compile_template
from engine.services.form_lookup import compiled_form

log = logging.getLogger(__name__)

#: deepest chain of automations triggering automations (A creates B whose automation updates C ...)
MAX_AUTOMATION_DEPTH = 5
#: values of the source record itself a mapping may use as ``"from"``
RECORD_VALUES = {"$id": lambda w: w.record_id, "$owner": lambda w: (w.row or {}).get("owner_id") or w.actor.user_id,
                 "$user": lambda w: w.actor.user_id}
#: trigger kinds
TRIGGERS = ("create", "update", "create_or_update", "field_changed")


@dataclass
class MapItem:
    field: str                 # target field id
    kind: str                  # from / value / formula / template
    source: Any                # source field id, constant, CompiledRule or CompiledTemplate
    target_type: str


@dataclass
class Automation:
    index: int
    id: str
    name: Any   # a text or {"en", "zh-CN"} (engine.bilingual_text)
    on: str
    fields: list[str]
    when: CompiledRule | None
    action: "Action"
    spec: dict
    mapping: list[MapItem] = field(default_factory=list)
    target_form: str | None = None

    @property
    def key(self) -> str:
        return self.id


class Action:
    """One kind of automation action. ``phase`` is when it runs: before or after the record is saved."""

    name: ClassVar[str] = ""
    phase: ClassVar[str] = "after_save"

    def target_form(self, spec: dict, definition: dict) -> str | None:
        """The form this action writes to (for the loop check); None for the record itself."""
        return None

    def check(self, spec: dict, path: str, definition: dict, all_definitions: dict) -> list[ErrorItem]:
        return []

    def run(self, w, auto: Automation, values: dict) -> dict:
        raise NotImplementedError

    def plan(self, w, auto: Automation, values: dict) -> dict:
        """What ``run`` would do, without doing it (dry-run)."""
        return {"values": values}


ACTIONS: Registry[Action] = Registry("automation action")


def _update_targets(w, auto: Automation, plan: dict, values: dict) -> dict:
    """Write ``values`` to every record of ``plan["target_records"]`` (in the target form) as the automation; the plan."""
    for rid in plan["target_records"]:
        _nested(w, auto, _words("error.automation.what_update", form=auto.target_form, id=rid), lambda actor: record_service.update_record(
            w.rt, actor, w.form.app_key, auto.target_form, rid, values, conn=w.conn))
    return plan


def _words(message_code: str, **params: Any) -> dict[str, str]:
    """A catalogue text in every language: a part of a bigger message (what an automation could not do)."""
    return {loc: i18n.render(message_code, loc, params) for loc in i18n.LOCALES}


def _both(error: ErrorItem | FormflowError) -> dict[str, str]:
    """An error's message in every language, to be told inside another message."""
    return {loc: error.localized(loc) for loc in i18n.LOCALES}


def _nested(w, auto: Automation, what: dict[str, str], call):
    """Run a write for an automation; its refusal becomes the triggering write's, naming the automation."""
    try:
        return call(w.actor.as_automation(bilingual_text.text_in(auto.name, i18n.DEFAULT_LOCALE)))
    except FormflowError as exc:
        name = bilingual_text.quoted(auto.name)
        items = [ErrorItem.coded("error.automation.could_not_because", path=f"/automations/{auto.index}/action{e.path}",
                                 field_id=e.field_id, code=e.code, extra={"automation": auto.id}, name=name, what=what,
                                 detail=_both(e)) for e in exc.errors] or \
                [ErrorItem.coded("error.automation.could_not_because", path=f"/automations/{auto.index}/action",
                                 code=exc.code, extra={"automation": auto.id}, name=name, what=what, detail=_both(exc))]
        params = {"name": name, "what": what}
        raise ValidationFailed(i18n.render("error.automation.could_not", "en", params), items,
                               message_code="error.automation.could_not", params=params) from None


@ACTIONS.register
class CreateRecord(Action):
    """Create a record in another form; later saves of the source update that same record."""

    name = "create_record"

    def target_form(self, spec, definition):
        return spec.get("form")

    def check(self, spec, path, definition, all_definitions):
        if spec.get("form") not in all_definitions:
            return [ErrorItem.coded("error.automation.no_form", path=path + "/form", code="not_found", form=repr(spec.get("form")))]
        return []

    def _link(self, w, auto):
        return w.conn.execute(sa.select(automation_links.c.target_record, records.c.deleted_at)
                              .join(records, records.c.id == automation_links.c.target_record)
                              .where(automation_links.c.automation == _link_key(w, auto),
                                     automation_links.c.source_record == w.record_id)).first()

    def plan(self, w, auto, values):
        link = self._link(w, auto) if w.record_id is not None else None
        if link is None:
            return {"mode": "create", "form": auto.target_form, "values": values}
        return {"mode": "skip" if link[1] else "update", "form": auto.target_form, "target_record": link[0], "values": values}

    def run(self, w, auto, values):
        plan = self.plan(w, auto, values)
        if plan["mode"] == "update":
            _nested(w, auto, _words("error.automation.what_update", form=auto.target_form, id=plan["target_record"]), lambda actor: record_service.update_record(
                w.rt, actor, w.form.app_key, auto.target_form, plan["target_record"], values, conn=w.conn))
        elif plan["mode"] == "create":
            rec = _nested(w, auto, _words("error.automation.what_create", form=auto.target_form), lambda actor: record_service.create_record(
                w.rt, actor, w.form.app_key, auto.target_form, values, conn=w.conn))
            w.conn.execute(sa.insert(automation_links).values(automation=_link_key(w, auto), source_record=w.record_id,
                                                              target_record=rec["id"], created_at=w.rt.clock.now()))
            plan["target_record"] = rec["id"]
        return plan


@ACTIONS.register
class UpdateRecord(Action):
    """Update the record(s) a reference field of the source points at."""

    name = "update_record"

    def target_form(self, spec, definition):
        ref = next((f for f in definition.get("fields", []) if f["id"] == spec.get("reference")), None)
        return (ref.get("options") or {}).get("form") if ref and FIELD_TYPES.get(ref["type"]).is_reference else None

    def check(self, spec, path, definition, all_definitions):
        if self.target_form(spec, definition) is None:
            return [ErrorItem.coded("error.automation.not_a_reference", path=path + "/reference", code="unknown_field",
                                    field=repr(spec.get("reference")))]
        ref = next(f for f in definition.get("fields", []) if f["id"] == spec.get("reference"))
        if reference_target(ref).app is not None:  # another app's form: its writes are not this app's automations'
            return [ErrorItem.coded("error.definition.reference_write_other_app", path=path + "/reference", field=repr(spec.get("reference")))]
        return []

    def plan(self, w, auto, values):
        ref = w.values.get(auto.spec["reference"])
        ids = [ref] if isinstance(ref, int) else [i for i in ref if isinstance(i, int)] if isinstance(ref, list) else []
        return {"mode": "update" if ids else "skip", "form": auto.target_form, "target_records": ids, "values": values}

    def run(self, w, auto, values):
        plan = self.plan(w, auto, values)
        return _update_targets(w, auto, plan, values)


@ACTIONS.register
class UpdateMatching(Action):
    """Update every live record of ``form`` whose fields equal this record's: ``match: [{field, from}]``."""

    name = "update_matching"

    #: most records one run may update (a filter matching more is refused, nothing is written)
    MAX_MATCHED = 500

    def target_form(self, spec, definition):
        return spec.get("form")

    def check(self, spec, path, definition, all_definitions):
        target = all_definitions.get(spec.get("form"))
        if target is None:
            return [ErrorItem.coded("error.automation.no_form", path=path + "/form", code="not_found", form=repr(spec.get("form")))]
        mine = {f["id"] for f in definition.get("fields", [])} | set(RECORD_VALUES)
        theirs = {f["id"] for f in target.get("fields", [])}
        problems = [] if spec.get("match") else [ErrorItem.coded("error.automation.match_required", path=path + "/match")]
        for j, m in enumerate(spec.get("match") or []):
            if m.get("field") not in theirs:
                problems.append(ErrorItem.coded("error.automation.not_a_field_of", path=f"{path}/match/{j}/field",
                                                field=repr(m.get("field")), form=repr(spec["form"])))
            if m.get("from") not in mine:
                problems.append(ErrorItem.coded("error.automation.not_a_field", path=f"{path}/match/{j}/from",
                                                field=repr(m.get("from"))))
        return problems

    def plan(self, w, auto, values):

        target = compiled_form(w.rt, w.conn, w.form.app_key, auto.target_form)
        wanted = {m["field"]: (RECORD_VALUES[m["from"]](w) if m["from"] in RECORD_VALUES else w.values.get(m["from"]))
                  for m in auto.spec.get("match") or []}
        query = sa.select(records.c.id, records.c.data).where(records.c.form_id == target.form_id, records.c.deleted_at.is_(None))
        for k, v in wanted.items():  # narrow in SQL where the value's JSON reading is portable; exact check below
            if isinstance(v, str):
                query = query.where(records.c.data[k].as_string() == v)
            elif isinstance(v, int) and not isinstance(v, bool):
                query = query.where(records.c.data[k].as_integer() == v if w.conn.dialect.name == "sqlite"
                                    else records.c.data[k].as_string() == str(v))
        ids = [rid for rid, data in w.conn.execute(query.order_by(records.c.id))
               if all(data.get(k) == v for k, v in wanted.items()) and rid != w.record_id]
        return {"mode": "update" if ids else "skip", "form": auto.target_form, "target_records": ids, "values": values}

    def run(self, w, auto, values):
        plan = self.plan(w, auto, values)
        if len(plan["target_records"]) > self.MAX_MATCHED:
            params = {"name": bilingual_text.quoted(auto.name), "n": len(plan["target_records"]), "max": self.MAX_MATCHED}
            raise ValidationFailed(i18n.render("error.automation.matches_too_many", "en", params),
                                   [ErrorItem.coded("error.automation.too_many_records", path=f"/automations/{auto.index}/action/match")],
                                   message_code="error.automation.matches_too_many", params=params)
        return _update_targets(w, auto, plan, values)


@ACTIONS.register
class SetField(Action):
    """Set fields of the record being saved (before it is saved)."""

    name = "set_field"
    phase = "before_save"

    def run(self, w, auto, values):
        values = _settable(w, auto, values)
        w.values.update(values)
        return {"mode": "set", "values": values}

    def plan(self, w, auto, values):
        return {"mode": "set", "values": values}


def _settable(w, auto: Automation, values: dict) -> dict:
    """``values`` as the record's own check takes them: each through its field type's shape check and normalisation,
    and the ids a new value names (people, records, uploads) existing in the workspace (``record_service.reference_errors``
    of just these values; one look-up per such field, none when the value is the one the record holds). A value that
    does not pass refuses the save (422 at the field's path, ``error.automation.set_value_refused`` naming the automation
    and the reason) instead of being stored; a member field's limit is checked after the automations
    (``member_limits.refuse_filled_outside_limit``)."""
    normalized, errors = w.form.validate(values)
    bad = {e.field_id for e in errors}
    fresh = {k: v for k, v in normalized.items() if k not in bad}
    errors += record_service.reference_errors(SimpleNamespace(form=w.form, conn=w.conn, rt=w.rt, actor=w.actor, values=fresh,
                                                              before={k: w.values.get(k) for k in fresh}))
    if not errors:
        return normalized
    name = bilingual_text.quoted(auto.name)
    items = [ErrorItem.coded("error.automation.set_value_refused", path=e.path, field_id=e.field_id, label=w.form.labels(e.field_id)
                             if e.field_id else None, code=e.code, extra={"automation": auto.id}, name=name, detail=_both(e))
             for e in errors]
    params = {"form": w.form.key, "detail": {loc: "; ".join(e.localized(loc) for e in items) for loc in i18n.LOCALES}}
    raise ValidationFailed(i18n.render("error.record.invalid_because", "en", params), items,
                           message_code="error.record.invalid_because", params=params)


def _link_key(w, auto: Automation) -> str:
    return f"{w.form.form_id}:{auto.id}"


# -- compiling --------------------------------------------------------------------------------------

def compile_automations(definition: dict, all_fields_of, *, check_forms: dict | None = None) -> tuple[list[Automation], list[ErrorItem]]:
    """Compile a form's automations. ``all_fields_of(key)`` gives a form's fields (the resolver)."""
    fields = definition.get("fields", [])
    by_id = {f["id"]: f for f in fields}
    by_name = {f.get("name", f["id"]): f for f in fields if not f.get("deleted")}
    scope = RuleScope.from_fields(fields, all_fields_of)
    vscope = None
    out, errors = [], []
    for i, spec in enumerate(definition.get("automations") or []):
        path = f"/automations/{i}"
        if spec.get("enabled") is False:
            continue
        name = spec.get("name") or spec.get("id") or f"automation {i + 1}"
        trigger, action_spec = spec.get("trigger") or {}, spec.get("action") or {}
        if action_spec.get("type") not in ACTIONS:
            errors.append(ErrorItem.coded("error.automation.unknown_action", path=path + "/action/type", name=bilingual_text.quoted(name),
                                          action=repr(action_spec.get("type")), known=", ".join(ACTIONS.names())))
            continue
        action = ACTIONS.get(action_spec["type"])
        if check_forms is not None:
            problems = action.check(action_spec, path + "/action", definition, check_forms)
            if problems:
                errors += problems
                continue
        when = None
        if trigger.get("when"):
            try:
                when = compile_rule(trigger["when"], scope, name=bilingual_text.text_in(name, i18n.DEFAULT_LOCALE), expect="boolean")
            except RuleError as exc:
                errors.append(rule_error_item(exc.located(rule=name) if bilingual_text.is_bilingual(name) else exc,
                                              path + "/trigger/when"))
        watched = []
        for j, fid in enumerate(trigger.get("fields") or []):
            f = by_id.get(fid) or by_name.get(fid)
            if f is None:
                errors.append(ErrorItem.coded("error.automation.watches_unknown", path=f"{path}/trigger/fields/{j}",
                                              field_id=fid, code="unknown_field", name=bilingual_text.quoted(name), field=repr(fid)))
            else:
                watched.append(f["id"])
        target_key = action.target_form(action_spec, definition)
        target_fields = fields if target_key is None else (all_fields_of(target_key) or [])
        targets = {f["id"]: f for f in target_fields if not f.get("deleted")}
        auto = Automation(i, spec.get("id") or f"a{i + 1}", name, trigger.get("on") or "create_or_update", watched, when,
                          action, action_spec, target_form=target_key)
        for j, item in enumerate(action_spec.get("map") or []):
            ipath = f"{path}/action/map/{j}"
            target = targets.get(item.get("field"))
            if target is None or FIELD_TYPES.get(target["type"]).engine_set:
                what = _words("error.automation.form_named", form=repr(target_key)) if target_key else \
                    _words("error.automation.this_form")
                errors.append(ErrorItem.coded("error.automation.not_writable", path=ipath + "/field", field_id=item.get("field"),
                                              code="unknown_field", name=bilingual_text.quoted(name), field=repr(item.get("field")), what=what))
                continue
            label = f"{bilingual_text.text_in(name, i18n.DEFAULT_LOCALE)}: {target['id']}"
            if item.get("from") in RECORD_VALUES:
                auto.mapping.append(MapItem(target["id"], "record", item["from"], target["type"]))
            elif "from" in item:
                src = by_id.get(item["from"]) or by_name.get(item["from"])
                if src is None or src.get("deleted"):
                    errors.append(ErrorItem.coded("error.automation.from_not_a_field", path=ipath + "/from", code="unknown_field",
                                                  name=bilingual_text.quoted(name), field=repr(item["from"])))
                    continue
                auto.mapping.append(MapItem(target["id"], "from", src["id"], target["type"]))
            elif "formula" in item:
                try:
                    rule = compile_rule(item["formula"], scope, name=label, expect=expect_for(target["type"]))
                except RuleError as exc:
                    errors.append(rule_error_item(exc, ipath + "/formula"))
                    continue
                auto.mapping.append(MapItem(target["id"], "formula", rule, target["type"]))
            elif "template" in item:
                vscope = vscope or VariableScope.from_fields(fields, all_fields_of)
                try:
                    tpl = compile_template(item["template"], vscope, name=label, kind="text")
                except TemplateError as exc:
                    errors.append(ErrorItem.coded("error.automation.template", path=ipath + "/template", code="template_invalid",
                                                  name=bilingual_text.quoted(name), detail=exc.described()))
                    continue
                auto.mapping.append(MapItem(target["id"], "template", tpl, target["type"]))
            elif "value" in item:
                if not constant_values.fits(target, item["value"]):
                    errors.append(ErrorItem.coded("error.automation.value_does_not_fit", path=ipath + "/value", name=bilingual_text.quoted(name),
                                                  value=repr(item["value"]), field=repr(target["id"])))
                    continue
                auto.mapping.append(MapItem(target["id"], "value", item["value"], target["type"]))
            else:
                errors.append(ErrorItem.coded("error.automation.value_source_required", path=ipath, name=bilingual_text.quoted(name)))
        out.append(auto)
    return out, errors


def loop_errors(form_key: str, all_definitions: dict[str, dict]) -> list[ErrorItem]:
    """Automation chains through *form_key* that come back to it (A -> B -> A), one error each."""
    edges: dict[str, list[tuple[str, str, int]]] = {}
    for key, d in all_definitions.items():
        for i, spec in enumerate(d.get("automations") or []):
            a = spec.get("action") or {}
            if a.get("type") in ACTIONS and spec.get("enabled") is not False:
                target = ACTIONS.get(a["type"]).target_form(a, d)
                if target:
                    edges.setdefault(key, []).append((target, spec.get("name") or spec.get("id") or f"automation {i + 1}", i))
    errors = []
    for target, name, i in edges.get(form_key, []):
        path = _path_back(target, form_key, edges, [(form_key, name)], {form_key})
        if path is not None:
            chain = " -> ".join([k for k, _ in path] + [form_key])
            who = "; ".join(f"{k}: {bilingual_text.text_in(n, i18n.DEFAULT_LOCALE)!r}" for k, n in path)
            field = "form" if (all_definitions[form_key]["automations"][i].get("action") or {}).get("type") == "create_record" else "reference"
            errors.append(ErrorItem.coded("error.automation.loop", path=f"/automations/{i}/action/{field}",
                                          code="automation_loop", extra={"forms": [k for k, _ in path]}, chain=chain, who=who))
    return errors


def _path_back(node, goal, edges, trail, seen):
    if node == goal:
        return trail
    if node in seen:
        return None
    seen = seen | {node}
    for target, name, _ in edges.get(node, []):
        found = _path_back(target, goal, edges, trail + [(node, name)], seen)
        if found is not None:
            return found
    return None


def _check(rt, conn, app, definition, all_definitions) -> list[ErrorItem]:
    if not definition.get("automations"):
        return []
    resolve = publish_resolver(conn, app, definition, all_definitions)
    autos, errors = compile_automations(definition, resolve, check_forms=all_definitions)
    return errors + loop_errors(definition["key"], all_definitions) + _constant_people_errors(rt, conn, autos, resolve, definition)


def _constant_people_errors(rt, conn, autos: list[Automation], resolve, definition: dict) -> list[ErrorItem]:
    """A constant person an action writes into a member field (``{"field", "value": <user id>}``), known at publish: one
    that is no person of the workspace (``error.automation.value_no_user``) or one the field's limit does not allow
    (``error.automation.value_outside_limit``) is refused at ``/automations/<i>/action/map/<j>/value``, as the save
    would refuse every run. One look-up per such constant; none for an automation without one."""
    errors = []
    for auto in autos:
        targets = {f.get("id"): f for f in (resolve(auto.target_form) if auto.target_form else definition.get("fields")) or []
                   if isinstance(f, dict) and not f.get("deleted")}
        for j, item in enumerate(auto.spec.get("map") or []):
            f = targets.get(item.get("field")) if isinstance(item, dict) and item.get("value") is not None else None
            ftype = FIELD_TYPES.get(f["type"]) if f is not None and f.get("type") in FIELD_TYPES else None
            if ftype is None or not ftype.is_user or not any(m.field == f["id"] and m.kind == "value" for m in auto.mapping):
                continue
            found = constant_values.people_problem(rt, conn, f, item["value"])
            if found:
                errors.append(ErrorItem.coded("error.automation.value_no_user" if found[0] == constant_values.NO_USER
                                              else "error.automation.value_outside_limit",
                                              path=f"/automations/{auto.index}/action/map/{j}/value", field_id=f["id"],
                                              code="not_found" if found[0] == constant_values.NO_USER else "outside_limit",
                                              extra={"automation": auto.id}, name=bilingual_text.quoted(auto.name),
                                              field=repr(f["id"]), ids=", ".join(map(str, found[1]))))
    return errors


def _compile(rt, conn, compiled) -> list[Automation] | None:
    if not compiled.definition.get("automations"):
        return None
    autos, errors = compile_automations(compiled.definition, published_resolver(conn, compiled.form_id))
    if errors:
        log.warning("form %s v%s: automation problems: %s", compiled.key, compiled.version, errors[0].message)
    return autos


# -- running ----------------------------------------------------------------------------------------

def triggered(w, auto: Automation) -> tuple[bool, str, dict]:
    """Whether *auto* fires for this write, and why (or why not): a catalogue code (``dryrun.why.``) and its params."""
    if w.action not in ("create", "update"):
        return False, "dryrun.why.not_a_trigger", {}
    if auto.on == "create" and w.action != "create":
        return False, "dryrun.why.only_create", {}
    if auto.on == "update" and w.action != "update":
        return False, "dryrun.why.only_update", {}
    changed = w.changed
    if w.action == "update" and not changed:
        return False, "dryrun.why.nothing_changed", {}
    if auto.on == "field_changed" and not (changed & set(auto.fields)):
        return False, "dryrun.why.fields_unchanged", {"fields": ", ".join(auto.fields)}
    ok, why = evaluate(auto.when, w.values, rule_context(w))
    if why is not None:  # the reason in each language, as the catalogue words it
        reason = {loc: why.localized(loc) for loc in i18n.LOCALES}
        return False, "dryrun.why.condition_failed", {"reason": reason}
    if ok is not True:
        return False, "dryrun.why.condition_false", {"condition": auto.when.source}
    return True, "dryrun.why.matches", {}


def mapped_values(w, auto: Automation) -> dict:
    ctx = rule_context(w)
    out = {}
    variables = None
    for m in auto.mapping:
        if m.kind == "from":
            out[m.field] = w.values.get(m.source)
        elif m.kind == "record":
            out[m.field] = RECORD_VALUES[m.source](w)
        elif m.kind == "value":
            out[m.field] = m.source
        elif m.kind == "formula":
            value, _ = evaluate(m.source, w.values, ctx)
            out[m.field] = stored(value, m.target_type)
        else:
            variables = variables or template_variables(w)
            try:
                out[m.field] = m.source.render(variables, tz=w.rt.timezone)
            except TemplateError as exc:
                params = {"name": bilingual_text.quoted(auto.name), "detail": exc.described()}
                raise ValidationFailed(i18n.render("error.automation.template", "en", params), [ErrorItem.coded(
                    "error.template.problem", path=f"/automations/{auto.index}/action", code="template_invalid",
                    detail=params["detail"])], message_code="error.automation.template", params=params) from None
    return out


def template_variables(w) -> dict:
    """``{"record": {<field name>: value, "id"}, "now"}`` with references as the referenced record's fields."""
    ctx = rule_context(w)
    resolve = published_resolver(w.conn, w.form.form_id)
    record: dict[str, Any] = {"id": w.record_id}
    for f in w.form.live_fields:
        value = w.values.get(f["id"])
        if FIELD_TYPES.get(f["type"]).is_reference and isinstance(value, int):
            store = FIELD_TYPES.get(f["type"]).linked_store(f)  # ``app/form``: another app's form
            data = ctx.load_reference(store, value) or {}
            names = {t["id"]: t.get("name", t["id"]) for t in resolve(store) or []}
            value = {"id": value, **{names.get(k, k): v for k, v in data.items()}}
        record[f.get("name", f["id"])] = value
    return {"record": record, "now": ctx.now}


def _run(w, phase: str) -> None:
    autos: list[Automation] = w.form.automations or []
    due = [a for a in autos if a.action.phase == phase]
    if not due:
        return
    for auto in due:
        fires = triggered(w, auto)[0]
        if not fires:
            continue
        if w.actor.depth >= MAX_AUTOMATION_DEPTH:
            params = {"max": MAX_AUTOMATION_DEPTH, "name": bilingual_text.quoted(auto.name)}
            raise ValidationFailed(i18n.render("error.automation.chained_too_deep", "en", params),
                                   [ErrorItem.coded("error.automation.depth", path=f"/automations/{auto.index}",
                                                    code="automation_depth", name=bilingual_text.quoted(auto.name), depth=w.actor.depth + 1)],
                                   message_code="error.automation.chained_too_deep", params=params)
        result = auto.action.run(w, auto, mapped_values(w, auto))
        w.automations_run.append({"id": auto.id, "name": auto.name, **result})


def before_save_stage(w) -> None:
    _run(w, "before_save")


def after_save_stage(w) -> None:
    _run(w, "after_save")


def plan(w) -> list[dict]:
    """Dry-run: for every automation, whether it fires, why, and what it would write."""
    out = []
    for auto in w.form.automations or []:
        fires, code, params = triggered(w, auto)
        item = {"id": auto.id, "name": auto.name, "action": auto.action.name, "triggered": fires,
                "why": i18n.render(code, i18n.DEFAULT_LOCALE, params), "why_code": code, "why_params": params}
        if fires:
            item.update(auto.action.plan(w, auto, mapped_values(w, auto)))
        out.append(item)
    return out


def _check_save(rt, conn, app, definition, all_definitions) -> list[ErrorItem]:
    return _safe_loop_errors(definition, all_definitions)


def _safe_loop_errors(definition: dict, all_definitions: dict[str, dict]) -> list[ErrorItem]:
    """The loop check at draft save; half-written automations (no action yet) are simply not edges."""
    try:
        return loop_errors(definition["key"], all_definitions)
    except (KeyError, TypeError, AttributeError):
        return []  # malformed parts are reported in full at publish


#: this module's part in forms and writes (listed in ``engine.features``)
FEATURE = Feature("automations", artefact="automations", compile=_compile, check_publish=_check, check_save=_check_save,
                  fill=before_save_stage, after_save=after_save_stage)
