"""The records grid page (Tabulator): inline editing, selection with bulk edit / delete / restore, the filter builder and
saved views. Every cell, editor and operator comes from the field type's facts (``FieldType.describe()``), sent to the
page per field; the grid reads through ``…/records/table`` (the read gate) and writes through the records API."""
from __future__ import annotations

from flask import render_template, url_for

from designer_ui import bp
from designer_ui.field_widgets import widget_modules
from designer_ui.views import actor, runtime
from engine.errors import NotFound
from engine.fields import FIELD_TYPES
from engine.services import forms as form_service
from engine.services import permissions, readgate
from engine.services.form_lookup import compiled_form


def published_form(rt, who, app_key: str, form_key: str) -> tuple[dict, dict, dict, dict]:
    """The app, the form, its published version as *who* reads it, and each field's access level for *who*
    (the read gate's); the grid and the boards start from these."""
    app = form_service.get_app(rt, app_key)
    form = next((f for f in app["forms"] if f["key"] == form_key), None)
    if form is None:  # no form under this key: not "unpublished" (that would say it exists)
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form", message_code="error.form.not_in_app",
                       params={"form": repr(form_key), "app": repr(app_key)})
    if not form["published_version"]:
        raise NotFound(f"form {form_key!r} has not been published yet", path="/form", message_code="error.form.not_published",
                       params={"form": repr(form_key)})
    version = form_service.get_version(rt, app_key, form_key, form["published_version"], who)
    levels = {i["field_id"]: i["level"] for i in readgate.form_field_access(rt, who, app_key, form_key)["items"]}
    return app, form, version, levels


def new_record_url(rt, who, app_key: str, form_key: str) -> str | None:
    """The "New record" page of a form when *who* may add records to it (an empty grid or board offers it), else None."""
    with rt.db.transaction() as conn:
        may = permissions.form_access(rt, conn, who, compiled_form(rt, conn, app_key, form_key)).create
    return url_for("ui.new_record", app_key=app_key, form_key=form_key) if may else None


def _columns(definition: dict, hidden: set, levels: dict) -> list[dict]:
    out = []
    for f in definition["fields"]:
        if f.get("deleted") or f["id"] in hidden:
            continue
        facts = FIELD_TYPES.get(f["type"]).describe()
        # the type's default options under the field's own (an amount's currency when the field leaves it to the type)
        out.append({"id": f["id"], "type": f["type"], "label": f.get("label"),
                    "options": {**facts["default_options"], **(f.get("options") or {})},
                    "value_kind": facts["value_kind"], "capabilities": facts["capabilities"],
                    "engine_set": facts["engine_set"], "measurable": facts["measurable"], "groupable": facts["groupable"],
                    "filter_operators": facts["filter_operators"], "widget": facts["widget"],
                    "read_only": levels.get(f["id"]) == "read"})
    return out


@bp.route("/apps/<app_key>/forms/<form_key>/grid")
def records_grid(app_key, form_key):
    rt, who = runtime(), actor()
    app, form, version, levels = published_form(rt, who, app_key, form_key)
    hidden = {field_id for field_id, level in levels.items() if level == "hidden"}
    api = f"/api/apps/{app_key}/forms/{form_key}"
    config = {"api": api, "columns": _columns(version["definition"], hidden, levels), "user_id": who.user_id,
              "roles": sorted(who.roles), "all_roles": [r["key"] for r in permissions.list_roles(rt)],
              "record_url": url_for("ui.record_detail", app_key=app_key, form_key=form_key, record_id=0).replace("/0", "/{id}"),
              "list_url": url_for("ui.records_list", app_key=app_key, form_key=form_key),
              "new_url": new_record_url(rt, who, app_key, form_key)}
    # the widget modules of the form's types: the filter builder asks them for a value picker (filterInput)
    return render_template("records_grid.html", app=app, form=form, config=config, widgets=widget_modules(version["definition"]),
                           definition=version["definition"],
                           active_nav="apps")
