"""Writes by a workflow don't exceed its author: the publisher must hold the rights its steps use.

A published workflow runs later as the scheduler's automation actor, which passes every record
check; so what it may write is decided once, at publish: every ``set_field``, ``update_record`` and
``create_record`` step (inside condition branches too) needs the publisher to hold, on the form it
writes, update rights with scope ``all`` (the step may touch anyone's record; a created record is
given to the watched record's owner) plus create rights for ``create_record``, and write level on
every field it sets. Otherwise the publish is refused (403) with each step's JSON path.
Enabling a version again needs no new check: it is the version its publisher was allowed to publish.
"""
from __future__ import annotations

from typing import Any

from engine.errors import ErrorItem, NotFound, PermissionDenied

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
    from engine.services.forms import compiled_form

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
                target = form((fld.get("options") or {}).get("form"))
            yield target, list(step.get("values") or {}), False, path
        elif kind == "create_record":
            yield form(step.get("form")), list(step.get("values") or {}), True, path


def write_rights_errors(rt, conn, actor, app_key: str, definition: dict) -> list[ErrorItem]:
    """What the publisher may not write that the definition's steps would; empty when they may."""
    from engine.services.permissions import form_access

    if actor is None:
        return []
    errors = []
    for form, fields, creates, path in _writes(rt, conn, app_key, definition):
        if form is None:
            continue  # compiling reports the missing form
        access = form_access(rt, conn, actor, form)
        if access.unrestricted:
            continue
        what = f"{form.app_key}/{form.key}"
        if creates and not access.create:
            errors.append(ErrorItem(f"you may not add records to {what}, so a workflow you publish may not either",
                                    path=path, code="exceeds_publisher"))
        if access.update != REQUIRED_WRITE_SCOPE:
            errors.append(ErrorItem(f"this step changes records of {what} whoever owns them, and your role may change "
                                    f"{'no' if access.update == 'none' else access.update + ' only'} records there",
                                    path=path, code="exceeds_publisher"))
        for fid in fields:
            if isinstance(fid, str) and access.level(fid) != "write":
                errors.append(ErrorItem(f"your role may not write field {fid!r} of {what}", path=path, field_id=fid,
                                        code="exceeds_publisher"))
    return errors


def require_write_rights(rt, conn, actor, app_key: str, definition: dict, what: str) -> None:
    errors = write_rights_errors(rt, conn, actor, app_key, definition)
    if errors:
        raise PermissionDenied(f"{what} writes records you may not write; an admin (or someone with those rights) "
                               "must publish it", errors)
