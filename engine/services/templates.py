"""Notification templates (消息通知模板) stored per app, with their review lifecycle.

A template belongs to an app, is bound to one form of it (its records are
what it renders) and is stored as numbered revisions. The newest revision is
the one being worked on: draft -> submitted (提交审核) -> approved or
rejected with a comment -> published (the rules live in
``engine.notifications.lifecycle``). Only a published revision is ever used;
editing a published template opens a new draft revision while the published
one keeps serving, until the new one is published and supersedes it.
Every save compiles the text against the form's variables (unknown variable
-> 422 naming the part, line and column); submit and publish compile again,
because the form may have changed meanwhile.

Content is ``{kind: {part: source}}``: kinds ``default`` (required, with a
``body``), and optional overrides for ``inbox``, ``email`` and ``chat``
(webhook and chat-robot channels); parts ``subject`` and ``body`` (plain
text) and ``html`` (email only, autoescaped).

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

import re
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Mapping

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.errors import Conflict, ErrorItem, NotFound, PermissionDenied, PreconditionFailed, Unauthorized, ValidationFailed
from engine.notifications.lifecycle import Actor as ReviewActor
from engine.notifications.lifecycle import TemplateState, allowed_actions, transition
from engine.notifications.tables import notification_templates as templates_t
from engine.notifications.variables import RenderData, record_link
from engine.runtime import Actor, Runtime
from engine.services.forms import _app_row, compiled_form, compiled_version
from engine.storage.tables import apps, forms, records, workspaces
from engine.templating import CompiledTemplate, TemplateError, VariableScope, compile_template

__all__ = [
    "create_template", "update_template", "submit", "withdraw", "approve", "reject", "publish",
    "list_templates", "get_template", "template_history", "get_revision", "preview", "test_send",
    "get_published", "render", "PublishedTemplate", "check_permission",
    "CONTENT_KINDS", "CONTENT_PARTS", "WRITE_CAPABILITY", "REVIEW_CAPABILITY",
]

#: Content kinds a template may define; ``default`` is required and used where no override exists.
CONTENT_KINDS = ("default", "inbox", "email", "chat")
#: Parts of each kind and the template dialect each is compiled as.
CONTENT_PARTS = {"subject": "text", "body": "text", "html": "html"}
#: Which content kind a delivery channel uses (every other channel is a chat/webhook one).
CHANNEL_CONTENT_KIND = {"inbox": "inbox", "email": "email"}
#: Capability (``engine.services.permissions``) to create, edit, submit, withdraw and publish templates.
WRITE_CAPABILITY = "templates"
#: Capability to approve or reject a submitted template (and to publish it).
REVIEW_CAPABILITY = "approve_templates"
#: Workspace setting (``settings["notification_templates"]["self_review"]``) letting an author review their own template.
SELF_REVIEW_SETTING = "self_review"
#: Compiled live revisions kept in memory (per process).
COMPILED_CACHE_SIZE = 512
#: Longest template label, in characters.
MAX_LABEL_LENGTH = 200

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_QUOTED = re.compile(r"'([^']+)'")


# -- permissions (one place) ---------------------------------------------------

def check_permission(rt: Runtime, conn: sa.Connection, actor: Actor, action: str, row: Mapping | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may do ``action`` (create, edit, submit, withdraw,
    publish, approve, reject) on the revision ``row``.

    Writing needs the ``templates`` capability, reviewing ``approve_templates`` (publishing either);
    admins hold both. Four eyes: a reviewer may not approve or reject a revision they submitted or
    last edited, unless the workspace allows self-review. The system actor (no user id) installs
    built-in templates and is not subject to it.
    """
    from engine.services.permissions import has_capability

    needed = REVIEW_CAPABILITY if action in ("approve", "reject") else WRITE_CAPABILITY
    if not (has_capability(rt, actor, needed, conn) or
            (action == "publish" and has_capability(rt, actor, REVIEW_CAPABILITY, conn))):
        raise PermissionDenied(f"your role may not {action} notification templates (needs the {needed!r} capability)",
                               path="/", needed=needed)
    if action in ("approve", "reject") and actor.user_id is not None and row is not None:
        if actor.user_id in {row["submitted_by"], row["updated_by"]} and not _self_review_allowed(conn, rt):
            raise PermissionDenied(f"four eyes: someone other than the author must {action} this template "
                                   f"(the workspace does not allow self-review)", path="/", reason="self_review")


def _self_review_allowed(conn: sa.Connection, rt: Runtime) -> bool:
    settings = conn.execute(sa.select(workspaces.c.settings).where(workspaces.c.id == rt.workspace_id)).scalar() or {}
    return bool((settings.get("notification_templates") or {}).get(SELF_REVIEW_SETTING))


# -- content checks and compiling ----------------------------------------------

def _content_problems(content: Any) -> list[ErrorItem]:
    if not isinstance(content, Mapping):
        return [ErrorItem("must be an object of kind -> {subject, body, html}", path="/content")]
    problems = []
    for kind, parts in content.items():
        if kind not in CONTENT_KINDS:
            problems.append(ErrorItem(f"unknown kind; use {', '.join(CONTENT_KINDS)}", path=f"/content/{kind}"))
            continue
        if not isinstance(parts, Mapping):
            problems.append(ErrorItem("must be an object with subject, body and/or html", path=f"/content/{kind}"))
            continue
        for part, source in parts.items():
            if part not in CONTENT_PARTS:
                problems.append(ErrorItem(f"unknown part; use {', '.join(CONTENT_PARTS)}", path=f"/content/{kind}/{part}"))
            elif not isinstance(source, str):
                problems.append(ErrorItem("must be text", path=f"/content/{kind}/{part}"))
            elif part == "html" and kind not in ("email", "default"):
                problems.append(ErrorItem("html is only sent by email", path=f"/content/{kind}/{part}"))
    default = content.get("default")
    if not isinstance(default, Mapping) or not str(default.get("body") or "").strip():
        problems.append(ErrorItem("a default body is required", path="/content/default/body", code="required"))
    return problems


def _column(source: str, line: int | None, message: str) -> int | None:
    """Best effort: the column of the offending name (the last one quoted before "(available") on that line."""
    if not line:
        return None
    lines = source.splitlines()
    if line > len(lines):
        return None
    for name in reversed(_QUOTED.findall(message.split("(available")[0])):
        at = lines[line - 1].find(name)
        if at >= 0:
            return at + 1
    return None


def _scope(conn: sa.Connection, rt: Runtime, app_key: str, form_key: str) -> tuple[VariableScope, int]:
    """The variables a template of ``form_key`` may use, and the form version they come from."""
    try:
        form = compiled_form(rt, conn, app_key, form_key)
    except NotFound:
        raise ValidationFailed(f"form {form_key!r} of app {app_key!r} does not exist or is not published",
                               [ErrorItem("must name a published form of this app", path="/form")]) from None

    def resolve(key: str):
        try:
            return compiled_form(rt, conn, app_key, key).fields
        except NotFound:
            return None

    return VariableScope.from_fields(form.fields, resolve), form.version


def _compile(key: str, content: Mapping, scope: VariableScope) -> dict[str, dict[str, CompiledTemplate]]:
    """Compile every part; one ValidationFailed listing every problem with its path and position."""
    errors: list[ErrorItem] = []
    out: dict[str, dict[str, CompiledTemplate]] = {}
    for kind, parts in content.items():
        for part, source in parts.items():
            try:
                out.setdefault(kind, {})[part] = compile_template(source, scope, name=f"{key}.{kind}.{part}",
                                                                   kind=CONTENT_PARTS[part])
            except TemplateError as exc:
                extra = {"line": exc.line} if exc.line else {}
                column = _column(source, exc.line, exc.message)
                if column:
                    extra["column"] = column
                errors.append(ErrorItem(exc.message, path=f"/content/{kind}/{part}", code="template_invalid", extra=extra))
    if errors:
        raise ValidationFailed(f"notification template {key!r} cannot be used as written", errors, template=key)
    return out


def _check(conn, rt: Runtime, app_key: str, key: str, form_key: str, content: Any):
    problems = _content_problems(content)
    if problems:
        raise ValidationFailed(f"notification template {key!r} is not valid", problems, template=key)
    scope, version = _scope(conn, rt, app_key, form_key)
    return _compile(key, content, scope), version


# -- rows ----------------------------------------------------------------------

def _revisions(conn: sa.Connection, rt: Runtime, app_key: str, key: str):
    app = _app_row(conn, rt, app_key)
    rows = conn.execute(sa.select(templates_t).where(templates_t.c.app_id == app["id"], templates_t.c.key == key)
                        .order_by(templates_t.c.revision)).mappings().all()
    if not rows:
        raise NotFound(f"notification template {key!r} does not exist in app {app_key!r}", path="/template")
    return app, rows


def _live(rows) -> Mapping | None:
    return next((r for r in reversed(rows) if r["state"] == TemplateState.PUBLISHED.value and r["superseded_at"] is None), None)


def revision_dict(row: Mapping, app_key: str) -> dict:
    ts = lambda v: utc_iso(v) if v else None  # noqa: E731
    status = "superseded" if row["superseded_at"] else row["state"]
    return {"app": app_key, "key": row["key"], "revision": row["revision"], "state": row["state"], "status": status,
            "form": row["form_key"], "label": row["label"], "description": row["description"], "content": row["content"],
            "review_comment": row["review_comment"], "created_by": row["created_by"], "created_at": ts(row["created_at"]),
            "updated_by": row["updated_by"], "updated_at": ts(row["updated_at"]), "etag": etag(row), "submitted_by": row["submitted_by"],
            "submitted_at": ts(row["submitted_at"]), "reviewed_by": row["reviewed_by"], "reviewed_at": ts(row["reviewed_at"]),
            "published_by": row["published_by"], "published_at": ts(row["published_at"]),
            "superseded_at": ts(row["superseded_at"])}


def _template_dict(rows, app_key: str) -> dict:
    working, live = rows[-1], _live(rows)
    out = revision_dict(working, app_key)
    out["published_revision"] = live["revision"] if live else None
    out["allowed_actions"] = allowed_actions(working["state"])
    return out


# -- create and edit -----------------------------------------------------------

def create_template(rt: Runtime, actor: Actor, app_key: str, *, key: str, form_key: str, label: Any,
                    content: Mapping, description: str | None = None) -> dict:
    """A new template as revision 1, a draft; compiled against the form's variables first."""
    problems = []
    if not isinstance(key, str) or not _KEY.match(key):
        problems.append(ErrorItem("lower-case letters, digits and _, starting with a letter", path="/key"))
    problems += _label_problems(label)
    if problems:
        raise ValidationFailed("the notification template is not valid", problems)
    with rt.db.transaction() as conn:
        check_permission(rt, conn, actor, "create")
        app = _app_row(conn, rt, app_key)
        if conn.execute(sa.select(templates_t.c.id).where(templates_t.c.app_id == app["id"], templates_t.c.key == key)).first():
            raise Conflict(f"a notification template {key!r} already exists in app {app_key!r}", [ErrorItem("already taken", path="/key")])
        _check(conn, rt, app_key, key, form_key, content)
        now = rt.clock.now()
        _insert(conn, dict(workspace_id=rt.workspace_id, app_id=app["id"], key=key, revision=1, state=TemplateState.DRAFT.value,
                           form_key=form_key, label=label, description=description, content=dict(content),
                           created_by=actor.user_id, created_at=now, updated_by=actor.user_id, updated_at=now))
        return _template_dict(_revisions(conn, rt, app_key, key)[1], app_key)


def _label_problems(label: Any) -> list[ErrorItem]:
    ok = (isinstance(label, str) and 0 < len(label) <= MAX_LABEL_LENGTH) or (
        isinstance(label, Mapping) and label and all(isinstance(k, str) and isinstance(v, str) and 0 < len(v) <= MAX_LABEL_LENGTH
                                                     for k, v in label.items()))
    return [] if ok else [ErrorItem(f"must be text (up to {MAX_LABEL_LENGTH} characters) or a map of locale to text", path="/label")]


def _insert(conn: sa.Connection, values: dict) -> None:
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(templates_t).values(**values))
    except sa.exc.IntegrityError:  # two editors opened the same new revision at once
        raise Conflict(f"notification template {values['key']!r} was changed by someone else meanwhile; reload it") from None


def update_template(rt: Runtime, actor: Actor, app_key: str, key: str, *, label: Any = None, description: str | None = None,
                    content: Mapping | None = None, form_key: str | None = None, if_match: str | None = None) -> dict:
    """Change the working revision (given parts only). Editing a published template opens a new draft
    revision and leaves the published one serving; editing an approved or rejected one makes it a draft again.
    ``if_match`` is the ``etag`` the editor loaded: a stale one (someone saved meanwhile) is a 412, nothing overwritten."""
    if label is not None and _label_problems(label):
        raise ValidationFailed("the notification template is not valid", _label_problems(label))
    with rt.db.transaction() as conn:
        check_permission(rt, conn, actor, "edit")
        app, rows = _revisions(conn, rt, app_key, key)
        working = rows[-1]
        if if_match is not None and if_match != etag(working):
            raise PreconditionFailed(f"notification template {key!r} was changed by someone else since you opened it; reload it",
                                     current_etag=etag(working))
        transition(working["state"], "edit", ReviewActor(actor.user_id or 0))  # 409 while submitted: withdraw first
        values = {"label": label if label is not None else working["label"],
                  "description": description if description is not None else working["description"],
                  "content": dict(content) if content is not None else working["content"],
                  "form_key": form_key or working["form_key"]}
        _check(conn, rt, app_key, key, values["form_key"], values["content"])
        now = rt.clock.now()
        values.update(state=TemplateState.DRAFT.value, updated_by=actor.user_id, updated_at=now)
        if working["state"] == TemplateState.PUBLISHED.value:
            _insert(conn, dict(values, workspace_id=rt.workspace_id, app_id=app["id"], key=key, revision=working["revision"] + 1,
                               created_by=actor.user_id, created_at=now))
        else:
            values.update(reviewed_by=None, reviewed_at=None)
            _guarded_update(conn, working, values)
        return _template_dict(_revisions(conn, rt, app_key, key)[1], app_key)


def etag(row: Mapping) -> str:
    """The version tag of a revision row: the revision number and a digest of what an edit or review changes."""
    import hashlib
    import json

    state = {k: row[k] for k in ("label", "description", "content", "form_key", "state")}
    state["updated_at"] = utc_iso(row["updated_at"]) if row["updated_at"] else None
    digest = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{row['revision']}-{digest}"


def _guarded_update(conn: sa.Connection, row: Mapping, values: dict) -> None:
    """Update ``row`` only if nobody moved it meanwhile (two reviewers clicking at once)."""
    done = conn.execute(sa.update(templates_t).where(templates_t.c.id == row["id"], templates_t.c.state == row["state"],
                                                     templates_t.c.updated_at == row["updated_at"]).values(**values)).rowcount
    if done != 1:
        raise Conflict(f"notification template {row['key']!r} was changed by someone else meanwhile; reload it")


# -- lifecycle actions -----------------------------------------------------------

def _act(rt: Runtime, actor: Actor, app_key: str, key: str, action: str, comment: str | None = None) -> dict:
    with rt.db.transaction() as conn:
        app, rows = _revisions(conn, rt, app_key, key)
        working = rows[-1]
        check_permission(rt, conn, actor, action, working)
        if action == "reject" and not (comment or "").strip():
            raise ValidationFailed("say what to change: a rejection needs a comment",
                                   [ErrorItem("a comment is required to reject", path="/comment", code="required")])
        new_state = transition(working["state"], action, ReviewActor(actor.user_id or 0, can_review=True), comment=comment)
        now = rt.clock.now()
        values: dict[str, Any] = {"state": new_state.value, "updated_at": now}
        if action in ("submit", "publish"):  # the form may have changed since the text was saved
            _check(conn, rt, app_key, key, working["form_key"], working["content"])
        if action == "submit":
            values.update(submitted_by=actor.user_id, submitted_at=now, review_comment=None)
        elif action in ("approve", "reject"):
            values.update(reviewed_by=actor.user_id, reviewed_at=now, review_comment=(comment or "").strip() or None)
        elif action == "publish":
            values.update(published_by=actor.user_id, published_at=now)
            live = _live(rows)
            if live is not None:
                conn.execute(sa.update(templates_t).where(templates_t.c.id == live["id"]).values(superseded_at=now))
        _guarded_update(conn, working, values)
        if action in ("approve", "reject", "publish"):  # who approved which template: the admin audit
            from engine.services import admin_audit

            admin_audit.record(rt, conn, actor, f"template.{action}", f"{app_key}/{key}", revision=working["revision"],
                               comment=(comment or "").strip() or None)
        return _template_dict(_revisions(conn, rt, app_key, key)[1], app_key)


def submit(rt: Runtime, actor: Actor, app_key: str, key: str) -> dict:
    """Send the working revision for review (提交审核)."""
    return _act(rt, actor, app_key, key, "submit")


def withdraw(rt: Runtime, actor: Actor, app_key: str, key: str) -> dict:
    """Take a submitted revision back to draft."""
    return _act(rt, actor, app_key, key, "withdraw")


def approve(rt: Runtime, actor: Actor, app_key: str, key: str, comment: str | None = None) -> dict:
    return _act(rt, actor, app_key, key, "approve", comment)


def reject(rt: Runtime, actor: Actor, app_key: str, key: str, comment: str) -> dict:
    """Send it back with a comment saying what to change (required)."""
    return _act(rt, actor, app_key, key, "reject", comment)


def publish(rt: Runtime, actor: Actor, app_key: str, key: str) -> dict:
    """Make the approved revision the live one; the previous live revision is superseded."""
    return _act(rt, actor, app_key, key, "publish")


# -- reading -------------------------------------------------------------------

def list_templates(rt: Runtime, app_key: str, *, form_key: str | None = None, actor: Actor | None = None) -> list[dict]:
    """Every template of the app (its working revision, with the live revision number); for those who design or operate
    definitions (``actor=None``: the engine's own use)."""
    from engine.services.definition_access import require_definition_reader

    with rt.db.read() as conn:
        app = _app_row(conn, rt, app_key)
        require_definition_reader(rt, actor, conn)
        query = sa.select(templates_t).where(templates_t.c.app_id == app["id"]).order_by(templates_t.c.key, templates_t.c.revision)
        rows = conn.execute(query).mappings().all()
    by_key: dict[str, list] = {}
    for row in rows:
        by_key.setdefault(row["key"], []).append(row)
    items = [_template_dict(revs, app_key) for revs in by_key.values()]
    return [t for t in items if form_key is None or t["form"] == form_key]


def get_template(rt: Runtime, app_key: str, key: str, actor: Actor | None = None) -> dict:
    from engine.services.definition_access import require_definition_reader

    with rt.db.read() as conn:
        rows = _revisions(conn, rt, app_key, key)[1]
        require_definition_reader(rt, actor, conn)
        return _template_dict(rows, app_key)


def template_history(rt: Runtime, app_key: str, key: str, actor: Actor | None = None) -> list[dict]:
    """Every revision, oldest first, with who submitted, reviewed and published it."""
    from engine.services.definition_access import require_definition_reader

    with rt.db.read() as conn:
        rows = _revisions(conn, rt, app_key, key)[1]
        require_definition_reader(rt, actor, conn)
        return [revision_dict(r, app_key) for r in rows]


def get_revision(rt: Runtime, app_key: str, key: str, revision: int, actor: Actor | None = None) -> dict:
    from engine.services.definition_access import require_definition_reader

    with rt.db.read() as conn:
        rows = _revisions(conn, rt, app_key, key)[1]
        require_definition_reader(rt, actor, conn)
        row = _pick(rows, revision)
    return revision_dict(row, app_key)


def _pick(rows, revision: int | None) -> Mapping:
    if revision is None:
        return rows[-1]
    for row in rows:
        if row["revision"] == revision:
            return row
    raise NotFound(f"notification template {rows[0]['key']!r} has no revision {revision}", path="/revision")


# -- the live revision, for workflows ---------------------------------------------

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

    def parts(self, channel: str = "inbox") -> dict[str, CompiledTemplate]:
        """The parts a channel uses: its kind's overrides on top of ``default``."""
        kind = CHANNEL_CONTENT_KIND.get(channel, "chat")
        return {**self.compiled.get("default", {}), **self.compiled.get(kind, {})}


_CACHE: "OrderedDict[tuple, PublishedTemplate]" = OrderedDict()
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
           templates_t.c.superseded_at.is_(None))
    .order_by(templates_t.c.revision.desc()).limit(1))
_CACHE_LOCK = threading.Lock()


def get_published(conn: sa.Connection, rt: Runtime, app_key: str, template_key: str) -> PublishedTemplate:
    """The live revision of a template, compiled once per (revision, versions of the app's forms) and cached.

    One query when cached: the live revision joined with its app and the form's published version.
    """
    found = conn.execute(_LIVE_REVISION, {"workspace_id": rt.workspace_id, "app_key": app_key,
                                          "template_key": template_key}).mappings().first()
    if found is None:
        _app_row(conn, rt, app_key)  # 404 for an unknown app first
        raise NotFound(f"notification template {template_key!r} of app {app_key!r} has no published revision; "
                       f"only a published template can be used", path="/template")
    cache_key = (rt.db.url, found["id"], found["published_version"], found["app_forms_version"])
    with _CACHE_LOCK:
        cached = _CACHE.get(cache_key)
        if cached is not None:
            _CACHE.move_to_end(cache_key)
            return cached
    compiled, version = _check(conn, rt, app_key, template_key, found["form_key"], found["content"])
    published = PublishedTemplate(found["id"], app_key, template_key, found["revision"], found["form_key"], version,
                                  found["label"], compiled, found["form_id"])
    with _CACHE_LOCK:
        _CACHE[cache_key] = published
        while len(_CACHE) > COMPILED_CACHE_SIZE:
            _CACHE.popitem(last=False)
    return published


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
           channel: str = "inbox", viewers: tuple[Actor, ...] = (), readers: tuple[Actor, ...] = ()) -> dict:
    """Render ``published`` for one record and one recipient: ``{subject, body, html_body}``.

    ``viewers``: whose read gate the record and every record it references pass (a dry-run's actor); what one of them
    may not read renders empty. ``readers``: whose hidden fields are left out (the recipient), scope aside."""
    form = compiled_version(rt, conn, published.form_id, published.form_version, published.app_key)  # cached: no query
    if "form_id" in record_row and record_row["form_id"] != form.form_id:
        raise ValidationFailed(f"template {published.key!r} renders records of form {published.form_key!r}",
                               [ErrorItem("the record belongs to another form", path="/record_id")])
    return _render_parts(RenderData(conn, rt, viewers, readers), form, published.parts(channel), record_row, recipient)


def _render_parts(data: RenderData, form, parts: Mapping[str, CompiledTemplate], record_row: Mapping, recipient: Any) -> dict:
    user, tz = _recipient_user(data, recipient)
    variables = data.variables(form, record_row, user)
    tz = tz or data.rt.timezone
    subject = parts["subject"].render(variables, tz=tz) if "subject" in parts else ""
    return {"subject": " ".join(subject.split()), "body": parts["body"].render(variables, tz=tz),
            "html_body": parts["html"].render(variables, tz=tz) if "html" in parts else None}


# -- preview and test send -----------------------------------------------------------

def _record_row(conn: sa.Connection, rt: Runtime, actor: Actor, form, record_id: int | None) -> Mapping:
    """The record to render with, as the actor may read it (previews must not show other people's records)."""
    from engine.services.permissions import check_record_access, read_scope

    query = sa.select(records).where(records.c.form_id == form.form_id, records.c.deleted_at.is_(None))
    if record_id is None:  # the newest record the actor can read
        scope = read_scope(rt, conn, actor, form)
        if scope is not None:
            query = query.where(scope)
        row = conn.execute(query.order_by(records.c.id.desc()).limit(1)).mappings().first()
        if row is None:
            raise ValidationFailed(f"form {form.key!r} has no record you can render with yet",
                                   [ErrorItem("add a record first, or name one", path="/record_id")])
        return row
    row = conn.execute(query.where(records.c.id == record_id)).mappings().first()
    if row is None:
        raise NotFound(f"record {record_id} does not exist in form {form.key!r}", path="/record_id")
    check_record_access(rt, conn, actor, form, "read", row)
    return row


def _without_hidden(conn: sa.Connection, rt: Runtime, actor: Actor, form, row: Mapping) -> dict:
    """The row with the fields this actor may not see left out (they render empty)."""
    from engine.services.permissions import hidden_fields

    hidden = hidden_fields(rt, conn, actor, form)
    row = dict(row)
    if hidden:
        row["data"] = {k: v for k, v in (row["data"] or {}).items() if k not in hidden}
    return row


def _rendered_revision(conn, rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int | None, revision: int | None,
                       channel: str):
    _, rows = _revisions(conn, rt, app_key, key)
    row = _pick(rows, revision)
    compiled, _ = _check(conn, rt, app_key, key, row["form_key"], row["content"])
    form = compiled_form(rt, conn, app_key, row["form_key"])
    record = _without_hidden(conn, rt, actor, form, _record_row(conn, rt, actor, form, record_id))
    data = RenderData(conn, rt, (actor,))  # referenced records pass the actor's read gate too
    kind = CHANNEL_CONTENT_KIND.get(channel, "chat")
    parts = {**compiled.get("default", {}), **compiled.get(kind, {})}
    who = actor.user_id if actor.user_id is not None else record["owner_id"]
    return row, form, record, _render_parts(data, form, parts, record, who)


def preview(rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int | None = None, *, revision: int | None = None,
            channel: str = "inbox") -> dict:
    """Render a revision (the working one by default) with a real record, as the acting user would
    receive it (or the record's owner, for the system actor). Render limits -> 422 with the line."""
    with rt.db.read() as conn:
        row, form, record, out = _rendered_revision(conn, rt, actor, app_key, key, record_id, revision, channel)
    return {"revision": row["revision"], "state": row["state"], "channel": channel, "record_id": record["id"], **out,
            "link": record_link(rt, app_key, form.key, record["id"])}


def test_send(rt: Runtime, actor: Actor, app_key: str, key: str, record_id: int | None = None, *, revision: int | None = None) -> dict:
    """Send a revision, rendered with a real record, to the acting user only: to their inbox, and by
    email when ``NOTIFICATION_EMAIL`` (email channel settings) is configured and they have an address."""
    from engine.notifications.channels import OutgoingMessage, Recipient, get_channel

    if actor.user_id is None:
        raise Unauthorized("sign in to send a test to yourself", path="/user")
    with rt.db.read() as conn:  # render first; the sends below open their own transactions
        row, form, record, inbox_out = _rendered_revision(conn, rt, actor, app_key, key, record_id, revision, "inbox")
        _, _, _, email_out = _rendered_revision(conn, rt, actor, app_key, key, record["id"], row["revision"], "email")
        me = RenderData(conn, rt).user(actor.user_id, 0)
    if me is None:
        raise Unauthorized(f"user {actor.user_id} does not exist", path="/user")
    recipient = Recipient(user_id=me["id"], email=me["email"], display_name=me["name"], tz=me["tz"])
    link = record_link(rt, app_key, form.key, record["id"])
    send_id = uuid.uuid4().hex  # every test send is a new message
    source = f"template-test:{app_key}/{key}@{row['revision']}"
    inbox = get_channel("inbox", runtime=rt, clock=rt.clock).send(OutgoingMessage(
        recipient, f"[test] {inbox_out['subject']}".strip(), inbox_out["body"], f"test-send:{row['id']}:{send_id}:inbox",
        link=link, config={"record_id": record["id"], "source": source}))
    result = {"revision": row["revision"], "record_id": record["id"],
              "inbox": {"ok": inbox.ok, "detail": inbox.detail, "message_id": inbox.external_id}}
    settings = rt.config.get("NOTIFICATION_EMAIL")
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
