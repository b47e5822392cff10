"""Fixtures for approval flows: the sample CRM, people with managers and roles, an ``approval`` slot set and published.

Everything goes through the services and the real database (SQLite and PostgreSQL through ``db_url``).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.runtime import Actor
from engine.services import forms as form_service, permissions, users
from tests.core.sample import install


@dataclass
class Person:
    id: int
    actor: Actor


@pytest.fixture
def people(rt):
    """boss (member, manager of sam), sam and sue (members), carl and cleo (holding the custom role "checker"), root (admin)."""
    admin = Actor.system()
    permissions.save_role(rt, admin, "checker", label="Checker", capabilities=[],
                          default_rights={"create": False, "read": "all", "update": "none", "delete": "none"})
    out = {}
    for name, roles in [("root", ["admin"]), ("boss", ["member"]), ("carl", ["checker"]), ("cleo", ["checker"]),
                        ("sam", ["member"]), ("sue", ["member"])]:
        u = users.create_user(rt, admin, name, display_name=name.title(), roles=roles, check=False,
                              manager_id=out["boss"].id if name == "sam" else None)
        out[name] = Person(u["id"], Actor(u["id"], f"user:{u['id']}", frozenset(roles)))
    return out


@pytest.fixture
def crm(rt):
    install(rt, Actor.system())
    return rt


def set_flow(rt, flow: dict | None, form_key: str = "customer") -> None:
    """Put ``flow`` in the form's ``approval`` slot (None removes it) and publish."""
    admin = Actor.system()
    definition = form_service.get_draft(rt, "crm", form_key)["definition"]
    definition.pop("approval", None)
    if flow is not None:
        definition["approval"] = flow
    form_service.save_draft(rt, admin, "crm", form_key, definition)
    form_service.publish_form(rt, admin, "crm", form_key)
