"""Compiling a workflow definition once, at publish time, and caching it by version.

``compile_workflow`` checks a definition against ``schemas/workflow.schema.json``
and then against the app: the form and fields exist and have the right
types, timing parses (offsets, cron, zones), rule conditions compile,
templates are published, webhook addresses pass the SSRF guard. Every
problem is an ``ErrorItem`` with its JSON path; nothing is left to fail at
run time. ``live_workflows`` gives the enabled, published workflows of a
form, compiled, for the save hook and the scheduler.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
import sqlalchemy as sa

from engine import constant_values, i18n
from engine.definitions import CompiledForm, json_pointer, shape_code
from engine.errors import DefinitionInvalid, ErrorItem, FormflowError, NotFound
from engine.rules import RuleContext, RuleError, RuleEvaluationError, RuleScope, compile_rule
from engine.storage.tables import apps, forms, records, users
from engine.services.team_managers import managers_of
from engine.workflows.steps import ids_in, compile_steps, CompiledStep, RunContext
from engine.workflows.tables import workflow_versions, workflows
from engine.workflows.triggers import TRIGGERS, CompiledTrigger
from engine import secrets
from engine.notifications.channels import CHANNELS, ConfigProblem
from engine.notifications.netguard import BadAllowlistEntry
from engine.services import queries, templates
from engine.services.form_lookup import compiled_form
from engine.templating import compile_template, TemplateError, VariableScope
from engine.workflows.outbox import ALLOWLIST_CONFIG

#: Kind of the compiled workflow versions in the runtime's cache (``engine.cache``).
CACHE_KIND = "workflow"
#: Step types that change records.
RECORD_WRITING_STEPS = frozenset({"set_field", "create_record", "update_record"})
#: Default catch-up window: a firing found later than this is skipped, with the reason logged.
DEFAULT_CATCH_UP_MINUTES = 60


@lru_cache(maxsize=None)
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("schemas").joinpath("workflow.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


def shape_errors(definition: Any) -> list[ErrorItem]:
    """JSON Schema problems, one per place, with the JSON path."""
    items, seen = [], set()
    for err in sorted(_validator().iter_errors(definition), key=lambda e: list(map(str, e.absolute_path))):
        best = jsonschema.exceptions.best_match([err]) if err.context else err
        path = json_pointer(list(best.absolute_path))
        if best.validator == "required":
            missing = best.message.split("'")[1] if "'" in best.message else ""
            path, message_code, params = f"{path}/{missing}", "error.field.required", {}
        else:
            message_code, params = shape_code(best)
        item = ErrorItem.coded(message_code, path=path, code="invalid", **params)
        if (path, item.message) not in seen:
            seen.add((path, item.message))
            items.append(item)
    return items


class CompileContext:
    """What compiling one definition needs: the app, its form, where errors go."""

    def __init__(self, rt, conn, app_key: str, definition: dict):
        self.rt, self.conn, self.app_key = rt, conn, app_key
        self.key = definition.get("key", "")
        self.errors: list[ErrorItem] = []
        self.step_ids: set[str] = set()
        self.form: CompiledForm | None = self._form(definition.get("form"), "/form")
        self._rule_scope = None

    def _form(self, form_key, path) -> CompiledForm | None:

        try:
            return compiled_form(self.rt, self.conn, self.app_key, form_key)
        except NotFound:
            self.errors.append(ErrorItem.coded("error.workflow.form_not_published", path=path, code="not_found",
                                               form=repr(form_key), app=repr(self.app_key)))
            return None

    def other_form(self, form_key, path) -> CompiledForm | None:
        return self._form(form_key, path)

    def resolve_fields(self, form_key: str):

        try:
            return compiled_form(self.rt, self.conn, self.app_key, form_key).fields
        except NotFound:
            return None

    def require_field(self, fid, path, form: CompiledForm | None = None) -> dict | None:
        form = form or self.form
        if form is None:
            return None
        fld = form.by_id.get(fid) if isinstance(fid, str) else None
        if fld is None or fld.get("deleted"):
            self.errors.append(ErrorItem.coded("error.options.not_field_of_form", path=path, code="unknown_field",
                                               field_id=fid if isinstance(fid, str) else None, field=repr(fid), form=repr(form.key)))
            return None
        return fld

    def condition(self, text, path):
        if not text or self.form is None:
            return None
        if self._rule_scope is None:
            self._rule_scope = RuleScope.from_fields(self.form.fields, self.resolve_fields, key=self.form.key)
        try:
            return compile_rule(text, self._rule_scope, name=f"{self.key} condition", expect="boolean")
        except RuleError as exc:
            self.errors.append(ErrorItem.coded("error.workflow.condition", path=path, code="rule_invalid",
                                               name=repr(exc.rule), detail={loc: exc.localized(loc) for loc in i18n.LOCALES},
                                               where={loc: i18n.render("error.workflow.line_column", loc, {
                                                   "line": exc.line, "column": exc.column}) for loc in i18n.LOCALES}
                                               if exc.line is not None else ""))
            return None

    def check_filters(self, filters: list[dict], path: str) -> None:
        if self.form is None:
            return

        errors: list[ErrorItem] = []
        for i, f in enumerate(filters):
            try:
                queries.filter_clause(self.form, queries.Filter(f["field"], f["op"], f.get("value")), self.conn.dialect.name,
                                       f"{path}/{i}", errors)
            except (KeyError, ValueError, TypeError, AttributeError) as exc:
                errors.append(ErrorItem.coded("error.workflow.filter_invalid", path=f"{path}/{i}", detail=str(exc)))
        self.errors += errors

    def check_channel(self, name: str, config: dict, path: str) -> None:

        if name not in CHANNELS:
            return
        kind = CHANNELS.get(name)
        given = set(config)
        config = self.secret_texts(config, path)
        if config is None:
            return
        check = getattr(kind.cls, "check_config", None)
        try:
            problems = check(config, self.rt.config.get(ALLOWLIST_CONFIG) or None) if check else kind.config_problems(config)
        except BadAllowlistEntry as exc:  # a bad allow-list in server configuration
            problems = [ConfigProblem("url", "error.webhook.allowlist_entry", {"entry": repr(exc.entry)})]
        if getattr(kind.cls, "url_required", False) and "url" not in given:
            problems.append(ConfigProblem("url", "error.field.required"))
        self.errors.extend(problem.item(path) for problem in problems)

    def secret_texts(self, config: dict, path: str) -> dict | None:
        """Settings with stored secrets decrypted for the check; a mask not yet resolved to a stored secret (the
        validate call) is left out of it. None when a stored secret is unavailable (the error is recorded)."""

        handles = {k: v["$secret"] for k, v in config.items() if secrets.is_handle(v)}
        try:
            texts = secrets.reveal(self.conn, self.rt, handles.values()) if handles else {}
        except secrets.SecretUnavailable as exc:
            self.errors.append(ErrorItem.coded("error.workflow.problem", path=path, code="secret_unavailable",
                                               detail={loc: exc.localized(loc) for loc in i18n.LOCALES}))
            return None
        return {k: texts[handles[k]] if k in handles else v for k, v in config.items()
                if k in handles or not secrets.is_mask(v)}

    def check_template(self, key: str, path: str) -> None:

        try:
            published = templates.get_published(self.conn, self.rt, self.app_key, key)
        except FormflowError as exc:
            self.errors.append(ErrorItem.coded("error.workflow.problem", path=path, code=exc.code,
                                               detail={loc: exc.localized(loc) for loc in i18n.LOCALES}))
            return
        if self.form is not None and published.form_key != self.form.key:
            self.errors.append(ErrorItem.coded("error.workflow.template_other_form", path=path, code="wrong_form", key=repr(key),
                                               form=repr(published.form_key), own=repr(self.form.key)))

    def inline_message(self, message: dict, path: str, name: str) -> dict:

        if self.form is None:
            return {}
        scope = VariableScope.from_fields(self.form.fields, self.resolve_fields)
        out = {}
        for part in ("subject", "body"):
            if part in message:
                try:
                    out[part] = compile_template(message[part], scope, name=f"{name}.{part}")
                except TemplateError as exc:
                    self.errors.append(ErrorItem.coded("error.workflow.problem", path=f"{path}/{part}", code="template_invalid",
                                                       detail={loc: exc.errors[0].localized(loc) for loc in i18n.LOCALES}))
        return out

    def check_values(self, values: dict, target: CompiledForm | None, path: str, step_id: str | None = None) -> None:
        for fid, entry in values.items():
            if target is not None:
                fld = self.require_field(fid, f"{path}/{fid}", target)
                if fld is not None and "value" in entry:
                    self.check_constant(fld, entry["value"], f"{path}/{fid}/value", step_id)
            if "from" in entry:
                self.require_field(entry["from"], f"{path}/{fid}/from")

    def check_constant(self, fld: dict, value: Any, path: str, step_id: str | None) -> None:
        """A constant a step writes into ``fld``, checked as a form automation's (``constant_values``): it fits the
        field; a person is of the workspace and inside the field's member limit. Refused at ``path``, coded."""
        found = constant_values.problem(self.rt, self.conn, fld, value)
        if found is None:
            return
        kind, ids = found
        where = dict(path=path, field_id=fld["id"], field=repr(fld["id"]), extra={"step": step_id})
        if kind == constant_values.DOES_NOT_FIT:
            self.errors.append(ErrorItem.coded("error.workflow.value_does_not_fit", code="wrong_type", value=repr(value), **where))
        elif kind == constant_values.NO_USER:
            self.errors.append(ErrorItem.coded("error.workflow.value_no_user", code="not_found", ids=", ".join(map(str, ids)), **where))
        else:
            self.errors.append(ErrorItem.coded("error.workflow.value_outside_limit", code="outside_limit",
                                               ids=", ".join(map(str, ids)), **where))


@dataclass
class CompiledWorkflow:
    id: int
    key: str
    version: int
    app_key: str
    form_key: str
    form_id: int
    form_version: int
    definition: dict
    trigger: CompiledTrigger
    steps: list[CompiledStep]
    catch_up_minutes: int = DEFAULT_CATCH_UP_MINUTES
    extra: dict = field(default_factory=dict)

    @property
    def writes_records(self) -> bool:
        """True when a step changes records (its firing then runs in a savepoint)."""
        def walk(specs):
            return any(s["type"] in RECORD_WRITING_STEPS or walk(s.get("then") or []) or walk(s.get("else") or []) for s in specs)

        return walk(self.definition["steps"])

    def form(self, rt, conn) -> CompiledForm:

        return compiled_form(rt, conn, self.app_key, self.form_key)

    @property
    def tz_spec(self) -> str:
        return self.definition["trigger"].get("tz", self.trigger.default_tz)

    def tz_for(self, rt, conn, values: dict, owner_id: int | None) -> str:
        """The zone whose wall clock the trigger means: the owner's, the first recipient's, the workspace's or a named one."""
        spec = self.tz_spec
        if spec == "workspace":
            return rt.timezone
        if spec not in ("owner", "recipient"):
            return spec
        user_id = owner_id
        if spec == "recipient":
            user_id = self._first_recipient(conn, values, owner_id)
        if not user_id:
            return rt.timezone
        tz = conn.execute(sa.select(users.c.timezone).where(users.c.id == user_id)).scalar()
        return tz or rt.timezone

    def _first_recipient(self, conn, values, owner_id):

        notify = next((s for s in self.definition["steps"] if s["type"] == "notify"), None)
        if notify is None:
            return owner_id
        first = notify["to"][0]
        if first.get("owner"):
            return owner_id
        if "field" in first:
            return next(iter(ids_in(values.get(first["field"]))), None)
        if "users" in first:
            return first["users"][0]
        if "manager_of" in first:
            whose = ids_in(owner_id) if first["manager_of"] == "owner" else ids_in(values.get(first["manager_of"]))
            return next(iter(managers_of(conn, whose)), None)
        return owner_id

    def rule_context(self, rt, conn) -> RuleContext:
        def load(form_key: str, record_id: int):
            row = conn.execute(sa.select(records.c.data).join(forms, forms.c.id == records.c.form_id).join(apps, apps.c.id == forms.c.app_id)
                               .where(records.c.id == record_id, forms.c.key == form_key, apps.c.key == self.app_key,
                                      records.c.deleted_at.is_(None))).scalar()
            return dict(row) if row is not None else None

        return RuleContext(now=rt.clock.now(), tz=rt.timezone, load_reference=load)

    def holds(self, rule, ctx: RunContext) -> bool:
        return self.evaluate(rule, ctx.rt, ctx.conn, ctx.values)

    def evaluate(self, rule, rt, conn, values: dict, context: RuleContext | None = None) -> bool:
        """A condition on a record; a rule that cannot be evaluated (an empty value) counts as false.

        ``context``: a ``rule_context`` shared by many records evaluated at the same instant (a backfill).
        """
        if rule is None:
            return True
        try:
            return bool(rule.evaluate(values, context or self.rule_context(rt, conn)))
        except RuleEvaluationError:
            return False


def compile_workflow(rt, conn, app_key: str, definition: Any, *, workflow_id: int = 0, version: int = 0) -> CompiledWorkflow:
    """Check and compile; raise ``DefinitionInvalid`` with every problem found."""
    errors = shape_errors(definition)
    if errors:
        raise _invalid(definition, errors)
    ctx = CompileContext(rt, conn, app_key, definition)
    trigger = TRIGGERS.get(definition["trigger"]["type"]).compile(definition["trigger"], ctx, "/trigger")
    steps = compile_steps(definition["steps"], ctx, "/steps")
    if ctx.errors:
        raise _invalid(definition, ctx.errors)
    return CompiledWorkflow(workflow_id, definition["key"], version, app_key, definition["form"], ctx.form.form_id,
                            ctx.form.version, definition, trigger, steps,
                            definition.get("catch_up_minutes", DEFAULT_CATCH_UP_MINUTES))


def _key(definition) -> str:
    return definition.get("key", "?") if isinstance(definition, dict) else "?"


def _invalid(definition, errors: list[ErrorItem]) -> DefinitionInvalid:
    params = {"key": repr(_key(definition))}
    return DefinitionInvalid(i18n.render("error.workflow.key_invalid", "en", params), errors,
                             message_code="error.workflow.key_invalid", params=params)




def compiled_version(rt, conn, workflow_id: int, version: int, app_key: str, form_version: int) -> CompiledWorkflow:
    """A published version, compiled once per (workflow, version, form version), in ``rt.cache``."""
    def build() -> CompiledWorkflow:
        definition = conn.execute(sa.select(workflow_versions.c.definition).where(
            workflow_versions.c.workflow_id == workflow_id, workflow_versions.c.version == version)).scalar_one()
        return compile_workflow(rt, conn, app_key, definition, workflow_id=workflow_id, version=version)

    return rt.cache.get(CACHE_KIND, (workflow_id, version, form_version), build)


#: enabled, published workflows of form ``fid`` (built once: this runs on every save)
_LIVE_ON_FORM = (sa.select(workflows.c.id, workflows.c.published_version)
                 .where(workflows.c.form_id == sa.bindparam("fid"), workflows.c.enabled.is_(True), workflows.c.published_version.isnot(None))
                 .order_by(workflows.c.id))


def live_workflows(rt, conn, form: CompiledForm, known: tuple[tuple[int, int], ...] | None = None) -> list[CompiledWorkflow]:
    """Enabled, published workflows on ``form``, compiled: ``known`` (id, version) pairs when the caller read them with
    the form (``form_lookup.Neighbours``), else one small indexed query."""
    rows = known if known is not None else conn.execute(_LIVE_ON_FORM, {"fid": form.form_id}).all()
    return [compiled_version(rt, conn, wid, version, form.app_key, form.version) for wid, version in rows]


def workflow_by_id(rt, conn, workflow_id: int) -> CompiledWorkflow | None:
    """The live compiled version of a workflow, or None when it is disabled, unpublished or gone."""
    row = conn.execute(sa.select(workflows.c.id, workflows.c.published_version, workflows.c.enabled, apps.c.key, workflows.c.form_id)
                       .join(apps, apps.c.id == workflows.c.app_id).where(workflows.c.id == workflow_id)).first()
    if row is None or not row.enabled or row.published_version is None:
        return None
    form_key = conn.execute(sa.select(forms.c.key).where(forms.c.id == row.form_id)).scalar_one()

    form = compiled_form(rt, conn, row.key, form_key)
    return compiled_version(rt, conn, row.id, row.published_version, row.key, form.version)
