"""The ``formflow`` command: ``run``, ``init-db``, ``load-templates`` and the rest (a Flask ``FlaskGroup``)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from formflow import create_app


def _app_factory():
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app_factory, add_version_option=False)
def cli():
    """formflow: a no-code CRM engine."""


@cli.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema (idempotent)."""
    rt = current_app.extensions["formflow"]
    rt.db.upgrade()
    click.echo(f"database ready: {rt.db.engine.url.render_as_string(hide_password=True)}")


@cli.command("openapi")
@with_appcontext
def openapi():
    """Print the OpenAPI document."""
    import json

    from engine.api import openapi_document

    click.echo(json.dumps(openapi_document(), indent=2, ensure_ascii=False))


from formflow import access_commands  # noqa: E402,F401  (create-admin, set-password, create-token)
from formflow import crm_commands  # noqa: E402,F401  (load-templates, demo)
from formflow import scheduler_commands  # noqa: E402,F401  (scheduler)
from formflow import import_commands  # noqa: E402,F401  (import)
from formflow import secret_commands  # noqa: E402,F401  (seal-secrets)


def main():
    cli()


if __name__ == "__main__":
    main()
