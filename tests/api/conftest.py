"""Fixtures for API-wide tests: request headers that authenticate as an administrator."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def api_headers_for():
    """``api_headers_for(app)`` -> headers that authenticate an admin on that app (none needed without auth)."""
    cache: dict[int, dict] = {}

    def headers(app) -> dict:
        if id(app) not in cache:
            cache[id(app)] = {}
        return cache[id(app)]

    return headers
