"""References to forms of other apps of the workspace: what a definition names, and who points at a form.

The rule itself (``options.app`` beside ``options.form``; absent, empty or the own app: the same app) is
``engine.fields.relation.reference_target``; this module looks the named apps up for the save/publish checks
(``named_apps``), gives the compiled target of a reference field (``target_form``) and finds the references of other
apps that point at a form or an app (``referrers_elsewhere``: "used by" and the delete guards). Reading the target's
records always goes through the read gate of the target app/form as the reader (``engine.services.queries``,
``engine.services.records``).
"""
from __future__ import annotations

import re
from typing import Iterable

import sqlalchemy as sa

from engine.definitions import CompiledForm, check_form
from engine.errors import Conflict, ErrorItem
from engine.fields import FIELD_TYPES
from engine.fields.relation import Target, reference_target, target_of_store
from engine.runtime import Runtime
from engine.services.form_lookup import compiled_form
from engine.storage.access_tables import roles, teams
from engine.storage.tables import apps, form_versions, forms

__all__ = ["check_definition", "named_apps", "target_form", "target_form_id", "target_of_field", "store_target", "referrers_elsewhere", "refuse_if_referenced_elsewhere", "usage_elsewhere", "rollups_broken_by", "published_rollups_using", "workspace_apps", "target_choices", "access_keys"]


def _references(definition: dict) -> Iterable[dict]:
    """The reference fields of a definition, read before its shape is checked (a malformed part names nothing)."""
    for f in _dicts(definition.get("fields") if isinstance(definition, dict) else None):
        kind = FIELD_TYPES.get(f["type"]) if isinstance(f.get("type"), str) and f["type"] in FIELD_TYPES else None
        if kind is not None and kind.is_reference:
            yield f
        elif kind is not None and kind.stores_rows and isinstance(f.get("options"), dict):
            yield from (sub for sub in _dicts(f["options"].get("fields"))
                        if isinstance(sub.get("type"), str) and sub["type"] in FIELD_TYPES and FIELD_TYPES.get(sub["type"]).is_reference)


def _rollups(definition: dict) -> Iterable[dict]:
    """The roll-up fields of a definition (``options.app`` / ``options.form``: their source form, maybe another app's)."""
    for f in _dicts(definition.get("fields") if isinstance(definition, dict) else None):
        if isinstance(f.get("type"), str) and f["type"] in FIELD_TYPES and FIELD_TYPES.get(f["type"]).rolls_up:
            yield f


def _dicts(items) -> Iterable[dict]:
    return (item for item in (items if isinstance(items, list) else ()) if isinstance(item, dict))


def named_apps(conn, rt: Runtime, definition: dict, app_key: str) -> dict[str, dict[str, list[dict]]]:
    """{app key: {form key: draft fields}} of the other apps ``definition``'s references name (missing ones absent)."""
    wanted = {t.app for t in (reference_target(f, app_key) for f in (*_references(definition), *_rollups(definition)))
              if t.app is not None}
    if not wanted:
        return {}
    rows = conn.execute(sa.select(apps.c.key, forms.c.key, forms.c.draft).select_from(apps.outerjoin(forms, forms.c.app_id == apps.c.id))
                        .where(apps.c.workspace_id == rt.workspace_id, apps.c.key.in_(sorted(wanted)))).all()
    out: dict[str, dict[str, list[dict]]] = {}
    for app, form, draft in rows:
        out.setdefault(app, {})
        if form is not None:
            out[app][form] = (draft or {}).get("fields", [])
    return out


def target_of_field(field: dict, app_key: str) -> tuple[str, str]:
    """(app key, form key) a reference field of a form of ``app_key`` points at."""
    target = reference_target(field, app_key)
    return target.app_or(app_key), target.form


def store_target(key: str, app_key: str) -> tuple[str, str]:
    """(app key, form key) of a store key (``linked_store``) seen from ``app_key``."""
    target = target_of_store(key, app_key)
    return target.app_or(app_key), target.form


def target_form(rt: Runtime, conn, field: dict, app_key: str) -> CompiledForm:
    """The published target form of a reference field (NotFound: missing or never published)."""
    return compiled_form(rt, conn, *target_of_field(field, app_key))


def _mentions(app_key: str):
    """SQL: a draft whose text names ``app_key`` at all (a cheap first sieve: the record page asks on every view)."""
    return sa.cast(forms.c.draft, sa.Text).contains(app_key, autoescape=True)


def referrers_elsewhere(conn, rt: Runtime, app_key: str, form_key: str | None = None) -> list[dict]:
    """References (and roll-ups, which sum its records) in forms of *other* apps pointing at ``app_key``'s form
    ``form_key`` (None: any form of the app): [{app, form, field_id, label, target_form}] (drafts: what the next
    publish would keep)."""
    rows = conn.execute(sa.select(apps.c.key, forms.c.key, forms.c.draft).join(forms, forms.c.app_id == apps.c.id)
                        .where(apps.c.workspace_id == rt.workspace_id, apps.c.key != app_key, _mentions(app_key))).all()
    out = []
    for other_app, other_form, draft in rows:
        for f in (*_references(draft or {}), *_rollups(draft or {})):
            target: Target = reference_target(f, other_app)
            if f.get("deleted") or target.app != app_key or (form_key is not None and target.form != form_key):
                continue
            out.append({"app": other_app, "form": other_form, "field_id": f["id"], "label": f.get("label"), "target_form": target.form})
    return out


def workspace_apps(conn, rt: Runtime) -> list[dict]:
    """[{key, label, forms: [{key, label, fields: [{id, label, type}]}]}] of every app of the workspace (the designer's
    target pickers, and the fields a field may fill itself from: ``fetch``)."""
    rows = conn.execute(sa.select(apps.c.key, apps.c.label, forms.c.key, forms.c.draft)
                        .select_from(apps.outerjoin(forms, forms.c.app_id == apps.c.id))
                        .where(apps.c.workspace_id == rt.workspace_id).order_by(apps.c.key, forms.c.key)).all()
    out: dict[str, dict] = {}
    for key, label, form, draft in rows:
        entry = out.setdefault(key, {"key": key, "label": label, "forms": []})
        if form is not None:
            entry["forms"].append({"key": form, "label": (draft or {}).get("label", form),
                                   "fields": [{"id": f["id"], "label": f.get("label") or f["id"], "type": f.get("type")}
                                              for f in (draft or {}).get("fields") or [] if isinstance(f, dict) and "id" in f
                                              and not f.get("deleted")]})
    return list(out.values())


def check_definition(conn, rt: Runtime, definition: dict, siblings: dict[str, dict], app_key: str, prefix: str = "") -> list:
    """``check_form`` with the other apps the definition's references name looked up (save, publish, preview)."""
    return check_form(definition, siblings, prefix, app_key=app_key, other_apps=named_apps(conn, rt, definition, app_key),
                      access_keys=lambda: access_keys(conn, rt))


def access_keys(conn, rt: Runtime) -> dict[str, set[str]]:
    """The role keys (the built-in ones even before they are stored) and team keys of the workspace: what a member
    field's ``options.limit`` may name."""
    from engine.services.permissions import BUILTIN_ROLES  # cycle: permissions imports this module (target_of_field)
    role_keys = set(conn.execute(sa.select(roles.c.key).where(roles.c.workspace_id == rt.workspace_id)).scalars()) | set(BUILTIN_ROLES)
    team_keys = set(conn.execute(sa.select(teams.c.key).where(teams.c.workspace_id == rt.workspace_id)).scalars())
    return {"roles": role_keys, "teams": team_keys}


def refuse_if_referenced_elsewhere(conn, rt: Runtime, app_key: str, form_key: str | None = None) -> None:
    """Conflict (409, one coded item per place) while a reference of another app points at the form (None: the app)."""
    used = referrers_elsewhere(conn, rt, app_key, form_key)
    if not used:
        return
    places = ", ".join(f"{u['app']}/{u['form']}.{u['field_id']}" for u in used)
    shown = form_key or app_key
    raise Conflict(f"{shown!r} is used by {places}; change those fields first",
                   message_code="error.definition.used_elsewhere", params={"shown": repr(shown), "places": places}, errors=
                   [ErrorItem.coded("error.definition.referenced_elsewhere", path="/form" if form_key else "/app", code="in_use",
                                    extra={"app": u["app"], "form": u["form"], "field": u["field_id"]},
                                    form=repr(f"{app_key}/{u['target_form']}"), count=len(used), places=places) for u in used])


def usage_elsewhere(conn, rt: Runtime, app_key: str, form_key: str, field_id: str, *, draft_rollups: bool = True) -> list[dict]:
    """"Used by" places in other apps for field ``field_id`` of ``app_key/form_key``: a reference pointing at the form
    (its target: the form's whole record, so every field of it counts only when named) and the fields fetched or
    shown through such a reference. [{kind, key, label, path, link}] as ``engine.services.field_usage`` lists them.
    ``draft_rollups`` False: the drafts' roll-ups left out (the publish guard asks ``published_rollups_using``)."""
    out = []
    rows = conn.execute(sa.select(apps.c.key, forms.c.key, forms.c.draft).join(forms, forms.c.app_id == apps.c.id)
                        .where(apps.c.workspace_id == rt.workspace_id, apps.c.key != app_key, _mentions(app_key))
                        .order_by(apps.c.key, forms.c.key)).all()
    for other_app, other_form, draft in rows:
        fields = (draft or {}).get("fields") or []
        link = f"/apps/{other_app}/forms/{other_form}/design"
        if draft_rollups:
            out += _rollups_using(draft or {}, other_app, other_form, Target(app_key, form_key), field_id, link)
        pointing = {f["id"] for f in _references(draft or {})
                    if not f.get("deleted") and reference_target(f, other_app) == Target(app_key, form_key)}
        if not pointing:
            continue
        for i, f in enumerate(fields):
            if not isinstance(f, dict) or f.get("deleted"):
                continue
            fetch = f.get("fetch") or {}
            if fetch.get("from") in pointing and fetch.get("field") == field_id:
                out.append({"kind": "field", "key": f"{other_app}/{other_form}.{f['id']}", "label": f.get("label") or f["id"],
                            "path": f"/fields/{i}/fetch/field", "link": link})
            elif f["id"] in pointing and (f.get("options") or {}).get("display_field") == field_id:
                out.append({"kind": "field", "key": f"{other_app}/{other_form}.{f['id']}", "label": f.get("label") or f["id"],
                            "path": f"/fields/{i}/options/display_field", "link": link})
    return out


def _rollups_using(draft: dict, app: str, form: str, source: Target, field_id: str, link: str) -> list[dict]:
    """"Used by" places of the roll-ups of one form of app ``app`` over ``source`` that follow, aggregate or filter
    on ``field_id`` (its ``via``, ``field`` or a name in its ``filter``)."""
    out = []
    for i, f in enumerate(draft.get("fields") or []):
        rolls_up = isinstance(f, dict) and f.get("type") in FIELD_TYPES and FIELD_TYPES.get(f["type"]).rolls_up
        if not rolls_up or f.get("deleted") or (reference_target(f, app).app_or(app), reference_target(f, app).form) != \
                (source.app_or(app), source.form):
            continue
        opts = f.get("options") if isinstance(f.get("options"), dict) else {}
        hit = next((k for k in ("via", "field") if opts.get(k) == field_id), None) or \
            ("filter" if isinstance(opts.get("filter"), str) and re.search(rf"(?<![\w.$']){re.escape(field_id)}(?![\w'])", opts["filter"]) else None)
        if hit:
            out.append({"kind": "field", "key": f"{app}/{form}.{f['id']}", "label": f.get("label") or f["id"],
                        "path": f"/fields/{i}/options/{hit}", "link": link})
    return out


def rollups_broken_by(conn, rt: Runtime, app_key: str, form_key: str, field: dict) -> list[dict]:
    """The published roll-ups of other forms (this app's or another's) that follow ``field`` of ``app_key/form_key`` as
    their ``via`` while it no longer is a reference pointing at the roll-up's form (re-pointed or retyped): the places a
    publish of the form would break, [{kind, key, label, path, link}] as ``usage_elsewhere`` lists them. A roll-up only
    in a draft breaks nothing yet: its own publish checks what it names."""
    kind = FIELD_TYPES.get(field.get("type")) if field.get("type") in FIELD_TYPES else None
    points = reference_target(field, app_key) if kind is not None and kind.is_reference else None
    out = []
    for other_app, other_form, definition in _published_around(conn, rt, app_key):
        if (other_app, other_form) == (app_key, form_key):
            continue  # the form's own roll-ups: its own definition check names them
        if points is not None and (points.app_or(app_key), points.form) == (other_app, other_form):
            continue  # still pointing at the roll-up's form
        for i, f in enumerate((definition or {}).get("fields") or []):
            rolls_up = isinstance(f, dict) and f.get("type") in FIELD_TYPES and FIELD_TYPES.get(f["type"]).rolls_up
            if not rolls_up or f.get("deleted"):
                continue
            source = reference_target(f, other_app)
            opts = f.get("options") if isinstance(f.get("options"), dict) else {}
            if (source.app_or(other_app), source.form) == (app_key, form_key) and opts.get("via") == field.get("id"):
                key = f"{other_form}.{f['id']}" if other_app == app_key else f"{other_app}/{other_form}.{f['id']}"
                out.append({"kind": "field", "key": key, "label": f.get("label") or f["id"], "path": f"/fields/{i}/options/via",
                            "link": f"/apps/{other_app}/forms/{other_form}/design"})
    return out


def published_rollups_using(conn, rt: Runtime, app_key: str, form_key: str, field_id: str) -> list[dict]:
    """The published roll-ups of other forms (this app's and other apps') over ``app_key/form_key`` that follow,
    aggregate or filter on ``field_id``: what deleting it breaks (a roll-up only in a draft is checked at its own
    publish). Places as ``usage_elsewhere`` lists them (this app's keyed ``form.field``)."""
    out = []
    for other_app, other_form, definition in _published_around(conn, rt, app_key):
        if (other_app, other_form) == (app_key, form_key):
            continue
        link = f"/apps/{other_app}/forms/{other_form}/design"
        for place in _rollups_using(definition or {}, other_app, other_form, Target(app_key, form_key), field_id, link):
            out.append({**place, "key": place["key"].partition("/")[2]} if other_app == app_key else place)
    return out


def _published_around(conn, rt: Runtime, app_key: str) -> list[tuple[str, str, dict]]:
    """(app key, form key, published definition) of the forms of ``app_key`` and of the other apps whose published
    definition names it, in key order."""
    published = sa.and_(form_versions.c.form_id == forms.c.id, form_versions.c.version == forms.c.published_version)
    mentions = sa.cast(form_versions.c.definition, sa.Text).contains(app_key, autoescape=True)
    return conn.execute(sa.select(apps.c.key, forms.c.key, form_versions.c.definition).join(forms, forms.c.app_id == apps.c.id)
                        .join(form_versions, published)
                        .where(apps.c.workspace_id == rt.workspace_id, sa.or_(apps.c.key == app_key, mentions))
                        .order_by(apps.c.key, forms.c.key)).all()


def target_form_id(field: dict, app_key: str, workspace_id: int):
    """A scalar subquery: the id of the form a reference field of a form of ``app_key`` points at."""
    app, form = target_of_field(field, app_key)
    return (sa.select(forms.c.id).join(apps, apps.c.id == forms.c.app_id)
            .where(apps.c.workspace_id == workspace_id, apps.c.key == app, forms.c.key == form).scalar_subquery())


def target_choices(rt: Runtime) -> list[dict]:
    """``workspace_apps`` in a read of its own (the designer page)."""
    with rt.db.read() as conn:
        return workspace_apps(conn, rt)
