"""Who may read definitions: form drafts and versions (with their automations), workflows, notification templates.

Definitions are read by the roles that design or operate them, those holding one of
``DEFINITION_READERS`` (admins hold every capability). Everyone else reads only what using a form
needs: the *published* form, and only when their role may create or read its records, without its
automations (``published_form_for_user``). Services call ``require_definition_reader`` before
returning a definition; the REST routes pass the caller, and ``actor=None`` is the engine's own
trusted use (installers, other services).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from engine import i18n
from engine.errors import NotFound, PermissionDenied
from engine.runtime import Actor, Runtime
from engine.services.form_lookup import compiled_form
from engine.services.permissions import capability_words, form_access, has_capability

#: Capabilities that let a role read definitions (designers, operators, template authors and approvers).
DEFINITION_READERS = ("design", "automate", "templates", "approve_templates")
#: Parts of a published form definition a role that only uses the form does not get (they are how it is run).
DESIGN_ONLY_PARTS = ("automations",)


def can_read_definitions(rt: Runtime, actor: Actor | None, conn: sa.Connection | None = None) -> bool:

    if actor is None:
        return True
    return any(has_capability(rt, actor, capability, conn) for capability in DEFINITION_READERS)


def require_definition_reader(rt: Runtime, actor: Actor | None, conn: sa.Connection | None = None) -> None:
    """Refuse (403) unless the actor designs or operates definitions."""
    if not can_read_definitions(rt, actor, conn):
        params = {"capabilities": capability_words(*DEFINITION_READERS)}
        raise PermissionDenied(i18n.render("error.access.read_definitions", "en", params), needed=list(DEFINITION_READERS),
                               message_code="error.access.read_definitions", params=params)


def may_use_form(rt: Runtime, conn: sa.Connection, actor: Actor, app_key: str, form_key: str) -> bool:
    """Whether the actor may create or read records of the form (so may see the published form to use it)."""

    try:
        form = compiled_form(rt, conn, app_key, form_key)
    except NotFound:
        return False
    access = form_access(rt, conn, actor, form)
    return access.unrestricted or access.create or access.read != "none"


def published_form_for_user(definition: dict[str, Any]) -> dict[str, Any]:
    """A published form definition as a role that only uses the form gets it."""
    return {k: v for k, v in definition.items() if k not in DESIGN_ONLY_PARTS}
