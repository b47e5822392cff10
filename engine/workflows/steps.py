"""Step kinds of a workflow, one small class each, registered by name in ``STEPS``.

``compile`` checks a step's settings at publish time (fields exist, the
template is published, webhook addresses pass the SSRF policy, conditions
compile) and returns a ``CompiledStep``. ``run`` executes it when its due
row fires, inside the transaction that claimed the row: record changes go
through the records service on the same connection, and anything leaving the
process (notifications, webhooks) is written to the outbox, never sent from
here. ``explain`` is the dry-run: what would happen, without doing it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import ErrorItem, FormflowError
from engine.fields import FIELD_TYPES
from engine.fields.relation import reference_target
from engine.fields.base import field_label
from engine.notifications.channels import CHANNELS, Recipient
from engine.registry import Registry
from engine.storage.tables import records, users
from engine.workflows import outbox as outbox_rows
from engine.notifications.links import MAX_LINK_LENGTH, link_problem
from engine.notifications.variables import record_link, RenderData
from engine.services import templates
from engine.services.team_managers import managers_by_user
from engine.services.records import create_record, update_record
from urllib.parse import urlsplit

#: Most people one notify step may address (to and cc together), after expanding roles and fields.
MAX_RECIPIENTS = 200


@dataclass
class RunContext:
    """One firing of a workflow for one record (or none, for a sweep)."""

    rt: Any
    conn: sa.Connection
    wf: Any  # CompiledWorkflow
    row: dict | None  # the record row (data keyed by field id) or None
    occurrence: str
    due_event_id: int | None
    actor: Any
    dry_run: bool = False
    outcomes: list[dict] = field(default_factory=list)
    batch: "outbox_rows.Batch | None" = None  # per-tick caches and buffered outbox rows (None: write directly)
    queued: list[dict] = field(default_factory=list)  # outbox rows of this firing, flushed when it succeeds
    viewers: tuple = ()  # whose read gate rendered records pass (a dry-run's caller); empty: as stored

    def render_data(self):
        """Template variables builder, shared by a tick's firings (it memoises users and forms)."""

        if self.batch is None:
            return RenderData(self.conn, self.rt, self.viewers)
        if self.batch.render_data is None:
            data = RenderData(self.conn, self.rt)
            workspace = data.workspace()
            data.workspace = lambda: workspace  # one query per tick, not per message
            self.batch.render_data = data
        return self.batch.render_data.seen_by(*self.viewers) if self.viewers else self.batch.render_data

    def form(self):
        """The workflow's form, compiled (looked up once per tick)."""
        if self.batch is None:
            return self.wf.form(self.rt, self.conn)
        key = (self.wf.app_key, self.wf.form_key)
        if key not in self.batch.forms:
            self.batch.forms[key] = self.wf.form(self.rt, self.conn)
        return self.batch.forms[key]

    @property
    def record_id(self) -> int:
        return self.row["id"] if self.row else 0

    @property
    def values(self) -> dict:
        return dict(self.row["data"]) if self.row else {}

    def reload(self) -> None:
        """Read the record again after a step changed it."""

        if self.row:
            self.row = dict(self.conn.execute(sa.select(records).where(records.c.id == self.row["id"])).mappings().one())


class CompiledStep:
    def __init__(self, kind: "StepKind", spec: dict):
        self.kind = kind
        self.spec = spec
        self.id = spec["id"]

    def run(self, ctx: RunContext) -> None:
        raise NotImplementedError

    def explain(self, ctx: RunContext) -> None:
        ctx.outcomes.append({"step": self.id, "type": self.kind.name, "would": "run"})


class StepKind:
    name = ""

    def compile(self, spec: dict, ctx, path: str) -> CompiledStep:
        raise NotImplementedError


STEPS: Registry[StepKind] = Registry("workflow step")


def compile_steps(specs: list[dict], ctx, path: str) -> list[CompiledStep]:
    out, seen = [], set()
    for i, spec in enumerate(specs):
        if spec["id"] in ctx.step_ids:
            ctx.errors.append(ErrorItem.coded("error.workflow.step_twice", path=f"{path}/{i}/id", code="duplicate", id=repr(spec["id"])))
        ctx.step_ids.add(spec["id"])
        seen.add(spec["id"])
        out.append(STEPS.get(spec["type"]).compile(spec, ctx, f"{path}/{i}"))
    return out


def run_steps(steps: list[CompiledStep], ctx: RunContext) -> None:
    for step in steps:
        (step.explain if ctx.dry_run else step.run)(ctx)


# -- people ------------------------------------------------------------------

def ids_in(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _managers_cached(ctx: "RunContext", user_ids: list[int]) -> list[int]:
    """Each user's managers (their own, else their teams' managers: ``team_managers``), cached for the batch."""
    cache = ctx.batch.managers if ctx.batch is not None else {}
    missing = [u for u in user_ids if u not in cache]
    if missing:
        found = managers_by_user(ctx.conn, missing)
        cache.update({u: found.get(u, []) for u in missing})
    return list(dict.fromkeys(m for u in user_ids for m in cache.get(u) or []))


def _role_members(conn, role: str, workspace_id: int) -> list[int]:
    if not sa.inspect(conn).has_table("user_roles"):
        return []
    rows = conn.execute(sa.text("SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id "
                                "WHERE r.key = :key AND r.workspace_id = :ws ORDER BY ur.user_id"),
                        {"key": role, "ws": workspace_id}).scalars()
    return list(rows)


def people_ids(ctx: RunContext, specs: list[dict]) -> list[int]:
    """User ids named by ``to``/``cc`` entries, in order, without repeats."""
    out: list[int] = []
    row = ctx.row or {}
    values = ctx.values
    for spec in specs:
        if spec.get("owner"):
            found = ids_in(row.get("owner_id"))
        elif "field" in spec:
            found = ids_in(values.get(spec["field"]))
        elif "manager_of" in spec:
            whose = ids_in(row.get("owner_id")) if spec["manager_of"] == "owner" else ids_in(values.get(spec["manager_of"]))
            found = _managers_cached(ctx, whose)
        elif "role" in spec:
            found = _role_members(ctx.conn, spec["role"], ctx.rt.workspace_id)
        else:
            found = ids_in(spec.get("users"))
        out += [uid for uid in found if uid not in out]
    return out[:MAX_RECIPIENTS]


def recipients(ctx: RunContext, ids: list[int]) -> list[Recipient]:
    if not ids:
        return []
    cache = ctx.batch.users if ctx.batch is not None else {}
    missing = [uid for uid in ids if uid not in cache]
    if missing:
        found = {r["id"]: r for r in ctx.conn.execute(sa.select(users).where(users.c.id.in_(missing))).mappings()}
        cache.update({uid: found.get(uid) for uid in missing})
    rows = {uid: cache[uid] for uid in ids if cache.get(uid) is not None and cache[uid]["is_active"]}
    return [Recipient(user_id=r["id"], email=r["email"], display_name=r["display_name"], tz=r["timezone"] or ctx.rt.timezone)
            for uid in ids if (r := rows.get(uid)) is not None]


def check_people(specs: list[dict], ctx, path: str) -> None:
    for i, spec in enumerate(specs):
        where = f"{path}/{i}"
        if "field" in spec:
            fld = ctx.require_field(spec["field"], f"{where}/field")
            if fld and not FIELD_TYPES.get(fld["type"]).is_user:
                ctx.errors.append(ErrorItem.coded("error.workflow.not_user_field", path=f"{where}/field", code="wrong_type",
                                                  field=repr(spec["field"])))
        if spec.get("manager_of") not in (None, "owner"):
            fld = ctx.require_field(spec["manager_of"], f"{where}/manager_of")
            if fld and not FIELD_TYPES.get(fld["type"]).is_user:
                ctx.errors.append(ErrorItem.coded("error.workflow.not_user_field", path=f"{where}/manager_of", code="wrong_type",
                                                  field=repr(spec["manager_of"])))


# -- notify -------------------------------------------------------------------

class NotifyStep(CompiledStep):
    def __init__(self, kind, spec, inline: dict | None):
        super().__init__(kind, spec)
        self.inline = inline  # {"subject": CompiledTemplate, "body": CompiledTemplate} when no template key

    def render(self, ctx: RunContext, channel: str, recipient: Recipient, cc: list[Recipient] = (),
               locale: str | None = None) -> dict:
        """The one seam to the notification templates: a published template by key, or the step's inline text.

        The people receiving it (the recipient and everyone copied on the same message) get the record without the
        fields any of their roles hides (``RenderData.readers``)."""
        data = ctx.render_data()
        readers = tuple(data.actor_of(p.user_id) for p in (recipient, *cc) if p.user_id)
        if self.spec.get("template"):

            published = templates.get_published(ctx.conn, ctx.rt, ctx.wf.app_key, self.spec["template"])
            return templates.render(ctx.conn, ctx.rt, published, ctx.row, recipient, channel=channel, viewers=ctx.viewers,
                                    readers=readers, locale=locale)
        if readers:
            data = data.seen_by(*ctx.viewers, readers=readers)
        variables = data.variables(ctx.form(), ctx.row, data.user(recipient.user_id))
        subject = self.inline["subject"].render(variables, tz=recipient.tz) if "subject" in self.inline else ""
        return {"subject": " ".join(subject.split()), "body": self.inline["body"].render(variables, tz=recipient.tz),
                "html_body": None}

    def _messages(self, ctx: RunContext):
        to = recipients(ctx, people_ids(ctx, self.spec["to"]))
        to_ids = {r.user_id for r in to}
        cc = [r for r in recipients(ctx, people_ids(ctx, self.spec.get("cc") or [])) if r.user_id not in to_ids]
        link = self.spec.get("link")
        if link is None and ctx.row:

            link = record_link(ctx.rt, ctx.wf.app_key, ctx.wf.form_key, ctx.row["id"])
        for channel in self.spec["channels"]:
            for person in to:
                key = outbox_rows.idempotency_key(ctx.wf.id, ctx.record_id, ctx.occurrence, self.id, person.user_id, channel)
                yield channel, person, cc, link, key

    def _by_language(self, ctx: RunContext, person: Recipient, cc: list[Recipient]) -> tuple[list, list]:
        """(people copied who read the recipient's language, those who read another) — a template has a text per
        language; an inline message has one text, so everyone copied reads it."""
        if not self.spec.get("template"):
            return list(cc), []
        data = ctx.render_data()
        theirs = data.locale(person.user_id)
        same = [p for p in cc if data.locale(p.user_id) == theirs]
        return same, [p for p in cc if p not in same]

    def run(self, ctx):
        sent = 0
        for channel, person, cc, link, key in self._messages(ctx):
            same, other = self._by_language(ctx, person, cc)
            text = self.render(ctx, channel, person, cc)
            config = {**(self.spec.get("channel_config") or {}).get(channel, {}),
                      "record_id": ctx.record_id or None, "source": f"workflow:{ctx.wf.app_key}/{ctx.wf.key}@{ctx.wf.version}"}
            sent += outbox_rows.enqueue(ctx, key=key, channel=channel, recipient=person, cc=same,
                                        subject=text["subject"], body=text["body"], html_body=text.get("html_body"), link=link,
                                        config=config, workflow_id=ctx.wf.id, due_event_id=ctx.due_event_id, record_id=ctx.record_id)
            for copied in other:  # the recipient's message, in the language of the person copied (the key a copy has)
                text = self.render(ctx, channel, person, cc, locale=ctx.render_data().locale(copied.user_id))
                sent += outbox_rows.enqueue(ctx, key=f"{key}#cc:{copied.user_id}", channel=channel, recipient=copied, cc=[],
                                            subject=text["subject"], body=text["body"], html_body=text.get("html_body"),
                                            link=link, config=config, workflow_id=ctx.wf.id, due_event_id=ctx.due_event_id,
                                            record_id=ctx.record_id)
        ctx.outcomes.append({"step": self.id, "type": "notify", "queued": sent})

    def explain(self, ctx):
        messages = []
        for channel, person, cc, link, key in self._messages(ctx):
            try:
                text = self.render(ctx, channel, person, cc)
            except FormflowError as exc:
                text = {"error": exc.message}
            messages.append({"channel": channel, "to": {"user_id": person.user_id, "name": person.display_name, "tz": person.tz},
                             "cc": [{"user_id": p.user_id, "name": p.display_name} for p in cc], "idempotency_key": key, **text})
        outcome = {"step": self.id, "type": "notify", "messages": messages}
        if not messages:
            outcome["explanation"] = "nobody to notify: the people named resolve to no active user"
        ctx.outcomes.append(outcome)


@STEPS.register
class NotifyKind(StepKind):
    name = "notify"

    def compile(self, spec, ctx, path):
        check_people(spec["to"], ctx, f"{path}/to")
        check_people(spec.get("cc") or [], ctx, f"{path}/cc")
        for i, channel in enumerate(spec["channels"]):
            if channel not in CHANNELS:
                ctx.errors.append(ErrorItem.coded("error.workflow.unknown_channel", path=f"{path}/channels/{i}",
                                                  code="unknown_channel", channel=repr(channel), known=", ".join(CHANNELS.names())))
            elif not CHANNELS.get(channel).cls.configured_by_server():
                ctx.check_channel(channel, (spec.get("channel_config") or {}).get(channel, {}), f"{path}/channel_config/{channel}")
        for channel in spec.get("channel_config") or {}:
            if channel not in spec["channels"]:
                ctx.errors.append(ErrorItem.coded("error.workflow.unused_channel_settings", path=f"{path}/channel_config/{channel}",
                                                  channel=repr(channel)))
        if "link" in spec:

            problem = link_problem(spec["link"])
            if problem:
                ctx.errors.append(ErrorItem.coded(problem, path=f"{path}/link", code="unsafe_link", max=MAX_LINK_LENGTH))
        inline = None
        if spec.get("template") and spec.get("message"):
            ctx.errors.append(ErrorItem.coded("error.workflow.template_or_message", path=f"{path}/message"))
        elif spec.get("template"):
            ctx.check_template(spec["template"], f"{path}/template")
        elif spec.get("message"):
            inline = ctx.inline_message(spec["message"], f"{path}/message", name=f"{ctx.key}.{spec['id']}")
        else:
            ctx.errors.append(ErrorItem.coded("error.workflow.notify_needs_message", path=f"{path}/template", code="required"))
        return NotifyStep(self, spec, inline)


# -- webhook ---------------------------------------------------------------

def _locale(ctx: RunContext, user_id: int | None) -> str:
    """The language a person reads ("en" or "zh-CN"), from their profile; "en" when unknown."""
    row = (ctx.batch.users.get(user_id) if ctx.batch is not None else None) if user_id else None
    if user_id and row is None:
        row = ctx.conn.execute(sa.select(users.c.locale).where(users.c.id == user_id)).mappings().first()
    return "zh-CN" if ((row or {}).get("locale") or "").lower().startswith("zh") else "en"


class WebhookStep(CompiledStep):
    """POST one JSON document per firing (the payload is described in docs/workflows.md, "Webhook payload")."""

    def __init__(self, kind, spec, inline, by_locale: dict, fields: dict):
        super().__init__(kind, spec)
        self.inline = inline  # the default message; ``by_locale``: the same message in other languages
        self.by_locale = by_locale
        self.fields = fields  # the fields the step sends, id -> field definition

    def _text(self, ctx, person: Recipient, locale: str) -> dict:
        if self.spec.get("template"):
            return NotifyStep.render(self, ctx, "webhook", person)  # type: ignore[arg-type]
        inline = self.by_locale.get(locale) or self.inline
        if inline is None:
            return {"subject": f"{ctx.wf.key} #{ctx.record_id}", "body": "", "html_body": None}
        return NotifyStep.render(WebhookText(inline), ctx, "webhook", person)  # type: ignore[arg-type]

    def _document(self, ctx) -> tuple[Recipient, dict]:
        owner = recipients(ctx, ids_in((ctx.row or {}).get("owner_id")))
        person = owner[0] if owner else Recipient(tz=ctx.rt.timezone)
        locale = _locale(ctx, person.user_id)
        link = record_link(ctx.rt, ctx.wf.app_key, ctx.wf.form_key, ctx.row["id"]) if ctx.row else None
        values = ctx.values
        record = {"id": ctx.record_id or None, "app": ctx.wf.app_key, "form": ctx.wf.form_key, "link": link,
                  "fields": {fid: values.get(fid) for fid in self.fields},
                  "labels": {fid: field_label(fld, locale) for fid, fld in self.fields.items()}}
        data = {"workflow": {"app": ctx.wf.app_key, "key": ctx.wf.key, "version": ctx.wf.version, "step": self.id},
                "record": record, "language": locale}
        return person, {**self._text(ctx, person, locale), "link": link, "data": data}

    def run(self, ctx):
        key = outbox_rows.idempotency_key(ctx.wf.id, ctx.record_id, ctx.occurrence, self.id, 0, "webhook")
        person, doc = self._document(ctx)
        config = {"url": self.spec["url"], **({"secret": self.spec["secret"]} if self.spec.get("secret") else {})}
        queued = outbox_rows.enqueue(ctx, key=key, channel="webhook", recipient=person, cc=[], subject=doc["subject"],
                                     body=doc["body"], html_body=doc.get("html_body"), link=doc["link"], config=config,
                                     workflow_id=ctx.wf.id, due_event_id=ctx.due_event_id, record_id=ctx.record_id,
                                     data=doc["data"])
        ctx.outcomes.append({"step": self.id, "type": "webhook", "queued": queued})

    def explain(self, ctx):
        try:
            _, doc = self._document(ctx)
        except FormflowError as exc:
            doc = {"error": exc.message}
        ctx.outcomes.append({"step": self.id, "type": "webhook", "would": f"POST to {_origin(self.spec['url'])}",
                             "signed": bool(self.spec.get("secret")), **doc})


class WebhookText:
    """An inline message in one language, shaped like a step for ``NotifyStep.render``."""

    def __init__(self, inline: dict):
        self.inline = inline
        self.spec: dict = {}


def _origin(url: str) -> str:
    """Where a webhook goes, without its path, query or user info (they often carry its key)."""

    if not isinstance(url, str):  # a stored secret's handle (engine.workflows.secrets): the sender alone reads it
        return "(the stored webhook address)"
    try:
        parts = urlsplit(str(url))
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}/…"
    except ValueError:
        return "(a webhook address)"


@STEPS.register
class WebhookKind(StepKind):
    name = "webhook"

    def compile(self, spec, ctx, path):
        ctx.check_channel("webhook", {"url": spec["url"]}, path)
        if spec.get("template") and (spec.get("message") or spec.get("messages")):
            ctx.errors.append(ErrorItem.coded("error.workflow.template_or_message", path=f"{path}/message"))
        elif spec.get("template"):
            ctx.check_template(spec["template"], f"{path}/template")
        if spec.get("messages") and not spec.get("message"):
            ctx.errors.append(ErrorItem.coded("error.workflow.default_message_required", path=f"{path}/message", code="required"))
        name = f"{ctx.key}.{spec['id']}"
        inline = ctx.inline_message(spec["message"], f"{path}/message", name=name) if spec.get("message") else None
        by_locale = {loc: ctx.inline_message(msg, f"{path}/messages/{loc}", name=f"{name}.{loc}")
                     for loc, msg in (spec.get("messages") or {}).items()}
        fields = {}
        for i, fid in enumerate(spec.get("fields") or []):
            fld = ctx.require_field(fid, f"{path}/fields/{i}")
            if fld is not None:
                fields[fid] = fld
        return WebhookStep(self, spec, inline, by_locale, fields)


# -- record changes ------------------------------------------------------------

def _value(entry: dict, ctx: RunContext) -> Any:
    if "from" in entry:
        return ctx.values.get(entry["from"])
    if entry.get("now"):
        return utc_iso(ctx.rt.clock.now())
    return entry.get("value")


class SetFieldStep(CompiledStep):
    def run(self, ctx):

        value = utc_iso(ctx.rt.clock.now()) if self.spec["value"] == "$now" else self.spec["value"]
        update_record(ctx.rt, ctx.actor, ctx.wf.app_key, ctx.wf.form_key, ctx.record_id, {self.spec["field"]: value}, conn=ctx.conn)
        ctx.reload()
        ctx.outcomes.append({"step": self.id, "type": "set_field", "field": self.spec["field"]})

    def explain(self, ctx):
        ctx.outcomes.append({"step": self.id, "type": "set_field", "would": f"set {self.spec['field']} to {self.spec['value']!r}"})


@STEPS.register
class SetFieldKind(StepKind):
    name = "set_field"

    def compile(self, spec, ctx, path):
        fld = ctx.require_field(spec["field"], f"{path}/field")
        if fld is not None and spec.get("value") != "$now":  # "$now": the time it runs; else a constant
            ctx.check_constant(fld, spec.get("value"), f"{path}/value", spec.get("id"))
        return SetFieldStep(self, spec)


class CreateRecordStep(CompiledStep):
    def _data(self, ctx):
        return {fid: _value(entry, ctx) for fid, entry in self.spec["values"].items()}

    def run(self, ctx):

        made = create_record(ctx.rt, ctx.actor, ctx.wf.app_key, self.spec["form"], self._data(ctx),
                             owner_id=(ctx.row or {}).get("owner_id"), conn=ctx.conn)
        ctx.outcomes.append({"step": self.id, "type": "create_record", "form": self.spec["form"], "record_id": made["id"]})

    def explain(self, ctx):
        ctx.outcomes.append({"step": self.id, "type": "create_record", "would": f"create a {self.spec['form']} record",
                             "data": self._data(ctx)})


@STEPS.register
class CreateRecordKind(StepKind):
    name = "create_record"

    def compile(self, spec, ctx, path):
        target = ctx.other_form(spec["form"], f"{path}/form")
        ctx.check_values(spec["values"], target, f"{path}/values", spec.get("id"))
        return CreateRecordStep(self, spec)


class UpdateRecordStep(CompiledStep):
    def _target(self, ctx) -> tuple[str, int | None]:
        ref = self.spec.get("reference")
        if not ref:
            return ctx.wf.form_key, ctx.record_id
        ids = ids_in(ctx.values.get(ref))
        form = ctx.form().by_id[ref]["options"]["form"]
        return form, ids[0] if ids else None

    def run(self, ctx):

        form_key, target = self._target(ctx)
        if target is None:
            ctx.outcomes.append({"step": self.id, "type": "update_record", "skipped": f"{self.spec['reference']} is empty"})
            return
        data = {fid: _value(entry, ctx) for fid, entry in self.spec["values"].items()}
        update_record(ctx.rt, ctx.actor, ctx.wf.app_key, form_key, target, data, conn=ctx.conn)
        if target == ctx.record_id and form_key == ctx.wf.form_key:
            ctx.reload()
        ctx.outcomes.append({"step": self.id, "type": "update_record", "form": form_key, "record_id": target})

    def explain(self, ctx):
        form_key, target = self._target(ctx)
        ctx.outcomes.append({"step": self.id, "type": "update_record", "would": f"update {form_key} record {target}"})


@STEPS.register
class UpdateRecordKind(StepKind):
    name = "update_record"

    def compile(self, spec, ctx, path):
        target = ctx.form
        if spec.get("reference"):
            fld = ctx.require_field(spec["reference"], f"{path}/reference")
            if fld and not FIELD_TYPES.get(fld["type"]).is_reference:
                ctx.errors.append(ErrorItem.coded("error.workflow.not_reference_field", path=f"{path}/reference", code="wrong_type",
                                                  field=repr(spec["reference"])))
                target = None
            elif fld and reference_target(fld, ctx.form.app_key if ctx.form else None).app is not None:
                ctx.errors.append(ErrorItem.coded("error.definition.reference_write_other_app", path=f"{path}/reference",
                                                  field=repr(spec["reference"])))
                target = None
            elif fld:
                target = ctx.other_form(fld["options"]["form"], f"{path}/reference")
        ctx.check_values(spec["values"], target, f"{path}/values", spec.get("id"))
        return UpdateRecordStep(self, spec)


# -- condition branch -------------------------------------------------------------

class ConditionStep(CompiledStep):
    def __init__(self, kind, spec, rule, then, otherwise):
        super().__init__(kind, spec)
        self.rule, self.then, self.otherwise = rule, then, otherwise

    def run(self, ctx):
        holds = ctx.wf.holds(self.rule, ctx)
        ctx.outcomes.append({"step": self.id, "type": "condition", "result": holds})
        run_steps(self.then if holds else self.otherwise, ctx)

    explain = run


@STEPS.register
class ConditionKind(StepKind):
    name = "condition"

    def compile(self, spec, ctx, path):
        rule = ctx.condition(spec["if"], f"{path}/if")
        then = compile_steps(spec.get("then") or [], ctx, f"{path}/then")
        otherwise = compile_steps(spec.get("else") or [], ctx, f"{path}/else")
        return ConditionStep(self, spec, rule, then, otherwise)


__all__ = ["STEPS", "StepKind", "CompiledStep", "RunContext", "compile_steps", "run_steps", "people_ids", "recipients"]
