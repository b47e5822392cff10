"""Who is calling the API: resolves ``g.actor`` for every request.

The permissions area replaces ``resolve_actor`` with token and session login;
until then every request acts as the workspace system actor.
"""
from __future__ import annotations

from flask import Flask, g

from engine.runtime import Actor


def resolve_actor() -> Actor:
    return Actor.system()


def init_app(app: Flask) -> None:
    @app.before_request
    def _set_actor():
        g.actor = resolve_actor()
