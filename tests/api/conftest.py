"""Fixtures for API-wide tests: request headers that authenticate as a workspace administrator, the shipped CRM
installed, and people with roles and a bearer token."""
from __future__ import annotations

import pytest

from engine.runtime import Actor
from engine.services import app_templates, credentials, users


@pytest.fixture(scope="module")
def api_headers_for():
    """``api_headers_for(app)`` -> ``Authorization`` headers of a real admin token, made once per app."""
    cache: dict[int, dict] = {}

    def headers(app) -> dict:
        if id(app) not in cache:
            from engine.services import credentials, users

            runtime = app.extensions["formflow"]
            admin = users.create_user(runtime, Actor.system(), "fuzz-admin", display_name="Fuzz admin", roles=["admin"], check=False)
            token = credentials.create_token(runtime, Actor.user(admin["id"]), "fuzz")["token"]
            cache[id(app)] = {"Authorization": f"Bearer {token}"}
        return cache[id(app)]

    return headers


@pytest.fixture
def crm(app):
    """The runtime with the shipped CRM app template installed."""
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    return rt


def person(rt, username, roles):
    """A new user holding *roles*: their id and the ``Authorization`` headers of a token of theirs."""
    u = users.create_user(rt, Actor.system(), username, display_name=username.title(), roles=list(roles), check=False)
    token = credentials.create_token(rt, Actor.user(u["id"], roles=tuple(roles)), "tests")["token"]
    return u["id"], {"Authorization": f"Bearer {token}"}
