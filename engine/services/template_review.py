"""Who may act on a notification template revision, what the caller is offered, and who hears that a revision awaits review.

The rules themselves (capabilities, four eyes, who publishes) live in
``engine.notifications.lifecycle``; this module gives them what they need
from the database: the caller's capabilities, the workspace's review settings
(``settings["notification_templates"]``: ``self_review`` true/false,
``publisher`` "approver" / "author" / "both", default "both"), and tells the
approvers in their inbox when a revision is submitted.
"""
from __future__ import annotations

from typing import Mapping

import sqlalchemy as sa

from engine import i18n
from engine.clock import utc_iso
from engine.errors import ErrorItem, PermissionDenied, ValidationFailed
from engine.fields.base import field_label
from engine.notifications.lifecycle import (
    PUBLISHERS, REVIEW_CAPABILITY, WRITE_CAPABILITY, Caller, LifecycleError, ReviewPolicy, TemplateState, allowed_actions, refusal,
)
from engine.runtime import Actor, Runtime
from engine.services import inbox
from engine.services.permissions import capability_words, has_capability, privileged
from engine.services.users import actor_for
from engine.storage.tables import users, workspaces

__all__ = ["review_policy", "review_settings", "set_review_settings", "caller", "check_action", "actions_for", "notify_reviewers", "template_link",
           "REVIEW_SETTINGS", "SELF_REVIEW_SETTING", "PUBLISHER_SETTING"]

#: Key of the workspace settings holding the template review settings.
REVIEW_SETTINGS = "notification_templates"
#: Setting letting an author approve or reject their own revision (true/false; default false).
SELF_REVIEW_SETTING = "self_review"
#: Setting naming who publishes an approved revision: "approver", "author" or "both" (default).
PUBLISHER_SETTING = "publisher"

#: The catalogue keys (engine/translations) of the inbox notice an approver gets: (title, body).
AWAITS_REVIEW_NOTICE = ("notice.template_review.title", "notice.template_review.body")


def review_policy(conn: sa.Connection, rt: Runtime) -> ReviewPolicy:
    """The workspace's review settings."""
    settings = conn.execute(sa.select(workspaces.c.settings).where(workspaces.c.id == rt.workspace_id)).scalar()
    return ReviewPolicy.from_settings(settings)


def review_settings(rt: Runtime) -> dict:
    """``{"self_review": bool, "publisher": "approver" | "author" | "both"}`` as the workspace has them."""
    with rt.db.read() as conn:
        policy = review_policy(conn, rt)
    return {SELF_REVIEW_SETTING: policy.self_review, PUBLISHER_SETTING: policy.publisher}


def set_review_settings(rt: Runtime, actor: Actor, changes: Mapping) -> dict:
    """Change the workspace's template review settings (workspace admins only); the settings after the change."""
    problems = [ErrorItem.coded("error.workspace.unknown_setting", allowed=f"{SELF_REVIEW_SETTING}, {PUBLISHER_SETTING}", path=f"/{k}")
                for k in changes if k not in (SELF_REVIEW_SETTING, PUBLISHER_SETTING)]
    if SELF_REVIEW_SETTING in changes and not isinstance(changes[SELF_REVIEW_SETTING], bool):
        problems.append(ErrorItem.coded("error.value.boolean", path=f"/{SELF_REVIEW_SETTING}"))
    if PUBLISHER_SETTING in changes and changes[PUBLISHER_SETTING] not in PUBLISHERS:
        problems.append(ErrorItem.coded("error.options.one_of", choices=", ".join(PUBLISHERS), path=f"/{PUBLISHER_SETTING}"))
    if problems:
        raise ValidationFailed("the template review settings are not valid", problems, message_code="error.template_review.invalid")
    if "admin" not in actor.roles and not (actor.user_id is None and privileged(actor)):
        raise PermissionDenied("only a workspace admin may change the template review settings", path="/", message_code="error.template_review.admin_only")
    with rt.db.transaction() as conn:
        settings = dict(conn.execute(sa.select(workspaces.c.settings).where(workspaces.c.id == rt.workspace_id)).scalar() or {})
        settings[REVIEW_SETTINGS] = {**(settings.get(REVIEW_SETTINGS) or {}), **changes}
        conn.execute(sa.update(workspaces).where(workspaces.c.id == rt.workspace_id).values(settings=settings))
    return review_settings(rt)


def caller(conn: sa.Connection, rt: Runtime, actor: Actor) -> Caller:
    """The actor with the template capabilities their roles hold."""
    caps = frozenset(c for c in (WRITE_CAPABILITY, REVIEW_CAPABILITY) if has_capability(rt, actor, c, conn))
    return Caller(actor, caps, admin="admin" in actor.roles or (actor.user_id is None and privileged(actor)))


def check_action(conn: sa.Connection, rt: Runtime, actor: Actor, action: str,
                 row: Mapping | None = None) -> tuple[Caller, ReviewPolicy]:
    """Raise PermissionDenied (403) or LifecycleError (409) unless ``actor`` may do ``action`` on the revision ``row``
    (``row`` None and action "create": creating a template, which needs the ``templates`` capability);
    the caller and the workspace's policy, for ``transition``."""
    who, policy = caller(conn, rt, actor), review_policy(conn, rt)
    if row is None:
        if actor.user_id is not None and WRITE_CAPABILITY not in who.capabilities:
            params = {"capability": capability_words(WRITE_CAPABILITY)}
            raise PermissionDenied(i18n.render("error.access.needs_capability", "en", params), path="/", needed=WRITE_CAPABILITY,
                                   message_code="error.access.needs_capability", params=params)
        return who, policy
    refused = refusal(row["state"], action, who, row, policy)
    if refused is None:
        return who, policy
    if refused.kind == "permission":
        extra = {"needed": refused.needed} if refused.needed else {"reason": refused.reason}
        raise PermissionDenied(refused.message, path="/", **extra)
    raise LifecycleError(TemplateState(row["state"]), action, refused.message)


def actions_for(conn: sa.Connection, rt: Runtime, actor: Actor | None, row: Mapping) -> list[str]:
    """What ``actor`` may do on the revision ``row`` now; without an actor (the engine's own use), what the state allows."""
    if actor is None:
        return allowed_actions(row["state"])
    return allowed_actions(row["state"], caller(conn, rt, actor), row, review_policy(conn, rt))


def template_link(rt: Runtime, app_key: str, key: str) -> str:
    """Where the template opens in the designer (absolute when ``PUBLIC_URL`` is configured)."""
    base = str(rt.config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/apps/{app_key}/notification-templates/editor?key={key}"


def notify_reviewers(conn: sa.Connection, rt: Runtime, app_key: str, row: Mapping) -> list[int]:
    """Tell every active user who may approve the submitted revision ``row`` (in its state after submit) in their inbox;
    the ids of the users told. Once per submission: a repeat is keyed away."""
    policy = review_policy(conn, rt)
    told = []
    people = conn.execute(sa.select(users.c.id, users.c.locale, users.c.display_name).where(
        users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True)).order_by(users.c.id)).all()
    names = {p.id: p.display_name for p in people}
    for person in people:
        actor = actor_for(conn, rt, person.id)
        if actor is None or "approve" not in allowed_actions(row["state"], caller(conn, rt, actor), row, policy):
            continue
        locale = i18n.normalize_locale(person.locale)
        words = {"label": field_label({"label": row["label"], "id": row["key"]}, locale), "author": names.get(row["submitted_by"], "?"), "revision": row["revision"],
                 "app": app_key, "key": row["key"]}
        inbox.store_message(conn, rt, user_id=person.id, title=i18n.render(AWAITS_REVIEW_NOTICE[0], locale, words),
                            body=i18n.render(AWAITS_REVIEW_NOTICE[1], locale, words),
                            idempotency_key=f"template-review:{row['id']}:{utc_iso(row['submitted_at'])}:{person.id}",
                            link=template_link(rt, app_key, row["key"]), source=f"template-review:{app_key}/{row['key']}")
        told.append(person.id)
    return told
