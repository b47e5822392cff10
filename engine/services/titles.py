"""What names a record: one rule, used by the record pages, templates, duplicate checks, approvals and imports.

A record's title is the text of the first non-empty field among: the form's
title field (``settings.title_field``), then the fields whose type titles
records (``FieldType.titles_record``): the ones a person types a name into
first (required ones before optional ones, each in form order), a number the
engine gives (``FieldType.numbered``: a serial) last, as the secondary name
("Acme", not "KH-20261206-0001": the confirmation reads "Acme · KH-…"); fields
that link to other records (references, users, attachments) and fields the
reader may not see are skipped. With none, the title is ``#<id>``.

The designer says which field names a record by default by the same rule
(designer_ui/static/designer_record_title.js).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from engine.fields import FIELD_TYPES

__all__ = ["title_fields", "value_text", "record_title", "untitled"]


def untitled(record_id: Any) -> str:
    """The title of a record nothing names."""
    return f"#{record_id}"


def _settings_and_fields(form: Any) -> tuple[Mapping, list[Mapping]]:
    """(settings, live fields) of a compiled form or of a form definition."""
    if isinstance(form, Mapping):
        return form.get("settings") or {}, [f for f in form.get("fields", []) if not f.get("deleted")]
    return form.settings or {}, list(form.live_fields)


def title_fields(form: Any, hidden: Iterable[str] = frozenset()) -> list[Mapping]:
    """The fields that may name a record of ``form`` (a compiled form or a definition), in the order they are tried."""
    settings, fields = _settings_and_fields(form)
    hidden = frozenset(hidden)
    chosen = settings.get("title_field")
    naming = [f for f in fields if f["id"] != chosen and FIELD_TYPES.get(f["type"]).titles_record]
    # a typed name before a given number, a required name before an optional one; form order otherwise (sorted is stable)
    naming.sort(key=lambda f: (FIELD_TYPES.get(f["type"]).numbered, not f.get("required")))
    ordered = [f for f in fields if f["id"] == chosen] + naming
    return [f for f in ordered if f["id"] not in hidden and not FIELD_TYPES.get(f["type"]).linked_store(f)]


def value_text(field: Mapping, value: Any, locale: str = "en", tz: str = "UTC") -> str:
    """One stored value as the text a person reads (linked ids are resolved by the caller)."""
    if value is None or value == "" or value == []:
        return ""
    try:
        return FIELD_TYPES.get(field["type"]).display(value, field, locale, tz)
    except Exception:  # a value stored under an older definition still shows
        return str(value)


def record_title(form: Any, record_id: Any, data: Mapping | None, *, hidden: Iterable[str] = frozenset(),
                 locale: str = "en", tz: str = "UTC") -> str:
    """The title of the record ``record_id`` of ``form`` holding ``data``, leaving out the ``hidden`` fields."""
    data = data or {}
    for f in title_fields(form, hidden):
        text = value_text(f, data.get(f["id"]), locale, tz)
        if text:
            return text
    return untitled(record_id)
