"""What the record page shows, as people read it: each value through its field type's display text (a roll-up or
computed value through the type of its result: a date in the reader's zone, money with its currency), choices as
their labels with their colours, sub-table rows as a table, and related records as small tables of their key columns
with an "add" that fills in the link. Every field comes from the caller's readable definition (the read gate's hidden
fields are left out before this module sees them).
"""
from __future__ import annotations

from flask import url_for

from designer_ui.i18n import gettext

from engine.errors import NotFound, PermissionDenied
from engine.fields import FIELD_TYPES
from engine.services import forms as form_service
from engine.services import queries, reference_targets
from engine.services.display import field_text, record_titles, with_display
from engine.services.titles import title_fields

#: most records listed per related form on a record's page
MAX_RELATED = 20
#: columns of a related records' table (the title first, then required, dated and choice fields)
MAX_KEY_COLUMNS = 5
#: a longer text is cut in a related records' table
MAX_CELL_CHARS = 80


def _ftype(f: dict):
    return FIELD_TYPES.get(f["type"])


def shown_as(f: dict, resolve_form) -> dict:
    """The field whose display text a derived value takes: a roll-up of a datetime reads as that datetime field, a
    computed date as a date; any other field is itself."""
    ftype = _ftype(f)
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


def form_resolver(rt, app: dict):
    """form key -> its published fields (for roll-ups), read once per page."""
    cache: dict = {}

    def resolve(form_key):
        if form_key not in cache:
            summary = next((x for x in app["forms"] if x["key"] == form_key and x["published_version"]), None)
            cache[form_key] = form_service.get_version(rt, app["key"], form_key, summary["published_version"])["definition"]["fields"] \
                if summary else []
        return cache[form_key]
    return resolve


def choice_chips(f: dict, value, locale: str) -> list[dict]:
    """[{text, color}] of a choice value (one or several), labels in the reader's language."""
    choices = (f.get("options") or {}).get("choices")
    if not isinstance(choices, list) or value in (None, "", []):
        return []
    by_value = {c.get("value"): c for c in choices if isinstance(c, dict)}
    out = []
    for v in value if isinstance(value, list) else [value]:
        c = by_value.get(v)
        if c is not None:
            out.append({"text": _ftype(f).display(v, f, locale), "color": c.get("color")})
    return out


def subtable_rows(rt, actor, app_key: str, f: dict, value, locale: str, tz: str) -> dict | None:
    """{columns: [label], rows: [[text]]} of a sub-table value; None for any other field."""
    if not _ftype(f).stores_rows:
        return None
    subs = _ftype(f).row_fields(f)
    rows = [{"data": row} for row in (value or []) if isinstance(row, dict)]
    titles = record_titles(rt, actor, app_key, subs, rows, locale, tz)
    return {"columns": [s.get("label") or s["id"] for s in subs],
            "rows": [[field_text(rt, s, r["data"].get(s["id"]), locale, tz, titles) for s in subs] for r in rows]}


def field_entries(rt, actor, app: dict, definition: dict, record: dict, locale: str, tz: str) -> list[dict]:
    """The record's fields as the page shows them: {id, label, text, chips, rows, thumbnails}."""
    resolve = form_resolver(rt, app)
    out = []
    for f in definition["fields"]:
        if f.get("deleted"):
            continue
        value, ftype = record["data"].get(f["id"]), _ftype(f)
        text = record["display"].get(f["id"])
        if ftype.derived and value not in (None, ""):
            text = field_text(rt, shown_as(f, resolve), value, locale, tz, {})
        out.append({"id": f["id"], "label": f.get("label") or f["id"], "text": text, "chips": choice_chips(f, value, locale),
                    "rows": subtable_rows(rt, actor, app["key"], f, value, locale, tz),
                    # pictures (image, signature fields) are shown as their thumbnails too
                    "thumbnails": ftype.ids(value) if ftype.thumbnails else []})
    return out


def key_columns(definition: dict, back_ref: str) -> list[dict]:
    """The columns of a related form's small table: ``settings.key_fields`` when the form names them, else the title
    field, then required, dated and choice fields, then the rest (never the link back, rows or files)."""
    fields = [f for f in definition.get("fields", []) if not f.get("deleted") and f["id"] != back_ref
              and not _ftype(f).stores_rows and not _ftype(f).holds_attachments and not _ftype(f).thumbnails]
    named = (definition.get("settings") or {}).get("key_fields")
    if isinstance(named, list) and named:
        return [f for fid in named for f in fields if f["id"] == fid][:MAX_KEY_COLUMNS]
    title = [f for f in title_fields(definition) if f in fields][:1]

    def rank(f):
        kind = _ftype(f).value_kind
        return 0 if f.get("required") else 1 if kind in ("date", "datetime") or (f.get("options") or {}).get("choices") else 2
    rest = sorted((f for f in fields if f not in title), key=rank)  # stable: form order within a rank
    return (title + rest)[:MAX_KEY_COLUMNS]


def _referring_forms(rt, app: dict, form_key: str) -> list[tuple[dict, dict]]:
    """(app, form summary) of every form that may reference ``form_key``: the app's own, then other apps' that do."""
    with rt.db.read() as conn:
        elsewhere = reference_targets.referrers_elsewhere(conn, rt, app["key"], form_key)
    out = [(app, other) for other in app["forms"]]
    for other_app_key in sorted({u["app"] for u in elsewhere}):
        other_app = form_service.get_app(rt, other_app_key)
        out += [(other_app, other) for other in other_app["forms"] if any(u["app"] == other_app_key and u["form"] == other["key"]
                                                                           for u in elsewhere)]
    return out


def related_groups(rt, actor, app: dict, form_key: str, record_id: int, locale: str, tz: str, readable) -> list[dict]:
    """Per reference of another published form (of this app or another) to this one: {label, form, field, total, columns,
    records, add_url}. ``readable(app_key, form_key, definition)`` is the caller's view of a form (hidden fields dropped);
    a form the caller may not read gives no group."""
    groups = []
    for source_app, other in _referring_forms(rt, app, form_key):
        if not other["published_version"]:
            continue
        version = form_service.get_version(rt, source_app["key"], other["key"], other["published_version"])
        try:
            definition = readable(source_app["key"], other["key"], version)["definition"]
        except (PermissionDenied, NotFound):
            continue
        refs = [f for f in definition.get("fields", []) if not f.get("deleted") and _ftype(f).is_reference
                and reference_targets.target_of_field(f, source_app["key"]) == (app["key"], form_key)]
        own_app = source_app["key"] == app["key"]
        for f in refs:
            op = "contains" if f["options"].get("multiple") else "eq"
            found = queries.list_records(rt, actor, source_app["key"], other["key"],
                                         queries.Query(filters=[queries.Filter(f["id"], op, record_id)], page_size=MAX_RELATED))
            with_display(rt, actor, source_app["key"], definition, found["items"], locale, tz)
            columns = key_columns(definition, f["id"])
            titled = bool(columns) and columns[0]["id"] == ((definition.get("settings") or {}).get("title_field") or "") or \
                bool(columns) and columns[0] in title_fields(definition)[:1]
            label = other["label"] if len(refs) == 1 and own_app else {
                loc: " · ".join(([_pick(source_app["label"], loc)] if not own_app else []) + [_pick(other["label"], loc)]
                                + ([_pick(f.get("label"), loc)] if len(refs) > 1 else [])) for loc in ("en", "zh-CN")}
            add_url = None if f["options"].get("multiple") else \
                url_for("ui.new_record", app_key=source_app["key"], form_key=other["key"], **{f["id"]: record_id})
            groups.append({"label": label, "form": other["key"], "field": f["id"], "total": found["total"], "add_url": add_url,
                           "add_label": other["label"], "titled": titled, "columns": [c.get("label") or c["id"] for c in columns],
                           "records": [{"id": r["id"], "title": r["title"],
                                        "url": url_for("ui.record_detail", app_key=source_app["key"], form_key=other["key"],
                                                       record_id=r["id"]),
                                        "cells": [_cut(r["display"].get(c["id"]) or "") for c in columns]}
                                       for r in found["items"]]})
    return groups


def _pick(label, locale: str) -> str:
    if isinstance(label, dict):
        return label.get(locale) or next(iter(label.values()), "")
    return label or ""


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS - 1] + "…"


#: Actors that are the app itself rather than a person, and the catalogue key that names them for a reader.
BUILT_IN_ACTORS = {"system": "records.actor_system"}


def actor_shown(entry: dict, locale: str) -> str:
    """Who did a history entry, as the reader reads it: the person's name, or the app itself in the reader's language
    (seeded records are made by "system")."""
    if entry.get("actor_name"):
        return entry["actor_name"]
    actor_key = entry.get("actor") or ""
    return gettext(BUILT_IN_ACTORS[actor_key], locale) if actor_key in BUILT_IN_ACTORS else actor_key
