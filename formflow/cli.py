"""The ``formflow`` command: ``run``, ``init-db``, ``load-templates`` and the rest (a Flask ``FlaskGroup``)."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from engine.api import standalone_openapi_document
from engine.config import SettingError, export_config_file
from formflow import create_app
from formflow.cli_help import LocalizedContext, localize_commands
from formflow.cli_text import say


def _app_factory():
    return create_app()


class FormflowGroup(FlaskGroup):
    """Flask's command group, except that listing the commands (``formflow --help``) never builds the app: building it
    creates the instance folder and its database, which a command that doesn't serve must not leave behind.
    Its help, its commands' and click's own words read in the shell's language (formflow.cli_help)."""

    context_class = LocalizedContext

    def make_context(self, info_name, args, parent=None, **extra):
        localize_commands(self, LocalizedContext(self, info_name=info_name))  # before click reads --help
        try:
            export_config_file()  # FORMFLOW_CONFIG's settings, for the app and for options falling back to variables
        except SettingError as exc:
            raise click.UsageError(str(exc)) from None
        return super().make_context(info_name, args, parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))


@click.group(cls=FormflowGroup, create_app=_app_factory, add_version_option=False)
def cli():
    pass  # help: cli.help.formflow (formflow.cli_help)


@cli.command("init-db")
@with_appcontext
def init_db():
    rt = current_app.extensions["formflow"]
    rt.db.upgrade()
    click.echo(say("database_ready", url=rt.db.engine.url.render_as_string(hide_password=True)))


@cli.command("openapi", with_appcontext=False)
def openapi():
    click.echo(json.dumps(standalone_openapi_document(), indent=2, ensure_ascii=False))


from formflow import access_commands  # noqa: E402,F401  (create-admin, set-password, create-token)
from formflow import crm_commands  # noqa: E402,F401  (load-templates, demo)
from formflow import scheduler_commands  # noqa: E402,F401  (scheduler)
from formflow import import_commands  # noqa: E402,F401  (import)
from formflow import secret_commands  # noqa: E402,F401  (seal-secrets)
from formflow import serve  # noqa: E402,F401  (serve)


def main():
    cli()


if __name__ == "__main__":
    main()
