"""Printing a record with a published print template: a PDF (a contract, a quote) as the reader may see the record.

A print template is a template revision with purpose ``print`` (``engine.services.templates`` creates, edits and
reviews it: draft -> submitted -> approved -> published, four eyes). Printing uses only the live revision, bound to
the record's form. The record passes the reader's read gate: outside their row scope it is a 404; a field their
role hides is absent from ``record`` and ``display`` (it renders nothing), and so are hidden fields of the records it
references. ``display.<field>`` is the text a person reads (dates in the reader's zone and language, choice labels,
users by name, money with its currency; a sub-table a list of rows of texts). The template's ``html`` part is
rendered autoescaped, cut to the print markup and laid out by ``engine.printing.document``. A print is a row of
the record's history (action ``print``, one ``@print`` change whose new value names the template, its revision and
label); a preview in the template editor is not.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

import sqlalchemy as sa

from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.notifications.lifecycle import TemplateState
from engine.notifications.tables import notification_templates as templates_t
from engine.notifications.variables import RenderData
from engine.printing.document import PrintFontMissing, build_pdf, font_path
from engine.printing.scope import holds_rows
from engine.runtime import Actor, Runtime
from engine.services.definition_access import require_definition_reader
from engine.services.display import with_display
from engine.services.form_lookup import app_row, compiled_form
from engine.services.readgate import read_view
from engine.services.records import check_access, live_row
from engine.services.template_content import PRINT_KIND, PRINT_PAGE, check_content, pick, print_title, revisions
from engine.services.titles import value_text
from engine.storage import record_rows

__all__ = ["PrintedDocument", "printable_templates", "font_problem", "print_record", "preview_print", "CACHE_KIND", "PRINT_ACTION",
           "PRINT_CHANGE"]

#: Kind of the compiled live print revisions in the runtime's cache (``engine.cache``).
CACHE_KIND = "print_template"
#: The record history's action of a print, and its one change: ``[None, {template, revision, label}]``.
PRINT_ACTION = "print"
PRINT_CHANGE = "@print"
#: Characters a file name keeps (others become ``_``; CJK letters are kept).
_UNSAFE_NAME = re.compile(r"[^\w\-. ]+")


@dataclass(frozen=True)
class PrintedDocument:
    """A printed record: the PDF bytes and the file name it downloads as."""

    filename: str
    pdf: bytes
    template: str
    revision: int


def _live_rows(conn: sa.Connection, app_id: int, form_key: str, key: str | None = None):
    query = sa.select(templates_t).where(
        templates_t.c.app_id == app_id, templates_t.c.form_key == form_key, templates_t.c.purpose == "print",
        templates_t.c.state == TemplateState.PUBLISHED.value, templates_t.c.superseded_at.is_(None))
    if key is not None:
        query = query.where(templates_t.c.key == key)
    return conn.execute(query.order_by(templates_t.c.key)).mappings().all()


def _label(label: Any, locale: str) -> str:
    if isinstance(label, Mapping):
        return label.get(locale) or label.get("en") or next(iter(label.values()), "")
    return str(label or "")


def printable_templates(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, *,
                        locale: str = "en") -> dict:
    """The published print templates a reader of the record may print it with (the record page's Print menu)."""
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        check_access(rt, conn, actor, form, "read", live_row(conn, form, record_id))
        rows = _live_rows(conn, app_row(conn, rt, app_key)["id"], form_key)
    return {"items": [{"key": r["key"], "label": _label(r["label"], locale), "revision": r["revision"],
                       "href": f"/api/apps/{app_key}/forms/{form_key}/records/{record_id}/print/{r['key']}"} for r in rows]}


def font_problem(rt: Runtime, locale: str = "en") -> str | None:
    """Why nothing prints on this server (no usable font: what to install or configure) in ``locale``; None if it prints."""
    try:
        font_path(rt.config.get("PRINT_FONT"))
    except PrintFontMissing as exc:
        return exc.localized(locale)
    return None


def _display(rt: Runtime, actor: Actor, app_key: str, form, row: Mapping, data: Mapping, locale: str, tz: str) -> dict:
    """``display``: field name -> the text the reader reads; sub-tables as rows of texts; hidden fields absent."""
    item = with_display(rt, actor, app_key, form.definition, [{"id": row["id"], "form": form.key, "data": dict(data)}],
                        locale, tz)[0]
    out: dict[str, Any] = {"id": str(row["id"]), "title": item["title"]}
    for fld in form.live_fields:
        if fld["id"] not in item["display"]:
            continue  # hidden from the reader: renders nothing
        name = fld.get("name") or fld["id"]
        if holds_rows(fld):
            subs = [f for f in (fld.get("options") or {}).get("fields") or [] if not f.get("deleted")]
            out[name] = [{(f.get("name") or f["id"]): value_text(f, r.get(f["id"]), locale, tz) for f in subs}
                         for r in data.get(fld["id"]) or [] if isinstance(r, Mapping)]
        else:
            out[name] = item["display"][fld["id"]]
    return out


def print_record(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, template_key: str, *,
                 locale: str = "en", tz: str | None = None) -> PrintedDocument:
    """The record printed with the live revision of ``template_key`` as ``actor`` may read it (404 outside their scope)."""
    font = font_path(rt.config.get("PRINT_FONT"))  # refused first when the server has no usable font
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        row = live_row(conn, form, record_id)
        check_access(rt, conn, actor, form, "read", row)  # the read gate: 404 outside the row scope
        found = _live_rows(conn, app_row(conn, rt, app_key)["id"], form_key, template_key)
        if not found:
            raise NotFound(f"form {form_key!r} has no published print template {template_key!r}", path="/template",
                           message_code="error.print.no_template", params={"form": repr(form_key), "template": repr(template_key)})
        doc = _printed(conn, rt, actor, form, row, found[0], font, locale, tz or rt.timezone)
    printed = {"template": found[0]["key"], "revision": found[0]["revision"], "label": found[0]["label"]}
    with rt.db.transaction() as conn:  # after the layout: a refused or failed print leaves no history
        record_rows.audit(conn, record_id, form.form_id, PRINT_ACTION, actor, rt.clock.now(), row["version"],
                          {PRINT_CHANGE: [None, printed]})
    return doc


def preview_print(rt: Runtime, actor: Actor, app_key: str, template_key: str, record_id: int, *, revision: int | None = None,
                  locale: str = "en", tz: str | None = None) -> PrintedDocument:
    """Any revision of a print template (the working one by default) printed with a record the actor may read: what
    the editor and the reviewers look at before it is published."""
    font = font_path(rt.config.get("PRINT_FONT"))
    with rt.db.read() as conn:
        require_definition_reader(rt, actor, conn)
        chosen = pick(revisions(conn, rt, app_key, template_key)[1], revision)
        if chosen["purpose"] != "print":
            raise ValidationFailed(f"template {template_key!r} is a notification template: preview it as a message",
                                   [ErrorItem.coded("error.print.not_print_template", path="/template")],
                                   message_code="error.print.notification_template", params={"template": repr(template_key)})
        form = compiled_form(rt, conn, app_key, chosen["form_key"])
        row = live_row(conn, form, record_id)
        check_access(rt, conn, actor, form, "read", row)
        return _printed(conn, rt, actor, form, row, chosen, font, locale, tz or rt.timezone)


def _printed(conn: sa.Connection, rt: Runtime, actor: Actor, form, row: Mapping, revision: Mapping, font, locale: str,
             tz: str) -> PrintedDocument:
    key = revision["key"]
    compiled = rt.cache.get(CACHE_KIND, (revision["id"], revision["updated_at"], form.form_id, form.version), lambda: check_content(
        conn, rt, form.app_key, key, form.key, revision["content"], "print")[0])[PRINT_KIND]
    hidden = read_view(rt, conn, actor, form).hidden
    data = {k: v for k, v in (row["data"] or {}).items() if k not in hidden}
    render = RenderData(conn, rt, (actor,))  # referenced records pass the reader's gate too
    variables = render.variables(form, {**dict(row), "data": data}, render.user(actor.user_id) if actor.user_id else None)
    variables["display"] = _display(rt, actor, form.app_key, form, row, data, locale, tz)
    titled = print_title(compiled, locale)  # the title in the reader's language (else English, else any)
    title = " ".join(titled.render(variables, tz=tz).split()) if titled is not None else ""
    title = title or f"{_label(revision['label'], locale)} {variables['display']['title']}"
    author = (variables.get("user") or {}).get("name") or ""
    page = {part: revision["content"][PRINT_KIND].get(part, choices[0]) for part, choices in PRINT_PAGE.items()}
    pdf = build_pdf(title, compiled["html"].render(variables, tz=tz), font=font, author=author, name=key, **page)
    filename = (_UNSAFE_NAME.sub("_", title).strip() or key)[:120] + ".pdf"
    return PrintedDocument(filename, pdf, key, revision["revision"])
