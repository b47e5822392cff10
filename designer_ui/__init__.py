"""The web designer and the generated forms: a Flask blueprint over the engine services.

Views only translate between HTTP and ``engine.services``; every behaviour
lives in the engine. Front-end libraries are vendored under ``static/vendor``.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")  # the app keeps /static


def init_app(app: Flask) -> None:
    from designer_ui import auth_views, dashboard_views, i18n, public_form_views, views  # noqa: F401  (route registration)
    from designer_ui import editor_views  # noqa: F401  (automation, workflow and template editors)
    from designer_ui import profile_views  # noqa: F401  (the user's own profile, password, tokens)
    from designer_ui import admin_views, app_admin_views  # noqa: F401  (people and access; apps and forms as a whole)
    from designer_ui import public_link_views, workspace_views  # noqa: F401  (public links; workspace settings and audit)
    from designer_ui import field_widgets

    i18n.init_app(app)
    field_widgets.init_app(app)  # the field types' form widgets, and their messages
    auth_views.init_app(app)
    app.register_blueprint(bp)
    public_form_views.init_app(app)  # its own blueprint: outside the sign-in wall
