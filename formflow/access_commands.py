"""``formflow create-admin``, ``set-password`` and ``create-token``: the way in before anyone can sign in."""
from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.errors import FormflowError
from engine.runtime import Actor
from engine.services import credentials
from engine.services import users as user_service
from formflow.cli import cli
from formflow.cli_text import refusal, say
import sqlalchemy as sa
from engine.storage.tables import users

#: the command line acts as the installer (whoever can run it owns the database anyway)
INSTALLER = Actor(None, "cli", frozenset({"admin"}))


def _user_id(rt, username: str) -> int:


    with rt.db.read() as conn:
        uid = conn.execute(sa.select(users.c.id).where(sa.func.lower(users.c.username) == username.lower(),
                                                       users.c.workspace_id == rt.workspace_id)).scalar()
    if uid is None:
        raise click.ClickException(say("no_user", name=repr(username)))
    return uid


def _password(generate: bool) -> tuple[str, bool]:
    if generate:
        return secrets.token_urlsafe(12), True
    return click.prompt(say("access.password_prompt"), hide_input=True, confirmation_prompt=True), False


@cli.command("create-admin")
@click.argument("username")
@click.option("--display-name", default=None)
@click.option("--email", default=None)
@click.option("--generate-password", is_flag=True)
@with_appcontext
def create_admin(username, display_name, email, generate_password):
    rt = current_app.extensions["formflow"]
    password, generated = _password(generate_password)
    try:
        user = user_service.create_user(rt, INSTALLER, username, password=password, display_name=display_name, email=email,
                                        roles=["admin"], check=False)
    except FormflowError as exc:
        raise click.ClickException(refusal(exc)) from None
    click.echo(say("access.admin_created", name=repr(user["username"]), id=user["id"]))
    if generated:
        click.echo(say("access.password_once", password=password))


@cli.command("set-password")
@click.argument("username")
@click.option("--generate-password", is_flag=True)
@with_appcontext
def set_password(username, generate_password):
    rt = current_app.extensions["formflow"]
    uid = _user_id(rt, username)
    password, generated = _password(generate_password)
    try:
        user_service.set_password(rt, INSTALLER, uid, password, check=False)
    except FormflowError as exc:
        raise click.ClickException(refusal(exc)) from None
    click.echo(say("access.password_changed", name=repr(username)))
    if generated:
        click.echo(say("access.password_once", password=password))


@cli.command("create-token")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--days", default=credentials.TOKEN_DEFAULT_DAYS, show_default=True, type=int)
@with_appcontext
def create_token(username, name, days):
    rt = current_app.extensions["formflow"]
    uid = _user_id(rt, username)
    try:
        token = credentials.create_token(rt, Actor(uid, f"user:{uid}", frozenset()), name, expires_in_days=days)
    except FormflowError as exc:
        raise click.ClickException(refusal(exc)) from None
    click.echo(token["token"])
    click.echo(say("access.token_made", prefix=token["prefix"], expires=token["expires_at"], id=token["id"]), err=True)
