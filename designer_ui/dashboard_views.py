"""The dashboard pages: an app's dashboards, and one dashboard drawn with the vendored Chart.js.

The figures come from ``engine.services.dashboards.dashboard_data`` (computed in
the database for the signed-in user); the page carries them twice: as HTML
tables (readable without JavaScript and by screen readers) and as a JSON data
block that ``static/dashboard.js`` draws (no inline script under the CSP).
"""
from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import abort, render_template, request, url_for

from designer_ui import bp
from designer_ui.i18n import gettext, label_text, request_locale
from designer_ui.editor_views import named_users
from designer_ui.request_context import actor, runtime
from engine.api.dashboard_routes import query_filters
from engine.errors import FormflowError, ValidationFailed
from engine.services import dashboards, permissions
from engine.services import forms as form_service
from engine.services import users as user_service

#: period choices above a dashboard (the engine's ranges; last_days takes days)
PERIODS = ("this_week", "this_month", "this_year", "last_days")


def _figure(value, locale: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _drill_url(app_key: str, drill: dict | None) -> str | None:
    """The records list of the drilled form with the group's filter in its URL (``where``, as the filter builder sends it)."""
    if not drill:
        return None
    return url_for("ui.records_list", app_key=app_key, form_key=drill["form"]) + "?" + urlencode(
        {"where": json.dumps(drill["where"], ensure_ascii=False, separators=(",", ":"))})


def _chart_view(chart: dict, locale: str, app_key: str = "") -> dict:
    """One chart as the page shows it: texts in the reader's language, numbers as drawn."""
    view = {"key": chart["key"], "type": chart["type"], "title": label_text(chart["title"], locale), "width": chart.get("width") or 1,
            "error": (chart.get("error") or {}).get("message"), "period": chart.get("period")}
    target = (chart.get("target") or {}).get("value")
    view["target"] = target
    view["target_label"] = label_text((chart.get("target") or {}).get("label"), locale) if target is not None else None
    if "groups" in chart:
        view["labels"] = [label_text(g["label"], locale) for g in chart["groups"]]
        view["values"] = [g["value"] for g in chart["groups"]]
        view["rows"] = [{"label": lab, "value": _figure(g["value"], locale), "raw": g["value"], "count": g["count"],
                         "share": g.get("share"), "ratio": g.get("ratio"), "drill": _drill_url(app_key, g.get("drill"))}
                        for lab, g in zip(view["labels"], chart["groups"])]
        view["drills"] = [r["drill"] for r in view["rows"]]
        view["total"] = chart.get("total")
    elif "value" in chart:
        view["value"] = chart["value"]
        view["value_text"] = _figure(chart["value"], locale)
        view["ratio"] = chart.get("ratio")
    return view


@bp.route("/apps/<app_key>/dashboards")
def dashboards_list(app_key):
    rt = runtime()
    app = form_service.get_app(rt, app_key)
    items = [{**d, "url": url_for("ui.dashboard_page", app_key=app_key, dashboard_key=d["key"]),
              "edit_url": url_for("ui.dashboard_edit", app_key=app_key, dashboard_key=d["key"])} for d in dashboards.list_dashboards(rt, app_key)]
    can_design = permissions.has_capability(rt, actor(), "design")
    return render_template("dashboards.html", app=app, dashboards=items, active_nav="dashboards", can_design=can_design,
                           new_url=url_for("ui.dashboard_new", app_key=app_key))


@bp.route("/apps/<app_key>/dashboards/<dashboard_key>")
def dashboard_page(app_key, dashboard_key):
    rt = runtime()
    locale = request_locale()
    app = form_service.get_app(rt, app_key)
    picked = query_filters(request.args)
    errors: dict[str, str] = {}
    try:
        data = dashboards.dashboard_data(rt, actor(), app_key, dashboard_key, filters=picked)
    except ValidationFailed as exc:  # a bad filter in the URL: shown at its control, the figures without filters
        errors = {e.path.split("/")[2]: e.localized(locale) for e in exc.errors if e.path.startswith("/filters/")}
        data = dashboards.dashboard_data(rt, actor(), app_key, dashboard_key)
    charts = [_chart_view(c, locale, app_key) for c in data["charts"]]
    return render_template("dashboard.html", app=app, dashboard=data, charts=charts, active_nav="dashboards",
                           data_url=url_for("api.dashboard_data", app_key=app_key, dashboard_key=dashboard_key),
                           list_url=url_for("ui.dashboards_list", app_key=app_key), periods=PERIODS, picked=request.args,
                           filter_errors=errors, owner=_owner(rt, picked), teams=_teams(rt),
                           edit_url=url_for("ui.dashboard_edit", app_key=app_key, dashboard_key=dashboard_key)
                           if permissions.has_capability(rt, actor(), "design") else None)


def _owner(rt, picked: dict | None) -> dict:
    """The owner filter's chosen user for the picker (userpicker.js searches the rest on the server): {ids, names}."""
    raw = str((picked or {}).get("owner") or "")
    ids = [int(raw)] if raw.isdigit() else []
    return {"ids": ids, "names": user_service.display_names(rt, ids)}


def _teams(rt) -> list[dict]:
    try:
        return user_service.list_teams(rt, actor())
    except FormflowError:
        return []


def _builder(app_key: str, dashboard_key: str | None):
    rt = runtime()
    if not permissions.has_capability(rt, actor(), "design"):
        abort(403)
    app = form_service.get_app(rt, app_key)
    saved = dashboards.get_dashboard(rt, app_key, dashboard_key) if dashboard_key else None
    config = {"app": app_key, "forms": dashboards.builder_forms(rt, app_key), "locale": request_locale(),
              "definition": saved["definition"] if saved else None, "revision": saved["revision"] if saved else None,
              "save_url": url_for("api.replace_dashboard", app_key=app_key, dashboard_key=dashboard_key) if saved
              else url_for("api.create_dashboard", app_key=app_key),
              "preview_url": url_for("api.preview_dashboard", app_key=app_key),
              "user_names": named_users([saved["definition"]] if saved else []),
              "view_url": url_for("ui.dashboard_page", app_key=app_key, dashboard_key="__key__")}
    title = gettext("dash.edit") if saved else gettext("dash.new")
    return render_template("dashboard_edit.html", app=app, config=config, title=title, saved=saved, active_nav="dashboards",
                           list_url=url_for("ui.dashboards_list", app_key=app_key))


@bp.route("/apps/<app_key>/dashboards/new")
def dashboard_new(app_key):
    return _builder(app_key, None)


@bp.route("/apps/<app_key>/dashboards/<dashboard_key>/edit")
def dashboard_edit(app_key, dashboard_key):
    return _builder(app_key, dashboard_key)
