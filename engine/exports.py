"""Exports: a list view (the reader's filters, sort and search) as CSV or XLSX rows of display text.

Rows are read a page at a time through ``queries.list_records``, so the
reader's row scope and field permissions apply: fields their role hides are
not columns at all. Values are the text a person reads (choice labels, user
and record titles), given by the caller's ``display`` function. Every cell
that a spreadsheet would run as a formula (= + - @ tab CR) gets a leading
quote; control characters are stripped first, so a hidden ``\x01`` or ``\b`` in
front of ``=`` can't carry a formula past the check (OWASP "CSV injection").
CSV is produced as text chunks (streamed); XLSX is written with
openpyxl's write-only workbook, so memory stays flat for long lists.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from dataclasses import replace
from typing import Callable, Iterable, Iterator

from engine.errors import ErrorItem, ValidationFailed
from engine.fields.base import FIELD_TYPES, field_label
from engine.runtime import Actor, Runtime
from engine.services import queries
from engine.services.form_lookup import compiled_form
from engine.services.records import hidden_fields
from openpyxl import Workbook

#: a cell starting with one of these would run as a formula in a spreadsheet (with their full-width forms, which some
#: spreadsheet apps read as the ASCII ones)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: characters taken out of every cell before the formula check: C0 controls except tab, LF and CR (which CSV keeps and
#: the check quotes), DEL and C1 controls; none of them is text a person typed, and XLSX's XML can't hold most of them
CELL_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: spaces and invisible characters looked past for the formula check ("\u200b=1+1" is quoted too)
_BLANK_LEAD = " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d" \
              "\u200e\u200f\u202f\u205f\u2060\u3000\ufeff"
#: rows one export may hold; more is refused with a message rather than truncated silently
MAX_EXPORT_ROWS = 50_000
#: records read per query while exporting
EXPORT_PAGE = queries.MAX_PAGE_SIZE

Display = Callable[[list[dict]], None]  # adds item["display"] = {field id: text} to each record of a page


def spreadsheet_text(text: str) -> str:
    """A cell's text made inert: control characters stripped, then a leading = + - @ tab or CR (or ＝＋－＠) quoted."""
    if not isinstance(text, str):
        return text
    text = CELL_CONTROL_CHARACTERS.sub("", text)
    return "'" + text if text.lstrip(_BLANK_LEAD).startswith(FORMULA_PREFIXES) else text


def export_rows(rt: Runtime, actor: Actor, app_key: str, form_key: str, query: queries.Query, display: Display, *,
                locale: str = "en") -> Iterator[list]:
    """The header, then one row per record: id and the display text of every field the actor may read.

    Refuses (422) before the first row when more than ``MAX_EXPORT_ROWS`` records match.
    """
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        hidden = hidden_fields(rt, conn, actor, form)
    fields = [f for f in form.live_fields if FIELD_TYPES.get(f["type"]).exportable and f["id"] not in hidden]
    query = replace(query, page=1, page_size=EXPORT_PAGE, count=False)
    probe = queries.list_records(rt, actor, app_key, form_key, replace(query, page=MAX_EXPORT_ROWS + 1, page_size=1))
    if probe["items"]:
        raise ValidationFailed(f"at most {MAX_EXPORT_ROWS} records can be exported at once; filter the list first",
                               [ErrorItem.coded("error.export.too_many_records", path="/filter", code="too_many")],
                               message_code="error.export.too_many", params={"max": MAX_EXPORT_ROWS})
    first = queries.list_records(rt, actor, app_key, form_key, query)  # before the header: a bad query is a 422, not a broken file
    yield ["id"] + [spreadsheet_text(field_label(f, locale)) for f in fields]
    page = first
    while True:
        display(page["items"])
        for item in page["items"]:
            yield [item["id"]] + [spreadsheet_text(item["display"].get(f["id"], "")) for f in fields]
        if not page["has_more"]:
            return
        query.page += 1
        page = queries.list_records(rt, actor, app_key, form_key, query)


def csv_chunks(rows: Iterable[list]) -> Iterator[str]:
    """Rows as CSV text, a chunk at a time; a UTF-8 BOM first so spreadsheet apps read Chinese labels correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = iter(rows)
    first = next(rows)  # raises here, before anything is sent, when the export is refused
    yield "\ufeff"
    writer.writerow([spreadsheet_text(c) for c in first])
    for row in rows:  # every cell again through spreadsheet_text (idempotent): nothing reaches the file unchecked
        writer.writerow([spreadsheet_text(c) for c in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(rows: Iterable[list], *, sheet_title: str = "Export") -> tempfile.SpooledTemporaryFile:
    """Rows as an XLSX workbook in a temporary file (rewound), written row by row."""

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(sheet_title))
    for row in rows:  # every text cell again through spreadsheet_text: nothing reaches the sheet unchecked
        sheet.append([spreadsheet_text(c) for c in row])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out


def _sheet_title(text: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in text).strip("'") or "Export"
    return cleaned[:31]
