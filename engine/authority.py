"""Writes by definitions don't exceed their author: the publisher must hold the rights the definition uses.

A published workflow runs later as the scheduler's automation actor, and an on-submit automation as
an automation actor on behalf of whoever saves a record; both pass every record check. So what they
may write is decided once, at publish, against the publisher: every workflow ``set_field``,
``update_record`` and ``create_record`` step (inside condition branches too) and every automation
action (``set_field``, ``create_record``, ``update_record``, ``update_matching``) needs the publisher
to hold, on the form it writes, update rights with scope ``all`` (it may touch anyone's record),
create rights when it creates records, and write level on every field it sets. Otherwise the publish
is refused (403) naming each step's or automation's JSON path. Enabling a workflow version again needs
no new check: it is the version its publisher was allowed to publish. Nothing is re-checked at run
time: the publisher's later loss of rights does not stop a published definition (publish it again, or
disable it, to apply new rights).
"""
from __future__ import annotations

from typing import Any

from engine import i18n
from engine.errors import ErrorItem, NotFound, PermissionDenied
from engine.fields.relation import reference_target
from engine.services.form_lookup import compiled_form, form_id_for
from engine.services.permissions import form_access
from types import SimpleNamespace

#: Record scope a publisher needs on a form a workflow writes: a step may change any record it fires for.
REQUIRED_WRITE_SCOPE = "all"


def _steps(steps: Any, path: str):
    for i, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, dict):
            yield step, f"{path}/{i}"
            for branch in ("then", "else"):
                yield from _steps(step.get(branch), f"{path}/{i}/{branch}")


def _writes(rt, conn, app_key: str, definition: dict):
    """``(form, fields written, creates?, path)`` for every record-writing step."""

    def form(key):
        try:
            return compiled_form(rt, conn, app_key, key)
        except NotFound:
            return None

    watched = form(definition.get("form"))
    for step, path in _steps(definition.get("steps"), "/steps"):
        kind = step.get("type")
        if kind == "set_field":
            yield watched, [step.get("field")], False, path
        elif kind == "update_record":
            target = watched
            ref = step.get("reference")
            if ref and watched is not None:
                fld = watched.by_id.get(ref) or {}
                target = form(reference_target(fld).store_key())  # another app's form: refused by the step's check
            yield target, list(step.get("values") or {}), False, path
        elif kind == "create_record":
            yield form(step.get("form")), list(step.get("values") or {}), True, path


def _automation_writes(rt, conn, app_key: str, form_key: str, definition: dict):
    """``(form, fields written, creates?, path)`` for every enabled automation of a form definition being published."""


    def form(key):
        try:
            return compiled_form(rt, conn, app_key, key)
        except NotFound:
            if key != form_key:
                return None
            # first publish of this form: its rights as the draft defines them (stored grants still win)
            return SimpleNamespace(form_id=form_id_for(conn, rt, app_key, form_key), version=0, key=form_key, app_key=app_key,
                                   fields=definition.get("fields", []), definition=definition)

    for i, spec in enumerate(definition.get("automations") or []):
        if not isinstance(spec, dict) or spec.get("enabled") is False:
            continue
        action = spec.get("action") or {}
        kind, path = action.get("type"), f"/automations/{i}/action"
        fields = [m.get("field") for m in action.get("map") or [] if isinstance(m, dict)]
        if kind == "set_field":
            yield form(form_key), fields, False, path
        elif kind == "create_record":
            yield form(action.get("form")), fields, True, path
        elif kind == "update_matching":
            yield form(action.get("form")), fields, False, path
        elif kind == "update_record":
            ref = next((f for f in definition.get("fields", []) if f.get("id") == action.get("reference")), {})
            yield form(reference_target(ref).store_key()), fields, False, path  # another app's: refused by the action's check


def update_refusal(what: str, scope: str, path: str) -> ErrorItem:
    """A step updates records of ``what`` whoever owns them, and the publisher's role may update ``scope`` ones only
    ("none", "own", "team"): the scope in the reader's words."""
    return ErrorItem.coded("error.authority.update_none" if scope == "none" else "error.authority.update_scope",
                           path=path, code="exceeds_publisher", what=what, scope=i18n.words("error.authority.scope.", scope))


def _errors(rt, conn, actor, writes) -> list[ErrorItem]:

    if actor is None:
        return []
    errors = []
    for form, fields, creates, path in writes:
        if form is None:
            continue  # compiling reports the missing form
        access = form_access(rt, conn, actor, form)
        if access.unrestricted:
            continue
        what = f"{form.app_key}/{form.key}"
        if creates and not access.create:
            errors.append(ErrorItem.coded("error.authority.may_not_add", path=path, code="exceeds_publisher", what=what))
        if access.update != REQUIRED_WRITE_SCOPE:
            errors.append(update_refusal(what, access.update, path))
        for fid in fields:
            if isinstance(fid, str) and access.level(fid) != "write":
                errors.append(ErrorItem.coded("error.authority.may_not_write_field", path=path, field_id=fid,
                                              code="exceeds_publisher", field=repr(fid), what=what))
    return errors


def write_rights_errors(rt, conn, actor, app_key: str, definition: dict) -> list[ErrorItem]:
    """What the publisher may not write that a workflow definition's steps would; empty when they may."""
    return _errors(rt, conn, actor, _writes(rt, conn, app_key, definition))


def automation_rights_errors(rt, conn, actor, app_key: str, form_key: str, definition: dict) -> list[ErrorItem]:
    """What the publisher may not write that a form definition's automations would; empty when they may."""
    return _errors(rt, conn, actor, _automation_writes(rt, conn, app_key, form_key, definition))


def require_automation_rights(rt, conn, actor, app_key: str, form_key: str, definition: dict) -> None:
    errors = automation_rights_errors(rt, conn, actor, app_key, form_key, definition)
    if errors:
        params = {"form": repr(form_key)}
        raise PermissionDenied(i18n.render("error.authority.automations", "en", params), errors,
                               message_code="error.authority.automations", params=params)


def require_write_rights(rt, conn, actor, app_key: str, definition: dict, what: str) -> None:
    errors = write_rights_errors(rt, conn, actor, app_key, definition)
    if errors:
        raise PermissionDenied(i18n.render("error.authority.writes", "en", {"what": what}), errors,
                               message_code="error.authority.writes", params={"what": what})
