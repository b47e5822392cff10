"""The web designer and the generated forms: a Flask blueprint over the engine services.

Views only translate between HTTP and ``engine.services``; every behaviour
lives in the engine. Front-end libraries are vendored under ``static/vendor``.
"""
from __future__ import annotations

from flask import Flask

from designer_ui.blueprint import bp  # first: the view modules below register on it
from designer_ui import (  # noqa: F401  (each view module registers its routes on bp)
    admin_views,
    app_admin_views,
    auth_views,
    board_views,
    dashboard_views,
    editor_views,
    error_pages,
    field_widgets,
    i18n,
    password_link_views,
    profile_views,
    public_form_views,
    public_link_views,
    views,
    workspace_views,
)


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    field_widgets.init_app(app)  # the field types' form widgets, and their messages
    auth_views.init_app(app)
    app.register_blueprint(bp)
    error_pages.init_app(app)  # an unknown address: the app's page in the reader's language, JSON under /api
    public_form_views.init_app(app)  # its own blueprint: outside the sign-in wall
