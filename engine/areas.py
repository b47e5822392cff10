"""The engine's feature areas, imported once per process so their hooks register.

Each area (rules integration, automations, workflows, permissions, apps...)
is a module that appends to the hook lists of ``engine.services`` (for
example ``records.EFFECT_STAGES`` or ``forms.PUBLISH_CHECKS``) at import
time. Add one line here per area; order is the order hooks run in.
"""
from __future__ import annotations

import importlib

AREAS: list[str] = [
    "engine.formrules",
    "engine.autofill",
    "engine.automations",
    "engine.services.permissions",
    "engine.services.attachments",
    "engine.dedup",
    "engine.workflows.planner",
    "engine.services.dashboards",
    "engine.services.approvals",
]

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
    "engine.api.import_routes",
    "engine.api.approval_routes",
    "engine.api.live_routes",
    "engine.api.field_choice_routes",
]

_loaded = False


def load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in AREAS:
        importlib.import_module(name)
