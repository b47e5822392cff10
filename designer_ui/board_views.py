"""The record boards of a form beside its grid: a kanban (lanes by a choice or person field, a card moves by changing
it), a calendar (records placed by a date or date-and-time field, dragged to reschedule) and a gallery (cards with
the record's pictures). Which fields can lane, place or picture a record comes from the field type
(``groups_kanban``, ``calendar_kind``, ``thumbnails``), never from type names. The pages read through
``…/records/table`` (the read gate: row scope, hidden fields) and write through the records API (rules, permissions,
validation, If-Match), so a refused move comes back with its reason; saved views keep the board's settings."""
from __future__ import annotations

from flask import make_response, render_template, request, url_for

from designer_ui import bp
from designer_ui.field_widgets import widget_modules
from designer_ui.grid_views import new_record_url, published_form
from designer_ui.i18n import gettext
from designer_ui.views import actor, runtime
from engine.api.auth import CONTENT_SECURITY_POLICY
from engine.errors import NotFound
from engine.fields.base import field_type
from engine.services import forms as form_service
from engine.services import permissions, readgate

#: the boards, each with the field fact it needs and the key its saved views keep that field under
BOARDS = {
    "kanban": {"fits": "lanes", "setting": "group_field", "template": "records_kanban.html"},
    "calendar": {"fits": "calendar_kind", "setting": "date_field", "template": "records_calendar.html"},
    "gallery": {"fits": "thumbnails", "setting": "image_field", "template": "records_gallery.html"},
}
#: FullCalendar 6 adds one empty <style> and fills it through the CSSOM: the calendar page allows a style element with
#: no text (the hash of ""), nothing more inline
EMPTY_STYLE_SOURCE = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
#: FullCalendar's icon font (arrows of prev / next) is a data: URL in its CSS
CALENDAR_FONT_SOURCES = "font-src 'self' data:"
#: the one policy (engine.api.auth) with just what the calendar needs
CALENDAR_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' " + EMPTY_STYLE_SOURCE) + \
    "; " + CALENDAR_FONT_SOURCES


def board_fields(definition: dict, levels: dict) -> list[dict]:
    """The fields the caller may see, with what a board needs to know of each (from its type)."""
    out = []
    for f in definition["fields"]:
        level = levels.get(f["id"], "write")
        if f.get("deleted") or level == "hidden":
            continue
        ftype = field_type(f)
        facts = ftype.describe()
        out.append({"id": f["id"], "type": f["type"], "label": f.get("label"), "options": f.get("options") or {},
                    "value_kind": facts["value_kind"],
                    "capabilities": facts["capabilities"], "lanes": ftype.groups_kanban(f), "calendar_kind": ftype.calendar_kind,
                    "thumbnails": ftype.thumbnails, "engine_set": ftype.engine_set, "widget": facts["widget"],
                    "filter_operators": facts["filter_operators"],
                    "read_only": level == "read" or ftype.engine_set or ftype.derived})
    return out


def available_boards(fields: list[dict]) -> list[str]:
    """The boards this form can show the caller (a kanban needs a lane field, a calendar a date, a gallery pictures)."""
    return [name for name, board in BOARDS.items() if any(f[board["fits"]] for f in fields)]


def form_boards(app_key: str, form_key: str, published_version: int) -> list[str]:
    """The boards the signed-in reader may open for a published form (for the grid's and list's view links)."""
    rt, who = runtime(), actor()
    version = form_service.get_version(rt, app_key, form_key, published_version, who)
    levels = {i["field_id"]: i["level"] for i in readgate.form_field_access(rt, who, app_key, form_key)["items"]}
    return available_boards(board_fields(version["definition"], levels))


@bp.app_context_processor
def _board_links() -> dict:
    return {"form_boards": form_boards}


def _board_page(app_key: str, form_key: str, board: str):
    rt, who = runtime(), actor()
    app, form, version, levels = published_form(rt, who, app_key, form_key)
    fields = board_fields(version["definition"], levels)
    boards = available_boards(fields)
    if board not in boards:
        raise NotFound(f"form {form_key!r} has no field a {board} can show", path="/board", message_code="error.form.no_board_field",
                       params={"form": repr(form_key), "board": {"en": board, "zh-CN": gettext(f"records.board.{board}", "zh-CN")}})
    base = f"/apps/{app_key}/forms/{form_key}"
    config = {"api": "/api" + base, "app_api": f"/api/apps/{app_key}", "board": board, "setting": BOARDS[board]["setting"],
              "fields": fields, "field": request.args.get("field") or None,
              "title_field": (version["definition"].get("settings") or {}).get("title_field"), "view": request.args.get("view") or None,
              "user_id": who.user_id, "roles": sorted(who.roles), "all_roles": [r["key"] for r in permissions.list_roles(rt)],
              "record_url": url_for("ui.record_detail", app_key=app_key, form_key=form_key, record_id=0).replace("/0", "/{id}"),
              "pages": {name: f"{base}/{name}" for name in ["grid"] + boards}, "new_url": new_record_url(rt, who, app_key, form_key)}
    return render_template(BOARDS[board]["template"], app=app, form=form, config=config, boards=boards, board=board,
                           base=base, widgets=widget_modules(version["definition"]), active_nav="apps")


@bp.route("/apps/<app_key>/forms/<form_key>/kanban")
def records_kanban(app_key, form_key):
    return _board_page(app_key, form_key, "kanban")


@bp.route("/apps/<app_key>/forms/<form_key>/calendar")
def records_calendar(app_key, form_key):
    response = make_response(_board_page(app_key, form_key, "calendar"))
    response.headers["Content-Security-Policy"] = CALENDAR_POLICY
    return response


@bp.route("/apps/<app_key>/forms/<form_key>/gallery")
def records_gallery(app_key, form_key):
    return _board_page(app_key, form_key, "gallery")
