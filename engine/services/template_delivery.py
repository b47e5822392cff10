"""The live revision of a notification template, compiled once and rendered per record and recipient; previews and
test sends of any revision.

Stable functions for the workflow engine (notify steps)::

    get_published(conn, rt, app_key, template_key) -> PublishedTemplate
        The live revision, compiled (cached per revision and form version);
        NotFound (404) when the template has no published revision,
        TemplateError (422) when the form changed under it. Read
        ``.key``, ``.revision``, ``.form_key``, ``.id`` (also as ``p["revision"]``).
    render(conn, rt, published, record_row, recipient, *, channel="inbox")
        -> {"subject": str, "body": str, "html_body": str | None}
        ``record_row``: a ``records`` row (or ``record_dict``) of the
        template's form; ``recipient``: a channels ``Recipient``, a user id or
        None; its time zone formats dates. Raises TemplateError (422) when a
        render limit is hit: a permanent failure, not worth retrying.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa

from engine.errors import ErrorItem, NotFound, Unauthorized, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.i18n import LOCALES
from engine.notifications.channels import CHANNELS, OutgoingMessage, Recipient, get_channel
from engine.notifications.lifecycle import TemplateState
from engine.notifications.tables import notification_templates as templates_t
from engine.notifications.variables import RenderData, record_link
from engine.runtime import Actor, Runtime
from engine.services.form_lookup import app_row, compiled_form, compiled_version
from engine.services.permissions import check_record_access, hidden_fields, read_scope
from engine.services.template_content import check_content, content_kind, layered_parts, pick, revisions
from engine.storage.tables import apps, forms, records
from engine.templating import CompiledTemplate

__all__ = ["PublishedTemplate", "get_published", "render", "preview", "test_send", "CACHE_KIND"]

#: The preview's name for "no language": the language-neutral parts only (what a template's ``default`` kind says).
NEUTRAL_LANGUAGE = "default"
#: Kind of the compiled live revisions in the runtime's cache (``engine.cache``).
CACHE_KIND = "template"


@dataclass(frozen=True)
class PublishedTemplate:
    """The live revision of a template, compiled. Also readable as ``p["revision"]``."""

    id: int
    app_key: str
    key: str
    revision: int
    form_key: str
    form_version: int
    label: Any
    compiled: Mapping[str, Mapping[str, CompiledTemplate]] = field(repr=False)
    form_id: int = 0

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def parts(self, channel: str = "inbox", locale: str | None = None) -> dict[str, CompiledTemplate]:
        """The parts a channel uses for a reader of ``locale``: its kind's overrides on top of ``default``, and the
        kinds written in that language over both."""
        return layered_parts(self.compiled, content_kind(channel), locale)


#: The live revision joined with its app and its form's published version (built once: hot path of every notification).
_SIBLINGS = forms.alias("siblings")
#: Grows whenever any form of the app is republished (versions only go up): referenced forms change a template's scope too.
_APP_FORMS_VERSION = (sa.select(sa.func.coalesce(sa.func.sum(_SIBLINGS.c.published_version), 0))
                      .where(_SIBLINGS.c.app_id == apps.c.id).scalar_subquery())
_LIVE_REVISION = (
    sa.select(templates_t.c.id, templates_t.c.revision, templates_t.c.form_key, templates_t.c.label,
              templates_t.c.content, forms.c.id.label("form_id"), forms.c.published_version,
              _APP_FORMS_VERSION.label("app_forms_version"))
    .select_from(templates_t.join(apps, apps.c.id == templates_t.c.app_id)
                 .outerjoin(forms, sa.and_(forms.c.app_id == apps.c.id, forms.c.key == templates_t.c.form_key)))
    .where(apps.c.workspace_id == sa.bindparam("workspace_id"), apps.c.key == sa.bindparam("app_key"),
           templates_t.c.key == sa.bindparam("template_key"), templates_t.c.state == TemplateState.PUBLISHED.value,
           templates_t.c.purpose == "notification",  # a print template is printed, never sent
           templates_t.c.superseded_at.is_(None))
    .order_by(templates_t.c.revision.desc()).limit(1))


def get_published(conn: sa.Connection, rt: Runtime, app_key: str, template_key: str) -> PublishedTemplate:
    """The live revision of a template, compiled once per (revision, versions of the app's forms), in ``rt.cache``.

    One query when cached: the live revision joined with its app and the form's published version.
    """
    found = conn.execute(_LIVE_REVISION, {"workspace_id": rt.workspace_id, "app_key": app_key,
                                          "template_key": template_key}).mappings().first()
    if found is None:
        app_row(conn, rt, app_key)  # 404 for an unknown app first
        raise NotFound(f"notification template {template_key!r} of app {app_key!r} has no published revision; "
                       f"only a published template can be used", path="/template",
                       message_code="error.delivery.not_published", params={"template": repr(template_key), "app": repr(app_key)})
    def build() -> PublishedTemplate:
        compiled, version = check_content(conn, rt, app_key, template_key, found["form_key"], found["content"])
        return PublishedTemplate(found["id"], app_key, template_key, found["revision"], found["form_key"], version,
                                 found["label"], compiled, found["form_id"])

    return rt.cache.get(CACHE_KIND, (found["id"], found["published_version"], found["app_forms_version"]), build)


def _recipient_user(data: RenderData, recipient: Any) -> tuple[dict | None, str | None]:
    """(the ``user`` variable, the time zone dates are shown in) for a recipient."""
    if recipient is None:
        return None, None
    if isinstance(recipient, int):
        user = data.user(recipient)
        return user, user["tz"] if user else None
    user_id = getattr(recipient, "user_id", None)
    user = data.user(user_id) if user_id else None
    if user is None:  # someone outside the workspace, e.g. a named email address
        user = {"id": user_id, "name": getattr(recipient, "display_name", ""), "email": getattr(recipient, "email", None),
                "phone": getattr(recipient, "mobile", None), "tz": getattr(recipient, "tz", None) or data.rt.timezone,
                "manager": None}
    return user, user["tz"]


def render(conn: sa.Connection, rt: Runtime, published: PublishedTemplate, record_row: Mapping, recipient: Any, *,
           channel: str = "inbox", viewers: tuple[Actor, ...] = (), readers: tuple[Actor, ...] = (),
           locale: str | None = None) -> dict:
    """Render ``published`` for one record and one recipient: ``{subject, body, html_body}``.

    ``viewers``: whose read gate the record and every record it references pass (a dry-run's actor); what one of them
    may not read renders empty. ``readers``: whose hidden fields are left out (the recipient), scope aside. ``locale``: the
    language to render in (a copy for someone who reads another one), else the recipient's."""
    form = compiled_version(rt, conn, published.form_id, published.form_version, published.app_key)  # cached: no query
    if "form_id" in record_row and record_row["form_id"] != form.form_id:
        raise ValidationFailed(f"template {published.key!r} renders records of form {published.form_key!r}",
                               [ErrorItem.coded("error.delivery.other_form_item", path="/record_id")],
                               message_code="error.delivery.other_form", params={"template": repr(published.key), "form": repr(published.form_key)})
    data = RenderData(conn, rt, viewers, readers)
    parts = published.parts(channel, locale or _recipient_locale(data, recipient))
    return _render_parts(data, form, parts, record_row, recipient)


def _recipient_locale(data: RenderData, recipient: Any) -> str:
    """The language a recipient reads: their saved one, else the workspace's default."""
    return data.locale(recipient if isinstance(recipient, int) else getattr(recipient, "user_id", None))


def _render_parts(data: RenderData, form, parts: Mapping[str, CompiledTemplate], record_row: Mapping, recipient: Any) -> dict:
    user, tz = _recipient_user(data, recipient)
    variables = data.variables(form, record_row, user)
    tz = tz or data.rt.timezone
    subject = parts["subject"].render(variables, tz=tz) if "subject" in parts else ""
    return {"subject": " ".join(subject.split()), "body": parts["body"].render(variables, tz=tz),
            "html_body": parts["html"].render(variables, tz=tz) if "html" in parts else None}


# -- preview and test send -----------------------------------------------------------

def sample_row(rt: Runtime, actor: Actor, form) -> dict:
    """A record made of each live field type's sample value, owned by the actor: what a preview renders before the
    form has a record the actor can read (``id`` 0; its ``sample`` mark tells the editor to say so)."""
    now = rt.clock.now()
    data = {f["id"]: FIELD_TYPES.get(f["type"]).sample_value(f, now, actor.user_id) for f in form.live_fields}
    return {"id": 0, "sample": True, "data": {k: v for k, v in data.items() if v is not None}, "owner_id": actor.user_id,
            "created_at": now, "updated_at": now}


def _record_row(conn: sa.Connection, rt: Runtime, actor: Actor, form, record_id: int | None, *,
                sample: bool = False) -> Mapping:
    """The record to render with, as the actor may read it (previews must not show other people's records); with
    ``sample``, sample data when no record is given and none can be read yet."""
    query = sa.select(records).where(records.c.form_id == form.form_id, records.c.deleted_at.is_(None))
    if record_id is None:  # the newest record the actor can read
        scope = read_scope(rt, conn, actor, form)
        if scope is not None:
            query = query.where(scope)
        row = conn.execute(query.order_by(records.c.id.desc()).limit(1)).mappings().first()
        if row is None and sample:
            return sample_row(rt, actor, form)
        if row is None:
            raise ValidationFailed(f"form {form.key!r} has no record you can render with yet",
                                   [ErrorItem.coded("error.delivery.no_record_item", path="/record_id")],
                                   message_code="error.delivery.no_record", params={"form": repr(form.key)})
        return row
    row = conn.execute(query.where(records.c.id == record_id)).mappings().first()
    if row is None:
        raise NotFound(f"record {record_id} does not exist in form {form.key!r}", path="/record_id",
                       message_code="error.record.not_in_form", params={"id": record_id, "form": repr(form.key)})
    check_record_access(rt, conn, actor, form, "read", row)
    return row


def _without_hidden(conn: sa.Connection, rt: Runtime, actor: Actor, form, row: Mapping) -> dict:
    """The row with the fields this actor may not see left out (they render empty)."""
    hidden = hidden_fields(rt, conn, actor, form)
    row = dict(row)
    if hidden:
        row["data"] = {k: v for k, v in (row["data"] or {}).items() if k not in hidden}
    return row


def _rendered_revision(conn, rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int | None, revision: int | None,
                       channel: str, language: str | None = None, *, sample: bool = False):
    _, rows = revisions(conn, rt, app_key, key)
    row = pick(rows, revision)
    if row["purpose"] != "notification":
        raise ValidationFailed(f"template {key!r} is a print template: print it from a record (a PDF)",
                               [ErrorItem.coded("error.delivery.print_not_sent_item", path="/template")],
                               message_code="error.delivery.print_not_sent", params={"template": repr(key)})
    compiled, _ = check_content(conn, rt, app_key, key, row["form_key"], row["content"])
    form = compiled_form(rt, conn, app_key, row["form_key"])
    record = _without_hidden(conn, rt, actor, form, _record_row(conn, rt, actor, form, record_id, sample=sample))
    data = RenderData(conn, rt, (actor,))  # referenced records pass the actor's read gate too
    who = actor.user_id if actor.user_id is not None else record["owner_id"]
    locale = _recipient_locale(data, who) if language is None else None if language == NEUTRAL_LANGUAGE else language
    parts = layered_parts(compiled, content_kind(channel), locale)
    return row, form, record, _render_parts(data, form, parts, record, who)


def preview(rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int | None = None, *, revision: int | None = None,
            channel: str = "inbox", language: str | None = None) -> dict:
    """Render a revision (the working one by default) with a real record, as the acting user would
    receive it (or the record's owner, for the system actor). Render limits -> 422 with the line.
    ``language``: render for a reader of that language (one of ``LOCALES``), or ``"default"`` for the
    language-neutral parts only (the editor's language tabs); None: the reader's own."""
    if language is not None and language != NEUTRAL_LANGUAGE and language not in LOCALES:
        raise ValidationFailed("unknown language", [ErrorItem.coded("error.template.preview_language", path="/language",
                                                                    languages=", ".join((NEUTRAL_LANGUAGE, *LOCALES)))],
                               message_code="error.delivery.unknown_language")
    with rt.db.read() as conn:
        row, form, record, out = _rendered_revision(conn, rt, actor, app_key, key, record_id, revision, channel, language,
                                                    sample=True)
    if record.get("sample"):  # no record yet: rendered with sample data, which links nowhere
        return {"revision": row["revision"], "state": row["state"], "channel": channel, "record_id": None, "sample": True,
                **out, "link": None}
    return {"revision": row["revision"], "state": row["state"], "channel": channel, "record_id": record["id"], **out,
            "sample": False, "link": record_link(rt, app_key, form.key, record["id"])}


def test_send(rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int | None = None, *, revision: int | None = None) -> dict:
    """Send a revision, rendered with a real record, to the acting user only: to their inbox, and by
    email when ``NOTIFICATION_EMAIL`` (email channel settings) is configured and they have an address."""
    if actor.user_id is None:
        raise Unauthorized("sign in to send a test to yourself", path="/user",
                           message_code="error.delivery.sign_in")
    with rt.db.read() as conn:  # render first; the sends below open their own transactions
        row, form, record, inbox_out = _rendered_revision(conn, rt, actor, app_key, key, record_id, revision, "inbox")
        _, _, _, email_out = _rendered_revision(conn, rt, actor, app_key, key, record["id"], row["revision"], "email")
        me = RenderData(conn, rt).user(actor.user_id, 0)
    if me is None:
        raise Unauthorized(f"user {actor.user_id} does not exist", path="/user",
                           message_code="error.user.not_found", params={"id": actor.user_id})
    recipient = Recipient(user_id=me["id"], email=me["email"], display_name=me["name"], tz=me["tz"])
    link = record_link(rt, app_key, form.key, record["id"])
    send_id = uuid.uuid4().hex  # every test send is a new message
    source = f"template-test:{app_key}/{key}@{row['revision']}"
    inbox = get_channel("inbox", runtime=rt, clock=rt.clock).send(OutgoingMessage(
        recipient, f"[test] {inbox_out['subject']}".strip(), inbox_out["body"], f"test-send:{row['id']}:{send_id}:inbox",
        link=link, config={"record_id": record["id"], "source": source}))
    result = {"revision": row["revision"], "record_id": record["id"],
              "inbox": {"ok": inbox.ok, "detail": inbox.detail, "message_id": inbox.external_id}}
    settings = rt.config.get(CHANNELS.get("email").cls.server_config)
    if not settings:
        result["email"] = {"ok": False, "sent": False, "detail": "email is not configured (NOTIFICATION_EMAIL)"}
    elif not me["email"]:
        result["email"] = {"ok": False, "sent": False, "detail": "you have no email address"}
    else:
        sent = get_channel("email", settings, clock=rt.clock, max_attempts=1).send(OutgoingMessage(
            recipient, f"[test] {email_out['subject']}".strip(), email_out["body"], f"test-send:{row['id']}:{send_id}:email",
            html_body=email_out["html_body"], link=link))
        result["email"] = {"ok": sent.ok, "sent": sent.ok, "detail": sent.detail}
    return result
