"""The formflow web application: ``create_app`` wires the engine, the REST API and the designer.

Configuration comes from the environment (``DATABASE_URL``, ``SECRET_KEY``,
``FORMFLOW_TIMEZONE``...) and from the ``config`` mapping given here, which wins.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from engine.runtime import Runtime
from engine.storage.db import default_sqlite_url

#: ceiling over every request body, in bytes; each class of route has its own, lower budget (engine.api.limits)
MAX_CONTENT_LENGTH = 101 * 1024 * 1024


def _secret_key(instance: Path) -> str:
    """A per-installation secret kept in the instance folder (never a shared default)."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    app = Flask(__name__, instance_path=config.pop("INSTANCE_PATH", None) or os.environ.get("FORMFLOW_INSTANCE")
                or str(Path.cwd() / "instance"), instance_relative_config=True)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.update(
        DATABASE_URL=os.environ.get("DATABASE_URL") or default_sqlite_url(instance),
        SECRET_KEY=os.environ.get("SECRET_KEY") or _secret_key(instance),
        TIMEZONE=os.environ.get("FORMFLOW_TIMEZONE", "UTC"),
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        ATTACHMENT_DIR=str(instance / "attachments"),
        INSTALL_TEMPLATES=os.environ.get("FORMFLOW_INSTALL_TEMPLATES", "1") == "1",
        JSON_SORT_KEYS=False,
    )
    app.config.update(config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    rt = Runtime.open(app.config["DATABASE_URL"], clock=app.config.get("CLOCK"), config=app.config)
    app.extensions["formflow"] = rt

    from engine import api
    import designer_ui

    api.init_app(app)
    designer_ui.init_app(app)
    for hook in STARTUP_HOOKS:
        hook(app, rt)
    return app


#: callables (app, runtime) run once the app is wired, e.g. installing the built-in templates on first run
STARTUP_HOOKS: list = []


import formflow.templates  # noqa: E402,F401  (first-run install of the built-in app templates)
