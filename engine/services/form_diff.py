"""What publishing a definition would change, as sentences in the reader's language (en, zh-CN).

``readable_diff`` compares a definition (the designer's unsaved state, or the saved draft) with the published
version and answers groups (fields, rules, layout, settings) of sentences such as "Field 'Phone' renamed to
'Mobile'" or "Field 'Fax' deleted — 12 records have a value", each with the number of records it touches.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine import i18n
from engine.fields import FIELD_TYPES
from engine.fields.base import field_label
from engine.runtime import Actor, Runtime
from engine.services.definition_access import require_definition_reader
from engine.services.form_lookup import form_row, version_definition
from engine.storage.tables import records

LOCALES = ("en", "zh-CN")
GROUPS = ("fields", "rules", "layout", "settings")


def _t(key: str, locale: str, **params: Any) -> str:
    return i18n.render(f"diff.{key}", locale, params)  # engine/translations, keys diff.*


def _text(value: Any, locale: str, fallback: str = "") -> str:
    if isinstance(value, dict):
        return value.get(locale) or value.get("en") or next(iter(value.values()), fallback) or fallback
    return str(value) if value else fallback


def _type_name(type_name: str, locale: str) -> str:
    """A field type as the palette names it ("Single line text", "单行文本"); an unknown one by its key."""
    return _text(FIELD_TYPES.get(type_name).label, locale, type_name) if type_name in FIELD_TYPES else type_name


def record_counter(conn, form_id: int):
    """``count()``: live records; ``count(field)``: those with a value; ``count(field, empty=True)``: those without."""
    loaded: dict[str, list[dict]] = {}

    def count(field_id: str | None = None, *, empty: bool = False) -> int:
        if "rows" not in loaded:  # read once, on the first sentence that needs a count
            loaded["rows"] = list(conn.execute(sa.select(records.c.data).where(records.c.form_id == form_id,
                                                                               records.c.deleted_at.is_(None))).scalars())
        live = loaded["rows"]
        if field_id is None:
            return len(live)
        filled = sum(1 for d in live if d.get(field_id) not in (None, "", []))
        return len(live) - filled if empty else filled
    return count


def _item(text: str, records_touched: int | None) -> dict:
    return {"text": text, "records": records_touched}


def _field_items(old: dict, new: dict, locale: str, count) -> list[dict]:
    out = []
    before = {f["id"]: f for f in old.get("fields", [])}
    for f in new.get("fields", []):
        was, name = before.get(f["id"]), field_label(f, locale)
        if was is None:
            if not f.get("deleted"):
                out.append(_item(_t("field_added", locale, field=name, type=_type_name(f["type"], locale)), 0))
            continue
        if f.get("deleted") and not was.get("deleted"):
            n = count(f["id"])
            out.append(_item(_t("field_deleted", locale, field=field_label(was, locale), n=n), n))
            continue
        if was.get("deleted") and not f.get("deleted"):
            out.append(_item(_t("field_restored", locale, field=name), count(f["id"])))
        if field_label(was, locale) != name or was.get("label") != f.get("label"):
            out.append(_item(_t("field_renamed", locale, old=field_label(was, locale), field=name), count(f["id"])))
        if was.get("name", was["id"]) != f.get("name", f["id"]):
            out.append(_item(_t("field_key", locale, field=name, old=was.get("name", was["id"]), new=f.get("name", f["id"])), count(f["id"])))
        if was["type"] != f["type"]:
            out.append(_item(_t("field_type", locale, field=name, old=_type_name(was["type"], locale),
                                              new=_type_name(f["type"], locale), n=count(f["id"])), count(f["id"])))
        if bool(was.get("required")) != bool(f.get("required")):
            if f.get("required"):
                n = count(f["id"], empty=True)
                out.append(_item(_t("field_required_on", locale, field=name, n=n), n))
            else:
                out.append(_item(_t("field_required_off", locale, field=name), 0))
        if was.get("options") != f.get("options"):
            out.append(_item(_t("field_options", locale, field=name, n=count(f["id"])), count(f["id"])))
        for key in ("help", "default", "fetch", "filterable", "sortable"):
            if was.get(key) != f.get(key):
                out.append(_item(_t("field_other", locale, field=name, what=_t(f"what.{key}", locale)), 0))
    new_ids = {f["id"] for f in new.get("fields", [])}
    for fid, was in before.items():
        if fid not in new_ids and not was.get("deleted"):
            n = count(fid)
            out.append(_item(_t("field_deleted", locale, field=field_label(was, locale), n=n), n))
    return out


def _rule_items(old: dict, new: dict, locale: str, count) -> list[dict]:
    out = []
    for part in ("rules", "validations", "automations"):
        kind = _t(f"kind.{part}", locale)
        was = {r.get("id"): r for r in old.get(part) or [] if isinstance(r, dict)}
        now = {r.get("id"): r for r in new.get(part) or [] if isinstance(r, dict)}
        for rid, r in now.items():
            name = _text(r.get("name") or r.get("label"), locale, str(rid))
            if rid not in was:
                out.append(_item(_t("rule_added", locale, kind=kind, name=name) + " · " + _t("applies", locale, n=count()), count()))
            elif was[rid] != r:
                out.append(_item(_t("rule_changed", locale, kind=kind, name=name) + " · " + _t("applies", locale, n=count()), count()))
        for rid, r in was.items():
            if rid not in now:
                name = _text(r.get("name") or r.get("label"), locale, str(rid))
                out.append(_item(_t("rule_removed", locale, kind=kind, name=name) + " · " + _t("applies", locale, n=count()), count()))
    if old.get("permissions") != new.get("permissions"):
        out.append(_item(_t("rule_changed", locale, kind=_t("kind.permissions", locale), name=new.get("key", "")), count()))
    return out


def _layout_items(old: dict, new: dict, locale: str) -> list[dict]:
    out = []
    fields = {f["id"]: f for f in old.get("fields", []) + new.get("fields", [])}
    label = lambda fid: field_label(fields[fid], locale) if fid in fields else fid  # noqa: E731
    was = {s.get("id"): s for s in (old.get("layout") or {}).get("sections", [])}
    now = {s.get("id"): s for s in (new.get("layout") or {}).get("sections", [])}
    where_was = {fid: sid for sid, s in was.items() for fid in s.get("fields", [])}
    for sid, s in now.items():
        title = _text(s.get("label"), locale, str(sid))
        if sid not in was:
            out.append(_item(_t("section_added", locale, section=title), None))
        for fid in s.get("fields", []):
            if fid in where_was and where_was[fid] != sid:
                out.append(_item(_t("field_moved", locale, field=label(fid), section=title), None))
        if sid in was:
            kept = [x for x in was[sid].get("fields", []) if x in s.get("fields", [])]
            if kept != [x for x in s.get("fields", []) if x in kept]:
                out.append(_item(_t("order_changed", locale, section=title), None))
            if (was[sid].get("label"), was[sid].get("columns")) != (s.get("label"), s.get("columns")):
                out.append(_item(_t("section_changed", locale, section=title), None))
    for sid, s in was.items():
        if sid not in now:
            out.append(_item(_t("section_removed", locale, section=_text(s.get("label"), locale, str(sid))), None))
    return out


def _settings_items(old: dict, new: dict, locale: str) -> list[dict]:
    out = []
    if old.get("label") != new.get("label"):
        out.append(_item(_t("form_label", locale, label=_text(new.get("label"), locale)), None))
    a, b = old.get("settings") or {}, new.get("settings") or {}
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            out.append(_item(_t("setting_changed", locale, key=key), None))
    return out


def readable_diff(rt: Runtime, app_key: str, form_key: str, definition: dict | None = None, locale: str = "en",
                  actor: Actor | None = None) -> dict:
    """Groups of sentences: what publishing ``definition`` (default: the saved draft) changes against the
    published version, each sentence with the number of records it touches (``None`` where none are)."""
    locale = locale if locale in LOCALES else "en"
    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        require_definition_reader(rt, actor, conn)
        new = definition if definition is not None else row["draft"]
        if not row["published_version"]:
            return {"published_version": None, "groups": first_publish(new, locale)}
        old = version_definition(conn, row["id"], row["published_version"])
        groups = changes_between(old, new, locale, record_counter(conn, row["id"]))
    return {"published_version": row["published_version"], "groups": groups}


def first_publish(definition: dict, locale: str) -> list[dict]:
    """The groups of a first publish: one sentence naming how many fields it brings."""
    live = [f for f in definition.get("fields", []) if not f.get("deleted")]
    return [{"group": "fields", "title": _t("group.fields", locale), "items": [_item(_t("first_publish", locale, n=len(live)), 0)]}]


def first_save(definition: dict, locale: str) -> list[dict]:
    """The groups of the oldest listed draft save (nothing older to compare with): how many fields it holds."""
    live = [f for f in definition.get("fields", []) if not f.get("deleted")]
    return [{"group": "fields", "title": _t("group.fields", locale), "items": [_item(_t("first_save", locale, n=len(live)), None)]}]


def changes_between(old: dict, new: dict, locale: str, count) -> list[dict]:
    """The groups of sentences from definition ``old`` to ``new`` (``count``: a :func:`record_counter`)."""
    locale = locale if locale in LOCALES else "en"
    parts = {"fields": _field_items(old, new, locale, count), "rules": _rule_items(old, new, locale, count),
             "layout": _layout_items(old, new, locale), "settings": _settings_items(old, new, locale)}
    return [{"group": g, "title": _t(f"group.{g}", locale), "items": parts[g]} for g in GROUPS if parts[g]]
