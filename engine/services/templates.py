"""Notification templates (消息通知模板) stored per app, with their review lifecycle.

A template belongs to an app, is bound to one form of it (its records are
what it renders) and is stored as numbered revisions. The newest revision is
the one being worked on: draft -> submitted (提交审核) -> approved or
rejected with a comment -> published (the rules, including who may do what,
live in ``engine.notifications.lifecycle``; ``engine.services.template_review``
applies them to the caller). Only a published revision is ever used;
editing a published template opens a new draft revision while the published
one keeps serving, until the new one is published and supersedes it.
Every save compiles the text against the form's variables (unknown variable
-> 422 naming the part, line and column); submit and publish compile again,
because the form may have changed meanwhile. Submitting tells the approvers
in their inbox.

One idea per module: ``template_content`` (what content is, how it compiles,
stored revisions), ``template_review`` (who may act, what a caller is
offered, who is told), ``template_delivery`` (the live revision for
workflows: ``get_published`` and ``render``; previews and test sends), and
this module (create, edit, the lifecycle actions, reading). The delivery
functions are re-exported here.
"""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Mapping

import sqlalchemy as sa

from engine import bilingual_text, i18n
from engine.clock import utc_iso
from engine.errors import Conflict, ErrorItem, PreconditionFailed, ValidationFailed
from engine.notifications.lifecycle import REVIEW_CAPABILITY, WRITE_CAPABILITY, TemplateState, transition
from engine.notifications.tables import notification_templates as templates_t
from engine.runtime import Actor, Runtime
from engine.services import admin_audit
from engine.services.definition_access import require_definition_reader
from engine.services.form_lookup import app_row
from engine.services.template_content import CONTENT_KINDS, CONTENT_PARTS, PURPOSES, check_content, live_revision, pick, revisions
from engine.services.template_delivery import PublishedTemplate, get_published, preview, render, test_send
from engine.services.template_review import actions_for, check_action, notify_reviewers

__all__ = [
    "create_template", "update_template", "submit", "withdraw", "approve", "reject", "publish",
    "list_templates", "get_template", "template_history", "get_revision", "preview", "test_send",
    "get_published", "render", "PublishedTemplate", "revision_dict", "etag",
    "CONTENT_KINDS", "CONTENT_PARTS", "PURPOSES", "WRITE_CAPABILITY", "REVIEW_CAPABILITY",
]

#: Longest template label, in characters.
MAX_LABEL_LENGTH = 200

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


# -- rows ----------------------------------------------------------------------

#: the review comment of a template the installer approves with the app template it ships in: stored as this code, shown
#: in the reader's language (catalogue key template.review.shipped); rows from before stored the English text
SHIPPED_COMMENT = "template.review.shipped"
_SHIPPED_COMMENTS = frozenset({SHIPPED_COMMENT, "shipped with the app template"})


def review_comment(stored: str | None, locale: str | None = None) -> tuple[str | None, str | None]:
    """(the review comment as ``locale``'s reader reads it, its code): a reviewer's own words are shown as written (code
    None); the installer's comment is the catalogue's text in ``locale`` (None: English)."""
    if stored in _SHIPPED_COMMENTS:
        return i18n.render(SHIPPED_COMMENT, i18n.normalize_locale(locale)), "shipped"
    return stored, None


def revision_dict(row: Mapping, app_key: str, locale: str | None = None) -> dict:
    """One revision; texts the engine wrote (the installer's review comment) in ``locale`` (None: English)."""
    ts = lambda v: utc_iso(v) if v else None  # noqa: E731
    comment, comment_code = review_comment(row["review_comment"], locale)
    status = "superseded" if row["superseded_at"] else row["state"]
    return {"app": app_key, "key": row["key"], "revision": row["revision"], "state": row["state"], "status": status,
            "form": row["form_key"], "purpose": row["purpose"], "label": row["label"], "description": bilingual_text.from_column(row["description"]), "content": row["content"],
            "review_comment": comment, "review_comment_code": comment_code, "created_by": row["created_by"], "created_at": ts(row["created_at"]),
            "updated_by": row["updated_by"], "updated_at": ts(row["updated_at"]), "etag": etag(row), "submitted_by": row["submitted_by"],
            "submitted_at": ts(row["submitted_at"]), "reviewed_by": row["reviewed_by"], "reviewed_at": ts(row["reviewed_at"]),
            "published_by": row["published_by"], "published_at": ts(row["published_at"]),
            "superseded_at": ts(row["superseded_at"])}



def _template_dict(conn: sa.Connection, rt: Runtime, rows, app_key: str, actor: Actor | None, locale: str | None = None) -> dict:
    """The working revision with the live revision number and what ``actor`` may do on it now."""
    working, live = rows[-1], live_revision(rows)
    out = revision_dict(working, app_key, locale)
    out["published_revision"] = live["revision"] if live else None
    out["allowed_actions"] = actions_for(conn, rt, actor, working)
    return out


# -- create and edit -----------------------------------------------------------

def create_template(rt: Runtime, actor: Actor, app_key: str, *, key: str, form_key: str, label: Any,
                    content: Mapping, description: Any = None, purpose: str = "notification") -> dict:
    """A new template as revision 1, a draft; compiled against the form's variables first. ``purpose`` ``print``: a
    print template (a PDF of one record, ``engine.services.print_templates``), reviewed the same way."""
    problems = []
    if purpose not in PURPOSES:
        problems.append(ErrorItem.coded("error.options.one_of", choices=", ".join(PURPOSES), path="/purpose"))
    if not isinstance(key, str) or not _KEY.match(key):
        problems.append(ErrorItem.coded("error.app.key", path="/key"))
    problems += _label_problems(label)
    if problems:
        raise ValidationFailed("the notification template is not valid", problems, message_code="error.template.invalid_settings")
    with rt.db.transaction() as conn:
        check_action(conn, rt, actor, "create")
        app = app_row(conn, rt, app_key)
        if conn.execute(sa.select(templates_t.c.id).where(templates_t.c.app_id == app["id"], templates_t.c.key == key)).first():
            raise Conflict(f"a notification template {key!r} already exists in app {app_key!r}", [ErrorItem.coded("error.value.taken", path="/key")],
                           message_code="error.template.exists", params={"template": repr(key), "app": repr(app_key)})
        check_content(conn, rt, app_key, key, form_key, content, purpose)
        now = rt.clock.now()
        _insert(conn, dict(workspace_id=rt.workspace_id, app_id=app["id"], key=key, revision=1, state=TemplateState.DRAFT.value,
                           form_key=form_key, purpose=purpose, label=label, description=bilingual_text.to_column(description), content=dict(content),
                           created_by=actor.user_id, created_at=now, updated_by=actor.user_id, updated_at=now))
        return _template_dict(conn, rt, revisions(conn, rt, app_key, key)[1], app_key, actor)


def _label_problems(label: Any) -> list[ErrorItem]:
    ok = (isinstance(label, str) and 0 < len(label) <= MAX_LABEL_LENGTH) or (
        isinstance(label, Mapping) and label and all(isinstance(k, str) and isinstance(v, str) and 0 < len(v) <= MAX_LABEL_LENGTH
                                                     for k, v in label.items()))
    return [] if ok else [ErrorItem.coded("error.template.label", max=MAX_LABEL_LENGTH, path="/label")]


def _insert(conn: sa.Connection, values: dict) -> None:
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(templates_t).values(**values))
    except sa.exc.IntegrityError:  # two editors opened the same new revision at once
        raise Conflict(f"notification template {values['key']!r} was changed by someone else meanwhile; reload it",
                       message_code="error.template.changed_meanwhile", params={"template": repr(values["key"])}) from None


def update_template(rt: Runtime, actor: Actor, app_key: str, key: str, *, label: Any = None, description: Any = None,
                    content: Mapping | None = None, form_key: str | None = None, if_match: str | None = None) -> dict:
    """Change the working revision (given parts only). Editing a published template opens a new draft
    revision and leaves the published one serving; editing an approved or rejected one makes it a draft again.
    ``if_match`` is the ``etag`` the editor loaded: a stale one (someone saved meanwhile) is a 412, nothing overwritten."""
    if label is not None and _label_problems(label):
        raise ValidationFailed("the notification template is not valid", _label_problems(label), message_code="error.template.invalid_settings")
    with rt.db.transaction() as conn:
        app, rows = revisions(conn, rt, app_key, key)
        working = rows[-1]
        check_action(conn, rt, actor, "edit", working)  # 403 without the capability, 409 while submitted: withdraw first
        if if_match is not None and if_match != etag(working):
            raise PreconditionFailed(f"notification template {key!r} was changed by someone else since you opened it; reload it",
                                     current_etag=etag(working), message_code="error.template.changed_since_opened",
                                     params={"template": repr(key)})
        values = {"label": label if label is not None else working["label"],
                  "description": bilingual_text.edited(working["description"], description) if description is not None else working["description"],
                  "content": dict(content) if content is not None else working["content"],
                  "form_key": form_key or working["form_key"]}
        check_content(conn, rt, app_key, key, values["form_key"], values["content"], working["purpose"])
        now = rt.clock.now()
        values.update(state=TemplateState.DRAFT.value, updated_by=actor.user_id, updated_at=now)
        if working["state"] == TemplateState.PUBLISHED.value:
            _insert(conn, dict(values, workspace_id=rt.workspace_id, app_id=app["id"], key=key, revision=working["revision"] + 1,
                               purpose=working["purpose"],
                               created_by=actor.user_id, created_at=now))
        else:
            values.update(reviewed_by=None, reviewed_at=None)
            _guarded_update(conn, working, values)
        return _template_dict(conn, rt, revisions(conn, rt, app_key, key)[1], app_key, actor)


def etag(row: Mapping) -> str:
    """The version tag of a revision row: the revision number and a digest of what an edit or review changes."""
    state = {k: row[k] for k in ("label", "description", "content", "form_key", "state")}
    state["updated_at"] = utc_iso(row["updated_at"]) if row["updated_at"] else None
    digest = hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{row['revision']}-{digest}"


def _guarded_update(conn: sa.Connection, row: Mapping, values: dict) -> None:
    """Update ``row`` only if nobody moved it meanwhile (two reviewers clicking at once)."""
    done = conn.execute(sa.update(templates_t).where(templates_t.c.id == row["id"], templates_t.c.state == row["state"],
                                                     templates_t.c.updated_at == row["updated_at"]).values(**values)).rowcount
    if done != 1:
        raise Conflict(f"notification template {row['key']!r} was changed by someone else meanwhile; reload it",
                       message_code="error.template.changed_meanwhile", params={"template": repr(row["key"])})


# -- lifecycle actions -----------------------------------------------------------

def _act(rt: Runtime, actor: Actor, app_key: str, key: str, action: str, comment: str | None = None) -> dict:
    with rt.db.transaction() as conn:
        app, rows = revisions(conn, rt, app_key, key)
        working = rows[-1]
        who, policy = check_action(conn, rt, actor, action, working)
        if action == "reject" and not (comment or "").strip():
            raise ValidationFailed("say what to change: a rejection needs a comment",
                                   [ErrorItem.coded("error.template.reject_comment_item", path="/comment", code="required")],
                                   message_code="error.template.reject_comment")
        new_state = transition(working["state"], action, who, comment=comment, revision=working, policy=policy)
        now = rt.clock.now()
        values: dict[str, Any] = {"state": new_state.value, "updated_at": now}
        if action in ("submit", "publish"):  # the form may have changed since the text was saved
            check_content(conn, rt, app_key, key, working["form_key"], working["content"], working["purpose"])
        if action == "submit":
            values.update(submitted_by=actor.user_id, submitted_at=now, review_comment=None)
        elif action in ("approve", "reject"):
            values.update(reviewed_by=actor.user_id, reviewed_at=now, review_comment=(comment or "").strip() or None)
        elif action == "publish":
            values.update(published_by=actor.user_id, published_at=now)
            live = live_revision(rows)
            if live is not None:
                conn.execute(sa.update(templates_t).where(templates_t.c.id == live["id"]).values(superseded_at=now))
        _guarded_update(conn, working, values)
        if action in ("approve", "reject", "publish"):  # who approved which template: the admin audit
            admin_audit.record(rt, conn, actor, f"template.{action}", f"{app_key}/{key}", revision=working["revision"],
                               comment=(comment or "").strip() or None)
        rows = revisions(conn, rt, app_key, key)[1]
        if action == "submit" and actor.label != "system":  # the system submits only shipped templates it approves itself
            notify_reviewers(conn, rt, app_key, rows[-1])
        return _template_dict(conn, rt, rows, app_key, actor)


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

def list_templates(rt: Runtime, app_key: str, *, form_key: str | None = None, actor: Actor | None = None,
                   purpose: str | None = None, locale: str | None = None) -> list[dict]:
    """Every template of the app (its working revision, with the live revision number and what ``actor`` may do); for
    those who design or operate definitions (``actor=None``: the engine's own use)."""
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        require_definition_reader(rt, actor, conn)
        query = sa.select(templates_t).where(templates_t.c.app_id == app["id"]).order_by(templates_t.c.key, templates_t.c.revision)
        rows = conn.execute(query).mappings().all()
        by_key: dict[str, list] = {}
        for row in rows:
            by_key.setdefault(row["key"], []).append(row)
        items = [_template_dict(conn, rt, revs, app_key, actor, locale) for revs in by_key.values()]
    return [t for t in items if (form_key is None or t["form"] == form_key) and (purpose is None or t["purpose"] == purpose)]


def get_template(rt: Runtime, app_key: str, key: str, actor: Actor | None = None, locale: str | None = None) -> dict:
    with rt.db.read() as conn:
        rows = revisions(conn, rt, app_key, key)[1]
        require_definition_reader(rt, actor, conn)
        return _template_dict(conn, rt, rows, app_key, actor, locale)


def template_history(rt: Runtime, app_key: str, key: str, actor: Actor | None = None, locale: str | None = None) -> list[dict]:
    """Every revision, oldest first, with who submitted, reviewed and published it."""
    with rt.db.read() as conn:
        rows = revisions(conn, rt, app_key, key)[1]
        require_definition_reader(rt, actor, conn)
        return [revision_dict(r, app_key, locale) for r in rows]


def get_revision(rt: Runtime, app_key: str, key: str, revision: int, actor: Actor | None = None, locale: str | None = None) -> dict:
    with rt.db.read() as conn:
        rows = revisions(conn, rt, app_key, key)[1]
        require_definition_reader(rt, actor, conn)
        row = pick(rows, revision)
    return revision_dict(row, app_key, locale)
