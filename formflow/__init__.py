"""The formflow web application: ``create_app`` wires the engine, the REST API and the designer.

Configuration comes from ``engine.config``'s table of settings (the environment, over an optional
``FORMFLOW_CONFIG`` file) and from the ``config`` mapping given here, which wins.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from engine.api import health_routes
from engine.config import SETTINGS, load_settings
from engine.runtime import Runtime
from engine.storage.db import default_sqlite_url
from formflow import static_assets
from formflow.json_provider import OrjsonProvider
import designer_ui
from engine import api

#: ceiling over every request body, in bytes; each class of route has its own, lower budget (engine.api.limits)
MAX_CONTENT_LENGTH = 101 * 1024 * 1024
#: settings that are options of a command (`formflow serve`, `formflow scheduler`), not of the application
COMMAND_ONLY_KEYS = frozenset(s.key for s in SETTINGS if s.command_only)


def _secret_key(instance: Path) -> str:
    """A per-installation secret kept in the instance folder (never a shared default)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    settings = {k: v for k, v in load_settings().items() if k not in COMMAND_ONLY_KEYS}  # file, then environment
    app = Flask(__name__, instance_path=config.pop("INSTANCE_PATH", None) or settings.pop("INSTANCE_PATH", None)
                or str(Path.cwd() / "instance"), instance_relative_config=True)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(
        TIMEZONE="UTC",
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        ATTACHMENT_DIR=str(instance / "attachments"),
        INSTALL_TEMPLATES=True,
        JSON_SORT_KEYS=False,
    )
    app.config.update(settings)
    app.config.update(config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = default_sqlite_url(instance)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.json = OrjsonProvider(app)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    rt = Runtime.open(app.config["DATABASE_URL"], clock=app.config.get("CLOCK"), config=app.config)
    app.extensions["formflow"] = rt


    api.init_app(app)
    health_routes.init_app(app)  # /healthz, /readyz, /metrics and the request metrics
    designer_ui.init_app(app)
    static_assets.init_app(app, Path(designer_ui.__file__).parent / "static")
    for hook in STARTUP_HOOKS:
        hook(app, rt)
    return app


#: callables (app, runtime) run once the app is wired, e.g. installing the built-in templates on first run
STARTUP_HOOKS: list = []


import formflow.templates  # noqa: E402,F401  (first-run install of the built-in app templates)
