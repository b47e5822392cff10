"""The dashboard pages: an app's dashboards, and one dashboard drawn with the vendored Chart.js.

The figures come from ``engine.services.dashboards.dashboard_data`` (computed in
the database for the signed-in user); the page carries them twice: as HTML
tables (readable without JavaScript and by screen readers) and as a JSON data
block that ``static/dashboard.js`` draws (no inline script under the CSP).
"""
from __future__ import annotations

from flask import render_template, url_for

from designer_ui import bp
from designer_ui.i18n import label_text, request_locale
from designer_ui.views import actor, runtime
from engine.services import dashboards
from engine.services import forms as form_service


def _figure(value, locale: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _chart_view(chart: dict, locale: str) -> dict:
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
                         "share": g.get("share"), "ratio": g.get("ratio")} for lab, g in zip(view["labels"], chart["groups"])]
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
    items = [{**d, "url": url_for("ui.dashboard_page", app_key=app_key, dashboard_key=d["key"])} for d in dashboards.list_dashboards(rt, app_key)]
    return render_template("dashboards.html", app=app, dashboards=items, active_nav="dashboards")


@bp.route("/apps/<app_key>/dashboards/<dashboard_key>")
def dashboard_page(app_key, dashboard_key):
    rt = runtime()
    locale = request_locale()
    app = form_service.get_app(rt, app_key)
    data = dashboards.dashboard_data(rt, actor(), app_key, dashboard_key)
    charts = [_chart_view(c, locale) for c in data["charts"]]
    return render_template("dashboard.html", app=app, dashboard=data, charts=charts, active_nav="dashboards",
                           data_url=url_for("api.dashboard_data", app_key=app_key, dashboard_key=dashboard_key),
                           list_url=url_for("ui.dashboards_list", app_key=app_key))
