"""Where a field is used: the places that name a field id, found by searching the stored definitions.

``field_usage(rt, app, form, field_id)`` lists the form's own rules, validations, automations, permissions,
settings and other fields (formulas, roll-ups), the app's other forms (automations writing into this form,
references showing its fields), notification templates, workflows, dashboards and role grants that refer to
the field, each as ``{kind, key, label, path, link}``. The designer shows them before a delete or a rename, and
``publish_form`` names them when a publish removes a field they still use.

A definition names a field in three ways: a value under a field-naming key (``field``, ``fields``, ``from`` ...)
while the enclosing ``form`` is the field's form, a bare identifier in an expression (``when``, ``condition``,
``formula`` ...), or ``record.<id>`` in template text.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import sqlalchemy as sa

from engine.fields import FIELD_TYPES
from engine.notifications.tables import notification_templates as templates_t
from engine.runtime import Actor, Runtime
from engine.services import reference_targets
from engine.services.definition_access import require_definition_reader
from engine.services.form_lookup import app_row
from engine.storage.access_tables import role_grants, roles
from engine.storage.dashboard_tables import dashboards
from engine.storage.tables import forms
from engine.workflows.tables import workflows

#: keys whose string value (or list of strings) is a field id of the enclosing form
FIELD_KEYS = frozenset({"field", "fields", "field_id", "owner_field", "title_field", "display_field", "group_by",
                        "measure", "via", "sort_field", "date_field", "source_field", "columns", "show_fields"})
#: keys whose value names a field of the form the definition belongs to (not the enclosing ``form``)
SOURCE_KEYS = frozenset({"from"})
#: keys holding an expression with bare field identifiers
EXPR_KEYS = frozenset({"when", "condition", "formula", "expression", "expr", "filter", "value_expr"})
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
#: the form's own parts and their kinds, in the order they are listed
OWN_PARTS = (("rules", "rule"), ("validations", "validation"), ("automations", "automation"),
             ("permissions", "permission"), ("settings", "settings"))


def _mentions(text: str, field_id: str, expression: bool) -> bool:
    if re.search(r"(?<![\w.])(?:record|display)\." + re.escape(field_id) + r"(?!\w)", text):  # display: print templates
        return True
    if expression:
        bare = _QUOTED.sub("''", text)
        return re.search(r"(?<![\w.$])" + re.escape(field_id) + r"(?!\w)", bare) is not None
    return False


def references(node: Any, field_id: str, target: str, own: str, ctx: str | None = None, path: str = "") -> Iterator[str]:
    """JSON paths under ``node`` that name field ``field_id`` of form ``target``; ``own`` is the form the
    definition belongs to, ``ctx`` the form in scope (an enclosing ``form`` key changes it)."""
    ctx = ctx or own
    if isinstance(node, dict):
        if isinstance(node.get("form"), str):
            ctx = node["form"]
        for key, value in node.items():
            here = f"{path}/{key}"
            scope = own if key in SOURCE_KEYS else ctx
            if key in FIELD_KEYS | SOURCE_KEYS and scope == target:
                names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
                if any(n == field_id for n in names if isinstance(n, str)):
                    yield here
                    continue
            if key == field_id and ctx == target and path.endswith(("/fields", "/permissions")):
                yield here
                continue
            if isinstance(value, str):
                if ctx == target and _mentions(value, field_id, key in EXPR_KEYS):
                    yield here
            else:
                yield from references(value, field_id, target, own, ctx, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from references(item, field_id, target, own, ctx, f"{path}/{i}")


def _place(kind: str, key: str, label: Any, path: str, link: str) -> dict:
    return {"kind": kind, "key": key, "label": label if label else key, "path": path, "link": link}


def usage_in_definition(definition: dict, app_key: str, form_key: str, field_id: str) -> list[dict]:
    """The places of one form definition (its own parts and its other fields) that use ``field_id``."""
    out = []
    design = f"/apps/{app_key}/forms/{form_key}/design"
    for part, kind in OWN_PARTS:
        value = definition.get(part)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for i, item in enumerate(items):
            hits = list(references(item, field_id, form_key, form_key, path=f"/{part}/{i}" if isinstance(value, list) else f"/{part}"))
            if hits:
                key = str(item.get("id") or item.get("key") or i) if isinstance(value, list) else part
                link = f"/apps/{app_key}/forms/{form_key}/automations" if kind == "automation" else design
                out.append(_place(kind, key, item.get("name") or item.get("label") if isinstance(value, list) else None, hits[0], link))
    for i, f in enumerate(definition.get("fields", [])):
        if not isinstance(f, dict) or f.get("id") == field_id or f.get("deleted"):
            continue
        hits = list(references(f.get("options") or {}, field_id, form_key, form_key, path=f"/fields/{i}/options"))
        if hits:
            out.append(_place("field", f["id"], f.get("label"), hits[0], design))
    return out


def outside_uses(rt: Runtime, conn: sa.Connection, app_key: str, form_key: str, definition: dict, field_id: str) -> list[dict]:
    """The places outside the form's own definition (other forms, templates, workflows, dashboards) that would
    break if ``field_id`` went away; role grants on a removed field are harmless and not listed. Roll-ups elsewhere count
    as published (a roll-up only in a draft is refused at its own publish if what it names is gone)."""
    own = {(p["kind"], p["key"]) for p in usage_in_definition(definition, app_key, form_key, field_id)}
    places = field_usage(rt, app_key, form_key, field_id, definition=definition, conn=conn, draft_rollups=False)
    places += reference_targets.published_rollups_using(conn, rt, app_key, form_key, field_id)  # a draft's: at its own publish
    return [p for p in places if (p["kind"], p["key"]) not in own and p["kind"] != "permission"]


def field_usage(rt: Runtime, app_key: str, form_key: str, field_id: str, actor: Actor | None = None,
                definition: dict | None = None, conn: sa.Connection | None = None, *, draft_rollups: bool = True) -> list[dict]:
    """Every place that uses field ``field_id`` of ``app_key/form_key``. ``definition`` stands for the form's
    own draft when given (what the designer has on screen); ``draft_rollups`` False leaves out the roll-ups of the
    other forms' drafts (``outside_uses`` takes the published ones instead)."""
    if conn is None:
        with rt.db.read() as c:
            return field_usage(rt, app_key, form_key, field_id, actor, definition, c, draft_rollups=draft_rollups)
    if actor is not None:
        require_definition_reader(rt, actor, conn)
    app = app_row(conn, rt, app_key)
    form_rows = conn.execute(sa.select(forms.c.id, forms.c.key, forms.c.draft).where(forms.c.app_id == app["id"])
                             .order_by(forms.c.id)).mappings().all()
    form_ids = {r["key"]: r["id"] for r in form_rows}
    own = definition if definition is not None else next((r["draft"] for r in form_rows if r["key"] == form_key), {})
    out = usage_in_definition(own, app_key, form_key, field_id)
    for row in form_rows:
        if row["key"] == form_key:
            continue
        for part, kind in OWN_PARTS + (("fields", "field"),):
            value = row["draft"].get(part)
            for i, item in enumerate(value if isinstance(value, list) else []):
                if not draft_rollups and part == "fields" and _rolls_up(item):
                    continue
                hits = list(references(item, field_id, form_key, row["key"], path=f"/{part}/{i}"))
                if hits:
                    key = f"{row['key']}.{item.get('id') or item.get('key') or i}"
                    link = f"/apps/{app_key}/forms/{row['key']}/" + ("automations" if kind == "automation" else "design")
                    out.append(_place(kind, key, item.get("label") if kind == "field" else item.get("name") or item.get("label"),
                                      hits[0], link))
    for row in conn.execute(sa.select(templates_t.c.key, templates_t.c.label, templates_t.c.content, templates_t.c.revision)
                            .where(templates_t.c.app_id == app["id"], templates_t.c.form_key == form_key)
                            .order_by(templates_t.c.key, templates_t.c.revision.desc())).mappings():
        if any(p["kind"] == "template" and p["key"] == row["key"] for p in out):
            continue  # the newest revision speaks for the template
        hits = list(references(row["content"], field_id, form_key, form_key, path="/content"))
        if hits:
            out.append(_place("template", row["key"], row["label"], hits[0],
                              f"/apps/{app_key}/notification-templates/editor?template={row['key']}"))
    for row in conn.execute(sa.select(workflows.c.key, workflows.c.draft).where(workflows.c.app_id == app["id"])
                            .order_by(workflows.c.key)).mappings():
        wf_form = row["draft"].get("form") or ""
        hits = list(references(row["draft"], field_id, form_key, wf_form))
        if hits:
            out.append(_place("workflow", row["key"], row["draft"].get("label"), hits[0],
                              f"/apps/{app_key}/workflows/editor?workflow={row['key']}"))
    for row in conn.execute(sa.select(dashboards.c.key, dashboards.c.definition).where(dashboards.c.app_id == app["id"])
                            .order_by(dashboards.c.key)).mappings():
        hits = list(references(row["definition"], field_id, form_key, ""))
        if hits:
            out.append(_place("dashboard", row["key"], row["definition"].get("label"), hits[0],
                              f"/apps/{app_key}/dashboards/{row['key']}"))
    if form_key in form_ids:
        for row in conn.execute(sa.select(roles.c.key, roles.c.label, role_grants.c.rights)
                                .join(roles, roles.c.id == role_grants.c.role_id)
                                .where(role_grants.c.form_id == form_ids[form_key]).order_by(roles.c.key)).mappings():
            if field_id in ((row["rights"] or {}).get("fields") or {}):
                out.append(_place("permission", row["key"], row["label"], f"/fields/{field_id}",
                                  f"/admin/access/{app_key}/{form_key}"))
    return out + reference_targets.usage_elsewhere(conn, rt, app_key, form_key, field_id, draft_rollups=draft_rollups)  # other apps'


def _rolls_up(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") in FIELD_TYPES and FIELD_TYPES.get(item["type"]).rolls_up

