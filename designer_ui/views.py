"""Pages: the start page (apps and forms), the designer, generated forms, lists, inbox."""
from __future__ import annotations

from flask import current_app, render_template, request

from designer_ui import bp
from engine.services import forms as form_service


def _runtime():
    return current_app.extensions["formflow"]


def _locale() -> str:
    wanted = request.args.get("lang") or request.cookies.get("lang")
    if wanted in ("en", "zh-CN"):
        return wanted
    return request.accept_languages.best_match(["en", "zh-CN", "zh"], "en").replace("zh", "zh-CN").replace("zh-CN-CN", "zh-CN")


@bp.route("/")
def index():
    return render_template("index.html", apps=form_service.list_apps(_runtime()), locale=_locale())
