"""Fixtures for API-wide tests: request headers that authenticate as a workspace administrator."""
from __future__ import annotations

import pytest

from engine.runtime import Actor


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
