"""Running apps and forms as a whole: look (icon, colour), order of forms, archive, copy and delete.

What ``engine.services.forms`` does to one definition (create, draft, publish), this module does to the set of them
on the Apps page and through ``/api/apps/<key>/...``: an app's icon and colour and the order and archived state of
its forms live in the app's ``settings``; a copy is a new app built from the source's drafts (records are not
copied; forms published in the source are published in the copy); deleting needs the key typed again as
confirmation and says first what will be lost (``impact``). Every change needs the ``design`` capability and lands
in the admin audit.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import sqlalchemy as sa

from engine.fields.relation import reference_target
from engine import i18n
from engine.errors import Conflict, ErrorItem, NotFound, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services import admin_audit
from engine.services import forms as form_service
from engine.services import reference_targets
from engine.services.permissions import require_capability
from engine.storage.tables import apps, forms, records

#: the colours an app may wear (names, so the UI maps them to its own palette with enough contrast)
COLORS = ("blue", "green", "teal", "orange", "red", "purple", "pink", "gray")
#: longest icon: one emoji (with its joiners) or up to two letters
MAX_ICON_LENGTH = 8
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _require_design(rt: Runtime, actor: Actor, conn=None) -> None:
    require_capability(rt, actor, "design", conn)


def _settings(row) -> dict:
    return dict(row["settings"] or {})


def look(row) -> dict:
    """The app's icon, colour, archived state, form order and archived forms, from its settings."""
    s = _settings(row)
    return {"icon": s.get("icon"), "color": s.get("color"), "archived": bool(s.get("archived")),
            "form_order": list(s.get("form_order") or []), "archived_forms": list(s.get("archived_forms") or [])}


def ordered(form_list: list[dict], order: list[str]) -> list[dict]:
    """Forms in the saved order; forms the order doesn't name follow, oldest first."""
    rank = {key: i for i, key in enumerate(order)}
    return sorted(form_list, key=lambda f: (rank.get(f["key"], len(rank)), form_list.index(f)))


def list_apps(rt: Runtime, *, include_archived: bool = True) -> list[dict]:
    """``forms.list_apps`` with each app's look, its forms in the saved order and marked when archived."""
    with rt.db.read() as conn:
        looks = {r["key"]: look(r) for r in conn.execute(sa.select(apps.c.key, apps.c.settings)
                                                          .where(apps.c.workspace_id == rt.workspace_id)).mappings()}
    out = []
    for app in form_service.list_apps(rt):
        lk = looks.get(app["key"]) or look({"settings": {}})
        if lk["archived"] and not include_archived:
            continue
        app_forms = [{**f, "archived": f["key"] in lk["archived_forms"]} for f in ordered(app["forms"], lk["form_order"])]
        out.append({**app, "forms": app_forms, "icon": lk["icon"], "color": lk["color"], "archived": lk["archived"]})
    return out


def get_app(rt: Runtime, app_key: str) -> dict:
    found = next((a for a in list_apps(rt) if a["key"] == app_key), None)
    if found is None:
        raise NotFound(f"app {app_key!r} does not exist", path="/app",
                       message_code="error.app.not_found", params={"app": repr(app_key)})
    return found


def _write_settings(rt: Runtime, conn, app_row, **changes) -> None:
    settings = {**_settings(app_row), **changes}
    conn.execute(sa.update(apps).where(apps.c.id == app_row["id"]).values(settings=settings, updated_at=rt.clock.now()))


def update_app(rt: Runtime, actor: Actor, app_key: str, *, label: Any = None, description: str | None = None,
               icon: str | None = None, color: str | None = None) -> dict:
    """Rename an app, change its description, icon or colour (an empty icon or colour: the default)."""
    errors = []
    if icon is not None and (not isinstance(icon, str) or len(icon.strip()) > MAX_ICON_LENGTH):
        errors.append(ErrorItem.coded("error.app.icon", max=MAX_ICON_LENGTH, path="/icon", code="icon"))
    if color is not None and color != "" and color not in COLORS:
        errors.append(ErrorItem.coded("error.app.color", choices=", ".join(COLORS), path="/color", code="color"))
    if isinstance(label, str) and not label.strip() or isinstance(label, dict) and not any(str(v).strip() for v in label.values()):
        errors.append(ErrorItem.coded("error.app.needs_name", path="/label", code="required"))
    if errors:
        raise ValidationFailed("the app is not valid", errors,
                               message_code="error.app.invalid")
    if label is not None or description is not None:
        form_service.update_app(rt, actor, app_key, label, description)
    else:
        _require_design(rt, actor)
    with rt.db.transaction() as conn:
        row = form_service.app_row(conn, rt, app_key)
        changes = {}
        if icon is not None:
            changes["icon"] = icon.strip() or None
        if color is not None:
            changes["color"] = color or None
        if changes:
            _write_settings(rt, conn, row, **changes)
        admin_audit.record(rt, conn, actor, "app.update", f"app:{app_key}", label=label, icon=icon, color=color)
    return get_app(rt, app_key)


def set_app_archived(rt: Runtime, actor: Actor, app_key: str, archived: bool) -> dict:
    """Archive an app (hidden from the Apps page by default, its data kept) or bring it back."""
    _require_design(rt, actor)
    with rt.db.transaction() as conn:
        row = form_service.app_row(conn, rt, app_key)
        _write_settings(rt, conn, row, archived=bool(archived))
        admin_audit.record(rt, conn, actor, "app.archive" if archived else "app.restore", f"app:{app_key}")
    return get_app(rt, app_key)


def impact(rt: Runtime, app_key: str, form_key: str | None = None) -> dict:
    """What deleting the app (or one of its forms) loses: each form with its number of records (deleted ones counted)."""
    with rt.db.read() as conn:
        app = form_service.app_row(conn, rt, app_key)
        query = sa.select(forms.c.id, forms.c.key, forms.c.draft, forms.c.published_version).where(forms.c.app_id == app["id"])
        if form_key is not None:
            form_service.form_row(conn, rt, app_key, form_key)
            query = query.where(forms.c.key == form_key)
        rows = conn.execute(query.order_by(forms.c.id)).all()
        counts = dict(conn.execute(sa.select(records.c.form_id, sa.func.count()).where(records.c.form_id.in_([r.id for r in rows]))
                                   .group_by(records.c.form_id)).all())
    items = [{"key": r.key, "label": r.draft.get("label"), "published_version": r.published_version, "records": counts.get(r.id, 0)}
             for r in rows]
    return {"app": app_key, "form": form_key, "forms": items, "records": sum(i["records"] for i in items)}


def _check_confirmation(confirm: Any, expected: str) -> None:
    if confirm != expected:
        raise ValidationFailed(f"type {expected!r} to confirm", [ErrorItem.coded("error.app.confirm", expected=expected, path="/confirm",
                                                                            code="confirm", extra={"expected": expected})],
                               message_code="error.app.confirm", params={"expected": expected})


def delete_app(rt: Runtime, actor: Actor, app_key: str, *, confirm: Any) -> dict:
    """Delete an app with its forms, versions and records, for good; ``confirm`` must be the app's key. Returns ``impact``."""
    _require_design(rt, actor)
    _check_confirmation(confirm, app_key)
    lost = impact(rt, app_key)
    with rt.db.transaction() as conn:
        row = form_service.app_row(conn, rt, app_key)
        reference_targets.refuse_if_referenced_elsewhere(conn, rt, app_key)
        form_ids = list(conn.execute(sa.select(forms.c.id).where(forms.c.app_id == row["id"])).scalars())
        conn.execute(sa.delete(apps).where(apps.c.id == row["id"]))  # forms, versions, records... go with it (ON DELETE CASCADE)
        admin_audit.record(rt, conn, actor, "app.delete", f"app:{app_key}", forms=[f["key"] for f in lost["forms"]], records=lost["records"])
    for form_id in form_ids:
        rt.forms.forget(form_id)
    return lost


def _references_to(drafts: dict[str, dict], form_key: str) -> list[tuple[str, str]]:
    """(form, field) of other forms whose reference or roll-up fields point at ``form_key``."""
    out = []
    for key, draft in drafts.items():
        if key == form_key:
            continue
        for f in draft.get("fields", []):
            if f.get("deleted") or reference_target(f).app is not None:  # another app's form of the same key is not this one
                continue
            if (f.get("options") or {}).get("form") == form_key:
                out.append((key, f["id"]))
    return out


def delete_form(rt: Runtime, actor: Actor, app_key: str, form_key: str, *, confirm: Any) -> dict:
    """Delete one form with its versions and records; refused while another form's field points at it."""
    _require_design(rt, actor)
    _check_confirmation(confirm, form_key)
    lost = impact(rt, app_key, form_key)
    with rt.db.transaction() as conn:
        app, row = form_service.form_row(conn, rt, app_key, form_key)
        drafts = dict(conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app["id"])).all())
        used = _references_to(drafts, form_key)
        if not used:
            reference_targets.refuse_if_referenced_elsewhere(conn, rt, app_key, form_key)
        if used:
            raise Conflict(f"form {form_key!r} is used by {', '.join(f'{k}.{f}' for k, f in used)}; change those fields first",
                           [ErrorItem.coded("error.app.used_by", place=f"{k}.{f}", path="/form", code="in_use", extra={"form": k, "field": f}) for k, f in used],
                           message_code="error.app.form_in_use", params={"form": repr(form_key), "places": ", ".join(f"{k}.{f}" for k, f in used)})
        conn.execute(sa.delete(forms).where(forms.c.id == row["id"]))
        lk = look(app)
        _write_settings(rt, conn, app, form_order=[k for k in lk["form_order"] if k != form_key],
                        archived_forms=[k for k in lk["archived_forms"] if k != form_key])
        admin_audit.record(rt, conn, actor, "form.delete", f"{app_key}/{form_key}", records=lost["records"])
    rt.forms.forget(row["id"])
    return lost


def set_form_archived(rt: Runtime, actor: Actor, app_key: str, form_key: str, archived: bool) -> dict:
    """Archive a form (listed apart, its records kept and readable) or bring it back."""
    _require_design(rt, actor)
    with rt.db.transaction() as conn:
        app, _ = form_service.form_row(conn, rt, app_key, form_key)
        keys = [k for k in look(app)["archived_forms"] if k != form_key] + ([form_key] if archived else [])
        _write_settings(rt, conn, app, archived_forms=keys)
        admin_audit.record(rt, conn, actor, "form.archive" if archived else "form.restore", f"{app_key}/{form_key}")
    return get_app(rt, app_key)


def reorder_forms(rt: Runtime, actor: Actor, app_key: str, order: list[str]) -> dict:
    """Save the order of the app's forms: ``order`` names each form once."""
    _require_design(rt, actor)
    with rt.db.transaction() as conn:
        app = form_service.app_row(conn, rt, app_key)
        keys = list(conn.execute(sa.select(forms.c.key).where(forms.c.app_id == app["id"]).order_by(forms.c.id)).scalars())
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(keys) or len(set(order)) != len(order):
            raise ValidationFailed("the order must name every form of the app once",
                                   [ErrorItem.coded("error.app.order", keys=", ".join(keys), path="/order", code="order")],
                                   message_code="error.app.order_all")
        _write_settings(rt, conn, app, form_order=list(order))
        admin_audit.record(rt, conn, actor, "form.reorder", f"app:{app_key}", order=list(order))
    return get_app(rt, app_key)


def move_form(rt: Runtime, actor: Actor, app_key: str, form_key: str, step: int) -> dict:
    """Move a form one place up (``step`` -1) or down (+1) in the app's order."""
    keys = [f["key"] for f in get_app(rt, app_key)["forms"]]
    if form_key not in keys:
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form",
                       message_code="error.app.no_form", params={"form": repr(form_key), "app": repr(app_key)})
    i = keys.index(form_key)
    j = max(0, min(len(keys) - 1, i + (1 if step > 0 else -1)))
    keys[i], keys[j] = keys[j], keys[i]
    return reorder_forms(rt, actor, app_key, keys)


def rename_form(rt: Runtime, actor: Actor, app_key: str, form_key: str, label: Any) -> dict:
    """Change a form's name in its draft (published with the next publish, like every definition change)."""
    if not label or isinstance(label, str) and not label.strip() or isinstance(label, dict) and not any(str(v).strip() for v in label.values()):
        raise ValidationFailed("a form needs a name", [ErrorItem.coded("error.app.form_needs_name", path="/label", code="required")],
                               message_code="error.app.form_needs_name")
    draft = form_service.get_draft(rt, app_key, form_key)
    definition = {**draft["definition"], "label": label}
    return form_service.save_draft(rt, actor, app_key, form_key, definition, if_revision=draft["draft_revision"])


def _require_key_and_name(key: Any, label: Any, what: str, needs_name: str) -> None:
    """A new form's or app's key and name as one refusal naming both places (*what*: "form" or "app"; *needs_name*: the
    catalogue key of the missing name's message)."""
    errors = []
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        errors.append(ErrorItem.coded("error.app.key", path="/key", code="key"))
    if not label or isinstance(label, str) and not label.strip():
        errors.append(ErrorItem.coded(needs_name, path="/label", code="required"))
    if errors:
        raise ValidationFailed(f"the {what} is not valid", errors,
                               message_code="error.app.what_invalid",
                               params={"what": {loc: i18n.render(f"app.word.{what}", loc) for loc in i18n.LOCALES}})


def new_form(rt: Runtime, actor: Actor, app_key: str, key: str, label: Any, *, copy_of: str | None = None) -> dict:
    """A new form as a draft: blank, or a copy of another form's draft of the same app (its records are not copied)."""
    _require_key_and_name(key, label, "form", "error.app.form_needs_name")
    definition: dict = {"key": key, "label": label, "fields": []}
    if copy_of:
        source = form_service.get_draft(rt, app_key, copy_of)["definition"]
        definition = {**copy.deepcopy(source), "key": key, "label": label}
        definition.pop("automations", None)  # an automation copied would run twice on every submit
    return form_service.create_form(rt, actor, app_key, definition)


def copy_app(rt: Runtime, actor: Actor, source_key: str, key: str, label: Any) -> dict:
    """A new app made of the source app's form drafts (no records); forms published in the source are published."""
    _require_design(rt, actor)
    if not (key or "").strip() and label and not (isinstance(label, str) and not label.strip()):
        key = form_service.app_key_for(rt, label)   # no key typed: made from the name, as for a blank app
    _require_key_and_name(key, label, "app", "error.app.needs_name")
    with rt.db.transaction() as conn:
        source = form_service.app_row(conn, rt, source_key)
        rows = conn.execute(sa.select(forms.c.key, forms.c.draft, forms.c.published_version)
                            .where(forms.c.app_id == source["id"]).order_by(forms.c.id)).all()
        form_service.create_app(rt, actor, key, label, source["description"], conn=conn)
        new = form_service.app_row(conn, rt, key)
        lk = look(source)
        _write_settings(rt, conn, new, icon=lk["icon"], color=lk["color"], form_order=lk["form_order"])
        for r in rows:  # two steps, as forms refer to each other: create them all, then fill them in
            form_service.create_form(rt, actor, key, {"key": r.key, "label": r.draft.get("label") or r.key, "fields": []}, conn=conn)
        for r in rows:
            conn.execute(sa.update(forms).where(forms.c.app_id == new["id"], forms.c.key == r.key)
                         .values(draft=copy.deepcopy(r.draft), draft_revision=2))
        for r in rows:
            if r.published_version:
                form_service.publish_form(rt, actor, key, r.key, conn=conn)
        admin_audit.record(rt, conn, actor, "app.copy", f"app:{key}", source=source_key)
    return get_app(rt, key)
