"""Fixtures for the security suite: a small CRM, people in each built-in role with real API tokens, anonymous clients.

Every fixture goes through the services and the real database (SQLite and
PostgreSQL through ``app``); nothing is mocked.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.runtime import Actor
from engine.services import credentials, forms as form_service, permissions, records as record_service, users
from tests.core.sample import install

#: a value stored in a field hidden from members; it must never appear in anything a member receives
HIDDEN_MARKER = "hidden-marker-7f3a@example.com"


@dataclass
class Person:
    id: int
    username: str
    token: str
    client: object
    actor: Actor


def bearer_client(app, token: str | None):
    c = app.test_client()
    if token:
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return c


@pytest.fixture
def rt(app):
    """The app's own runtime (so services and HTTP see the same database and clock)."""
    return app.extensions["formflow"]


@pytest.fixture
def anon(app):
    return app.test_client()


@pytest.fixture
def people(app, rt):
    """One user per role, each with a real API token: root (admin), bella (builder), otto (ops), ann, bob and mia (members), vic (viewer)."""
    out = {}
    for username, roles in [("root", ["admin"]), ("bella", ["builder"]), ("otto", ["ops"]), ("ann", ["member"]),
                            ("bob", ["member"]), ("vic", ["viewer"]), ("mia", ["member"])]:
        u = users.create_user(rt, Actor.system(), username, roles=roles, check=False)
        actor = Actor(u["id"], f"user:{u['id']}", frozenset(roles))
        token = credentials.create_token(rt, actor, "tests")["token"]
        out[username] = Person(u["id"], username, token, bearer_client(app, token), actor)
    return out


@pytest.fixture
def crm(rt, people):
    """The sample CRM with customers: members may not see ``email`` and may only read ``level``; one record per member."""
    install(rt, Actor.system())
    admin = people["root"].actor
    permissions.set_grant(rt, admin, "crm", "customer", "member", {
        "create": True, "read": "own", "update": "own", "delete": "own", "fields": {"email": "hidden", "level": "read"}})
    permissions.set_grant(rt, admin, "crm", "customer", "viewer", {"read": "all", "fields": {"email": "hidden"}})
    ids = {}
    for who in ("ann", "bob"):
        rec = record_service.create_record(rt, Actor.system(), "crm", "customer",
                                           {"name": f"{who} customer", "email": HIDDEN_MARKER, "level": "key", "phone": "13800138000"},
                                           owner_id=people[who].id)
        ids[who] = rec["id"]
        record_service.update_record(rt, Actor.system(), "crm", "customer", rec["id"], {"email": "x" + HIDDEN_MARKER})
        record_service.update_record(rt, Actor.system(), "crm", "customer", rec["id"], {"email": HIDDEN_MARKER})
    return ids


#: a form with two attachment fields; members and viewers may not see ``secret_file``
DOCS = {"key": "doc", "label": "Document", "fields": [
    {"id": "title", "type": "text"},
    {"id": "file", "type": "attachment"},
    {"id": "secret_file", "type": "attachment"},
]}


@pytest.fixture
def files(rt, people):
    """The ``files/doc`` form published, ``secret_file`` hidden from members and viewers; returns its records URL."""
    system = Actor.system()
    form_service.create_app(rt, system, "files", "Files")
    form_service.create_form(rt, system, "files", DOCS)
    form_service.publish_form(rt, system, "files", "doc")
    admin = people["root"].actor
    permissions.set_grant(rt, admin, "files", "doc", "member", {"create": True, "read": "own", "update": "own",
                                                                "fields": {"secret_file": "hidden"}})
    permissions.set_grant(rt, admin, "files", "doc", "viewer", {"read": "all", "fields": {"secret_file": "hidden"}})
    return "/api/apps/files/forms/doc/records"
