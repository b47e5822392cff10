"""Saved views of a form: private to their owner or shared with roles, one default view per role.

A view's definition holds what its page needs to reopen it: the view type (grid, kanban, calendar,
gallery), the filter tree (``filters`` with ``match`` all/any, groups nested one level), the sort keys,
the grouping field, the visible columns (in order), the search text, the page size, and the board's own
settings: the kanban's lane field (``group_field``, a field whose type lanes records), the calendar's
date field (``date_field``, a field whose type has a ``calendar_kind``), the gallery's picture field
(``image_field``, a type with thumbnails) and the fields a card shows (``card_fields``). Fields are checked against the published
form as the caller's read gate shows it: a field hidden from the caller can't be named in a view.

A view's name is a text or a name per language ``{"en": .., "zh-CN": ..}`` (``engine.bilingual_text``: kept as its JSON
text, answered as the map; the page shows the reader's language). Anyone who may read the form keeps private views; sharing a view with roles and choosing a role's default
view need the ``design`` capability (builders and admins).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine import bilingual_text, i18n
from engine.errors import ErrorItem, NotFound, PermissionDenied, ValidationFailed
from engine.fields.base import field_type
from engine.runtime import Actor, Runtime
from engine.services import queries
from engine.services.forms import compiled_form
from engine.services.permissions import has_capability
from engine.services.readgate import read_view
from engine.storage.access_tables import roles as role_table
from engine.storage.view_tables import saved_views
from engine.clock import utc_iso
from engine.i18n import LOCALES

VIEW_TYPES = ("grid", "kanban", "calendar", "gallery")
MAX_VIEWS_PER_FORM = 200
MAX_NAME = 100  # per language
MAX_COLUMNS = 200
MAX_SORT = 5
MAX_CARD_FIELDS = 8
DEFINITION_KEYS = {"type", "filters", "match", "sort", "group_by", "columns", "search", "page_size",
                   "group_field", "date_field", "image_field", "card_fields"}
#: a board setting -> (the view type that needs it, whether a field's type may hold it); what the setting must be is
#: ``error.view.board_field.<setting>`` of the catalogue, the view type's words ``error.view.type_name.<type>``
BOARD_FIELDS = {
    "group_field": ("kanban", lambda f: field_type(f).groups_kanban(f)),
    "date_field": ("calendar", lambda f: field_type(f).calendar_kind is not None),
    "image_field": ("gallery", lambda f: field_type(f).thumbnails),
}


def board_setting_words(key: str) -> dict[str, str]:
    """What the board setting ``key`` must be ("a date or date-and-time field"), in every language."""
    return i18n.texts(f"error.view.board_field.{key}")


def board_needs(key: str) -> ErrorItem:
    """The refusal of a board view saved without its setting ``key``: its type and the setting in the reader's words
    (the view type's own word in a Chinese message, not "kanban")."""
    return ErrorItem.coded("error.view.board_needs", view_type=i18n.words("error.view.type_name.", BOARD_FIELDS[key][0]),
                           what=board_setting_words(key), path=f"/definition/{key}")


def _form_and_hidden(rt: Runtime, conn, actor: Actor, app_key: str, form_key: str):
    form = compiled_form(rt, conn, app_key, form_key)
    view = read_view(rt, conn, actor, form)
    view.check(conn, None)
    return form, view.hidden


def _visible(actor: Actor, row) -> bool:
    return row["owner_id"] == actor.user_id or "admin" in actor.roles or bool(set(row["shared_roles"]) & set(actor.roles))


def _dict(row, actor: Actor) -> dict:
    return {"id": row["id"], "name": bilingual_text.from_column(row["name"]), "owner_id": row["owner_id"], "shared_roles": list(row["shared_roles"]),
            "default_roles": list(row["default_roles"]), "definition": row["definition"], "mine": row["owner_id"] == actor.user_id,
            "created_at": utc_iso(row["created_at"]), "updated_at": utc_iso(row["updated_at"])}


def _filters_as_read(filters: Any, hidden: set) -> list:
    out = []
    for flt in filters if isinstance(filters, list) else []:
        if isinstance(flt, dict) and isinstance(flt.get("filters"), list):
            out.append({**flt, "filters": _filters_as_read(flt["filters"], hidden)})
        elif isinstance(flt, dict) and flt.get("field") not in hidden:
            out.append(flt)
    return out


def definition_as_read(definition: dict, hidden: set) -> dict:
    """A view's definition as a reader who may not see the ``hidden`` fields gets it: a condition, sort key, column or
    card naming one is left out, a board or group field naming one is unset (a view shared by a wider role would
    otherwise hand its reader the hidden field's filter values)."""
    if not hidden:
        return definition
    out = dict(definition)
    out["filters"] = _filters_as_read(definition.get("filters"), hidden)
    for key in ("columns", "card_fields"):
        out[key] = [c for c in definition.get(key) or [] if c not in hidden]
    out["sort"] = [s for s in definition.get("sort") or [] if not (isinstance(s, dict) and s.get("field") in hidden)]
    for key in ("group_by", *BOARD_FIELDS):
        if out.get(key) in hidden:
            out[key] = None
    return out


def list_views(rt: Runtime, actor: Actor, app_key: str, form_key: str) -> dict:
    """The views the caller sees (their own, and those shared with one of their roles) and the default one for them,
    each as the caller may read it (``definition_as_read``)."""
    with rt.db.read() as conn:
        form, hidden = _form_and_hidden(rt, conn, actor, app_key, form_key)
        rows = conn.execute(sa.select(saved_views).where(saved_views.c.form_id == form.form_id)
                            .order_by(saved_views.c.id)).mappings().all()
    items = sorted((_dict(r, actor) for r in rows if _visible(actor, r)),
                   key=lambda i: (bilingual_text.text_in(i["name"], "en").casefold(), i["id"]))
    for item in items:
        item["definition"] = definition_as_read(item["definition"], set(hidden))
    default = next((i["id"] for i in items if set(i["default_roles"]) & set(actor.roles)), None)
    return {"items": items, "default_id": default}


def _check_fields(form, hidden: set, names: list[tuple[str, Any]], errors: list) -> None:
    for path, name in names:
        f = form.by_id.get(name) if isinstance(name, str) else None
        if name in queries.SYSTEM_COLUMNS:
            continue
        if f is None or f["id"] in hidden:
            errors.append(ErrorItem.coded("error.field.unknown", field=repr(name), path=path, field_id=name if isinstance(name, str) else None))


def _check_filters(form, hidden, filters: Any, path: str, errors: list, depth: int = 0) -> None:
    if not isinstance(filters, list) or len(filters) > queries.MAX_FILTERS:
        errors.append(ErrorItem.coded("error.view.filters", max=queries.MAX_FILTERS, path=path))
        return
    for i, flt in enumerate(filters):
        p = f"{path}/{i}"
        if isinstance(flt, dict) and "filters" in flt and depth == 0:
            if flt.get("match", "all") not in ("all", "any"):
                errors.append(ErrorItem.coded("error.view.match", path=p + "/match"))
            _check_filters(form, hidden, flt["filters"], p + "/filters", errors, depth + 1)
            continue
        if not isinstance(flt, dict) or not isinstance(flt.get("field"), str) or not isinstance(flt.get("op"), str):
            errors.append(ErrorItem.coded("error.view.filter_shape", path=p))
            continue
        if flt["op"] not in queries.OPERATORS:
            errors.append(ErrorItem.coded("error.view.unknown_operator", op=repr(flt["op"]), path=p + "/op"))
        _check_fields(form, hidden, [(p + "/field", flt["field"])], errors)


def check_definition(form, hidden: set, definition: Any) -> dict:
    """The definition as stored, or a 422 naming each wrong part."""
    errors: list[ErrorItem] = []
    if not isinstance(definition, dict):
        raise ValidationFailed("a view definition is an object", [ErrorItem.coded("error.value.object", path="/definition")],
                               message_code="error.view.definition_object")
    for key in sorted(set(definition) - DEFINITION_KEYS):
        errors.append(ErrorItem.coded("error.view.unknown_key", key=repr(key), path=f"/definition/{key}"))
    out = {"type": definition.get("type", "grid"), "filters": definition.get("filters", []), "match": definition.get("match", "all"),
           "sort": definition.get("sort", []), "group_by": definition.get("group_by"), "columns": definition.get("columns", []),
           "search": definition.get("search", ""), "page_size": definition.get("page_size", 50)}
    if out["type"] not in VIEW_TYPES:
        errors.append(ErrorItem.coded("error.view.type", choices=", ".join(VIEW_TYPES), path="/definition/type"))
    if out["match"] not in ("all", "any"):
        errors.append(ErrorItem.coded("error.view.match", path="/definition/match"))
    _check_filters(form, hidden, out["filters"], "/definition/filters", errors)
    sort = out["sort"]
    if not isinstance(sort, list) or len(sort) > MAX_SORT or not all(
            isinstance(s, dict) and s.get("dir", "asc") in ("asc", "desc") for s in sort):
        errors.append(ErrorItem.coded("error.view.sort", max=MAX_SORT, path="/definition/sort"))
    else:
        _check_fields(form, hidden, [(f"/definition/sort/{i}/field", s.get("field")) for i, s in enumerate(sort)], errors)
    if out["group_by"] is not None:
        _check_fields(form, hidden, [("/definition/group_by", out["group_by"])], errors)
    cols = out["columns"]
    if not isinstance(cols, list) or len(cols) > MAX_COLUMNS:
        errors.append(ErrorItem.coded("error.view.columns", max=MAX_COLUMNS, path="/definition/columns"))
    else:
        _check_fields(form, hidden, [(f"/definition/columns/{i}", c) for i, c in enumerate(cols)], errors)
    if not isinstance(out["search"], str) or len(out["search"]) > queries.MAX_SEARCH_LENGTH:
        errors.append(ErrorItem.coded("error.view.search", max=queries.MAX_SEARCH_LENGTH, path="/definition/search"))
    if not isinstance(out["page_size"], int) or isinstance(out["page_size"], bool) or not 1 <= out["page_size"] <= queries.MAX_PAGE_SIZE:
        errors.append(ErrorItem.coded("error.view.page_size", max=queries.MAX_PAGE_SIZE, path="/definition/page_size"))
    _check_board(form, hidden, definition, out, errors)
    if errors:
        raise ValidationFailed("the view is not valid", errors, message_code="error.view.invalid")
    return out


def _check_board(form, hidden: set, definition: dict, out: dict, errors: list) -> None:
    """The board settings: the one its type needs (lane, date or picture field) and the fields its cards show."""
    for key, (view_type, fits) in BOARD_FIELDS.items():
        name = definition.get(key)
        path = f"/definition/{key}"
        if name is None:
            if out["type"] == view_type:
                errors.append(board_needs(key))
            continue
        f = form.by_id.get(name) if isinstance(name, str) else None
        if f is None or f.get("deleted") or f["id"] in hidden:
            errors.append(ErrorItem.coded("error.field.unknown", field=repr(name), path=path, field_id=name if isinstance(name, str) else None))
        elif not fits(f):
            errors.append(ErrorItem.coded("error.view.not_kind", field=repr(name), what=board_setting_words(key), path=path,
                                          field_id=name))
        else:
            out[key] = name
    cards = definition.get("card_fields", [])
    if not isinstance(cards, list) or len(cards) > MAX_CARD_FIELDS:
        errors.append(ErrorItem.coded("error.view.card_fields", max=MAX_CARD_FIELDS, path="/definition/card_fields"))
        return
    _check_fields(form, hidden, [(f"/definition/card_fields/{i}", c) for i, c in enumerate(cards)], errors)
    out["card_fields"] = cards


def _check_roles(conn, rt: Runtime, actor: Actor, shared: Any, path: str) -> list[str]:
    if not isinstance(shared, list) or not all(isinstance(r, str) for r in shared):
        raise ValidationFailed("roles are a list of role keys", [ErrorItem.coded("error.view.roles_list", path=path)],
                               message_code="error.view.roles")
    if shared and not has_capability(rt, actor, "design", conn):
        raise PermissionDenied("your role may not share views with roles (needs the 'design' capability)", needed="design",
                               message_code="error.view.share_forbidden")
    known = set(conn.execute(sa.select(role_table.c.key).where(role_table.c.workspace_id == rt.workspace_id, role_table.c.key.in_(shared))).scalars()) if shared else set()
    unknown = [r for r in shared if r not in known]
    if unknown:
        raise ValidationFailed("unknown role", [ErrorItem.coded("error.view.unknown_role", role=repr(unknown[0]), path=path)],
                               message_code="error.view.unknown_role_title")
    return sorted(set(shared))


def _name(body: dict) -> str:
    """The name as the column keeps it: a text, or a text per language (``{"en": .., "zh-CN": ..}``, at least one), each
    1 to ``MAX_NAME`` characters; a 422 at ``/name`` (or ``/name/<language>``) otherwise."""
    name = body.get("name")
    if isinstance(name, dict) and name and set(name) <= set(LOCALES):
        texts = {loc: text.strip() if isinstance(text, str) else text for loc, text in name.items()}
        bad = [loc for loc, text in texts.items() if not isinstance(text, str) or len(text) > MAX_NAME]
        if not bad and any(texts.values()):
            return bilingual_text.to_column({loc: text for loc, text in texts.items() if text})
        path = f"/name/{bad[0]}" if bad else "/name"
    else:
        if isinstance(name, str) and name.strip() and len(name) <= MAX_NAME:
            return name.strip()
        path = "/name"
    raise ValidationFailed("a view needs a name", [ErrorItem.coded("error.view.name", max=MAX_NAME, path=path)],
                           message_code="error.view.needs_name")


def create_view(rt: Runtime, actor: Actor, app_key: str, form_key: str, body: dict) -> dict:
    with rt.db.transaction() as conn:
        form, hidden = _form_and_hidden(rt, conn, actor, app_key, form_key)
        name = _name(body)
        definition = check_definition(form, hidden, body.get("definition", {}))
        shared = _check_roles(conn, rt, actor, body.get("shared_roles", []), "/shared_roles")
        count = conn.execute(sa.select(sa.func.count()).where(saved_views.c.form_id == form.form_id)).scalar_one()
        if count >= MAX_VIEWS_PER_FORM:
            raise ValidationFailed("too many views", [ErrorItem.coded("error.view.too_many", max=MAX_VIEWS_PER_FORM, path="/")],
                                   message_code="error.view.too_many_title")
        now = rt.clock.now()
        row = conn.execute(saved_views.insert().values(
            form_id=form.form_id, name=name, owner_id=actor.user_id, shared_roles=shared, default_roles=[],
            definition=definition, created_at=now, updated_at=now).returning(*saved_views.c)).mappings().one()
    return _dict(row, actor)


def _own_row(conn, rt, actor, app_key, form_key, view_id):
    form, hidden = _form_and_hidden(rt, conn, actor, app_key, form_key)
    row = conn.execute(sa.select(saved_views).where(saved_views.c.id == view_id, saved_views.c.form_id == form.form_id)).mappings().first()
    if row is None or not _visible(actor, row):
        raise NotFound(f"view {view_id} does not exist", path="/view", message_code="error.view.not_found", params={"id": view_id})
    if row["owner_id"] != actor.user_id and not has_capability(rt, actor, "design", conn):
        raise PermissionDenied("only its owner or a designer may change this view", needed="design", message_code="error.view.not_owner")
    return form, hidden, row


def update_view(rt: Runtime, actor: Actor, app_key: str, form_key: str, view_id: int, body: dict) -> dict:
    with rt.db.transaction() as conn:
        form, hidden, row = _own_row(conn, rt, actor, app_key, form_key, view_id)
        values: dict[str, Any] = {"updated_at": rt.clock.now()}
        if "name" in body:  # the name in the reader's language sent back unchanged keeps the other languages
            values["name"] = bilingual_text.edited(row["name"], bilingual_text.from_column(_name(body)))
        if "definition" in body:
            values["definition"] = check_definition(form, hidden, body["definition"])
        if "shared_roles" in body:
            values["shared_roles"] = _check_roles(conn, rt, actor, body["shared_roles"], "/shared_roles")
            values["default_roles"] = [r for r in row["default_roles"] if r in values["shared_roles"]]
        row = conn.execute(saved_views.update().where(saved_views.c.id == view_id).values(**values)
                           .returning(*saved_views.c)).mappings().one()
    return _dict(row, actor)


def delete_view(rt: Runtime, actor: Actor, app_key: str, form_key: str, view_id: int) -> None:
    with rt.db.transaction() as conn:
        _own_row(conn, rt, actor, app_key, form_key, view_id)
        conn.execute(saved_views.delete().where(saved_views.c.id == view_id))


def set_default(rt: Runtime, actor: Actor, app_key: str, form_key: str, view_id: int, role: Any) -> dict:
    """Make the view the default of ``role`` for this form (the role must see it; needs ``design``)."""
    with rt.db.transaction() as conn:
        form, _, row = _own_row(conn, rt, actor, app_key, form_key, view_id)
        if not has_capability(rt, actor, "design", conn):
            raise PermissionDenied("your role may not choose default views (needs the 'design' capability)", needed="design",
                                   message_code="error.view.default_forbidden")
        if not isinstance(role, str) or role not in row["shared_roles"]:
            raise ValidationFailed("the view is not shared with that role", [ErrorItem.coded("error.view.share_first", path="/role")],
                                   message_code="error.view.not_shared")
        for other in conn.execute(sa.select(saved_views).where(saved_views.c.form_id == form.form_id, saved_views.c.id != view_id)).mappings():
            if role in other["default_roles"]:
                conn.execute(saved_views.update().where(saved_views.c.id == other["id"])
                             .values(default_roles=[r for r in other["default_roles"] if r != role]))
        row = conn.execute(saved_views.update().where(saved_views.c.id == view_id)
                           .values(default_roles=sorted(set(row["default_roles"]) | {role}), updated_at=rt.clock.now())
                           .returning(*saved_views.c)).mappings().one()
    return _dict(row, actor)
