"""``formflow load-templates`` and ``formflow demo``: install the CRM templates again, fill them with demo data."""
from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from formflow.cli import cli
from formflow.cli_text import cli_locale, error_lines, say
from engine import demo as demo_data, i18n
from engine.errors import FormflowError, NotFound
from engine.runtime import Actor
from engine.services import app_templates, forms


@cli.command("load-templates")
@click.option("--template", "template_keys", multiple=True)
@click.option("--app-key", default=None)
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--update", is_flag=True)
@with_appcontext
def load_templates(template_keys, app_key, path, update):

    rt = current_app.extensions["formflow"]
    if update:
        _update_installed(rt, app_key)
        return
    try:
        if path:
            with open(path, encoding="utf-8") as fh:
                definition = json.load(fh)
            apps = [app_templates.install_template(rt, Actor.system(), definition=definition, app_key=app_key)]
        else:
            keys = template_keys or [t["key"] for t in app_templates.list_templates(rt)]
            apps = [app_templates.install_template(rt, Actor.system(), key, app_key=app_key) for key in keys]
    except FormflowError as exc:
        for line in error_lines(exc):
            click.echo(line, err=True)
        raise click.ClickException(exc.localized(cli_locale())) from None
    for app in apps:
        info = app["installed_from"]
        click.echo(say("crm.installed", template=info["key"], version=info["version"], app=repr(app["key"]), count=len(app["forms"])))


def _update_installed(rt, only_app: str | None) -> None:

    for app in forms.list_apps(rt):
        if (only_app and app["key"] != only_app) or not app.get("template"):
            continue
        try:
            offer = app_templates.template_update(rt, app["key"])
        except NotFound:
            continue
        if not offer["update_available"]:
            click.echo(say("crm.up_to_date", app=app["key"], version=offer["installed_version"]))
            continue
        click.echo(say("crm.update_offer", app=app["key"], installed=offer["installed_version"], available=offer["available_version"]))
        for form in offer["forms"]:
            for change in form["applied"]:
                click.echo(say("crm.apply", form=form["form"], change=i18n.words("cli.crm.change.", change["change"]),
                               what=change.get("field_id") or change.get("path") or ""))
            for change in form["kept"]:
                click.echo(say("crm.keep", form=form["form"], change=i18n.words("cli.crm.change.", change["change"]),
                               what=change.get("field_id") or change.get("path") or ""))
        for part in offer["parts"]:
            click.echo(say("crm.part", part=app_templates.part_words(part["part"]), key=part["key"],
                           action=i18n.words("cli.crm.action.", part["action"])))
        try:
            app_templates.apply_template_update(rt, Actor.system(), app["key"], expected_version=offer["available_version"])
        except FormflowError as exc:
            for line in error_lines(exc):
                click.echo(line, err=True)
            raise click.ClickException(exc.localized(cli_locale())) from None
        click.echo(say("crm.updated", app=app["key"], version=offer["available_version"]))


@cli.command("demo")
@click.option("--customers", default=1000, show_default=True, type=click.IntRange(1, 100000))
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--app-key", default="crm", show_default=True)
@with_appcontext
def demo(customers, seed, app_key):

    rt = current_app.extensions["formflow"]
    try:
        forms.get_app(rt, app_key)
    except NotFound:
        if app_key != "crm":
            raise click.ClickException(say("crm.no_app", app=repr(app_key))) from None
        app_templates.install_template(rt, _system(), "crm")
    started = time.monotonic()
    with click.progressbar(length=customers, label=say("crm.demo_progress")) as bar:
        last = [0]

        def progress(done, total):
            bar.update(done - last[0])
            last[0] = done

        result = demo_data.generate(rt, customers=customers, seed=seed, app_key=app_key, progress=progress)
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.as_dict().items())
    click.echo(say("crm.demo_done", app=repr(app_key), counts=counts, seconds=f"{time.monotonic() - started:.0f}"))


def _system():

    return Actor.system()
