"""The REST route modules, imported once by ``engine.api.init_app`` so their routes register.

The features of the write path are not listed here: ``engine.features.FEATURES`` is their one table.
"""
from __future__ import annotations

#: REST route modules, imported by ``engine.api.init_app``; one line per area
ROUTE_MODULES: list[str] = [
    "engine.api.routes",
    "engine.api.rules_routes",
    "engine.api.notifications",
    "engine.api.routes_ui_support",
    "engine.api.routes_workflows",
    "engine.api.access_routes",
    "engine.api.app_templates_routes",
    "engine.api.app_admin_routes",
    "engine.api.dashboard_routes",
    "engine.api.web_form_routes",
    "engine.api.workspace_routes",
    "engine.api.import_routes",
    "engine.api.approval_routes",
    "engine.api.live_routes",
    "engine.api.field_choice_routes",
    "engine.api.field_type_routes",
    "engine.api.field_usage_routes",
    "engine.api.form_version_routes",
    "engine.api.view_routes",
    "engine.api.comment_routes",
    "engine.api.print_routes",
    "engine.api.formula_routes",
]
