"""The workspace's own settings: its name, time zone and default language, with who reviews and who publishes
notification templates (``template_review`` owns those rules); every change is audited (``workspace.settings``).

The time zone is the one reminders, date buckets and "today" use when a user has none of their own; the default
language is the UI language of a user who chose none and whose browser asks for none we have.
"""
from __future__ import annotations

from typing import Mapping

import sqlalchemy as sa

from engine.errors import ErrorItem, PermissionDenied, ValidationFailed
from engine.moments import time_zone_error
from engine.notifications.lifecycle import PUBLISHERS
from engine.runtime import Actor, Runtime
from engine.services import admin_audit, template_review
from engine.services.permissions import privileged
from engine.storage.tables import workspaces

#: UI languages a workspace may default to
LANGUAGES = ("en", "zh-CN")
#: the workspace settings key holding the default language
LANGUAGE_SETTING = "default_locale"
#: longest workspace name, in characters
MAX_NAME_LENGTH = 200
#: settings this service changes; the review ones are passed on to ``template_review``
FIELDS = ("name", "timezone", LANGUAGE_SETTING, template_review.SELF_REVIEW_SETTING, template_review.PUBLISHER_SETTING)


def get_settings(rt: Runtime) -> dict:
    """``{"name", "timezone", "default_locale", "self_review", "publisher"}`` as the workspace has them."""
    with rt.db.read() as conn:
        row = conn.execute(sa.select(workspaces).where(workspaces.c.id == rt.workspace_id)).mappings().one()
    language = (row["settings"] or {}).get(LANGUAGE_SETTING)
    return {"name": row["name"], "timezone": row["timezone"], LANGUAGE_SETTING: language if language in LANGUAGES else LANGUAGES[0],
            **template_review.review_settings(rt)}


def default_locale(rt: Runtime) -> str:
    """The workspace's default UI language (the first of ``LANGUAGES`` when none is set)."""
    with rt.db.read() as conn:
        settings = conn.execute(sa.select(workspaces.c.settings).where(workspaces.c.id == rt.workspace_id)).scalar()
    language = (settings or {}).get(LANGUAGE_SETTING)
    return language if language in LANGUAGES else LANGUAGES[0]


def _problems(changes: Mapping) -> list[ErrorItem]:
    problems = [ErrorItem.coded("error.workspace.unknown_setting", allowed=", ".join(FIELDS), path=f"/{k}") for k in changes if k not in FIELDS]
    name = changes.get("name")
    if "name" in changes and not (isinstance(name, str) and 1 <= len(name.strip()) <= MAX_NAME_LENGTH):
        problems.append(ErrorItem.coded("error.view.name", max=MAX_NAME_LENGTH, path="/name"))
    if "timezone" in changes and (problem := time_zone_error(changes["timezone"])) is not None:
        problems.append(problem)
    if template_review.PUBLISHER_SETTING in changes and changes[template_review.PUBLISHER_SETTING] not in PUBLISHERS:
        problems.append(ErrorItem.coded("error.options.one_of", choices=", ".join(PUBLISHERS), path=f"/{template_review.PUBLISHER_SETTING}"))
    if template_review.SELF_REVIEW_SETTING in changes and not isinstance(changes[template_review.SELF_REVIEW_SETTING], bool):
        problems.append(ErrorItem.coded("error.value.boolean", path=f"/{template_review.SELF_REVIEW_SETTING}"))
    if LANGUAGE_SETTING in changes and changes[LANGUAGE_SETTING] not in LANGUAGES:
        problems.append(ErrorItem.coded("error.options.one_of", choices=", ".join(LANGUAGES), path=f"/{LANGUAGE_SETTING}"))
    return problems


def update_settings(rt: Runtime, actor: Actor, changes: Mapping) -> dict:
    """Change some settings (workspace admins only); the settings after the change. Only what differs is audited."""
    if not isinstance(changes, Mapping):
        raise ValidationFailed("the settings must be an object", [ErrorItem.coded("error.value.object", path="/")],
                               message_code="error.workspace.object")
    problems = _problems(changes)
    if problems:
        raise ValidationFailed("the workspace settings are not valid", problems, message_code="error.workspace.invalid")
    if "admin" not in actor.roles and not (actor.user_id is None and privileged(actor)):
        raise PermissionDenied("only a workspace admin may change the workspace settings", path="/", message_code="error.workspace.admin_only")
    before = get_settings(rt)
    review = {k: changes[k] for k in (template_review.SELF_REVIEW_SETTING, template_review.PUBLISHER_SETTING) if k in changes}
    if review:
        template_review.set_review_settings(rt, actor, review)  # validates these two and refuses them at their path
    with rt.db.transaction() as conn:
        row = conn.execute(sa.select(workspaces).where(workspaces.c.id == rt.workspace_id)).mappings().one()
        values: dict = {}
        if "name" in changes:
            values["name"] = changes["name"].strip()
        if "timezone" in changes:
            values["timezone"] = changes["timezone"]
        if LANGUAGE_SETTING in changes:
            values["settings"] = {**(row["settings"] or {}), LANGUAGE_SETTING: changes[LANGUAGE_SETTING]}
        if values:
            conn.execute(sa.update(workspaces).where(workspaces.c.id == rt.workspace_id).values(**values))
    after = get_settings(rt)
    changed = {k: [before[k], after[k]] for k in FIELDS if before[k] != after[k]}
    if changed:
        with rt.db.transaction() as conn:
            admin_audit.record(rt, conn, actor, "workspace.settings", "workspace", **changed)
    rt.timezone = after["timezone"]
    return after
