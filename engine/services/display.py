"""Records as a person reads them: display text per field, titles of the records and users a page links to.

Used by the record table and exports (``engine.api.routes_ui_support``), the
live views and the designer's pages; every read of other records goes through
``engine.services.queries`` as the given actor. The title rule itself is
``engine.services.titles``.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.errors import NotFound, PermissionDenied
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service
from engine.services import queries, readgate
from engine.services.reference_targets import store_target
from engine.services.titles import record_title, untitled, value_text
from engine.storage.tables import attachments, users

__all__ = ["field_text", "record_titles", "with_display", "saved_name", "form_definition", "shown_as", "published_fields"]


def field_text(rt: Runtime, f: dict, value, locale: str, tz: str, titles: dict, export: bool = False) -> str:
    """One stored value as the text a person reads (``export``: as an export cell, which an import reads back);
    ``titles``: what ``record_titles`` found for the linked ids."""
    if value is None or value == "" or value == []:
        return ""
    key = FIELD_TYPES.get(f["type"]).linked_store(f)
    if key:
        ids = value if isinstance(value, list) else [value]
        return ", ".join(titles.get(key, {}).get(i, untitled(i)) for i in ids)
    if not export:
        return value_text(f, value, locale, tz)
    try:
        return FIELD_TYPES.get(f["type"]).export_text(value, f, locale, tz)
    except Exception:  # a value stored under an older definition still exports
        return str(value)


def shown_as(f: dict, resolve_form) -> dict:
    """The field whose display text a derived value takes: a roll-up of a datetime reads as that datetime field (the
    reader's zone and language), a sum of amounts as an amount (with its currency), a computed date as a date; any
    other field is itself. ``resolve_form``: form key -> its published fields."""
    ftype = FIELD_TYPES.get(f["type"])
    if not ftype.derived:
        return f
    result = ftype.result_type(f, resolve_form)
    if result is None or result not in FIELD_TYPES or result == ftype.name or (f.get("options") or {}).get("choices"):
        return f  # a text result with named values (options.choices) reads as their labels
    opts = f.get("options") or {}
    target = next((x for x in (resolve_form(opts.get("form")) or []) if x.get("id") == opts.get("field")), None) \
        if opts.get("form") else None
    # a sum of amounts is an amount too (with its currency); a count is a number
    same = target is not None and (target.get("type") == result or opts.get("aggregate") not in (None, "count"))
    return target if same else {"id": f["id"], "type": result, "options": {}}


def published_fields(rt: Runtime, app_key: str):
    """form key -> the fields of its published version in ``app_key`` ([] for none), each form read once (roll-ups)."""
    cache: dict = {}

    def resolve(form_key):
        if form_key not in cache:
            try:
                with rt.db.read() as conn:
                    cache[form_key] = form_service.compiled_form(rt, conn, app_key, form_key).definition.get("fields", [])
            except NotFound:
                cache[form_key] = []
        return cache[form_key]
    return resolve


def form_definition(rt: Runtime, app_key: str, form_key: str) -> dict:
    with rt.db.read() as conn:
        return form_service.compiled_form(rt, conn, app_key, form_key).definition


def record_titles(rt: Runtime, actor: Actor, app_key: str, fields: list[dict], items: list[dict], locale: str, tz: str) -> dict:
    """{target form key | "@users" | "@attachments": {id: title}} for every linked value on the page, as ``actor`` may read."""
    wanted: dict[str, set] = {}
    owners: dict[str, object] = {}  # store -> the field type that names its ids
    for f in fields:
        key = FIELD_TYPES.get(f["type"]).linked_store(f)
        if not key:
            continue
        owners[key] = FIELD_TYPES.get(f["type"])
        for item in items:
            v = item["data"].get(f["id"])
            if v is not None:
                wanted.setdefault(key, set()).update(v if isinstance(v, list) else [v])
    out: dict[str, dict] = {}
    for key, ids in wanted.items():
        with rt.db.read() as conn:
            named = owners[key].linked_names(conn, rt.workspace_id, list(ids))
        if named is not None:
            out[key] = named
            continue
        if key == "@users":
            with rt.db.read() as conn:  # names only
                rows = conn.execute(sa.select(users.c.id, users.c.display_name).where(users.c.id.in_(list(ids)))).all()
            out[key] = {i: n for i, n in rows}
            continue
        if key == "@attachments":
            with rt.db.read() as conn:
                rows = conn.execute(sa.select(attachments.c.id, attachments.c.filename).where(attachments.c.id.in_(list(ids)))).all()
            out[key] = {i: n for i, n in rows}
            continue
        target_app, target_form = store_target(key, app_key)  # ``app/form``: another app's form, read through its gate
        try:
            found = queries.list_records(rt, actor, target_app, target_form, queries.Query(
                filters=[queries.Filter("id", "in", sorted(ids))], page_size=min(len(ids), queries.MAX_PAGE_SIZE)))
        except (NotFound, PermissionDenied):  # a form the reader may not read at all: ids only
            continue
        definition = form_definition(rt, target_app, target_form)
        out[key] = {r["id"]: record_title(definition, r["id"], r["data"], locale=locale, tz=tz) for r in found["items"]}
    return out


def with_display(rt: Runtime, actor: Actor, app_key: str, definition: dict, items: list[dict], locale: str, tz: str,
                 export: bool = False) -> list[dict]:
    """``items`` (records as the query service answers them) with ``display`` (text per field) and ``title``; a record
    nothing names is called after the first record it links to (``ACME · #3``)."""
    if not items:
        return items
    with rt.db.read() as conn:  # the fields the reader may see (the read gate's): a hidden one gets no display entry
        hidden = readgate.read_view(rt, conn, actor, form_service.compiled_form(rt, conn, app_key, items[0]["form"])).hidden
    fields = [f for f in definition.get("fields", []) if not f.get("deleted") and f["id"] not in hidden]
    titles = record_titles(rt, actor, app_key, fields, items, locale, tz)
    resolve = published_fields(rt, app_key)
    shown = {f["id"]: shown_as(f, resolve) for f in fields if FIELD_TYPES.get(f["type"]).derived}  # roll-ups, formulas
    for item in items:
        item["display"] = {f["id"]: field_text(rt, shown.get(f["id"], f), item["data"].get(f["id"]), locale, tz, titles, export)
                           for f in fields}
        title_id = (definition.get("settings") or {}).get("title_field")  # a linked title field shows what it links to
        item["title"] = (item["display"].get(title_id) if title_id else None) or \
            record_title(definition, item["id"], item["data"], hidden=hidden, locale=locale, tz=tz)
        if item["title"] == untitled(item["id"]):
            first_ref = next((item["display"][f["id"]] for f in fields if FIELD_TYPES.get(f["type"]).is_reference
                              and item["display"][f["id"]]), "")
            item["title"] = f"{first_ref} · {untitled(item['id'])}" if first_ref else item["title"]
    return items


def saved_name(rt: Runtime, actor: Actor, app_key: str, record: dict, locale: str, tz: str) -> dict:
    """How a person reads a record just saved: {"title", "serial"} (its serial number when the form numbers records and
    the number is not already the title; else ""), read as every record display is, through the read gate."""
    definition = form_definition(rt, app_key, record["form"])
    shown = with_display(rt, actor, app_key, definition, [{**record, "data": dict(record["data"])}], locale, tz)[0]
    serials = [shown["display"][f["id"]] for f in definition.get("fields", []) if not f.get("deleted")
               and FIELD_TYPES.get(f["type"]).numbered and shown["display"].get(f["id"])]
    serial = serials[0] if serials and serials[0] != shown["title"] else ""
    return {"title": shown["title"], "serial": serial}
