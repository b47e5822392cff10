"""A row's problems: stored coded (message code + params, field labels in every language), read in the reader's language.

An import row keeps its problems in ``import_rows.errors`` as JSON, one dict per problem: ``column`` (the file's own
title, user data), ``field_id``, ``label`` (English), ``label_texts`` (the field's label in every language),
``message`` (English, for API clients and old rows), ``code``, ``message_code`` and ``params`` (a field's label in
params is a {"en", "zh-CN"} map), plus the extras the import screen uses (``record_id``, ``title``, ``rule``, ``line``).
``localized(problem, locale)`` renders one for a reader: the message from the catalogue in their language, the label
in their language; ``reason_text`` is its "column: message" line (the import screen, refused.csv, the CLI).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine import i18n
from engine.errors import ErrorItem, FormflowError

#: the extras of an error item a problem keeps
KEPT_EXTRAS = ("record_id", "title", "rule", "line")


def problem(form, header: list, mapping: dict, fid: str | None, item: ErrorItem) -> dict:
    """A row's problem as stored: where (column, field), what (the item's code, message code and params)."""
    column = next((header[int(c)] for c, f in mapping.items() if f == fid and int(c) < len(header)), None)
    labels = form.labels(fid) if fid else None
    out: dict[str, Any] = {"column": column, "field_id": fid, "label": form.label(fid) if fid else None,
                           "message": item.message, "code": item.code}
    if isinstance(labels, dict):
        out["label_texts"] = labels
    elif item.label_texts:
        out["label_texts"] = dict(item.label_texts)
    if item.message_code:
        out["message_code"] = item.message_code
        out["params"] = item.to_dict()["params"]
    out.update({k: v for k, v in item.extra.items() if k in KEPT_EXTRAS})
    return {k: v for k, v in out.items() if v is not None}


def coded(message_code: str, code: str, extra: dict | None = None, **params: Any) -> ErrorItem:
    """An item of the import's own (a duplicate in the file or the database)."""
    return ErrorItem.coded(message_code, code=code, extra=extra, **params)


def cell_item(exc: ValueError, code: str = "unreadable") -> ErrorItem:
    """A cleaner's refusal or a type's doubt (``FieldValueError``: coded) as an item of ``code``."""
    if getattr(exc, "message_code", None):
        return ErrorItem.coded(exc.message_code, code=code, **exc.params)
    return ErrorItem.coded("error.import.problem", code=code, detail=str(exc))


def whole_refusal(exc: FormflowError) -> ErrorItem:
    """A refusal without items as the row's one problem, in every language its code has."""
    return ErrorItem.coded("error.import.problem", code=exc.code, detail={loc: exc.localized(loc) for loc in i18n.LOCALES})


def field_names(form, fields) -> dict[str, str]:
    """The fields' labels joined, in every language ("Name and Phone", "名称、电话")."""
    return {loc: i18n.render("error.dedup.and", loc, {}).join(form.label(fid, loc) for fid in fields) for loc in i18n.LOCALES}


#: the shape a stored problem is read back into
_STORED = ErrorItem.coded("error.import.problem", detail="")


def localized(error: dict, locale: str | None) -> dict:
    """A stored problem for a reader: ``message`` and ``label`` in ``locale`` (English: as stored)."""
    loc = i18n.normalize_locale(locale)
    # the stored item rebuilt (a row stored before problems were coded has a message and a code only)
    item = replace(_STORED, message=error.get("message", ""), code=error.get("code", "invalid"), message_code=error.get("message_code"),
                   params=dict(error.get("params") or {}), label=error.get("label"), label_texts=error.get("label_texts"))
    out = {k: v for k, v in error.items() if k != "label_texts"}
    if item.message_code and not error.get("message"):
        item.message = i18n.render(item.message_code, i18n.DEFAULT_LOCALE, item.params)
    out["message"] = item.localized(loc)
    if item.label is not None or item.label_texts:
        out["label"] = item.label_in(loc)
    return out


def reason_text(error: dict, locale: str | None = None) -> str:
    """One problem of a row as a line of text in ``locale``: "column: message" (the column is the file's title)."""
    shown = localized(error, locale)
    where = shown.get("column") or shown.get("label")
    return i18n.render("import.refused.where", locale, {"where": where, "message": shown["message"]}) if where else shown["message"]


def row_reason(errors: list[dict], locale: str | None = None) -> str:
    """A row's problems as one line of text in ``locale`` ("column: message; column: message")."""
    return i18n.render("import.refused.separator", locale).join(reason_text(e, locale) for e in errors)
